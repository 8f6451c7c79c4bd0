//! Open documents: their text, version and syntax tree, edited in place by
//! incremental changes, and conversions between LSP positions and byte
//! offsets.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};
use std::path::PathBuf;
use tree_sitter::{InputEdit, Point, Tree};

/// How the client counts characters in a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

pub struct Document {
    pub path: PathBuf,
    pub version: i32,
    pub text: String,
    /// The last parsed tree, with every edit since applied (`Tree::edit`),
    /// ready for an incremental reparse. `None` after a full replacement.
    pub tree: Option<Tree>,
}

impl Document {
    pub fn new(path: PathBuf, version: i32, text: String) -> Document {
        Document {
            path,
            version,
            text,
            tree: None,
        }
    }

    /// Applies one content change of `textDocument/didChange`.
    pub fn apply(&mut self, change: &TextDocumentContentChangeEvent, enc: Encoding) {
        let Some(range) = change.range else {
            self.text.clone_from(&change.text);
            self.tree = None;
            return;
        };
        let start = offset_of(&self.text, range.start, enc);
        let end = offset_of(&self.text, range.end, enc).max(start);
        let start_position = point_of(&self.text, start);
        let old_end_position = point_of(&self.text, end);
        self.text.replace_range(start..end, &change.text);
        let new_end = start + change.text.len();
        let edit = InputEdit {
            start_byte: start,
            old_end_byte: end,
            new_end_byte: new_end,
            start_position,
            old_end_position,
            new_end_position: point_of(&self.text, new_end),
        };
        if let Some(tree) = &mut self.tree {
            tree.edit(&edit);
        }
    }
}

/// The byte offset of an LSP position. Positions past the end of a line or
/// of the text are clamped (as the protocol asks); a position inside a
/// character moves to its start.
pub fn offset_of(text: &str, pos: Position, enc: Encoding) -> usize {
    let mut start = 0;
    for _ in 0..pos.line {
        match memchr_newline(&text.as_bytes()[start..]) {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let end = memchr_newline(&text.as_bytes()[start..]).map_or(text.len(), |i| start + i);
    let line = text[start..end]
        .strip_suffix('\r')
        .unwrap_or(&text[start..end]);
    let want = pos.character as usize;
    match enc {
        Encoding::Utf8 => {
            let mut c = want.min(line.len());
            while !line.is_char_boundary(c) {
                c -= 1;
            }
            start + c
        }
        Encoding::Utf16 => {
            let mut units = 0;
            for (i, ch) in line.char_indices() {
                if units >= want {
                    return start + i;
                }
                units += ch.len_utf16();
                if units > want {
                    // Inside a surrogate pair: the character's start.
                    return start + i;
                }
            }
            start + line.len()
        }
    }
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

/// The LSP position of a byte offset.
pub fn position_of(text: &str, offset: usize, enc: Encoding) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    let character = match enc {
        Encoding::Utf8 => prefix.len(),
        Encoding::Utf16 => prefix.encode_utf16().count(),
    };
    Position::new(line as u32, character as u32)
}

pub fn range_of(text: &str, start: usize, end: usize, enc: Encoding) -> Range {
    Range::new(position_of(text, start, enc), position_of(text, end, enc))
}

/// Tree-sitter's point (row, byte column) of a byte offset.
pub fn point_of(text: &str, offset: usize) -> Point {
    let before = &text.as_bytes()[..offset];
    let row = before.iter().filter(|&&b| b == b'\n').count();
    let col = offset
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
    Point::new(row, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(l1: u32, c1: u32, l2: u32, c2: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn utf16_and_utf8_offsets() {
        let text = "a\n\u{e9}\u{1F600}x\r\nend";
        // Line 1: é (1 unit, 2 bytes), 😀 (2 units, 4 bytes), x.
        assert_eq!(offset_of(text, Position::new(1, 1), Encoding::Utf16), 4);
        assert_eq!(offset_of(text, Position::new(1, 3), Encoding::Utf16), 8);
        assert_eq!(offset_of(text, Position::new(1, 2), Encoding::Utf16), 4);
        assert_eq!(offset_of(text, Position::new(1, 99), Encoding::Utf16), 9);
        assert_eq!(offset_of(text, Position::new(1, 6), Encoding::Utf8), 8);
        assert_eq!(offset_of(text, Position::new(1, 3), Encoding::Utf8), 4);
        assert_eq!(
            offset_of(text, Position::new(9, 0), Encoding::Utf8),
            text.len()
        );
        assert_eq!(position_of(text, 8, Encoding::Utf16), Position::new(1, 3));
        assert_eq!(position_of(text, 8, Encoding::Utf8), Position::new(1, 6));
        assert_eq!(position_of(text, 11, Encoding::Utf16), Position::new(2, 0));
    }

    #[test]
    fn incremental_edits_match_a_fresh_parse() {
        let mut doc = Document::new(
            "x.go".into(),
            1,
            "package p\n\nfunc f() {\n\tvar m map[string]int\n\tm[\"a\"] = 1\n}\n".into(),
        );
        doc.tree = crate::parse_text(&doc.text, None);
        let edits = [
            change(3, 1, 3, 21, "m := map[string]int{}"),
            change(4, 0, 4, 0, "\t// \u{1F600} é\n"),
            change(0, 9, 0, 9, "\n"),
        ];
        for e in &edits {
            doc.apply(e, Encoding::Utf16);
            let reparsed = crate::parse_text(&doc.text, doc.tree.as_ref()).unwrap();
            let fresh = crate::parse_text(&doc.text, None).unwrap();
            assert_eq!(
                reparsed.root_node().to_sexp(),
                fresh.root_node().to_sexp(),
                "{}",
                doc.text
            );
            doc.tree = Some(reparsed);
        }
        assert!(
            doc.text
                .contains("m := map[string]int{}\n\t// \u{1F600} é\n\tm[\"a\"]")
        );
    }
}
