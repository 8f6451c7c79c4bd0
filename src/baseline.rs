//! Baselines: record today's findings, then report only new ones.
//!
//! Entries are matched by rule, file and mapvet's fingerprint (the flagged
//! line's normalised text, numbered for repeats), so edits elsewhere in the
//! file, which move lines, do not bring old findings back.

use crate::{Finding, Report, fingerprints};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Serialize, Deserialize, Default)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    pub fingerprint: String,
    /// For people reading the file; not used for matching.
    pub message: String,
}

fn entries(findings: &[Finding]) -> Vec<Entry> {
    findings
        .iter()
        .zip(fingerprints(findings))
        .map(|(f, fp)| Entry {
            rule: f.diagnostic.rule.to_string(),
            path: f.path().to_string(),
            fingerprint: fp,
            message: f.diagnostic.message.clone(),
        })
        .collect()
}

pub fn write(report: &Report) -> String {
    let mut e = entries(&report.findings);
    e.sort();
    let mut s = serde_json::to_string_pretty(&Baseline {
        version: 1,
        entries: e,
    })
    .expect("serialisable");
    s.push('\n');
    s
}

pub fn parse(text: &str) -> Result<Baseline, String> {
    serde_json::from_str(text).map_err(|e| format!("not a mapvet baseline: {e}"))
}

/// Drops the findings the baseline records; returns how many it dropped.
pub fn apply(report: &mut Report, baseline: &Baseline) -> usize {
    let known: BTreeSet<(&str, &str, &str)> = baseline
        .entries
        .iter()
        .map(|e| (e.rule.as_str(), e.path.as_str(), e.fingerprint.as_str()))
        .collect();
    let keys = entries(&report.findings);
    let before = report.findings.len();
    let mut i = 0;
    report.findings.retain(|_| {
        let e = &keys[i];
        i += 1;
        !known.contains(&(e.rule.as_str(), e.path.as_str(), e.fingerprint.as_str()))
    });
    before - report.findings.len()
}
