//! Syntax: lexer, tokens, the syntax tree and the parser.
//!
//! [`parse`] never fails: it returns a tree (with `Error` nodes where the
//! input was malformed) and the diagnostics found on the way.

pub mod ast;
pub mod lexer;
pub mod literal;
pub mod parser;
pub mod token;

use crate::diagnostics::Diagnostic;

/// The result of parsing a query text.
#[derive(Debug, Clone)]
pub struct Parse {
    pub query: ast::Query,
    /// Lexical and syntax diagnostics, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a KQL query text (one or more statements separated by `;`).
///
/// ```
/// let parse = kqlab::syntax::parse("SigninLogs | where ResultType != \"0\" | take 10");
/// assert!(parse.diagnostics.is_empty());
/// assert_eq!(parse.query.statements.len(), 1);
/// ```
pub fn parse(text: &str) -> Parse {
    parser::parse_text(text)
}
