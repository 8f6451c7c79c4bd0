//! In-source suppressions.
//!
//! - `//mapvet:ignore rule[,rule...] reason`: on the flagged line, or alone
//!   on the line above it.
//! - `//mapvet:file-ignore rule[,rule...] reason`: the whole file.
//! - golangci-lint's `//nolint` and `//nolint:mapvet[,other]` (optionally
//!   `// reason`), on the line or alone on the line above: every mapvet rule.
//!
//! A mapvet directive without a reason, or naming an unknown rule, is itself
//! reported, as staticcheck does; so, on request, is a directive that
//! suppresses nothing.

use crate::diagnostic::{Diagnostic, Severity, Span};
use crate::model::{ParsedFile, for_each_node};

/// The pseudo-rule id under which directive problems are reported.
pub const DIRECTIVE_RULE: &str = "mapvet-directive";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A 0-based line.
    Line(usize),
    File,
}

#[derive(Debug, Clone)]
pub struct Directive {
    pub span: Span,
    pub scope: Scope,
    /// `None`: every rule (`//nolint`).
    pub rules: Option<Vec<String>>,
    pub reason: Option<String>,
    /// `//nolint` (golangci-lint's syntax, where a reason is optional).
    pub nolint: bool,
}

impl Directive {
    pub fn covers(&self, rule: &str, line: usize) -> bool {
        let scope = match self.scope {
            Scope::File => true,
            Scope::Line(l) => l == line,
        };
        scope
            && self
                .rules
                .as_ref()
                .is_none_or(|r| r.iter().any(|x| x == rule))
    }
}

/// The directives in a file.
pub fn directives(file: &ParsedFile) -> Vec<Directive> {
    let src = file.text();
    let source = &file.source;
    let mut out = Vec::new();
    // Most files have none: skip the tree walk.
    if !src.contains("mapvet:") && !src.contains("nolint") {
        return out;
    }
    for_each_node(file.tree.root_node(), |n| {
        if n.kind() != "comment" {
            return;
        }
        let text = &src[n.byte_range()];
        let Some(body) = text.strip_prefix("//") else {
            return;
        };
        let span = Span::of(n);
        let line = source.line_index(n.start_byte());
        // Alone on its line: it applies to the next line.
        let alone = source.line_text(line).trim_start().starts_with("//");
        let target = if alone { line + 1 } else { line };
        if let Some(rest) = body.strip_prefix("mapvet:ignore") {
            let (rules, reason) = split_rules(rest);
            out.push(Directive {
                span,
                scope: Scope::Line(target),
                rules: Some(rules),
                reason,
                nolint: false,
            });
        } else if let Some(rest) = body.strip_prefix("mapvet:file-ignore") {
            let (rules, reason) = split_rules(rest);
            out.push(Directive {
                span,
                scope: Scope::File,
                rules: Some(rules),
                reason,
                nolint: false,
            });
        } else if let Some(rest) = body.trim_start().strip_prefix("nolint") {
            let (list, reason) = match rest.split_once("//") {
                Some((l, r)) => (
                    l.trim(),
                    Some(r.trim().to_string()).filter(|r| !r.is_empty()),
                ),
                None => (rest.trim(), None),
            };
            let ours = match list.strip_prefix(':') {
                Some(names) => names.split(',').any(|x| x.trim() == "mapvet"),
                None => list.is_empty(),
            };
            if ours {
                out.push(Directive {
                    span,
                    scope: Scope::Line(target),
                    rules: None,
                    reason,
                    nolint: true,
                });
            }
        }
    });
    out
}

/// `" rule-a,rule-b because ..."` -> (["rule-a", "rule-b"], Some("because ...")).
fn split_rules(rest: &str) -> (Vec<String>, Option<String>) {
    let rest = rest.trim();
    let (rules, reason) = match rest.split_once(char::is_whitespace) {
        Some((r, why)) => (r, Some(why.trim().to_string()).filter(|w| !w.is_empty())),
        None => (rest, None),
    };
    let rules = rules
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect();
    (rules, reason)
}

/// Problems with the directives themselves: a missing reason, an unknown
/// rule, and (when asked) directives that suppressed nothing.
pub fn directive_problems(
    dirs: &[Directive],
    used: &[bool],
    report_unused: bool,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (d, used) in dirs.iter().zip(used) {
        let warn = |msg: String, help: &str| {
            let mut diag = Diagnostic::new(DIRECTIVE_RULE, d.span, msg).help(help);
            diag.severity = Severity::Warning;
            diag
        };
        if !d.nolint {
            let rules = d.rules.as_deref().unwrap_or_default();
            if rules.is_empty() {
                out.push(warn(
                    "suppression directive names no rule".into(),
                    "write //mapvet:ignore <rule> <reason>",
                ));
                continue;
            }
            for r in rules {
                if crate::rules::find(r).is_none() {
                    out.push(warn(
                        format!("suppression directive names unknown rule {r}"),
                        "see `mapvet rules` for the rule ids",
                    ));
                }
            }
            if d.reason.is_none() {
                out.push(warn(
                    "suppression directive without a reason".into(),
                    "say why the finding is wrong or accepted: //mapvet:ignore <rule> <reason>",
                ));
            }
        }
        if report_unused && !used {
            out.push(warn(
                "suppression directive suppresses nothing".into(),
                "remove it, or fix the rule name",
            ));
        }
    }
    out
}
