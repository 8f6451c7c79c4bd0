//! Syntax the grammar does not understand — mistakes, truncated files, Go
//! newer than tree-sitter-go — is checked outside the damaged region and
//! reported as a warning: each file named when there are few, counted when
//! there are many (testdata trees, a new feature used everywhere), every
//! one listed with `--verbose`.

use std::path::{Path, PathBuf};

mod common;
use common::{mapvet, write};

fn scratch(name: &str) -> PathBuf {
    common::scratch("syntax", name)
}

/// (path, line) of each finding in a JSON report.
fn findings(stdout: &str) -> Vec<(String, u64)> {
    let v: serde_json::Value = serde_json::from_str(stdout).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Go 1.26 allows `new(expr)`; tree-sitter-go 0.25 gives an ERROR node.
const NEW_EXPR: &str = "package p\n\nfunc ptr() *int {\n\treturn new(42)\n}\n\nfunc g() {\n\tvar m map[string]int\n\tm[\"a\"] = 1\n}\n";
/// Cut short: no closing brace and no final newline (a MISSING node).
const TRUNCATED: &str = "package p\n\nfunc t() {\n\tvar m map[string]int\n\tm[\"a\"] = 1";
/// Valid Go without a final newline.
const NO_NEWLINE: &str = "package p\n\nfunc n() {\n\tvar m map[string]int\n\tm[\"a\"] = 1\n}";

#[test]
fn newer_syntax_and_truncated_files_are_checked_outside_the_damage() {
    let d = scratch("few");
    write(&d, "newexpr.go", NEW_EXPR);
    write(&d, "truncated.go", TRUNCATED);
    write(&d, "nonewline.go", NO_NEWLINE);
    let r = mapvet(&d, &["check", "--format", "json"]);
    assert_eq!(r.code, 1, "syntax errors are warnings: {}", r.stderr);
    assert_eq!(
        findings(&r.stdout),
        vec![
            ("newexpr.go".to_string(), 9),
            ("nonewline.go".to_string(), 5),
            ("truncated.go".to_string(), 5),
        ],
        "{}",
        r.stderr
    );
    // Few files: each is named, with where the parser gave up.
    assert!(
        r.stderr.contains(
            "mapvet: warning: newexpr.go: syntax error at 4:13 (or syntax newer than the grammar); checked outside the damaged region"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("mapvet: warning: truncated.go: syntax error at 5:12"),
        "the MISSING brace at the end is found: {}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("nonewline.go"),
        "a missing final newline is valid Go: {}",
        r.stderr
    );
    // The text summary counts them.
    let r = mapvet(&d, &["check"]);
    assert!(
        r.stderr
            .contains("found 3 problems in 3 files (3 files checked, 2 with syntax errors)"),
        "{}",
        r.stderr
    );
}

#[test]
fn many_files_with_syntax_errors_are_counted_and_listed_with_verbose() {
    let d = scratch("many");
    for i in 0..5 {
        write(&d, &format!("broken{i}.go"), "package p\n\nfunc f( {\n");
    }
    write(&d, "ok.go", NEW_EXPR.replace("func g", "func ok").as_str());
    let r = mapvet(&d, &["check"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "mapvet: warning: 6 files have syntax errors (or syntax newer than mapvet's Go grammar) and were checked outside the damaged regions; --verbose lists them"
        ),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("broken0.go"), "{}", r.stderr);
    assert!(
        r.stderr.contains("(6 files checked, 6 with syntax errors)"),
        "{}",
        r.stderr
    );
    let r = mapvet(&d, &["check", "--verbose"]);
    for i in 0..5 {
        assert!(
            r.stderr.contains(&format!(
                "mapvet: warning: broken{i}.go: syntax error at 3:"
            )),
            "{}",
            r.stderr
        );
    }
    assert!(
        r.stderr
            .contains("mapvet: warning: ok.go: syntax error at 4:13")
    );
    assert!(!r.stderr.contains("6 files have syntax errors"));
}

#[test]
fn syntax_errors_are_in_the_report_not_among_the_problems() {
    let report = mapvet::check_package_sources(
        Path::new("p"),
        vec![
            (PathBuf::from("p/t.go"), TRUNCATED.to_string(), true),
            (PathBuf::from("p/n.go"), NO_NEWLINE.to_string(), true),
        ],
        &mapvet::Options::default(),
    );
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.syntax_errors.len(), 1, "{:?}", report.syntax_errors);
    assert_eq!(report.syntax_errors[0].path, "p/t.go");
    assert!(!report.syntax_errors[0].is_error);
    assert_eq!(report.findings.len(), 2);
    assert_eq!(report.exit_code(), 1);
}
