//! The lexer: KQL text → tokens, never failing.
//!
//! White space and `//` comments are skipped (each token records whether some
//! came before it). Malformed input becomes a token plus a diagnostic, so the
//! parser always gets a complete token stream ending in `Eof`.

use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::token::{Token, TokenKind};
use crate::text::Span;

/// The result of lexing: tokens (the last one is `Eof`) and lexical diagnostics.
pub struct Lexed {
    pub tokens: Vec<Token>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Keywords spelled with hyphens; the lexer joins `word-word` into one token
/// only when the result is one of these.
const HYPHENATED_KEYWORDS: &[&str] = &[
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "project-smart",
    "project-by-names",
    "mv-expand",
    "mv-apply",
    "make-series",
    "make-graph",
    "top-nested",
    "top-hitters",
    "parse-where",
    "parse-kv",
    "sample-distinct",
    "graph-match",
    "graph-to-table",
    "graph-shortest-paths",
    "graph-mark-components",
    "partitioned-by",
    "granny-asc",
    "granny-desc",
    "macro-expand",
    "assert-schema",
];

/// Operators that can be negated with a leading `!` (`!has`, `!in~`, ...).
const NEGATABLE_WORDS: &[&str] = &[
    "has",
    "has_cs",
    "hasprefix",
    "hasprefix_cs",
    "hassuffix",
    "hassuffix_cs",
    "contains",
    "contains_cs",
    "startswith",
    "startswith_cs",
    "endswith",
    "endswith_cs",
    "in",
    "between",
];

/// Words that start a typed literal whose body is raw text up to `)`.
const RAW_LITERAL_WORDS: &[&str] = &[
    "datetime", "date", "timespan", "time", "guid", "uniqueid", "int", "int32", "long", "int64", "real", "double",
    "decimal", "bool", "boolean",
];

/// Lexes `text` into tokens.
pub fn lex(text: &str) -> Lexed {
    let mut lexer = Lexer { text, bytes: text.as_bytes(), pos: 0, tokens: Vec::new(), diagnostics: Vec::new() };
    lexer.run();
    Lexed { tokens: lexer.tokens, diagnostics: lexer.diagnostics }
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
    diagnostics: Vec<Diagnostic>,
}

/// True when `text` is a plain identifier (usable as a name without `['...']`).
pub fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(is_ident_start) && chars.all(is_ident_continue)
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c == '$' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

impl<'a> Lexer<'a> {
    fn run(&mut self) {
        let mut space_before = false;
        loop {
            let skipped = self.skip_trivia();
            space_before |= skipped;
            if self.pos >= self.bytes.len() {
                let end = self.bytes.len() as u32;
                self.tokens.push(Token { kind: TokenKind::Eof, span: Span::empty(end), space_before });
                return;
            }
            let start = self.pos;
            let kind = self.next_kind();
            debug_assert!(self.pos > start, "the lexer must always advance");
            self.tokens.push(Token { kind, span: Span::new(start as u32, self.pos as u32), space_before });
            space_before = false;
        }
    }

    /// Skips white space and comments; returns whether anything was skipped.
    fn skip_trivia(&mut self) -> bool {
        let start = self.pos;
        while self.pos < self.bytes.len() {
            let byte = self.bytes[self.pos];
            if byte == b' ' || byte == b'\t' || byte == b'\n' || byte == b'\r' || byte == 0x0c || byte == 0x0b {
                self.pos += 1;
            } else if byte == b'/' && self.peek_byte(1) == Some(b'/') {
                while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
                    self.pos += 1;
                }
            } else if byte >= 0x80 {
                // Unicode white space such as NBSP or the BOM.
                let c = self.current_char();
                if c.is_whitespace() || c == '\u{feff}' {
                    self.pos += c.len_utf8();
                } else {
                    break;
                }
            } else {
                break;
            }
        }
        self.pos > start
    }

    fn peek_byte(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn current_char(&self) -> char {
        self.text[self.pos..].chars().next().expect("pos is inside the text")
    }

    fn error(&mut self, code: Code, start: usize, end: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Span::new(start as u32, end as u32), message)
    }

    fn push_error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn next_kind(&mut self) -> TokenKind {
        let start = self.pos;
        let byte = self.bytes[self.pos];
        let next = self.peek_byte(1);
        match byte {
            b'"' | b'\'' => self.lex_string(false),
            b'`' if next == Some(b'`') && self.peek_byte(2) == Some(b'`') => self.lex_multiline(b'`'),
            b'~' if next == Some(b'~') && self.peek_byte(2) == Some(b'~') => self.lex_multiline(b'~'),
            b'@' if matches!(next, Some(b'"') | Some(b'\'')) => {
                self.pos += 1;
                self.lex_string(true)
            }
            b'0'..=b'9' => self.lex_number(),
            b'|' => self.single(TokenKind::Pipe),
            b';' => self.single(TokenKind::Semicolon),
            b',' => self.single(TokenKind::Comma),
            b'.' if next == Some(b'.') => {
                self.pos += 2;
                TokenKind::DotDot
            }
            b'.' => self.single(TokenKind::Dot),
            b':' => self.single(TokenKind::Colon),
            b'(' => self.single(TokenKind::OpenParen),
            b')' => self.single(TokenKind::CloseParen),
            b'[' => self.single(TokenKind::OpenBracket),
            b']' => self.single(TokenKind::CloseBracket),
            b'{' => self.single(TokenKind::OpenBrace),
            b'}' => self.single(TokenKind::CloseBrace),
            b'=' => match next {
                Some(b'=') => self.double(TokenKind::Eq),
                Some(b'~') => self.double(TokenKind::EqTilde),
                Some(b'>') => self.double(TokenKind::FatArrow),
                _ => self.single(TokenKind::Assign),
            },
            b'!' => match next {
                Some(b'=') => self.double(TokenKind::NotEq),
                Some(b'~') => self.double(TokenKind::NotEqTilde),
                Some(c) if c.is_ascii_alphabetic() => self.lex_negated_word(),
                _ => self.single(TokenKind::Bang),
            },
            b'<' => match next {
                Some(b'=') => self.double(TokenKind::Le),
                Some(b'>') => self.double(TokenKind::NotEq),
                _ => self.single(TokenKind::Lt),
            },
            b'>' => match next {
                Some(b'=') => self.double(TokenKind::Ge),
                _ => self.single(TokenKind::Gt),
            },
            b'+' => self.single(TokenKind::Plus),
            b'-' => self.single(TokenKind::Minus),
            b'*' => self.single(TokenKind::Star),
            b'/' => self.single(TokenKind::Slash),
            b'%' => self.single(TokenKind::Percent),
            b'?' => self.single(TokenKind::Question),
            b'@' => self.single(TokenKind::At),
            _ => {
                let c = self.current_char();
                if is_ident_start(c) {
                    self.lex_word()
                } else {
                    self.pos += c.len_utf8();
                    let shown = if c == '\0' { "\\0".to_string() } else { c.escape_debug().to_string() };
                    let diagnostic =
                        self.error(Code::InvalidCharacter, start, self.pos, format!("invalid character `{shown}`"));
                    self.push_error(diagnostic);
                    TokenKind::Unknown
                }
            }
        }
    }

    fn single(&mut self, kind: TokenKind) -> TokenKind {
        self.pos += 1;
        kind
    }

    fn double(&mut self, kind: TokenKind) -> TokenKind {
        self.pos += 2;
        kind
    }

    /// Advances over identifier characters and returns the end offset.
    fn scan_word_end(&self, from: usize) -> usize {
        let mut end = from;
        for c in self.text[from..].chars() {
            if is_ident_continue(c) {
                end += c.len_utf8();
            } else {
                break;
            }
        }
        end
    }

    fn lex_word(&mut self) -> TokenKind {
        let start = self.pos;
        let first = self.current_char();
        self.pos += first.len_utf8();
        self.pos = self.scan_word_end(self.pos);
        let word = &self.text[start..self.pos];

        // Obfuscated strings: h"...", H'...', h@"...".
        if (word == "h" || word == "H") && self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b'"' | b'\'' => return self.lex_string(false),
                b'@' if matches!(self.peek_byte(1), Some(b'"') | Some(b'\'')) => {
                    self.pos += 1;
                    return self.lex_string(true);
                }
                _ => {}
            }
        }
        // `in~`
        if word == "in" && self.peek_byte(0) == Some(b'~') {
            self.pos += 1;
            return TokenKind::Ident;
        }
        // Hyphenated keywords such as `project-away`.
        if self.peek_byte(0) == Some(b'-') && word.is_ascii() {
            let rest = &self.text[start..];
            let mut best = 0;
            for keyword in HYPHENATED_KEYWORDS {
                if keyword.starts_with(word)
                    && keyword.len() > best
                    && rest.starts_with(keyword)
                    && !rest[keyword.len()..].chars().next().is_some_and(is_ident_continue)
                {
                    best = keyword.len();
                }
            }
            if best > 0 {
                self.pos = start + best;
                return TokenKind::Ident;
            }
        }
        // Typed literals with raw bodies: datetime(...), guid(...), long(null), ...
        if RAW_LITERAL_WORDS.contains(&word) {
            let mut look = self.pos;
            while look < self.bytes.len() && matches!(self.bytes[look], b' ' | b'\t') {
                look += 1;
            }
            if look < self.bytes.len() && self.bytes[look] == b'(' {
                let body_start = look + 1;
                match self.bytes[body_start..].iter().position(|&b| b == b')' || b == b'\n' || b == b'(') {
                    Some(offset) if self.bytes[body_start + offset] == b')' => {
                        self.pos = body_start + offset + 1;
                        return TokenKind::TypedLiteral;
                    }
                    _ => {
                        // `int(` used otherwise, e.g. a malformed literal: leave it to the parser.
                    }
                }
            }
        }
        TokenKind::Ident
    }

    /// `!has`, `!in~`, `!contains_cs`, ...; a `!` before another word is a lone `!`.
    fn lex_negated_word(&mut self) -> TokenKind {
        let word_end = self.scan_word_end(self.pos + 1);
        let word = &self.text[self.pos + 1..word_end];
        if NEGATABLE_WORDS.contains(&word) {
            self.pos = word_end;
            if word == "in" && self.peek_byte(0) == Some(b'~') {
                self.pos += 1;
            }
            TokenKind::Ident
        } else {
            self.single(TokenKind::Bang)
        }
    }

    fn lex_number(&mut self) -> TokenKind {
        let start = self.pos;
        let bytes = self.bytes;
        if bytes[self.pos] == b'0' && matches!(self.peek_byte(1), Some(b'x') | Some(b'X')) {
            self.pos += 2;
            while self.pos < bytes.len() && bytes[self.pos].is_ascii_hexdigit() {
                self.pos += 1;
            }
            if self.pos == start + 2 {
                let diagnostic = self.error(Code::InvalidNumber, start, self.pos, "hexadecimal literal has no digits");
                self.push_error(diagnostic);
            }
            return self.finish_number(start, TokenKind::Int);
        }
        let mut kind = TokenKind::Int;
        while self.pos < bytes.len() && bytes[self.pos].is_ascii_digit() {
            self.pos += 1;
        }
        // `1.` is a real too, unless `..` (a range) or a member name follows.
        if self.peek_byte(0) == Some(b'.')
            && !self.peek_byte(1).is_some_and(|b| b.is_ascii_digit())
            && self.peek_byte(1) != Some(b'.')
            && (!self.peek_byte(1).is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                || (matches!(self.peek_byte(1), Some(b'e') | Some(b'E'))
                    && self.peek_byte(2).is_some_and(|b| b.is_ascii_digit() || b == b'+' || b == b'-')))
        {
            kind = TokenKind::Real;
            self.pos += 1;
        }
        if self.peek_byte(0) == Some(b'.') && self.peek_byte(1).is_some_and(|b| b.is_ascii_digit()) {
            kind = TokenKind::Real;
            self.pos += 1;
            while self.pos < bytes.len() && bytes[self.pos].is_ascii_digit() {
                self.pos += 1;
            }
        }
        if matches!(self.peek_byte(0), Some(b'e') | Some(b'E')) {
            let digits_at = match self.peek_byte(1) {
                Some(b'+') | Some(b'-') => 2,
                _ => 1,
            };
            if self.peek_byte(digits_at).is_some_and(|b| b.is_ascii_digit()) {
                kind = TokenKind::Real;
                self.pos += digits_at;
                while self.pos < bytes.len() && bytes[self.pos].is_ascii_digit() {
                    self.pos += 1;
                }
            }
        }
        self.finish_number(start, kind)
    }

    /// A number may be followed by a timespan unit; any other letters are an error.
    fn finish_number(&mut self, start: usize, kind: TokenKind) -> TokenKind {
        let suffix_end = self.scan_word_end(self.pos);
        if suffix_end == self.pos {
            return kind;
        }
        let suffix = &self.text[self.pos..suffix_end];
        self.pos = suffix_end;
        let is_hex = self.text[start..].starts_with("0x") || self.text[start..].starts_with("0X");
        if !is_hex && crate::syntax::literal::timespan_unit_ticks(suffix).is_some() {
            return TokenKind::Timespan;
        }
        // Kusto lexes a number followed by other letters (`3x`, `1y`) as a name;
        // the analyzer then reports it as unknown.
        TokenKind::Ident
    }

    /// A `"…"` or `'…'` string (verbatim when `verbatim`); `pos` is at the quote.
    fn lex_string(&mut self, verbatim: bool) -> TokenKind {
        let quote = self.bytes[self.pos];
        let start = self.pos;
        self.pos += 1;
        while self.pos < self.bytes.len() {
            let byte = self.bytes[self.pos];
            if byte == b'\n' || byte == b'\r' {
                break;
            }
            if byte == quote {
                if verbatim && self.peek_byte(1) == Some(quote) {
                    self.pos += 2;
                    continue;
                }
                self.pos += 1;
                return TokenKind::String;
            }
            if byte == b'\\' && !verbatim {
                let escape_start = self.pos;
                match self.peek_byte(1) {
                    Some(b'\\' | b'"' | b'\'' | b'n' | b'r' | b't' | b'a' | b'b' | b'f' | b'v' | b'0'..=b'7') => {
                        self.pos += 2;
                    }
                    Some(letter @ (b'x' | b'u' | b'U')) => {
                        // Exactly 2, 4 or 8 hex digits, as Kusto requires.
                        let digits = match letter {
                            b'x' => 2,
                            b'u' => 4,
                            _ => 8,
                        };
                        let hex_end = escape_start + 2 + digits;
                        let valid = hex_end <= self.bytes.len()
                            && self.bytes[escape_start + 2..hex_end].iter().all(u8::is_ascii_hexdigit);
                        if valid {
                            self.pos = hex_end;
                        } else {
                            self.pos = escape_start + 2;
                            let message = format!("`\\{}` needs exactly {digits} hex digits", letter as char);
                            let diagnostic = self
                                .error(Code::InvalidEscape, escape_start, self.pos, message)
                                .with_help("e.g. \\x41, \\u00e9, \\U0001F600");
                            self.push_error(diagnostic);
                        }
                    }
                    _ => {
                        let end = (escape_start + 2).min(self.bytes.len());
                        let mut end = end;
                        while !self.text.is_char_boundary(end) {
                            end += 1;
                        }
                        let shown = self.text[escape_start..end].to_string();
                        let diagnostic = self
                            .error(Code::InvalidEscape, escape_start, end, format!("invalid escape sequence `{shown}`"))
                            .with_help(
                                "in regular strings only \\\\ \\\" \\' \\n \\r \\t (and \\x, \\u escapes) are allowed; \
                                 use a verbatim string @\"...\" for backslashes",
                            );
                        self.push_error(diagnostic);
                        self.pos = end;
                    }
                }
                continue;
            }
            if byte >= 0x80 {
                self.pos += self.current_char().len_utf8();
            } else {
                self.pos += 1;
            }
        }
        let diagnostic = self
            .error(Code::UnterminatedString, start, self.pos, "unterminated string literal")
            .with_help(format!("close it with {} on the same line, or use ``` for a multi-line string", quote as char));
        self.push_error(diagnostic);
        TokenKind::String
    }

    /// ```` ```…``` ```` or `~~~…~~~`.
    fn lex_multiline(&mut self, fence: u8) -> TokenKind {
        let start = self.pos;
        self.pos += 3;
        let closing = [fence, fence, fence];
        match self.bytes[self.pos..].windows(3).position(|window| window == closing) {
            Some(offset) => {
                self.pos += offset + 3;
            }
            None => {
                self.pos = self.bytes.len();
                let diagnostic =
                    self.error(Code::UnterminatedString, start, self.pos, "unterminated multi-line string literal");
                self.push_error(diagnostic);
            }
        }
        TokenKind::String
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        let lexed = lex(text);
        assert!(lexed.diagnostics.is_empty(), "{:?}", lexed.diagnostics);
        lexed.tokens[..lexed.tokens.len() - 1].iter().map(|t| (t.kind, &text[t.span.range()])).collect()
    }

    #[test]
    fn hyphenated_keywords_are_one_token() {
        let tokens = kinds("T | project-away a | mv-expand b | graph-to-table x-y");
        let words: Vec<&str> = tokens.iter().map(|(_, text)| *text).collect();
        assert_eq!(words, ["T", "|", "project-away", "a", "|", "mv-expand", "b", "|", "graph-to-table", "x", "-", "y"]);
    }

    #[test]
    fn negated_operators_and_in_tilde() {
        let words: Vec<&str> = kinds("a !has b !in~ (c) in~ ! x != y !~ z").iter().map(|(_, t)| *t).collect();
        assert_eq!(words, ["a", "!has", "b", "!in~", "(", "c", ")", "in~", "!", "x", "!=", "y", "!~", "z"]);
    }

    #[test]
    fn numbers_and_timespans() {
        let tokens = kinds("1 2.5 1e3 0x1F 5m 1.5d 100ms 1..3");
        let expected = [
            TokenKind::Int,
            TokenKind::Real,
            TokenKind::Real,
            TokenKind::Int,
            TokenKind::Timespan,
            TokenKind::Timespan,
            TokenKind::Timespan,
            TokenKind::Int,
            TokenKind::DotDot,
            TokenKind::Int,
        ];
        assert_eq!(tokens.iter().map(|(k, _)| *k).collect::<Vec<_>>(), expected);
    }

    #[test]
    fn string_forms() {
        let tokens = kinds(
            r#""a\"b" 'c' @"d""e" h"secret" ```multi
line``` "#,
        );
        assert!(tokens.iter().all(|(kind, _)| *kind == TokenKind::String));
        assert_eq!(tokens.len(), 5);
    }

    #[test]
    fn typed_literals_take_their_raw_body() {
        let tokens = kinds("datetime(2020-01-01T10:00:00Z) guid(null) long (12) typeof(datetime)");
        assert_eq!(tokens[0], (TokenKind::TypedLiteral, "datetime(2020-01-01T10:00:00Z)"));
        assert_eq!(tokens[1], (TokenKind::TypedLiteral, "guid(null)"));
        assert_eq!(tokens[2], (TokenKind::TypedLiteral, "long (12)"));
        assert_eq!(tokens[3].0, TokenKind::Ident);
    }

    #[test]
    fn invalid_escape_and_unterminated_string_are_reported() {
        let lexed = lex(r#"print "C:\Windows" , "open"#);
        let codes: Vec<Code> = lexed.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::InvalidEscape, Code::UnterminatedString]);
    }

    #[test]
    fn comments_set_space_before() {
        let lexed = lex("a// c\nb*");
        assert!(lexed.tokens[1].space_before);
        assert!(!lexed.tokens[2].space_before);
    }

    #[test]
    fn invalid_characters_become_unknown_tokens() {
        let lexed = lex("a § \0 b");
        assert_eq!(lexed.diagnostics.len(), 2);
        assert_eq!(lexed.tokens.len(), 5);
    }
}
