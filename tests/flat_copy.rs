//! The analysis reads a flat copy of tree-sitter's tree (src/syntax.rs,
//! made by src/flatten.c from tree-sitter's internals). The copy must be
//! the tree tree-sitter's own cursor shows: same nodes, kinds, ranges,
//! flags, fields, children.
//!
//! Always over every fixture; over every `.go` file of the real corpus with
//! `MAPVET_CORPUS_SWEEP=1` (`.ci/run` does, in a release build):
//!
//! ```sh
//! MAPVET_CORPUS_SWEEP=1 cargo test --release --test flat_copy -- --nocapture
//! ```

#[path = "common/corpus.rs"]
mod corpus;

use rayon::prelude::*;
use std::path::{Path, PathBuf};

fn go_files(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "go"))
        .map(|e| e.into_path())
        .collect()
}

/// The differences found in `files` (unreadable and non-UTF-8 files are
/// not mapvet's to parse, and are passed over).
fn differences(files: &[PathBuf]) -> Vec<String> {
    files
        .par_iter()
        .flat_map_iter(|path| {
            let Ok(text) = std::fs::read_to_string(path) else {
                return Vec::new();
            };
            let Some(tree) = mapvet::parse_text(&text, None) else {
                return Vec::new();
            };
            let Some(flat) = mapvet::syntax::SyntaxTree::new(&tree, &text) else {
                return vec![format!("{}: no copy", path.display())];
            };
            mapvet::syntax::compare(tree.root_node(), flat.root_node())
                .into_iter()
                .map(|d| format!("{}: {d}", path.display()))
                .collect()
        })
        .collect()
}

#[test]
fn the_copy_is_the_tree_on_every_fixture() {
    let files = go_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"));
    assert!(files.len() > 50, "fixtures found: {}", files.len());
    let diffs = differences(&files);
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

#[test]
fn the_copy_is_the_tree_on_the_corpus() {
    if std::env::var("MAPVET_CORPUS_SWEEP").as_deref() != Ok("1") {
        eprintln!("note: skipped; set MAPVET_CORPUS_SWEEP=1 to run it (see tests/flat_copy.rs)");
        return;
    }
    let roots = corpus::corpus_dirs();
    assert!(!roots.is_empty(), "no corpus installed");
    let files: Vec<PathBuf> = roots.iter().flat_map(|r| go_files(r)).collect();
    let diffs = differences(&files);
    eprintln!(
        "flat copy checked on {} files: {} differences",
        files.len(),
        diffs.len()
    );
    assert!(
        diffs.is_empty(),
        "{}",
        diffs
            .iter()
            .take(50)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
