//! Machine-readable output: `{"version": 1, "diagnostics": [...]}`.
//!
//! Each diagnostic: `rule`, `severity`, `path`, `start`/`end` (`line` and
//! `column`, 1-based, columns in bytes as go/token counts them; `end` is one
//! past the last character), `message`, `labels` (each with `start`, `end`,
//! `message`), `help` (string or null) and `fix` (null, or `message` and
//! `edits`, each edit a `start`/`end` range and the `replacement` text).

use crate::Report;
use crate::diagnostic::Span;
use crate::source::SourceFile;
use serde::Serialize;

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    diagnostics: Vec<Diag<'a>>,
}

#[derive(Serialize)]
struct Pos {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Label<'a> {
    start: Pos,
    end: Pos,
    message: &'a str,
}

#[derive(Serialize)]
struct EditOut<'a> {
    start: Pos,
    end: Pos,
    replacement: &'a str,
}

#[derive(Serialize)]
struct FixOut<'a> {
    message: &'a str,
    edits: Vec<EditOut<'a>>,
}

#[derive(Serialize)]
struct Diag<'a> {
    rule: &'a str,
    severity: crate::diagnostic::Severity,
    path: &'a str,
    start: Pos,
    end: Pos,
    message: &'a str,
    labels: Vec<Label<'a>>,
    help: Option<&'a str>,
    fix: Option<FixOut<'a>>,
}

fn pos(src: &SourceFile, offset: usize) -> Pos {
    let p = src.position(offset);
    Pos {
        line: p.line,
        column: p.col,
    }
}

fn range(src: &SourceFile, span: Span) -> (Pos, Pos) {
    (pos(src, span.start), pos(src, span.end))
}

pub fn render(report: &Report) -> String {
    let diagnostics = report
        .findings
        .iter()
        .map(|f| {
            let d = &f.diagnostic;
            let src = f.source.as_ref();
            let (start, end) = range(src, d.span);
            Diag {
                rule: d.rule,
                severity: d.severity,
                path: f.path(),
                start,
                end,
                message: &d.message,
                labels: d
                    .labels
                    .iter()
                    .map(|l| {
                        let (start, end) = range(src, l.span);
                        Label {
                            start,
                            end,
                            message: &l.message,
                        }
                    })
                    .collect(),
                help: d.help.as_deref(),
                fix: d.fix.as_ref().map(|fx| FixOut {
                    message: &fx.message,
                    edits: fx
                        .edits
                        .iter()
                        .map(|e| {
                            let (start, end) = range(src, e.span);
                            EditOut {
                                start,
                                end,
                                replacement: &e.replacement,
                            }
                        })
                        .collect(),
                }),
            }
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&Doc {
        version: 1,
        diagnostics,
    })
    .expect("serialisable");
    s.push('\n');
    s
}
