//! Printers: pure functions from a [`Report`](crate::Report) to text.

pub mod github;
pub mod json;
pub mod sarif;
pub mod text;

/// Markdown rendered for a terminal: `#` headings become titles, code
/// blocks lose their fences and are indented, the rest is kept as written.
pub fn render_markdown(md: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for line in md.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push_str("    ");
            out.push_str(&line.replace('\t', "    "));
        } else if let Some(h) = line.strip_prefix("## ") {
            out.push_str(&format!("{h}\n{}", "-".repeat(h.chars().count())));
        } else if let Some(h) = line.strip_prefix("# ") {
            out.push_str(&format!("{h}\n{}", "=".repeat(h.chars().count())));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Strips terminal control characters (escape sequences in file names or
/// string literals must not reach a terminal), keeping tabs and newlines.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}
