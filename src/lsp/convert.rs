//! From findings to the protocol: diagnostics, code actions, hovers.

use super::document::{Encoding, offset_of, range_of};
use crate::Finding;
use crate::diagnostic::Severity;
use crate::suppress::DIRECTIVE_RULE;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeDescription, Diagnostic,
    DiagnosticRelatedInformation, DiagnosticSeverity, Hover, HoverContents, Location,
    MarkupContent, MarkupKind, NumberOrString, Position, Range, TextEdit, Url, WorkspaceEdit,
};
use std::collections::HashMap;

pub fn diagnostic(uri: &Url, f: &Finding, text: &str, enc: Encoding) -> Diagnostic {
    let d = &f.diagnostic;
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), range_of(text, l.span.start, l.span.end, enc)),
            message: l.message.clone(),
        })
        .collect();
    Diagnostic {
        range: range_of(text, d.span.start, d.span.end, enc),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Note => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.rule.to_string())),
        code_description: crate::rules::find(d.rule)
            .and_then(|r| Url::parse(&r.help_uri()).ok())
            .map(|href| CodeDescription { href }),
        source: Some("mapvet".into()),
        message: d.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// The findings whose span meets the byte range `start..=end`.
fn touching(findings: &[Finding], start: usize, end: usize) -> impl Iterator<Item = &Finding> {
    findings
        .iter()
        .filter(move |f| f.diagnostic.span.start <= end && start <= f.diagnostic.span.end)
}

/// Quick fixes for the findings in `range`: each rule's own fix, and a
/// suppression comment for the line.
pub fn code_actions(
    uri: &Url,
    findings: &[Finding],
    text: &str,
    range: Range,
    enc: Encoding,
) -> Vec<CodeActionOrCommand> {
    let start = offset_of(text, range.start, enc);
    let end = offset_of(text, range.end, enc);
    let mut fixes = Vec::new();
    let mut ignores = Vec::new();
    let mut seen = Vec::new();
    for f in touching(findings, start, end) {
        let diag = diagnostic(uri, f, text, enc);
        if let Some(fix) = &f.diagnostic.fix {
            let edits = fix
                .edits
                .iter()
                .map(|e| {
                    TextEdit::new(
                        range_of(text, e.span.start, e.span.end, enc),
                        e.replacement.clone(),
                    )
                })
                .collect();
            fixes.push(action(uri, &fix.message, diag.clone(), edits, true));
        }
        let rule = f.diagnostic.rule;
        let line = diag.range.start.line;
        if rule == DIRECTIVE_RULE || seen.contains(&(rule, line)) {
            continue;
        }
        seen.push((rule, line));
        let edit = ignore_edit(text, f.diagnostic.span.start, rule, enc);
        ignores.push(action(
            uri,
            &format!("Ignore {rule} on this line"),
            diag,
            vec![edit],
            false,
        ));
    }
    fixes.extend(ignores);
    fixes
}

fn action(
    uri: &Url,
    title: &str,
    diag: Diagnostic,
    edits: Vec<TextEdit>,
    preferred: bool,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title: title.to_string(),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diag]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        }),
        is_preferred: preferred.then_some(true),
        ..CodeAction::default()
    })
}

/// The text reason left for the user to replace.
pub const REASON_PLACEHOLDER: &str = "TODO: say why this is safe";

/// A `//mapvet:ignore` for the line holding `offset`: alone on a new line
/// above it with the same indentation, or the rule added to a directive
/// already there.
fn ignore_edit(text: &str, offset: usize, rule: &str, enc: Encoding) -> TextEdit {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..];
    let indent: String = line
        .chars()
        .take_while(|c| matches!(c, ' ' | '\t'))
        .collect();
    if line_start > 0 {
        let prev_start = text[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
        let prev = &text[prev_start..line_start - 1];
        let trimmed = prev.trim_start();
        if let Some(rest) = trimmed.strip_prefix("//mapvet:ignore ") {
            let rules_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let at =
                prev_start + (prev.len() - trimmed.len()) + "//mapvet:ignore ".len() + rules_len;
            let pos = range_of(text, at, at, enc);
            return TextEdit::new(pos, format!(",{rule}"));
        }
    }
    let at = range_of(text, line_start, line_start, enc);
    TextEdit::new(
        at,
        format!("{indent}//mapvet:ignore {rule} {REASON_PLACEHOLDER}\n"),
    )
}

/// The hover for a position on a finding: the rule, its summary, the
/// message and help, and a link to the rule's page.
pub fn hover(findings: &[Finding], text: &str, pos: Position, enc: Encoding) -> Option<Hover> {
    let at = offset_of(text, pos, enc);
    let hits: Vec<&Finding> = touching(findings, at, at).collect();
    let first = hits.first()?;
    let mut md = String::new();
    for f in &hits {
        let d = &f.diagnostic;
        if !md.is_empty() {
            md.push_str("\n\n---\n\n");
        }
        match crate::rules::find(d.rule) {
            Some(r) => md.push_str(&format!(
                "**mapvet** [`{}`]({}): {}\n\n{}",
                r.id,
                r.help_uri(),
                r.summary,
                d.message
            )),
            None => md.push_str(&format!("**mapvet** `{}`\n\n{}", d.rule, d.message)),
        }
        if let Some(help) = &d.help {
            md.push_str(&format!("\n\nhelp: {help}"));
        }
    }
    let span = first.diagnostic.span;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: md,
        }),
        range: Some(range_of(text, span.start, span.end, enc)),
    })
}
