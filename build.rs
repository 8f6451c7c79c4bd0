//! Generates the rule registry from `rules/*.md`, the single source of truth
//! for each rule's id, severity and documentation. Every document must name a
//! module `src/rules/<id with _>.rs` exporting `check`; a document without a
//! rule (or with malformed front matter) fails the build.
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    flatten();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut docs: Vec<_> = std::fs::read_dir(&dir)
        .expect("rules/ directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    let mut out = String::from("pub static RULES: &[RuleMeta] = &[\n");
    for path in &docs {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(path).expect("readable rule doc");
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        let front = front_matter(&text)
            .unwrap_or_else(|| panic!("{}: missing `---` front matter", path.display()));
        let get = |key: &str| {
            front
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("{}: front matter lacks `{key}`", path.display()))
        };
        let id = get("id");
        assert_eq!(id, stem, "{}: id must equal the file name", path.display());
        let severity = match get("severity").as_str() {
            "error" => "Severity::Error",
            "warning" => "Severity::Warning",
            "note" => "Severity::Note",
            other => panic!("{}: unknown severity {other}", path.display()),
        };
        let module = id.replace('-', "_");
        writeln!(
            out,
            "    RuleMeta {{ id: {id:?}, default_severity: {severity}, since: {since:?}, summary: {summary:?}, doc: include_str!({path:?}), check: {module}::check }},",
            since = get("since"),
            summary = get("summary"),
            path = path.display().to_string(),
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("registry.rs");
    std::fs::write(dest, out).unwrap();
}

fn front_matter(text: &str) -> Option<Vec<(String, String)>> {
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")?;
    Some(
        rest[..end]
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect(),
    )
}

/// Compiles src/flatten.c against tree-sitter's internal headers: the
/// vendored tree-sitter crate publishes its `include` directory
/// (`DEP_TREE_SITTER_INCLUDE`); its sources, with the internal headers, sit
/// beside it.
fn flatten() {
    println!("cargo:rerun-if-changed=src/flatten.c");
    let include = std::path::PathBuf::from(
        std::env::var("DEP_TREE_SITTER_INCLUDE").expect("tree-sitter publishes its include path"),
    );
    let src = include
        .parent()
        .expect("tree-sitter's crate directory")
        .join("src");
    cc::Build::new()
        .file("src/flatten.c")
        .include(&include)
        .include(&src)
        .std("c11")
        .warnings(false)
        .compile("mapvet_flatten");
}
