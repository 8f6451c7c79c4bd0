//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice`
//! line per finding, which GitHub shows as annotations on the diff.

use crate::Report;
use crate::diagnostic::Severity;

/// Escapes a property value (`file=`, `title=`): `%`, CR, LF, `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Escapes the message: `%`, CR and LF; other control characters (which
/// the Actions log would interpret) are replaced, as on a terminal.
pub fn escape_data(s: &str) -> String {
    super::sanitize(
        &s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A"),
    )
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let d = &f.diagnostic;
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(f.path()),
            f.start.line,
            f.start.col,
            f.end.line,
            f.end.col,
            escape_property(&format!("mapvet {}", d.rule)),
            escape_data(&message),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_github_requires() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%d\n"), "a%3Ab%2Cc%25d%0A");
        assert_eq!(escape_data("a\u{1b}[31mb\tc"), "a\u{FFFD}[31mb\tc");
    }
}
