//! The language server's path: re-linting one file after a keystroke, in a
//! package of 50 files, with a 3,000-line file being edited. The target is
//! under 10 ms per keystroke on a 2-core machine.
//!
//! `cargo bench --bench relint`. Besides the synthetic package (always
//! there), `net/http` of the Go tree is measured when `GOROOT_SRC` or
//! /usr/local/go/src has it (server.go: 4,000 lines in a package of 60+
//! files).

use criterion::{Criterion, criterion_group, criterion_main};
use mapvet::lsp::document::point_of;
use mapvet::lsp::engine::{Buffer, Engine};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use tree_sitter::{InputEdit, Point, Tree};

/// One function of the synthetic package: maps, a mutex, goroutines,
/// ranges, defers; about 30 lines.
fn function(out: &mut String, name: &str) {
    let _ = write!(
        out,
        r#"
func (s *Store) {name}(keys []string, ch chan string) map[string]int {{
	counts := make(map[string]int)
	var seen map[string]bool
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range keys {{
		counts[k] += i
		if len(k) > 3 {{
			s.items[k] = i
		}}
	}}
	go func() {{
		for k := range counts {{
			ch <- k
		}}
	}}()
	for k, v := range s.items {{
		if v > 10 {{
			delete(s.items, k)
		}}
	}}
	if seen == nil {{
		seen = map[string]bool{{}}
	}}
	seen["{name}"] = true
	total := 0
	for _, v := range counts {{
		total += v
	}}
	counts["total"] = total
	return counts
}}
"#
    );
}

fn file(package_index: usize, functions: usize) -> String {
    let mut s = String::from("package bench\n\nimport \"sync\"\n");
    if package_index == 0 {
        s.push_str(
            "\ntype Store struct {\n\tmu    sync.Mutex\n\titems map[string]int\n}\n\nvar _ sync.Locker\n",
        );
    } else {
        s.push_str("\nvar _ sync.Locker\n");
    }
    for f in 0..functions {
        function(&mut s, &format!("F{package_index}x{f}"));
    }
    s
}

/// Writes the synthetic package: file 0 has about 3,000 lines, the 49
/// others about 300 each.
fn synthetic() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mapvet-bench-relint-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..50 {
        let n = if i == 0 { 97 } else { 10 };
        std::fs::write(dir.join(format!("f{i:02}.go")), file(i, n)).unwrap();
    }
    dir
}

/// An editing session on `target`: each keystroke inserts or deletes one
/// character in the middle of the file, edits the tree and re-lints.
struct Session {
    engine: Engine,
    target: PathBuf,
    text: String,
    tree: Option<Tree>,
    version: i32,
    at: usize,
    inserted: bool,
}

impl Session {
    fn new(target: &Path) -> Session {
        let text = std::fs::read_to_string(target).unwrap();
        // In an identifier inside a function body past the middle.
        let mid = text.len() / 2;
        let at = ["total := 0", "err != nil"]
            .iter()
            .find_map(|w| text[mid..].find(w))
            .map(|i| mid + i + 2)
            .expect("a place to type");
        let mut s = Session {
            engine: Engine::new(None),
            target: target.to_path_buf(),
            text,
            tree: None,
            version: 0,
            at,
            inserted: false,
        };
        s.relint(); // the first lint parses everything and fills the caches
        s
    }

    fn keystroke(&mut self) -> usize {
        let (start, old_end, new_end) = if self.inserted {
            self.text.remove(self.at);
            (self.at, self.at + 1, self.at)
        } else {
            self.text.insert(self.at, 'x');
            (self.at, self.at, self.at + 1)
        };
        self.inserted = !self.inserted;
        if let Some(t) = &mut self.tree {
            // One ASCII character on one line: columns move by one.
            let p = point_of(&self.text, start);
            t.edit(&InputEdit {
                start_byte: start,
                old_end_byte: old_end,
                new_end_byte: new_end,
                start_position: p,
                old_end_position: Point::new(p.row, p.column + (old_end - start)),
                new_end_position: Point::new(p.row, p.column + (new_end - start)),
            });
        }
        self.relint()
    }

    fn relint(&mut self) -> usize {
        self.version += 1;
        let (target, version, text, tree) = (
            self.target.clone(),
            self.version,
            self.text.clone(),
            self.tree.clone(),
        );
        let mut given = Some((text, tree));
        let mut buffer = |p: &Path, _known: Option<i32>| {
            if p == target {
                match given.take() {
                    Some((text, tree)) => Buffer::Changed {
                        version,
                        text,
                        tree,
                    },
                    None => Buffer::Unchanged,
                }
            } else {
                Buffer::Closed
            }
        };
        let linted = self.engine.lint(&self.target, &mut buffer);
        self.tree = linted.tree.map(|(_, t)| t);
        linted.findings.len()
    }
}

fn bench(c: &mut Criterion) {
    let dir = synthetic();
    let mut group = c.benchmark_group("relint");
    group.sample_size(30);
    let mut s = Session::new(&dir.join("f00.go"));
    let lines = s.text.lines().count();
    group.bench_function(
        format!("synthetic: keystroke in {lines}-line file, 50 files"),
        |b| b.iter(|| s.keystroke()),
    );
    // The cold path: a fresh engine parses and analyzes the whole package.
    group.bench_function("synthetic: first lint (cold caches)", |b| {
        b.iter(|| Session::new(&dir.join("f00.go")).version)
    });
    let goroot = std::env::var_os("GOROOT_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/local/go/src"));
    let server = goroot.join("net/http/server.go");
    if server.is_file() {
        let mut s = Session::new(&server);
        let lines = s.text.lines().count();
        group.bench_function(
            format!("net/http: keystroke in server.go ({lines} lines)"),
            |b| b.iter(|| s.keystroke()),
        );
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
