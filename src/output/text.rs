//! Human-readable output: miette's graphical reports with the source snippet,
//! labels and help.

use crate::Report;
use crate::diagnostic::Severity;
use crate::source::SourceFile;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};
use std::fmt;

pub struct TextOptions {
    pub color: bool,
    /// Wrap width for messages and help.
    pub width: usize,
}

struct Rendered<'a> {
    finding: &'a crate::Finding,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.diagnostic.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::sanitize(&self.finding.diagnostic.message))
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.finding.diagnostic.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let d = &self.finding.diagnostic;
        let mut help = d.help.clone()?;
        if d.fix.is_some() {
            help.push_str(" (fix available)");
        }
        Some(Box::new(super::sanitize(&help)))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.finding.source.as_ref() as &SourceFile)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = &self.finding.diagnostic;
        let primary =
            LabeledSpan::new_primary_with_span(None, (d.span.start, d.span.end - d.span.start));
        let rest = d.labels.iter().map(|l| {
            LabeledSpan::new_with_span(
                Some(super::sanitize(&l.message)),
                (l.span.start, l.span.end - l.span.start),
            )
        });
        Some(Box::new(std::iter::once(primary).chain(rest)))
    }
}

/// Renders every finding, then a summary line.
pub fn render(report: &Report, opts: &TextOptions) -> String {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(opts.width)
        .with_context_lines(1);
    let mut out = String::new();
    for f in &report.findings {
        let r = Rendered { finding: f };
        if handler.render_report(&mut out, &r).is_err() {
            out.push_str(&format!("  {}\n", r));
        }
        out.push('\n');
    }
    out
}

/// The one-line summary printed after the findings.
pub fn summary(report: &Report) -> String {
    let n = report.findings.len();
    let files: std::collections::BTreeSet<&str> =
        report.findings.iter().map(|f| f.path()).collect();
    let plural = |k: usize, word: &str| format!("{k} {word}{}", if k == 1 { "" } else { "s" });
    let mut checked = format!("{} checked", plural(report.files_checked, "file"));
    if !report.syntax_errors.is_empty() {
        checked += &format!(", {} with syntax errors", report.syntax_errors.len());
    }
    match n {
        0 => format!("no problems found ({checked})"),
        _ => format!(
            "found {} in {} ({checked})",
            plural(n, "problem"),
            plural(files.len(), "file")
        ),
    }
}
