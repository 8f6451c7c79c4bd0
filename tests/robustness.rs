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

// Inputs the fuzzer found (`fuzz/crashes/`). Each once took seconds on a
// 16 KB file (a walk up the tree with `Node::parent`, which searches down
// from the root, per identifier or per step: quadratic in the nesting) or
// overflowed the stack of a debug build. They are not timed: if the
// quadratic behaviour came back, they would stall the suite.

fn crash(name: &str, src: &str) -> mapvet::Report {
    lint(name, src.to_string())
}

#[test]
fn fuzz_timeout_inside_error_parent() {
    // `((((...m[0]...))))=1` 8,000 parentheses deep, `m` a nil map: the
    // finding is checked against the syntax errors once, not per ancestor.
    let r = crash(
        "inside-error",
        include_str!("../fuzz/crashes/timeout-inside-error-parent.go"),
    );
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].diagnostic.rule, "nil-map-write");
}

#[test]
fn fuzz_timeout_nil_global_parent() {
    // `_=m[m[m[...]]]` 6,000 deep over a package-level map: every use of
    // the map is looked at with its parents in hand, and each index key's
    // stability is looked up, not walked.
    crash(
        "nil-global",
        include_str!("../fuzz/crashes/timeout-nil-global-parent.go"),
    );
}

#[test]
fn fuzz_timeout_nested_loops() {
    crash(
        "nested-loops",
        include_str!("../fuzz/crashes/timeout-nested-loops.go"),
    );
}

#[test]
fn fuzz_stack_overflow_debug_nested_for() {
    crash(
        "nested-for",
        include_str!("../fuzz/crashes/stack-overflow-debug-nested-for.go"),
    );
}

// The same kind of walk in other places, found by scaling inputs up.

#[test]
fn deep_closures_in_a_package_level_initializer() {
    // Each function literal used to look for a literal among its ancestors.
    let n = 3_000;
    lint(
        "var-closures",
        format!(
            "package p\nvar x = {}func(){{}}(){}\n",
            "func(){ go ".repeat(n),
            "}()".repeat(n)
        ),
    );
}

#[test]
fn output_deep_in_a_map_range() {
    // The sink's ancestors up to the loop body, each found from the root.
    let n = 8_000;
    let r = lint(
        "range-sink",
        format!(
            "package p\nimport \"fmt\"\nfunc f(m map[int]int) {{\nfor k := range m {{\n{}fmt.Println(k){}\n}}\n}}\n",
            "{".repeat(n),
            "}".repeat(n)
        ),
    );
    assert_eq!(r.findings.len(), 1);
}

#[test]
fn many_uses_of_copies_and_collected_slices() {
    // Per candidate finding, a walk of the whole function body (and of
    // every file for the callers of a function returning a slice).
    let n = 1_000;
    lint(
        "copies",
        format!(
            "package p\ntype T struct{{ M map[int]int }}\nfunc f(ts []T) {{\nfor _, t := range ts {{\n{}}}\n}}\n",
            "t.M = map[int]int{}\n".repeat(n)
        ),
    );
    let r = lint(
        "collected",
        format!(
            "package p\nimport \"fmt\"\nfunc f(m map[string]int) {{\n{}}}\n",
            "{ var s []string; for k := range m { s = append(s, k) }; fmt.Println(s) }\n".repeat(n)
        ),
    );
    assert_eq!(r.findings.len(), n);
    let src: String = std::iter::once("package p\nimport \"fmt\"\n".to_string())
        .chain((0..n).map(|i| {
            format!(
                "func f{i}(m map[string]int) []string {{ var s []string; for k := range m {{ s = append(s, k) }}; return s }}\nfunc g{i}(m map[string]int) {{ fmt.Println(f{i}(m)) }}\n"
            )
        }))
        .collect();
    let r = lint("callers", src);
    assert_eq!(r.findings.len(), n);
}

#[test]
fn statements_nested_past_the_depth_limit() {
    // Past the analysis' depth bound, on a test thread's small stack, in a
    // debug build (whose frames are several times larger).
    let n = 120;
    for (name, open, close) in [
        ("for", "for c {\n", "}\n"),
        ("if", "if m != nil {\n", "}\n"),
        ("switch", "switch {\ncase c:\n", "}\n"),
        ("select", "for {\nselect {\ncase <-ch:\n", "}\n}\n"),
        ("closure", "func() {\n", "}()\n"),
        ("range", "for k := range m {\n_ = k\n", "}\n"),
    ] {
        lint(
            name,
            format!(
                "package p\nfunc f(m map[string]int, c bool, ch chan int) {{\n{}m[\"a\"] = 1\n{}}}\n",
                open.repeat(n),
                close.repeat(n)
            ),
        );
    }
}
