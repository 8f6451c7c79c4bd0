//! SARIF 2.1.0 output via serde-sarif, fit for GitHub code scanning.
//!
//! Columns are UTF-16 code units (`columnKind: utf16CodeUnits`, set
//! explicitly), 1-based, `endColumn` one past the end. URIs are relative to
//! the directory mapvet runs in, under `uriBaseId` `%SRCROOT%`.

use crate::Report;
use crate::diagnostic::{Severity, Span};
use crate::rules::{self, RuleMeta};
use crate::source::SourceFile;
use serde_json::json;
use serde_sarif::sarif;
use std::collections::BTreeMap;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn result_level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Note => sarif::ResultLevel::Note,
    }
}

fn text_message(s: &str) -> sarif::Message {
    sarif::Message::builder().text(s.to_string()).build()
}

fn multiformat(text: &str, markdown: Option<&str>) -> sarif::MultiformatMessageString {
    match markdown {
        Some(md) => sarif::MultiformatMessageString::builder()
            .text(text.to_string())
            .markdown(md.to_string())
            .build(),
        None => sarif::MultiformatMessageString::builder()
            .text(text.to_string())
            .build(),
    }
}

fn property_bag(value: serde_json::Value) -> sarif::PropertyBag {
    serde_json::from_value(value).expect("a property bag is a JSON object")
}

fn rule_descriptor(rule: &RuleMeta) -> sarif::ReportingDescriptor {
    let full = rule.section("What it does").unwrap_or(rule.summary);
    sarif::ReportingDescriptor::builder()
        .id(rule.id.to_string())
        .name(pascal_case(rule.id))
        .short_description(multiformat(rule.summary, None))
        .full_description(multiformat(&plain(full), Some(full)))
        .help(multiformat(&plain(rule.body()), Some(rule.body())))
        .help_uri(rule.help_uri())
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(json!(level(rule.default_severity)))
                .build(),
        )
        .properties(property_bag(json!({
            "tags": ["go", "maps", "correctness"],
            "precision": "high",
        })))
        .build()
}

/// The pseudo-rule under which problems with suppression directives are
/// reported.
fn directive_descriptor() -> sarif::ReportingDescriptor {
    let text = "A //mapvet:ignore or //mapvet:file-ignore directive without a reason or with an unknown rule, or (with --report-unused-ignores) one that suppresses nothing.";
    sarif::ReportingDescriptor::builder()
        .id(crate::suppress::DIRECTIVE_RULE.to_string())
        .name(pascal_case(crate::suppress::DIRECTIVE_RULE))
        .short_description(multiformat("problem with a suppression directive", None))
        .full_description(multiformat(text, None))
        .help(multiformat(text, Some(text)))
        .help_uri(format!(
            "{}#suppressing-findings",
            env!("CARGO_PKG_REPOSITORY")
        ))
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(json!("warning"))
                .build(),
        )
        .properties(property_bag(
            json!({"tags": ["maintainability"], "precision": "very-high"}),
        ))
        .build()
}

/// A rule's display name: SARIF wants `name` readable and distinct from the
/// opaque `id` (`nil-map-write` -> `NilMapWrite`).
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// Markdown reduced to readable plain text for the `text` variants.
fn plain(md: &str) -> String {
    md.lines()
        .filter(|l| !l.starts_with("```"))
        .map(|l| l.trim_start_matches('#').trim_start())
        .collect::<Vec<_>>()
        .join("\n")
        .replace('`', "")
}

fn region(src: &SourceFile, span: Span) -> sarif::Region {
    let s = src.position(span.start);
    let e = src.position(span.end);
    sarif::Region::builder()
        .start_line(s.line as i64)
        .start_column(s.col_utf16 as i64)
        .end_line(e.line as i64)
        .end_column(e.col_utf16 as i64)
        .build()
}

/// A path as a URI reference: relative paths stay relative to `%SRCROOT%`.
/// Percent-encoding works on bytes, so a file name that is not UTF-8 keeps
/// its real bytes here (the `%XX` of each), not the U+FFFD shown elsewhere.
fn uri_of(path: &[u8]) -> (String, bool) {
    let mut out = String::new();
    for &b in path {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if path.starts_with(b"/") {
        (format!("file://{out}"), false)
    } else {
        (out, true)
    }
}

/// The bytes of the path a finding is shown under: its display path, or
/// the same path from the file system's own bytes when it is not UTF-8.
fn path_bytes(f: &crate::Finding) -> std::borrow::Cow<'_, [u8]> {
    if f.source.path.to_str().is_none() {
        let raw = os_bytes(&f.source.path);
        return raw.strip_prefix(b"./").unwrap_or(&raw).to_vec().into();
    }
    f.path().as_bytes().into()
}

fn os_bytes(p: &std::path::Path) -> std::borrow::Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        p.as_os_str().as_bytes().into()
    }
    #[cfg(not(unix))]
    {
        p.to_string_lossy().into_owned().into_bytes().into()
    }
}

fn artifact(f: &crate::Finding) -> sarif::ArtifactLocation {
    let (uri, relative) = uri_of(&path_bytes(f));
    if relative {
        sarif::ArtifactLocation::builder()
            .uri(uri)
            .uri_base_id("%SRCROOT%".to_string())
            .build()
    } else {
        sarif::ArtifactLocation::builder().uri(uri).build()
    }
}

pub fn render(report: &Report) -> String {
    render_with(report, false, None)
}

/// SARIF for `report`; `include_suppressed` keeps suppressed findings with a
/// `suppressions` entry (then every result carries the array, as the spec
/// wants); `category` becomes `automationDetails.id`.
pub fn render_with(report: &Report, include_suppressed: bool, category: Option<&str>) -> String {
    let all = rules::all();
    let mut index: BTreeMap<&str, usize> = all.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    index.insert(crate::suppress::DIRECTIVE_RULE, all.len());
    let mut findings: Vec<&crate::Finding> = report.findings.iter().collect();
    if include_suppressed {
        findings.extend(report.suppressed.iter());
        findings.sort_by(|a, b| {
            (a.path(), a.start.line, a.start.col).cmp(&(b.path(), b.start.line, b.start.col))
        });
    }
    let fps = crate::fingerprints(findings.iter().copied());
    let results: Vec<sarif::Result> = findings
        .iter()
        .zip(&fps)
        .map(|(f, fp)| {
            let d = &f.diagnostic;
            let src = f.source.as_ref();
            let location = sarif::Location::builder()
                .physical_location(
                    sarif::PhysicalLocation::builder()
                        .artifact_location(artifact(f))
                        .region(region(src, d.span))
                        .build(),
                )
                .build();
            let related: Vec<sarif::Location> = d
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    sarif::Location::builder()
                        .id(i as i64)
                        .physical_location(
                            sarif::PhysicalLocation::builder()
                                .artifact_location(artifact(f))
                                .region(region(src, l.span))
                                .build(),
                        )
                        .message(text_message(&l.message))
                        .build()
                })
                .collect();
            let mut message = d.message.clone();
            if let Some(h) = &d.help {
                message.push_str(&format!(" (help: {h})"));
            }
            let mut result = sarif::Result::builder()
                .rule_id(d.rule.to_string())
                .level(result_level(d.severity))
                .message(text_message(&message))
                .locations(vec![location])
                .build();
            if let Some(&i) = index.get(d.rule) {
                result.rule_index = Some(i as i64);
            }
            // mapvet's own fingerprint; GitHub computes primaryLocationLineHash.
            result.partial_fingerprints = Some(BTreeMap::from([(
                "mapvetFingerprint/v1".to_string(),
                fp.clone(),
            )]));
            if include_suppressed {
                result.suppressions = Some(match &f.suppressed {
                    Some(why) => vec![
                        sarif::Suppression::builder()
                            .kind(json!("inSource"))
                            .justification(why.clone())
                            .build(),
                    ],
                    None => Vec::new(),
                });
            }
            if !related.is_empty() {
                result.related_locations = Some(related);
            }
            if let Some(fix) = &d.fix {
                let replacements = fix
                    .edits
                    .iter()
                    .map(|e| {
                        sarif::Replacement::builder()
                            .deleted_region(region(src, e.span))
                            .inserted_content(
                                sarif::ArtifactContent::builder()
                                    .text(e.replacement.clone())
                                    .build(),
                            )
                            .build()
                    })
                    .collect::<Vec<_>>();
                result.fixes = Some(vec![
                    sarif::Fix::builder()
                        .description(text_message(&fix.message))
                        .artifact_changes(vec![
                            sarif::ArtifactChange::builder()
                                .artifact_location(artifact(f))
                                .replacements(replacements)
                                .build(),
                        ])
                        .build(),
                ]);
            }
            result
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("mapvet".to_string())
        .version(env!("CARGO_PKG_VERSION").to_string())
        .semantic_version(env!("CARGO_PKG_VERSION").to_string())
        .information_uri(env!("CARGO_PKG_HOMEPAGE").to_string())
        .rules(
            all.iter()
                .map(rule_descriptor)
                .chain(std::iter::once(directive_descriptor()))
                .collect::<Vec<_>>(),
        )
        .build();
    let mut base_ids = BTreeMap::new();
    if let Ok(cwd) = std::env::current_dir() {
        let mut root = uri_of(&os_bytes(&cwd)).0;
        if !root.ends_with('/') {
            root.push('/');
        }
        base_ids.insert(
            "%SRCROOT%".to_string(),
            sarif::ArtifactLocation::builder().uri(root).build(),
        );
    }
    let mut run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(json!("utf16CodeUnits"))
        .original_uri_base_ids(base_ids)
        .build();
    if let Some(c) = category {
        run.automation_details = Some(
            sarif::RunAutomationDetails::builder()
                .id(format!("{}/", c.trim_end_matches('/')))
                .build(),
        );
    }
    let doc = sarif::Sarif::builder()
        .schema(SCHEMA.to_string())
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut s = serde_json::to_string_pretty(&doc).expect("serialisable");
    s.push('\n');
    s
}
