//! Source text and positions: byte spans, source files and line/column lookup.
//!
//! Spans are byte ranges (`u32`) into one source text; line and column are only
//! computed when a diagnostic is rendered.

use serde::Serialize;

/// A byte range `start..end` into a source text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// An empty span at `offset`.
    pub fn empty(offset: u32) -> Span {
        Span { start: offset, end: offset }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// Length in bytes.
    pub fn len(self) -> u32 {
        self.end - self.start
    }

    /// True when the span covers no bytes.
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }

    /// The span as a `usize` range, for slicing.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl std::fmt::Debug for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A named source text (a file, a record of a batch, or an inline query).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Display name: a path, or a name such as `<query>`.
    pub name: String,
    /// The whole text.
    pub text: String,
    line_index: LineIndex,
}

impl SourceFile {
    /// Wraps `text` under the display name `name`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let line_index = LineIndex::new(&text);
        SourceFile { name: name.into(), text, line_index }
    }

    /// Line and column (both 1-based, column counted in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        self.line_index.line_col(&self.text, offset)
    }
}

/// A 1-based line and column; the column counts Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// Start offsets of every line of a text, for offset → line:column lookup.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    /// Indexes the line starts of `text` (lines end with `\n`).
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        for (idx, byte) in text.bytes().enumerate() {
            if byte == b'\n' {
                line_starts.push(idx as u32 + 1);
            }
        }
        LineIndex { line_starts }
    }

    /// Line and column of `offset` in `text` (the text this index was built from).
    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(text.len() as u32);
        let line_idx = match self.line_starts.binary_search(&offset) {
            Ok(idx) => idx,
            Err(idx) => idx - 1,
        };
        let line_start = self.line_starts[line_idx] as usize;
        let mut end = offset as usize;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = text[line_start..end].chars().count() as u32 + 1;
        LineCol { line: line_idx as u32 + 1, column }
    }
}

/// Levenshtein distance between two strings (in characters), for
/// "did you mean" suggestions.
pub fn edit_distance(left: &str, right: &str) -> usize {
    let right_chars: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=right_chars.len()).collect();
    let mut current = vec![0; right_chars.len() + 1];
    for (i, left_char) in left.chars().enumerate() {
        current[0] = i + 1;
        for (j, right_char) in right_chars.iter().enumerate() {
            let substitution = previous[j] + usize::from(left_char != *right_char);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[right_chars.len()]
}

/// `text` with every byte percent-encoded (`%XX`, uppercase hex) except
/// RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) and the bytes
/// of `also_keep`, which each caller picks for the URI part it writes.
pub fn percent_encode(text: &str, also_keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) || also_keep.contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(super::edit_distance("wher", "where"), 1);
        assert_eq!(super::edit_distance("sumarize", "summarize"), 1);
        assert_eq!(super::edit_distance("", "abc"), 3);
    }

    use super::*;

    #[test]
    fn line_col_counts_lines_and_characters() {
        let file = SourceFile::new("q", "T\n| where x == \"é\" and y");
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(2), LineCol { line: 2, column: 1 });
        // The `a` of `and` comes after a two-byte character.
        let and_offset = file.text.find("and").unwrap() as u32;
        assert_eq!(file.line_col(and_offset), LineCol { line: 2, column: 18 });
    }

    #[test]
    fn line_col_clamps_past_the_end() {
        let file = SourceFile::new("q", "ab");
        assert_eq!(file.line_col(99), LineCol { line: 1, column: 3 });
    }

    #[test]
    fn span_to_covers_both() {
        assert_eq!(Span::new(3, 5).to(Span::new(1, 4)), Span::new(1, 5));
    }
}
