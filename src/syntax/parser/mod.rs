//! The recursive-descent parser: tokens → syntax tree, with error recovery.
//!
//! Recovery is by synchronisation: a malformed statement is skipped up to the
//! next `;`, a malformed operator up to the next `|`, always balancing
//! brackets, and every recovery loop consumes at least one token.

mod expr;

pub use expr::RESERVED_WORDS;
mod operators;

pub use crate::syntax::parser::operators::OPERATOR_WORDS;
mod statements;

use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::Parse;
use crate::syntax::ast::{Ident, Query};
use crate::syntax::lexer;
use crate::syntax::token::{Token, TokenKind};
use crate::text::Span;

/// Deepest nesting of parentheses, brackets, calls and sub-queries.
pub const MAX_NESTING: u32 = 128;
/// Longest chain of binary operators or pipes folded into one tree.
pub const MAX_CHAIN: u32 = 2_000;

pub(crate) fn parse_text(text: &str) -> Parse {
    let lexed = lexer::lex(text);
    let mut parser = Parser {
        text,
        tokens: lexed.tokens,
        pos: 0,
        diagnostics: lexed.diagnostics,
        depth: 0,
        nesting_reported: false,
        in_search: false,
    };
    let statements = parser.parse_statements(false);
    let query = Query { statements, span: Span::new(0, text.len() as u32) };
    let mut diagnostics = parser.diagnostics;
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    Parse { query, diagnostics }
}

pub(crate) struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    diagnostics: Vec<Diagnostic>,
    depth: u32,
    nesting_reported: bool,
    /// Inside a `search`/`find` predicate, where `Column:"term"` is allowed.
    in_search: bool,
}

impl<'a> Parser<'a> {
    // ---- cursor -------------------------------------------------------

    fn peek(&self) -> Token {
        self.tokens[self.pos]
    }

    fn kind(&self) -> TokenKind {
        self.tokens[self.pos].kind
    }

    fn nth(&self, ahead: usize) -> Token {
        let idx = (self.pos + ahead).min(self.tokens.len() - 1);
        self.tokens[idx]
    }

    fn nth_kind(&self, ahead: usize) -> TokenKind {
        self.nth(ahead).kind
    }

    fn token_text(&self, token: Token) -> &'a str {
        &self.text[token.span.range()]
    }

    fn current_text(&self) -> &'a str {
        self.token_text(self.peek())
    }

    /// True when the current token is the word `word`.
    fn at_word(&self, word: &str) -> bool {
        self.kind() == TokenKind::Ident && self.current_text() == word
    }

    fn nth_is_word(&self, ahead: usize, word: &str) -> bool {
        let token = self.nth(ahead);
        token.kind == TokenKind::Ident && self.token_text(token) == word
    }

    fn at(&self, kind: TokenKind) -> bool {
        self.kind() == kind
    }

    fn at_eof(&self) -> bool {
        self.kind() == TokenKind::Eof
    }

    /// Consumes the current token (never moves past `Eof`).
    fn bump(&mut self) -> Token {
        let token = self.peek();
        if token.kind != TokenKind::Eof {
            self.pos += 1;
        }
        token
    }

    fn eat(&mut self, kind: TokenKind) -> Option<Token> {
        if self.at(kind) { Some(self.bump()) } else { None }
    }

    fn eat_word(&mut self, word: &str) -> Option<Token> {
        if self.at_word(word) { Some(self.bump()) } else { None }
    }

    /// End offset of the last consumed token.
    fn last_end(&self) -> u32 {
        if self.pos == 0 { 0 } else { self.tokens[self.pos - 1].span.end }
    }

    /// Span from `start` to the end of the last consumed token.
    fn span_from(&self, start: u32) -> Span {
        Span::new(start, self.last_end().max(start))
    }

    fn start(&self) -> u32 {
        self.peek().span.start
    }

    // ---- diagnostics ----------------------------------------------------

    /// Records a diagnostic unless one was already reported at the same place
    /// (cascades after an error add noise, not information).
    fn report(&mut self, diagnostic: Diagnostic) {
        if let Some(last) = self.diagnostics.last()
            && last.span.start == diagnostic.span.start
            && last.is_error()
        {
            return;
        }
        self.diagnostics.push(diagnostic);
    }

    fn describe_current(&self) -> String {
        let token = self.peek();
        match token.kind {
            TokenKind::Ident => format!("`{}`", self.token_text(token)),
            TokenKind::Eof => "the end of the query".to_string(),
            TokenKind::String | TokenKind::Int | TokenKind::Real | TokenKind::Timespan | TokenKind::TypedLiteral => {
                let text = self.token_text(token);
                if text.len() > 30 {
                    format!("{} `{}…`", token.kind.describe(), &text[..text.floor_char_boundary(30)])
                } else {
                    format!("{} `{}`", token.kind.describe(), text)
                }
            }
            kind => kind.describe().to_string(),
        }
    }

    /// Reports that `what` was expected at the current token.
    fn error_expected(&mut self, what: &str) {
        let token = self.peek();
        let message = format!("expected {what}, found {}", self.describe_current());
        self.report(Diagnostic::new(Code::ExpectedToken, token.span, message));
    }

    /// Reports a keyword (the text of `token`) used where a plain name is required.
    fn report_keyword_as_name(&mut self, token: Token) {
        let word = self.token_text(token);
        self.report(
            Diagnostic::new(Code::KeywordAsName, token.span, format!("`{word}` is a keyword, not a name"))
                .with_help(format!("to use it as a column or variable name, write ['{word}']")),
        );
    }

    /// Consumes a token of `kind`, or reports it missing (without consuming).
    fn expect(&mut self, kind: TokenKind) -> Option<Token> {
        if let Some(token) = self.eat(kind) {
            return Some(token);
        }
        self.error_expected(kind.describe());
        None
    }

    /// Consumes the word `word`, or reports it missing.
    fn expect_word(&mut self, word: &str) -> Option<Token> {
        if let Some(token) = self.eat_word(word) {
            return Some(token);
        }
        self.error_expected(&format!("`{word}`"));
        None
    }

    /// Parses a name: an identifier or a bracketed `['name']`.
    fn parse_ident(&mut self) -> Option<Ident> {
        if self.at(TokenKind::Ident) {
            let token = self.bump();
            return Some(Ident { name: self.token_text(token).to_string(), span: token.span });
        }
        if self.at(TokenKind::OpenBracket) && self.nth_kind(1) == TokenKind::String {
            return self.parse_bracketed_name();
        }
        let token = self.peek();
        let message = format!("expected a name, found {}", self.describe_current());
        self.report(Diagnostic::new(Code::ExpectedName, token.span, message));
        None
    }

    /// `['name']` or `["name"]`; the current token is `[`.
    fn parse_bracketed_name(&mut self) -> Option<Ident> {
        let open = self.bump();
        let string = self.bump();
        let name = crate::syntax::literal::unescape_string(self.token_text(string)).unwrap_or_default();
        self.expect(TokenKind::CloseBracket);
        Some(Ident { name, span: self.span_from(open.span.start) })
    }

    /// True when the current token starts a name (`x` or `['x']`).
    fn at_name(&self) -> bool {
        self.at(TokenKind::Ident) || (self.at(TokenKind::OpenBracket) && self.nth_kind(1) == TokenKind::String)
    }

    // ---- nesting guard ----------------------------------------------------

    /// Enters one level of nesting; on `false` the caller must not recurse
    /// (the rest of the nested region has been skipped).
    fn enter(&mut self) -> bool {
        if self.depth >= MAX_NESTING {
            if !self.nesting_reported {
                self.nesting_reported = true;
                let token = self.peek();
                self.diagnostics.push(Diagnostic::new(
                    Code::NestingTooDeep,
                    token.span,
                    format!("the query is nested more than {MAX_NESTING} levels deep"),
                ));
            }
            self.skip_nested_region();
            return false;
        }
        self.depth += 1;
        true
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Skips tokens up to (not including) the first unmatched closing bracket,
    /// `;` or the end, without recursion.
    fn skip_nested_region(&mut self) {
        let mut open = 0u32;
        loop {
            match self.kind() {
                TokenKind::Eof => return,
                TokenKind::OpenParen | TokenKind::OpenBracket | TokenKind::OpenBrace => open += 1,
                TokenKind::CloseParen | TokenKind::CloseBracket | TokenKind::CloseBrace => {
                    if open == 0 {
                        return;
                    }
                    open -= 1;
                }
                TokenKind::Semicolon if open == 0 => return,
                _ => {}
            }
            self.bump();
        }
    }

    /// Skips tokens, balancing brackets, until a token of `stop` at bracket
    /// depth 0, an unmatched closing bracket, or the end. Consumes at least
    /// one token unless already at a stop token.
    fn skip_until(&mut self, stop: &[TokenKind]) {
        let mut open = 0u32;
        loop {
            let kind = self.kind();
            if kind == TokenKind::Eof {
                return;
            }
            if open == 0 && stop.contains(&kind) {
                return;
            }
            match kind {
                TokenKind::OpenParen | TokenKind::OpenBracket | TokenKind::OpenBrace => open += 1,
                TokenKind::CloseParen | TokenKind::CloseBracket | TokenKind::CloseBrace => {
                    if open == 0 {
                        return;
                    }
                    open -= 1;
                }
                _ => {}
            }
            self.bump();
        }
    }
}

#[cfg(test)]
mod tests;
