//! Meta-tests keeping the rule docs, the registry and the README in step.

use std::path::Path;

const SECTIONS: &[&str] = &[
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Known problems",
    "Suppression",
];

#[test]
fn every_rule_doc_has_every_section() {
    for rule in mapvet::rules::all() {
        assert!(
            rule.body().starts_with(&format!("# {}\n", rule.id)),
            "{}: doc must start with `# {}`",
            rule.id,
            rule.id
        );
        for s in SECTIONS {
            let text = rule
                .section(s)
                .unwrap_or_else(|| panic!("rules/{}.md lacks `## {s}`", rule.id));
            assert!(!text.is_empty(), "rules/{}.md: `## {s}` is empty", rule.id);
        }
        assert!(
            !rule.summary.ends_with('.'),
            "{}: summary ends with a period",
            rule.id
        );
        assert!(!rule.since.is_empty());
    }
}

#[test]
fn every_doc_is_a_rule() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let id = p.file_stem().unwrap().to_string_lossy().to_string();
        assert!(
            mapvet::rules::find(&id).is_some(),
            "{} is not registered",
            p.display()
        );
    }
}

#[test]
fn readme_rule_table_matches_the_docs() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let rows: Vec<(String, String, String)> = readme
        .lines()
        .filter(|l| l.starts_with("| [`"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let id = cells[0]
                .trim_start_matches("[`")
                .split('`')
                .next()
                .unwrap()
                .to_string();
            (id, cells[1].to_string(), cells[2].to_string())
        })
        .collect();
    let expected: Vec<(String, String, String)> = mapvet::rules::all()
        .iter()
        .map(|r| {
            (
                r.id.to_string(),
                r.default_severity.to_string(),
                r.summary.to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows, expected,
        "README's rule table drifted from rules/*.md"
    );
}

/// Messages follow go vet's convention: lowercase, no trailing period.
#[test]
fn messages_follow_the_convention() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let report = mapvet::check_paths(&[root], &mapvet::Options::default());
    assert!(!report.findings.is_empty());
    for f in &report.findings {
        let m = &f.diagnostic.message;
        assert!(!m.ends_with('.'), "{m:?} ends with a period");
        assert!(
            m.chars().next().is_some_and(|c| !c.is_uppercase()),
            "{m:?} starts uppercase"
        );
        for l in &f.diagnostic.labels {
            assert!(
                !l.message.ends_with('.'),
                "label {:?} ends with a period",
                l.message
            );
        }
    }
}
