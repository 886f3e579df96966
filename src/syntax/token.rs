//! Tokens produced by the lexer.

use crate::text::Span;

/// The kind of a token. Words (identifiers and keywords alike) are `Ident`:
/// KQL keywords are contextual, so the parser decides by the token's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A word: identifier or keyword, including hyphenated keywords such as
    /// `project-away`, `$left`, and negated operators such as `!has` and `in~`.
    Ident,
    /// An integer literal (`42`, `0x1F`).
    Int,
    /// A real literal (`1.5`, `2e10`).
    Real,
    /// A number with a timespan unit (`5m`, `1.5d`, `100ms`).
    Timespan,
    /// A string literal in any form (`"…"`, `'…'`, `@"…"`, ```` ```…``` ````, `h"…"`).
    String,
    /// A typed literal with a raw body: `datetime(…)`, `timespan(…)`,
    /// `guid(…)`, `int(…)`, `long(…)`, `real(…)`, `decimal(…)`, `bool(…)`.
    TypedLiteral,
    Pipe,
    Semicolon,
    Comma,
    Dot,
    DotDot,
    Colon,
    OpenParen,
    CloseParen,
    OpenBracket,
    CloseBracket,
    OpenBrace,
    CloseBrace,
    /// `=`
    Assign,
    /// `==`
    Eq,
    /// `!=` or `<>`
    NotEq,
    /// `=~`
    EqTilde,
    /// `!~`
    NotEqTilde,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    /// `=>`
    FatArrow,
    /// `?`
    Question,
    /// `@` not starting a string
    At,
    /// `!` alone
    Bang,
    /// A character that starts no token; reported by the lexer.
    Unknown,
    /// End of input (zero-width, at the end of the text).
    Eof,
}

/// One token: its kind, its byte span, and whether white space or a comment
/// came right before it (needed for `Col*` wildcards and graph arrows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
    pub space_before: bool,
}

impl TokenKind {
    /// How the token is shown in messages.
    pub fn describe(self) -> &'static str {
        match self {
            TokenKind::Ident => "a name",
            TokenKind::Int | TokenKind::Real => "a number",
            TokenKind::Timespan => "a timespan",
            TokenKind::String => "a string",
            TokenKind::TypedLiteral => "a literal",
            TokenKind::Pipe => "`|`",
            TokenKind::Semicolon => "`;`",
            TokenKind::Comma => "`,`",
            TokenKind::Dot => "`.`",
            TokenKind::DotDot => "`..`",
            TokenKind::Colon => "`:`",
            TokenKind::OpenParen => "`(`",
            TokenKind::CloseParen => "`)`",
            TokenKind::OpenBracket => "`[`",
            TokenKind::CloseBracket => "`]`",
            TokenKind::OpenBrace => "`{`",
            TokenKind::CloseBrace => "`}`",
            TokenKind::Assign => "`=`",
            TokenKind::Eq => "`==`",
            TokenKind::NotEq => "`!=`",
            TokenKind::EqTilde => "`=~`",
            TokenKind::NotEqTilde => "`!~`",
            TokenKind::Lt => "`<`",
            TokenKind::Le => "`<=`",
            TokenKind::Gt => "`>`",
            TokenKind::Ge => "`>=`",
            TokenKind::Plus => "`+`",
            TokenKind::Minus => "`-`",
            TokenKind::Star => "`*`",
            TokenKind::Slash => "`/`",
            TokenKind::Percent => "`%`",
            TokenKind::FatArrow => "`=>`",
            TokenKind::Question => "`?`",
            TokenKind::At => "`@`",
            TokenKind::Bang => "`!`",
            TokenKind::Unknown => "an invalid character",
            TokenKind::Eof => "the end of the query",
        }
    }
}
