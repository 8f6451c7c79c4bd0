//! The printers: snapshot tests for text, JSON and SARIF, and validation of
//! the SARIF against the official 2.1.0 JSON schema (the copy that the
//! serde-sarif crate ships, found offline through `cargo metadata`).

use mapvet::{Options, check_paths, output};
use std::path::{Path, PathBuf};

fn report() -> mapvet::Report {
    // Relative paths, as a user would type them, so snapshots are portable.
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    check_paths(&[PathBuf::from("tests/data/output")], &Options::default())
}

/// Compares with `tests/snapshots/<name>`; `UPDATE_SNAPSHOTS=1` rewrites it.
fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    if expected != actual {
        let at = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "snapshot {name} differs at line {} (UPDATE_SNAPSHOTS=1 to accept)\n  expected: {:?}\n  actual:   {:?}",
            at + 1,
            expected.lines().nth(at).unwrap_or("<end>"),
            actual.lines().nth(at).unwrap_or("<end>")
        );
    }
}

fn stable_sarif(report: &mapvet::Report) -> String {
    let cwd = std::env::current_dir().unwrap();
    output::sarif::render(report)
        .replace(&format!("file://{}/", cwd.display()), "file:///SRCROOT/")
        .replace(env!("CARGO_PKG_VERSION"), "VERSION")
}

#[test]
fn text_output() {
    let r = report();
    let text = output::text::render(
        &r,
        &output::text::TextOptions {
            color: false,
            width: 100,
        },
    );
    assert!(
        !text.contains('\u{1b}'),
        "no escape sequences without colour"
    );
    snapshot("output.txt", &text);
}

#[test]
fn json_output() {
    let r = report();
    let json = output::json::render(&r);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["version"], 1);
    let last = v["diagnostics"].as_array().unwrap().last().unwrap().clone();
    // `\t_ = "𝄞"; é["ß"] = 1`: before the write, a tab and `_ = "` (6 bytes),
    // 𝄞 (4 bytes) and `"; ` (3 bytes): byte column 14.
    assert_eq!(last["start"]["column"], 14);
    snapshot("output.json", &json);
}

#[test]
fn sarif_output_uses_utf16_columns() {
    let r = report();
    let v: serde_json::Value = serde_json::from_str(&output::sarif::render(&r)).unwrap();
    let run = &v["runs"][0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let last = run["results"].as_array().unwrap().last().unwrap();
    let region = &last["locations"][0]["physicalLocation"]["region"];
    // 𝄞 is 4 bytes but 2 UTF-16 code units: column 12, not 14.
    assert_eq!(region["startColumn"], 12);
    assert_eq!(
        last["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "%SRCROOT%"
    );
    assert_eq!(last["ruleId"], "nil-map-write");
    let idx = last["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run["tool"]["driver"]["rules"][idx]["id"], "nil-map-write");
    snapshot("output.sarif", &stable_sarif(&r));
}

/// serde-sarif's copy of the schema, in the local cargo registry, at the
/// version Cargo.lock pins.
fn sarif_schema() -> serde_json::Value {
    let lock =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock")).unwrap();
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"serde-sarif\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map(|v| v.trim_end_matches('"').to_string())
        .expect("serde-sarif in Cargo.lock");
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
    let src = cargo_home.join("registry/src");
    let file = std::fs::read_dir(&src)
        .unwrap_or_else(|e| panic!("{}: {e}", src.display()))
        .filter_map(Result::ok)
        .map(|d| {
            d.path()
                .join(format!("serde-sarif-{version}/src/schema.json"))
        })
        .find(|p| p.is_file())
        .expect("serde-sarif's src/schema.json in the cargo registry");
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    // Erratum in the official schema: `run.language`'s pattern has a stray
    // `]`, a literal in ECMA regexps that Rust's regex engine refuses.
    // Escaping it keeps the meaning (mapvet never writes `language`).
    for def in schema["definitions"].as_object_mut().unwrap().values_mut() {
        if let Some(lang) = def.pointer_mut("/properties/language/pattern")
            && let Some(p) = lang.as_str()
        {
            *lang = serde_json::Value::String(p.replace("]?$", "\\]?$"));
        }
    }
    schema
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    // With findings, fixes and related locations...
    let with = serde_json::from_str(&output::sarif::render(&report())).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&with)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );
    // ...and without any.
    let empty = serde_json::from_str(&output::sarif::render(&mapvet::Report::default())).unwrap();
    assert!(validator.is_valid(&empty));
    // ...and with suppressed findings, fingerprints and a category.
    let src = "package p\n\nfunc f() {\n\tvar m map[string]int\n\tm[\"a\"] = 1 //mapvet:ignore nil-map-write deliberate\n}\n\nfunc g() {\n\tvar n map[string]int\n\tn[\"b\"] = 2 //mapvet:ignore nil-map-write\n}\n";
    let r = mapvet::check_package_sources(
        Path::new("d"),
        vec![(PathBuf::from("d/a.go"), src.to_string(), true)],
        &mapvet::Options::default(),
    );
    assert!(!r.suppressed.is_empty());
    let sup: serde_json::Value =
        serde_json::from_str(&output::sarif::render_with(&r, true, Some("ci/go"))).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sup)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema errors (suppressions):\n{}",
        errors.join("\n")
    );
    // The validator is not vacuous: a result without a message is refused.
    let mut broken: serde_json::Value = with.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(
        !validator.is_valid(&broken),
        "the schema check must be able to fail"
    );
}

/// mapvet's fingerprint survives edits above the finding (the baseline and
/// SARIF partialFingerprints rely on it), and tells repeats apart.
#[test]
fn fingerprints_are_stable_when_lines_move() {
    let lint = |src: &str| {
        let r = mapvet::check_package_sources(
            Path::new("d"),
            vec![(PathBuf::from("d/a.go"), src.to_string(), true)],
            &mapvet::Options::default(),
        );
        mapvet::fingerprints(&r.findings)
    };
    let body = "func f() {\n\tvar m map[string]int\n\tm[\"a\"] = 1\n}\n\nfunc g() {\n\tvar m map[string]int\n\tm[\"a\"] = 1\n}\n";
    let before = lint(&format!("package p\n\n{body}"));
    let after = lint(&format!(
        "package p\n\n// A new comment.\nimport \"fmt\"\n\nvar _ = fmt.Sprint\n\n{body}"
    ));
    assert_eq!(before.len(), 2);
    assert_eq!(before, after);
    assert_ne!(
        before[0], before[1],
        "identical lines get distinct fingerprints"
    );
    let changed = lint(&format!(
        "package p\n\n{}",
        body.replacen("m[\"a\"] = 1", "m[\"b\"] = 1", 1)
    ));
    assert_ne!(
        before[0], changed[0],
        "changing the flagged code changes the fingerprint"
    );
}

/// A UTF-8 byte-order mark, CRLF line endings, tabs and a non-ASCII key:
/// lines and columns stay right in JSON (bytes) and SARIF (UTF-16).
#[test]
fn bom_crlf_and_tabs_keep_positions_right() {
    let src =
        "\u{feff}package p\r\n\r\nfunc f() {\r\n\tvar m map[string]int\r\n\tm[\"é\"] = 1\r\n}\r\n";
    let r = mapvet::check_package_sources(
        Path::new("d"),
        vec![(PathBuf::from("d/a.go"), src.to_string(), true)],
        &mapvet::Options::default(),
    );
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    let json: serde_json::Value = serde_json::from_str(&output::json::render(&r)).unwrap();
    let d = &json["diagnostics"][0];
    assert_eq!(
        (d["start"]["line"].as_u64(), d["start"]["column"].as_u64()),
        (Some(5), Some(2))
    );
    // `m["é"]`: é is 2 bytes but 1 UTF-16 unit.
    assert_eq!(d["end"]["column"], 9);
    let sarif: serde_json::Value = serde_json::from_str(&output::sarif::render(&r)).unwrap();
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(5), Some(2))
    );
    assert_eq!(region["endColumn"], 8);
}

/// Escape sequences in the source (here in a string literal) never reach
/// the terminal through a snippet.
#[test]
fn snippets_do_not_carry_terminal_escapes() {
    let src =
        "package p\n\nfunc f() {\n\tvar m map[string]int\n\tm[\"\u{1b}[31mred\u{1b}[0m\"] = 1\n}\n";
    let r = mapvet::check_package_sources(
        Path::new("d"),
        vec![(PathBuf::from("d/a.go"), src.to_string(), true)],
        &mapvet::Options::default(),
    );
    assert_eq!(r.findings.len(), 1);
    let text = output::text::render(
        &r,
        &output::text::TextOptions {
            color: false,
            width: 100,
        },
    );
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.contains("?[31mred?[0m"), "{text}");
}
