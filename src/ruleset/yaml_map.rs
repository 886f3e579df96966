//! Where things are in a YAML file: the span of a value reached by a path of
//! keys and indexes, and the map from a block-scalar query back to its lines.
//!
//! The YAML crate gives values without positions, so this module reads the
//! block structure of the text itself (indentation, `key:` and `- ` items,
//! one-line `[a, b]` lists). It only serves diagnostics: when a path cannot be
//! followed, the nearest ancestor that can be found is used instead.

use crate::text::Span;

/// One step of a path into a YAML document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// A mapping key.
    Key(&'a str),
    /// A sequence item.
    Index(usize),
}

/// The line structure of one YAML text.
#[derive(Debug, Clone)]
pub struct YamlMap {
    lines: Vec<Line>,
}

#[derive(Debug, Clone, Copy)]
struct Line {
    /// Byte offset of the line's first character.
    start: usize,
    /// Byte offset of the line end (before `\r\n` or `\n`).
    end: usize,
    /// Leading spaces.
    indent: usize,
    /// Nothing but spaces or a comment.
    blank: bool,
}

/// A node found by a path: a block of lines, or a value on one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    /// Lines `first..end`; on `first` the content starts at column `col`,
    /// which is also the indentation of the block's other entries.
    Block { first: usize, col: usize, end: usize },
    /// A value written on the key's own line (scalar or flow collection).
    Inline { line: usize, start: usize, end: usize },
}

/// Where a found key and its value are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// The key itself (for a sequence item: its `-`).
    pub key: Span,
    /// The value: its text on the key's line, or its first line.
    pub value: Span,
}

impl YamlMap {
    /// Indexes the lines of `text`.
    pub fn new(text: &str) -> YamlMap {
        let mut lines = Vec::new();
        let mut start = 0;
        for piece in text.split_inclusive('\n') {
            let content = piece.trim_end_matches('\n').trim_end_matches('\r');
            let indent = content.len() - content.trim_start_matches(' ').len();
            let rest = &content[indent..];
            let blank = rest.trim().is_empty() || rest.starts_with('#');
            lines.push(Line { start, end: start + content.len(), indent, blank });
            start += piece.len();
        }
        YamlMap { lines }
    }

    /// The key and value spans at `path` in `text`, or `None` when the path
    /// cannot be followed to its end.
    pub fn locate(&self, text: &str, path: &[Step]) -> Option<Located> {
        let mut node = self.root();
        let mut key = Span::empty(0);
        for step in path {
            let (found_key, child) = self.step(text, node, *step)?;
            key = found_key;
            node = child;
        }
        Some(Located { key, value: self.node_span(text, node) })
    }

    /// The span for a diagnostic about `path`: the value if it can be found,
    /// else the deepest ancestor that can.
    pub fn span(&self, text: &str, path: &[Step]) -> Span {
        (0..=path.len())
            .rev()
            .find_map(|len| self.locate(text, &path[..len]).map(|located| located.value))
            .unwrap_or_default()
    }

    /// The span of the key at `path` (the `-` of an item), falling back like [`YamlMap::span`].
    pub fn key_span(&self, text: &str, path: &[Step]) -> Span {
        (1..=path.len())
            .rev()
            .find_map(|len| self.locate(text, &path[..len]).map(|located| located.key))
            .unwrap_or_default()
    }

    /// Maps a block-scalar value at `path` (`query: |`) to the text the YAML
    /// parser gave for it (`value`). `None` when the value is not a literal
    /// block scalar whose lines reproduce `value` exactly.
    pub fn block_scalar(&self, text: &str, path: &[Step], value: &str) -> Option<BlockScalar> {
        let mut node = self.root();
        for step in path {
            node = self.step(text, node, *step)?.1;
        }
        let Node::Block { first, end, col } = node else { return None };
        // The key's line holds the indicator: `|`, `|-`, `|+`, `|2` ...
        let header_line = first.checked_sub(1)?;
        let header = self.line_text(text, header_line);
        let indicator = strip_comment(header.rsplit_once(':').map(|(_, rest)| rest)?).trim();
        if !indicator.starts_with('|') {
            return None;
        }
        let _ = col;
        let content_lines: Vec<usize> = (first..end).collect();
        let explicit =
            indicator.chars().find_map(|c| c.to_digit(10)).map(|d| self.lines[header_line].indent + d as usize);
        let indent = match explicit {
            Some(indent) => indent,
            None => content_lines
                .iter()
                .find(|&&line| !self.line_text(text, line).trim().is_empty())
                .map(|&line| self.lines[line].indent)?,
        };
        let mut line_starts = Vec::new();
        let mut rebuilt = String::new();
        for &line in &content_lines {
            let full = self.line_text(text, line);
            let offset = self.lines[line].start + indent.min(full.len());
            line_starts.push((rebuilt.len() as u32, offset as u32));
            rebuilt.push_str(full.get(indent..).unwrap_or(""));
            rebuilt.push('\n');
        }
        let trimmed = rebuilt.trim_end_matches('\n');
        if trimmed != value.trim_end_matches('\n') {
            return None;
        }
        Some(BlockScalar { line_starts })
    }

    fn root(&self) -> Node {
        Node::Block { first: 0, col: self.block_indent(0, self.lines.len()).unwrap_or(0), end: self.lines.len() }
    }

    /// The indentation of the first non-blank line in `first..end`.
    fn block_indent(&self, first: usize, end: usize) -> Option<usize> {
        self.lines[first..end].iter().find(|line| !line.blank).map(|line| line.indent)
    }

    fn line_text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let line = self.lines[line];
        &text[line.start..line.end]
    }

    /// The entries of a block: `(line, column)` where each starts.
    fn entries(&self, first: usize, col: usize, end: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        (first..end).filter_map(move |line| {
            let info = self.lines[line];
            (line == first || (!info.blank && info.indent == col)).then_some((line, col))
        })
    }

    fn step(&self, text: &str, node: Node, step: Step) -> Option<(Span, Node)> {
        match node {
            Node::Block { first, col, end } => match step {
                Step::Key(key) => self.find_key(text, first, col, end, key),
                Step::Index(index) => self.find_item(text, first, col, end, index),
            },
            Node::Inline { line, start, end } => match step {
                Step::Index(index) => {
                    let line_start = self.lines[line].start;
                    let inner = &text[line_start + start..line_start + end];
                    let (open, close) = (inner.find('[')?, inner.rfind(']')?);
                    let mut offset = line_start + start + open + 1;
                    for (position, item) in inner[open + 1..close].split(',').enumerate() {
                        if position == index {
                            let lead = item.len() - item.trim_start().len();
                            let item_start = offset + lead - line_start;
                            let item_end = item_start + item.trim().len();
                            let span = Span::new((line_start + item_start) as u32, (line_start + item_end) as u32);
                            return Some((span, Node::Inline { line, start: item_start, end: item_end }));
                        }
                        offset += item.len() + 1;
                    }
                    None
                }
                Step::Key(_) => None,
            },
        }
    }

    fn find_key(&self, text: &str, first: usize, col: usize, end: usize, key: &str) -> Option<(Span, Node)> {
        let (line, _) = self.entries(first, col, end).find(|&(line, col)| {
            let content = &self.line_text(text, line)[col.min(self.lines[line].end - self.lines[line].start)..];
            key_length(content, key).is_some()
        })?;
        let info = self.lines[line];
        let content = &self.line_text(text, line)[col..];
        let key_len = key_length(content, key)?;
        let key_span = Span::new((info.start + col) as u32, (info.start + col + key_len) as u32);
        let after = &content[key_len + 1..];
        let value = strip_comment(after);
        let value_trimmed = value.trim();
        // The value's lines: until the next entry of this block (a `- ` item at
        // the key's own indentation still belongs to the key).
        let mut child_end = line + 1;
        while child_end < end {
            let next = self.lines[child_end];
            let next_text = self.line_text(text, child_end);
            if !next.blank && (next.indent < col || (next.indent == col && !next_text[col..].starts_with("- "))) {
                break;
            }
            child_end += 1;
        }
        if !value_trimmed.is_empty() && !value_trimmed.starts_with('|') && !value_trimmed.starts_with('>') {
            let lead = after.len() - after.trim_start().len();
            let start = col + key_len + 1 + lead;
            let node = Node::Inline { line, start, end: start + value_trimmed.len() };
            return Some((key_span, node));
        }
        let child_first = line + 1;
        let child_col = self.block_indent(child_first, child_end).unwrap_or(col + 2);
        Some((key_span, Node::Block { first: child_first, col: child_col, end: child_end.max(child_first) }))
    }

    fn find_item(&self, text: &str, first: usize, col: usize, end: usize, index: usize) -> Option<(Span, Node)> {
        let items: Vec<usize> = self
            .entries(first, col, end)
            .filter(|&(line, col)| self.line_text(text, line).get(col..).is_some_and(|rest| rest.starts_with('-')))
            .map(|(line, _)| line)
            .collect();
        let line = *items.get(index)?;
        let item_end = items.get(index + 1).copied().unwrap_or(end);
        let info = self.lines[line];
        let after_dash = &self.line_text(text, line)[col + 1..];
        let lead = after_dash.len() - after_dash.trim_start().len();
        let content_col = col + 1 + lead;
        let dash = Span::new((info.start + col) as u32, (info.start + col + 1) as u32);
        let content = strip_comment(after_dash).trim();
        if !content.is_empty() && key_colon(content).is_none() {
            let node = Node::Inline { line, start: content_col, end: content_col + content.len() };
            return Some((dash, node));
        }
        Some((dash, Node::Block { first: line, col: content_col, end: item_end }))
    }

    fn node_span(&self, text: &str, node: Node) -> Span {
        match node {
            Node::Inline { line, start, end } => {
                let base = self.lines[line].start;
                Span::new((base + start) as u32, (base + end) as u32)
            }
            Node::Block { first, col, end } => {
                let Some(line) = (first..end).find(|&line| line == first || !self.lines[line].blank) else {
                    return Span::empty(self.lines.get(first).map_or(0, |line| line.start) as u32);
                };
                let info = self.lines[line];
                let start = info.start + if line == first { col } else { info.indent };
                let line_text = &text[start.min(info.end)..info.end];
                let shown = strip_comment(line_text).trim_end();
                Span::new(start as u32, (start + shown.len()) as u32)
            }
        }
    }
}

/// Query offsets to YAML offsets for a literal block scalar.
#[derive(Debug, Clone)]
pub struct BlockScalar {
    /// `(offset in the value, offset in the YAML text)` of each line start.
    line_starts: Vec<(u32, u32)>,
}

impl BlockScalar {
    /// The YAML offset of `offset` in the scalar's value.
    pub fn map_offset(&self, offset: u32) -> u32 {
        let index = match self.line_starts.binary_search_by_key(&offset, |&(value, _)| value) {
            Ok(index) => index,
            Err(index) => index.saturating_sub(1),
        };
        match self.line_starts.get(index) {
            Some(&(value, yaml)) => yaml + (offset - value.min(offset)),
            None => 0,
        }
    }

    /// A span of the value as a span of the YAML text.
    pub fn map_span(&self, span: Span) -> Span {
        let start = self.map_offset(span.start);
        Span::new(start, self.map_offset(span.end).max(start))
    }
}

/// The length of `key` (bare or quoted) at the start of `content` when a
/// `:` follows it as a mapping indicator.
fn key_length(content: &str, key: &str) -> Option<usize> {
    for (open, close) in [("", ""), ("\"", "\""), ("'", "'")] {
        let quoted_len = open.len() + key.len() + close.len();
        if content.len() > quoted_len
            && content.starts_with(open)
            && content[open.len()..].starts_with(key)
            && content[open.len() + key.len()..].starts_with(close)
            && content[quoted_len..].starts_with(':')
            && content[quoted_len + 1..].chars().next().is_none_or(|c| c == ' ' || c == '\t')
        {
            return Some(quoted_len);
        }
    }
    None
}

/// The key of a `key: value` line, if it is one.
fn key_colon(content: &str) -> Option<&str> {
    let (key, rest) = content.split_once(':')?;
    let key_ok = !key.is_empty() && !key.contains(' ') || key.starts_with('"') || key.starts_with('\'');
    (key_ok && rest.chars().next().is_none_or(|c| c == ' ' || c == '\t')).then_some(key)
}

/// `value # comment` without the comment (a `#` after a space, outside quotes).
fn strip_comment(value: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (index, character) in value.char_indices() {
        match (quote, character) {
            (None, '"' | '\'') => quote = Some(character),
            (Some(open), _) if character == open => quote = None,
            (None, '#') if previous == ' ' || previous == '\t' => return &value[..index],
            _ => {}
        }
        previous = character;
    }
    value
}

#[cfg(test)]
mod tests {
    use super::{Step, YamlMap};

    const RULE: &str = "\
id: 1234
name: Brute force # the name
tactics:
  - CredentialAccess
  - InitialAccess
relevantTechniques: [T1110, T1078]
query: |
  SigninLogs
  | where ResultType != 0
entityMappings:
- entityType: Account
  fieldMappings:
    - identifier: FullName
      columnName: UserPrincipalName
- entityType: IP
  fieldMappings:
    - identifier: Address
      columnName: IPAddress
";

    fn text_at(path: &[Step]) -> String {
        let map = YamlMap::new(RULE);
        let located = map.locate(RULE, path).expect("found");
        RULE[located.value.range()].to_string()
    }

    #[test]
    fn keys_items_and_flow_lists_are_found() {
        assert_eq!(text_at(&[Step::Key("name")]), "Brute force");
        assert_eq!(text_at(&[Step::Key("tactics"), Step::Index(1)]), "InitialAccess");
        assert_eq!(text_at(&[Step::Key("relevantTechniques"), Step::Index(1)]), "T1078");
        assert_eq!(text_at(&[Step::Key("entityMappings"), Step::Index(1), Step::Key("entityType")]), "IP");
        assert_eq!(
            text_at(&[
                Step::Key("entityMappings"),
                Step::Index(0),
                Step::Key("fieldMappings"),
                Step::Index(0),
                Step::Key("columnName")
            ]),
            "UserPrincipalName"
        );
    }

    #[test]
    fn a_missing_step_falls_back_to_its_parent() {
        let map = YamlMap::new(RULE);
        let span = map.span(RULE, &[Step::Key("entityMappings"), Step::Index(7)]);
        assert_eq!(&RULE[span.range()], "- entityType: Account");
        assert!(map.locate(RULE, &[Step::Key("nope")]).is_none());
    }

    #[test]
    fn a_literal_block_scalar_maps_back_to_its_lines() {
        let map = YamlMap::new(RULE);
        let query = "SigninLogs\n| where ResultType != 0\n";
        let block = map.block_scalar(RULE, &[Step::Key("query")], query).expect("a literal block");
        let at = query.find("ResultType").expect("in the query") as u32;
        let mapped = block.map_offset(at) as usize;
        assert_eq!(&RULE[mapped..mapped + 10], "ResultType");
        assert!(map.block_scalar(RULE, &[Step::Key("query")], "other text").is_none());
    }
}
