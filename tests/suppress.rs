//! In-source suppressions: every directive form, missing reasons, unknown
//! rules, unused directives, and suppressed findings in SARIF.

use mapvet::{Options, Report, check_package_sources};
use std::path::PathBuf;

fn lint_with(body: &str, opts: &Options) -> Report {
    let src = format!("package p\n\nfunc f() {{\n\tvar m map[string]int\n{body}\n}}\n");
    check_package_sources(
        &PathBuf::from("d"),
        vec![(PathBuf::from("d/a.go"), src, true)],
        opts,
    )
}

fn lint(body: &str) -> Report {
    lint_with(body, &Options::default())
}

fn messages(r: &Report) -> Vec<(usize, String)> {
    r.findings
        .iter()
        .map(|f| (f.start.line, f.diagnostic.message.clone()))
        .collect()
}

#[test]
fn unsuppressed_write_is_reported() {
    assert_eq!(
        messages(&lint("\tm[\"a\"] = 1")),
        vec![(5, "write to nil map m".to_string())]
    );
}

#[test]
fn ignore_on_the_line_and_on_the_line_above() {
    let r = lint("\tm[\"a\"] = 1 //mapvet:ignore nil-map-write the panic is what this test checks");
    assert!(r.findings.is_empty(), "{:?}", messages(&r));
    assert_eq!(r.suppressed.len(), 1);
    assert_eq!(
        r.suppressed[0].suppressed.as_deref(),
        Some("the panic is what this test checks")
    );
    let r = lint("\t//mapvet:ignore nil-map-write deliberate\n\tm[\"a\"] = 1");
    assert!(r.findings.is_empty(), "{:?}", messages(&r));
    // The line above only: two lines down is not covered.
    let r = lint("\t//mapvet:ignore nil-map-write deliberate\n\n\tm[\"a\"] = 1");
    assert_eq!(messages(&r), vec![(7, "write to nil map m".to_string())]);
}

#[test]
fn ignore_names_the_rule() {
    let r = lint("\tm[\"a\"] = 1 //mapvet:ignore unsorted-map-range wrong rule");
    let m = messages(&r);
    assert!(m.iter().any(|(_, s)| s == "write to nil map m"), "{m:?}");
    let r = lint("\tm[\"a\"] = 1 //mapvet:ignore unsorted-map-range,nil-map-write both");
    assert!(r.findings.is_empty(), "{:?}", messages(&r));
}

#[test]
fn file_ignore() {
    let src = "package p\n\n//mapvet:file-ignore nil-map-write generated fixtures\n\nfunc f() {\n\tvar m map[string]int\n\tm[\"a\"] = 1\n}\n\nfunc g() {\n\tvar n map[string]int\n\tn[\"b\"] = 2\n}\n";
    let r = check_package_sources(
        &PathBuf::from("d"),
        vec![(PathBuf::from("d/a.go"), src.into(), true)],
        &Options::default(),
    );
    assert!(r.findings.is_empty(), "{:?}", messages(&r));
    assert_eq!(r.suppressed.len(), 2);
}

#[test]
fn golangci_nolint() {
    for d in [
        "//nolint",
        "//nolint:mapvet",
        "//nolint:errcheck,mapvet // known",
        "// nolint:mapvet",
    ] {
        let r = lint(&format!("\tm[\"a\"] = 1 {d}"));
        assert!(r.findings.is_empty(), "{d}: {:?}", messages(&r));
    }
    let r = lint("\tm[\"a\"] = 1 //nolint:errcheck");
    assert_eq!(
        r.findings.len(),
        1,
        "another linter's nolint does not suppress mapvet"
    );
}

#[test]
fn a_directive_needs_a_reason_and_a_known_rule() {
    let r = lint("\tm[\"a\"] = 1 //mapvet:ignore nil-map-write");
    assert_eq!(
        messages(&r),
        vec![(5, "suppression directive without a reason".to_string())]
    );
    assert_eq!(r.findings[0].diagnostic.rule, "mapvet-directive");
    let r = lint("\tm[\"a\"] = 1 //mapvet:ignore nil-map-writes typo here");
    let m = messages(&r);
    assert!(
        m.contains(&(
            5,
            "suppression directive names unknown rule nil-map-writes".to_string()
        )),
        "{m:?}"
    );
    assert!(m.contains(&(5, "write to nil map m".to_string())), "{m:?}");
}

#[test]
fn unused_directives_on_request() {
    let body = "\tm = map[string]int{}\n\tm[\"a\"] = 1 //mapvet:ignore nil-map-write was nil once";
    assert!(lint(body).findings.is_empty());
    let opts = Options {
        report_unused_ignores: true,
        ..Options::default()
    };
    let r = lint_with(body, &opts);
    assert_eq!(
        messages(&r),
        vec![(6, "suppression directive suppresses nothing".to_string())]
    );
    // A directive for a rule that did not run is not judged.
    let opts = Options {
        report_unused_ignores: true,
        select: Some(vec!["unsorted-map-range".into()]),
        ..Options::default()
    };
    assert!(lint_with(body, &opts).findings.is_empty());
}

#[test]
fn sarif_keeps_suppressed_findings_only_on_request() {
    // Two functions: a certain nil-map write panics, so nothing after it in
    // the same function is reachable.
    let src = "package p\n\nfunc f() {\n\tvar m map[string]int\n\tm[\"a\"] = 1 //mapvet:ignore nil-map-write deliberate\n}\n\nfunc g() {\n\tvar n map[string]int\n\tn[\"b\"] = 2\n}\n";
    let r = check_package_sources(
        &PathBuf::from("d"),
        vec![(PathBuf::from("d/a.go"), src.into(), true)],
        &Options::default(),
    );
    let plain: serde_json::Value =
        serde_json::from_str(&mapvet::output::sarif::render(&r)).unwrap();
    let results = plain["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert!(results[0].get("suppressions").is_none());
    let with: serde_json::Value = serde_json::from_str(&mapvet::output::sarif::render_with(
        &r,
        true,
        Some("mapvet"),
    ))
    .unwrap();
    let results = with["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    // The spec wants the array on every result once one has it.
    assert_eq!(results[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(results[0]["suppressions"][0]["justification"], "deliberate");
    assert_eq!(results[1]["suppressions"].as_array().unwrap().len(), 0);
    assert_eq!(with["runs"][0]["automationDetails"]["id"], "mapvet/");
}
