//! Printers: pure functions from a [`Report`](crate::Report) to text.

pub mod github;
pub mod json;
pub mod sarif;
pub mod text;

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
