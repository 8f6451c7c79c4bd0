//! Runs every `fixtures/<rule-id>/` directory through the engine with only
//! that rule enabled, in the go/analysis style: a line carrying
//! `// want "regexp"` must get a diagnostic whose message matches; any other
//! diagnostic fails the test. Also checks that the output does not depend on
//! the thread count.

use mapvet::{Options, check_paths, output};
use regex::Regex;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The regexps of `// want "..." "..."` comments, by (file, line).
fn expectations(dir: &Path) -> BTreeMap<(String, usize), Vec<Regex>> {
    let want = Regex::new(r#"//\s*want\s+(.*)$"#).unwrap();
    let quoted = Regex::new(r#""((?:[^"\\]|\\.)*)""#).unwrap();
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "go") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for (i, line) in text.lines().enumerate() {
            let Some(c) = want.captures(line) else {
                continue;
            };
            let res: Vec<Regex> = quoted
                .captures_iter(&c[1])
                .map(|q| {
                    // Go string-literal unescaping of the pattern.
                    let pat = q[1]
                        .replace("\\\\", "\u{0}")
                        .replace("\\\"", "\"")
                        .replace('\u{0}', "\\");
                    Regex::new(&pat).unwrap_or_else(|e| {
                        panic!("bad regexp in {}:{}: {e}", entry.path().display(), i + 1)
                    })
                })
                .collect();
            assert!(
                !res.is_empty(),
                "{}:{}: `// want` without a pattern",
                entry.path().display(),
                i + 1
            );
            out.insert((canon(entry.path()), i + 1), res);
        }
    }
    out
}

fn canon(p: &Path) -> String {
    p.canonicalize().unwrap().display().to_string()
}

fn rule_dirs() -> Vec<(String, PathBuf)> {
    let mut dirs: Vec<_> = std::fs::read_dir(fixtures_root())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| (e.file_name().to_string_lossy().to_string(), e.path()))
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_rule_has_fixtures_and_every_fixture_dir_a_rule() {
    let dirs: Vec<String> = rule_dirs().into_iter().map(|(n, _)| n).collect();
    for rule in mapvet::rules::all() {
        assert!(
            dirs.contains(&rule.id.to_string()),
            "rule {} has no fixtures/{}/",
            rule.id,
            rule.id
        );
    }
    for d in &dirs {
        assert!(
            mapvet::rules::find(d).is_some(),
            "fixtures/{d}/ names no rule"
        );
    }
}

#[test]
fn fixtures_match_want_comments() {
    let mut failures = Vec::new();
    for (rule, dir) in rule_dirs() {
        let opts = Options {
            threads: Some(1),
            select: Some(vec![rule.clone()]),
            ..Options::default()
        };
        let report = check_paths(std::slice::from_ref(&dir), &opts);
        assert!(
            report.problems.is_empty(),
            "{rule}: input problems: {:?}",
            report.problems
        );
        let mut wants = expectations(&dir);
        assert!(
            !wants.is_empty(),
            "{rule}: no `// want` lines: a fixture set needs positives"
        );
        for f in &report.findings {
            let key = (canon(&f.source.path), f.start.line);
            let msg = &f.diagnostic.message;
            match wants.get_mut(&key) {
                Some(res) => match res.iter().position(|r| r.is_match(msg)) {
                    Some(i) => {
                        res.remove(i);
                    }
                    None => failures.push(format!(
                        "{}:{}: unexpected diagnostic {msg:?} (no want matches)",
                        f.path(),
                        f.start.line
                    )),
                },
                None => failures.push(format!(
                    "{}:{}: unexpected diagnostic {msg:?}",
                    f.path(),
                    f.start.line
                )),
            }
        }
        for ((file, line), res) in wants {
            for r in res {
                failures.push(format!(
                    "{file}:{line}: missing diagnostic matching {:?}",
                    r.as_str()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let root = fixtures_root();
    let run = |threads| {
        let opts = Options {
            threads: Some(threads),
            ..Options::default()
        };
        let report = check_paths(std::slice::from_ref(&root), &opts);
        (
            output::json::render(&report),
            output::sarif::render(&report),
        )
    };
    let one = run(1);
    assert!(one.0.contains("\"rule\""), "the fixtures produce findings");
    assert_eq!(one, run(4));
    assert_eq!(one, run(2));
}
