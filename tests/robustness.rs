//! Hostile input: deeply nested code, long chains, many functions. Each case
//! must finish without a panic or a stack overflow (test threads have small
//! stacks, which makes this a real check), and where the input has a clear
//! finding outside the pathological part, report it.

use mapvet::{Options, check_package_sources};
use std::path::PathBuf;

fn lint(name: &str, src: String) -> mapvet::Report {
    check_package_sources(
        &PathBuf::from("hostile"),
        vec![(PathBuf::from(format!("hostile/{name}.go")), src, true)],
        &Options::default(),
    )
}

const N: usize = 10_000;

#[test]
fn nested_blocks() {
    lint(
        "blocks",
        format!(
            "package p\nfunc f() {{\n{}var m map[string]int; m[\"a\"] = 1{}\n}}\n",
            "{".repeat(N),
            "}".repeat(N)
        ),
    );
}

#[test]
fn nested_parentheses_and_composites() {
    lint(
        "parens",
        format!(
            "package p\nfunc f() int {{ return {}1{} }}\n",
            "(".repeat(N),
            ")".repeat(N)
        ),
    );
    lint(
        "composite",
        format!(
            "package p\nvar x = {}1{}\n",
            "[]any{".repeat(N),
            "}".repeat(N)
        ),
    );
}

#[test]
fn long_chains() {
    let ands = vec!["m != nil"; N].join(" && ");
    lint(
        "ands",
        format!("package p\nfunc f(m map[string]int) {{ if {ands} {{ m[\"a\"] = 1 }} }}\n"),
    );
    lint(
        "selectors",
        format!("package p\nfunc f(x T) {{ _ = x{} }}\n", ".a".repeat(N)),
    );
}

#[test]
fn nested_closures_and_loops() {
    let n = 2_000;
    lint(
        "closures",
        format!(
            "package p\nfunc f() {{\n{}var m map[string]int; m[\"a\"] = 1\n{}}}\n",
            "func() {\n".repeat(n),
            "}()\n".repeat(n)
        ),
    );
    lint(
        "loops",
        format!(
            "package p\nfunc f(m map[string]int, c bool) {{\n{}m[\"a\"] = 1\n{}}}\n",
            "for c {\n".repeat(60),
            "}\n".repeat(60)
        ),
    );
}

#[test]
fn many_functions_are_all_checked() {
    let n = 5_000;
    let src: String = std::iter::once("package p\n".to_string())
        .chain((0..n).map(|i| format!("func f{i}() {{ var m map[string]int; m[\"a\"] = {i} }}\n")))
        .collect();
    let r = lint("funcs", src);
    assert_eq!(r.findings.len(), n);
}

#[test]
fn a_finding_after_pathological_code_is_still_reported() {
    let src = format!(
        "package p\nfunc deep() int {{ return {}1{} }}\nfunc g() {{ var m map[string]int; m[\"a\"] = 1 }}\n",
        "(".repeat(N),
        ")".repeat(N)
    );
    let r = lint("after", src);
    assert_eq!(
        r.findings.len(),
        1,
        "{:?}",
        r.findings
            .iter()
            .map(|f| &f.diagnostic.message)
            .collect::<Vec<_>>()
    );
}
