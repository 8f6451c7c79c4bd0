//! A Go source file held in memory, with a line index for positions.

use std::path::PathBuf;

/// 1-based line and column of a byte offset. `col` counts bytes (as go/token
/// does), `col_utf16` counts UTF-16 code units (as SARIF and LSP want).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    pub line: usize,
    pub col: usize,
    pub col_utf16: usize,
}

#[derive(Debug)]
pub struct SourceFile {
    /// Path on disk as it was discovered.
    pub path: PathBuf,
    /// Path shown to users and written to reports (relative to the working
    /// directory when possible, `/` separated).
    pub display: String,
    pub text: String,
    /// Computed when first needed: most files have nothing to report.
    line_starts: std::sync::OnceLock<Vec<usize>>,
    /// The text with terminal control characters replaced by `?` (one byte
    /// for one byte, so offsets hold), when it has any: what snippets show.
    safe: std::sync::OnceLock<Option<String>>,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: String) -> Self {
        SourceFile {
            path,
            display,
            text,
            line_starts: std::sync::OnceLock::new(),
            safe: std::sync::OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(
                self.text
                    .bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            );
            starts
        })
    }

    fn safe(&self) -> Option<&str> {
        self.safe
            .get_or_init(|| {
                let unsafe_byte =
                    |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f;
                self.text.bytes().any(unsafe_byte).then(|| {
                    self.text
                        .chars()
                        .map(|c| {
                            if c.is_ascii() && unsafe_byte(c as u8) {
                                '?'
                            } else {
                                c
                            }
                        })
                        .collect()
                })
            })
            .as_deref()
    }

    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts().binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    pub fn line_start(&self, line_index: usize) -> usize {
        self.line_starts()[line_index.min(self.line_starts().len() - 1)]
    }

    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// The text of a 0-based line without its line terminator.
    pub fn line_text(&self, line_index: usize) -> &str {
        let start = self.line_start(line_index);
        let end = self
            .line_starts()
            .get(line_index + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let li = self.line_index(offset);
        let start = self.line_starts()[li];
        let prefix = &self.text[start..offset];
        Position {
            line: li + 1,
            col: prefix.len() + 1,
            col_utf16: prefix.encode_utf16().count() + 1,
        }
    }

    fn floor_char_boundary(&self, mut offset: usize) -> usize {
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

impl miette::SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let start = span.offset();
        let end = start + span.len();
        if end > self.text.len() {
            return Err(miette::MietteError::OutOfBounds);
        }
        let first = self.line_index(start).saturating_sub(context_lines_before);
        let last_of_span = self.line_index(end.saturating_sub(1).max(start));
        let last = (last_of_span + context_lines_after).min(self.line_count() - 1);
        let from = self.line_start(first);
        let to = self
            .line_starts()
            .get(last + 1)
            .copied()
            .unwrap_or(self.text.len());
        let data = &self.safe().unwrap_or(&self.text).as_bytes()[from..to];
        // miette reads the primary span with no context to print the
        // `file:line:col` header: give it the span's own column then.
        let column = if context_lines_before == 0 {
            self.position(start).col - 1
        } else {
            0
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            // The `file:line:col` header goes to terminals too.
            crate::output::sanitize(&self.display),
            data,
            miette::SourceSpan::new(from.into(), to - from),
            first,
            column,
            last - first + 1,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_bytes_and_utf16() {
        let f = SourceFile::new(
            "x.go".into(),
            "x.go".into(),
            "package x\nvar é = \"𝄞\" + y\n".into(),
        );
        let y = f.text.find('y').unwrap();
        let p = f.position(y);
        assert_eq!(p.line, 2);
        // "var é = \"𝄞\" + " is 4+2+3+1+4+1+3 = 18 bytes, 4+1+3+1+2+1+3 = 15 UTF-16 units
        assert_eq!(p.col, 19);
        assert_eq!(p.col_utf16, 16);
        assert_eq!(f.line_text(1), "var é = \"𝄞\" + y");
    }
}
