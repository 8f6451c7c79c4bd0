//! The files that wire mapvet into GitHub Actions and pre-commit.

use regex::Regex;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn read(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

#[test]
fn action_uses_only_declared_inputs_and_passes_them_through_env() {
    let action = read("action.yml");
    let block = action
        .split("\ninputs:\n")
        .nth(1)
        .unwrap()
        .split("\nruns:\n")
        .next()
        .unwrap();
    let declared: BTreeSet<String> = Regex::new(r"(?m)^  ([a-z][a-z0-9-]*):$")
        .unwrap()
        .captures_iter(block)
        .map(|c| c[1].to_string())
        .collect();
    let used: BTreeSet<String> = Regex::new(r"\$\{\{\s*inputs\.([a-z0-9-]+)\s*\}\}")
        .unwrap()
        .captures_iter(&action)
        .map(|c| c[1].to_string())
        .collect();
    assert!(!declared.is_empty());
    assert_eq!(
        used, declared,
        "every input declared is used and every input used is declared"
    );
    // No `${{ }}` expansion inside a `run:` script (template injection).
    for script in action.split("run: |").skip(1) {
        let body = script.split("\n    - ").next().unwrap();
        assert!(
            !body.contains("${{"),
            "expression inside a run script:\n{body}"
        );
    }
    assert!(action.contains("--format github"));
    assert!(action.contains("cargo install --locked --path \"$GITHUB_ACTION_PATH\""));
}

#[test]
fn pre_commit_hook_runs_the_check_on_go_files() {
    let hooks = read(".pre-commit-hooks.yaml");
    for line in [
        "- id: mapvet",
        "entry: mapvet check",
        "language: rust",
        "types: [go]",
    ] {
        assert!(hooks.contains(line), "missing `{line}`");
    }
    // pre-commit installs with `cargo install --path .`: the root manifest is
    // a package, not a virtual workspace.
    assert!(read("Cargo.toml").contains("[package]"));
}

#[test]
fn github_annotations() {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    let report = mapvet::check_paths(
        &[PathBuf::from("tests/data/output")],
        &mapvet::Options::default(),
    );
    let out = mapvet::output::github::render(&report);
    let first = out.lines().next().unwrap();
    assert_eq!(
        first,
        "::error file=tests/data/output/main.go,line=13,col=3,endLine=13,endColumn=12,title=mapvet nil-map-write::write to nil map counts%0Ahelp: make the map before writing to it: counts = make(map[string]int)"
    );
    assert_eq!(out.lines().count(), report.findings.len());
}
