//! The text sent for `kqlab verify --with-fixtures`: a rule test case's
//! tables inlined as `let NAME = datatable(...)` before the query (and the
//! folder functions it calls), and `now()` pinned to the case's `now`, so
//! the remote run sees exactly the data and time the local run sees.
//!
//! A table the query reads that has no fixture is never left to resolve to
//! the workspace's real table: [`missing_fixtures`] finds every such read
//! (and sources that cannot be inlined) before anything is sent.

use std::fmt::Write as _;

use crate::analysis::Globals;
use crate::analysis::schema::Schemas;
use crate::diagnostics::Code;
use crate::engine::table::Table;
use crate::engine::time::format_datetime;
use crate::import::datatable::{string_literal, write_datatable, write_let};
use crate::syntax::token::TokenKind;
use crate::text::Span;

/// The text to send, and where the caller's own query lies in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub text: String,
    /// Byte range of the query given (after fixtures and functions).
    pub query_start: u32,
    pub query_len: u32,
    /// The fixture tables, in the order written.
    pub tables: Vec<String>,
}

/// A read of data that has no fixture, at `span` in [`Sent::text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingFixture {
    pub span: Span,
    pub message: String,
}

/// Writes the fixtures, then `text` (whose own query starts at `query_offset`
/// and runs `query_len` bytes: the part before it is the functions' `let`s).
/// `watchlists` (alias and table) become a `_GetWatchlist` of those only;
/// `now` (ticks) pins `now()` with `set query_now`.
pub fn inline(
    text: &str,
    query_offset: u32,
    query_len: u32,
    tables: &[(String, Table)],
    watchlists: &[(String, Table)],
    now: Option<i64>,
) -> Sent {
    let mut out = String::new();
    if let Some(now) = now {
        let _ = writeln!(out, "set query_now = datetime({});", format_datetime(now));
    }
    for (name, table) in tables {
        out.push_str(&write_let(name, table));
    }
    if !watchlists.is_empty() {
        out.push_str("let _GetWatchlist = (watchlistAlias: string) {\n    union");
        for (index, (alias, table)) in watchlists.iter().enumerate() {
            let separator = if index == 0 { "" } else { "," };
            let datatable = write_datatable(table).replace('\n', "\n    ");
            let _ =
                write!(out, "{separator}\n    ({datatable}\n    | where watchlistAlias == {})", string_literal(alias));
        }
        out.push_str("\n};\n");
    }
    let start = out.len() as u32;
    out.push_str(text);
    Sent {
        text: out,
        query_start: start + query_offset,
        query_len,
        tables: tables.iter().map(|(name, _)| name.clone()).collect(),
    }
}

impl Sent {
    /// A span of the sent text as a span of the caller's query, when inside it.
    pub fn query_span(&self, span: Span) -> Option<Span> {
        let end = self.query_start + self.query_len;
        if span.start < self.query_start || span.start > end {
            return None;
        }
        Some(Span::new(span.start - self.query_start, span.end.clamp(span.start, end) - self.query_start))
    }

    /// The span at the service's 1-based `line` and 0-based `pos` of the sent text.
    pub fn span_at(&self, line: u32, pos: u32) -> Option<Span> {
        let line_start = if line <= 1 {
            0
        } else {
            self.text.match_indices('\n').nth(line as usize - 2).map(|(index, _)| index + 1)?
        };
        let offset = line_start + pos as usize;
        if offset > self.text.len() || !self.text.is_char_boundary(offset) {
            return None;
        }
        let word = self.text[offset..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').count();
        let word_len: usize = self.text[offset..].chars().take(word).map(char::len_utf8).sum();
        Some(Span::new(offset as u32, (offset + word_len.max(1).min(self.text.len() - offset)) as u32))
    }
}

/// The aliases of `_GetWatchlist('ALIAS')` calls in `text`, each once.
pub fn watchlist_aliases(text: &str) -> Vec<String> {
    let lexed = crate::syntax::lexer::lex(text);
    let tokens = &lexed.tokens;
    let mut aliases = Vec::new();
    for window in tokens.windows(3) {
        if window[0].kind == TokenKind::Ident
            && &text[window[0].span.range()] == "_GetWatchlist"
            && window[1].kind == TokenKind::OpenParen
            && window[2].kind == TokenKind::String
            && let Some(alias) = crate::syntax::literal::unescape_string(&text[window[2].span.range()])
            && !aliases.contains(&alias)
        {
            aliases.push(alias);
        }
    }
    aliases
}

/// Functions whose data cannot come from a fixture: they would read the
/// workspace (or another one) whatever the `let`s say.
const UNINLINABLE_CALLS: &[&str] = &[
    "_GetWatchlist",
    "_ASIM_GetWatchlistsRaw",
    "workspace",
    "app",
    "resource",
    "cluster",
    "database",
    "external_table",
    "materialized_view",
    "table",
];

/// Every read of data that has no fixture: names the query uses as tables
/// or functions that neither a fixture nor a `let` defines (found by
/// analysing the text with no workspace tables at all), and sources that
/// cannot be inlined (`_GetWatchlist`, `workspace()`, `externaldata`,
/// `union *`, `search`/`find` without `in`).
pub fn missing_fixtures(sent: &Sent, globals: &Globals) -> Vec<MissingFixture> {
    let mut missing = Vec::new();
    let parse = crate::syntax::parse(&sent.text);
    let bare = Globals { schemas: std::sync::Arc::new(Schemas::default()), catalog: globals.catalog };
    let analysis = crate::analysis::analyze(&parse.query, &bare);
    for diagnostic in analysis.diagnostics {
        let name = sent.text.get(diagnostic.span.range()).unwrap_or_default();
        let message = match diagnostic.code {
            Code::UnknownTable => format!("`{name}` has no fixture: the workspace's real `{name}` would be read"),
            Code::UnknownFunction if globals.schemas.function(name).is_some() => {
                format!("`{name}` is a workspace function: it would read the workspace's real tables")
            }
            _ => continue,
        };
        missing.push(MissingFixture { span: diagnostic.span, message });
    }
    let lexed = crate::syntax::lexer::lex(&sent.text);
    let tokens: Vec<_> = lexed.tokens.iter().filter(|t| t.kind != TokenKind::Eof).collect();
    let text_of =
        |index: usize| tokens.get(index).map_or("", |t: &&crate::syntax::token::Token| &sent.text[t.span.range()]);
    let kind_of = |index: usize| tokens.get(index).map(|t| t.kind);
    // Names the text defines itself (a fixture `_GetWatchlist`) read no workspace data.
    let defined: Vec<&str> = (0..tokens.len()).filter(|&i| text_of(i) == "let").map(|i| text_of(i + 1)).collect();
    for (index, token) in tokens.iter().enumerate() {
        if token.kind != TokenKind::Ident || defined.contains(&text_of(index)) {
            continue;
        }
        let word = text_of(index);
        let previous = index.checked_sub(1).and_then(kind_of);
        let next_is_paren = kind_of(index + 1) == Some(TokenKind::OpenParen);
        let after_dot = previous == Some(TokenKind::Dot);
        let reason = if next_is_paren && !after_dot && UNINLINABLE_CALLS.contains(&word) {
            Some(format!("`{word}()` reads the workspace's data, which a fixture cannot replace"))
        } else if word == "externaldata" && !after_dot {
            Some("`externaldata` reads outside data, which a fixture cannot replace".to_string())
        } else if word == "union" && previous != Some(TokenKind::Dot) && union_has_wildcard(&tokens, index, &sent.text)
        {
            Some("`union` with a wildcard reads every matching workspace table, not the fixtures".to_string())
        } else if (word == "search" || word == "find")
            && previous != Some(TokenKind::Pipe)
            && statement_start(previous)
            && !has_in_clause(&tokens, index, &sent.text)
        {
            Some(format!("`{word}` without `in (...)` reads every workspace table, not the fixtures"))
        } else {
            None
        };
        if let Some(message) = reason {
            missing.push(MissingFixture { span: token.span, message });
        }
    }
    // One finding per place: the analyzer's and the token scan's can meet.
    missing.sort_by_key(|m| (m.span.start, m.span.end));
    missing.dedup_by(|later, earlier| later.span == earlier.span);
    missing
}

/// True when the token before a word starts a tabular expression there.
fn statement_start(previous: Option<TokenKind>) -> bool {
    matches!(
        previous,
        None | Some(
            TokenKind::Semicolon | TokenKind::Assign | TokenKind::OpenParen | TokenKind::OpenBrace | TokenKind::Comma
        )
    )
}

/// `union` followed (before the next `|`, `;` or closing bracket) by a `*` in its table list.
fn union_has_wildcard(tokens: &[&crate::syntax::token::Token], index: usize, text: &str) -> bool {
    for token in tokens.iter().skip(index + 1) {
        match token.kind {
            TokenKind::Pipe | TokenKind::Semicolon | TokenKind::CloseParen | TokenKind::CloseBrace => return false,
            TokenKind::Star => return true,
            TokenKind::Ident if text[token.span.range()].contains('*') => return true,
            _ => {}
        }
    }
    false
}

/// `search`/`find` with an `in` clause before its predicate.
fn has_in_clause(tokens: &[&crate::syntax::token::Token], index: usize, text: &str) -> bool {
    tokens
        .iter()
        .skip(index + 1)
        .take_while(|token| !matches!(token.kind, TokenKind::Pipe | TokenKind::Semicolon))
        .take(8)
        .any(|token| token.kind == TokenKind::Ident && &text[token.span.range()] == "in")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::column::Column;

    fn table() -> Table {
        let value = crate::engine::value::Value::str("o'brien \"x\"");
        Table::new(vec![("User".to_string(), Column::from_values(crate::syntax::ast::ScalarType::String, [&value]))])
    }

    #[test]
    fn fixtures_come_before_the_query_with_now_pinned() {
        let sent =
            inline("T | count", 0, 9, &[("T".to_string(), table())], &[], Some(crate::engine::time::UNIX_EPOCH_TICKS));
        assert!(sent.text.starts_with("set query_now = datetime(1970-01-01T00:00:00"), "{}", sent.text);
        assert!(
            sent.text.contains("let T = datatable(User:string) [\n    \"o'brien \\\"x\\\"\"\n];\n"),
            "{}",
            sent.text
        );
        assert_eq!(&sent.text[sent.query_start as usize..], "T | count");
        assert_eq!(sent.query_span(Span::new(sent.query_start + 4, sent.query_start + 9)), Some(Span::new(4, 9)));
        assert_eq!(sent.query_span(Span::new(0, 3)), None);
        let line = sent.text.lines().count() as u32;
        assert_eq!(sent.span_at(line, 4), Some(Span::new(sent.query_start + 4, sent.query_start + 9)));
    }

    #[test]
    fn a_table_without_fixture_and_uninlinable_sources_are_found() {
        let globals = Globals::builtin();
        let query = "T | join (SigninLogs) on User | union (_GetWatchlist('vip')) | union Sig* | where User in (toscalar(externaldata(x:string) [@'https://x'] | count))";
        let sent = inline(query, 0, query.len() as u32, &[("T".to_string(), table())], &[], None);
        let missing = missing_fixtures(&sent, &globals);
        let messages: Vec<&str> = missing.iter().map(|m| m.message.as_str()).collect();
        assert!(messages.iter().any(|m| m.starts_with("`SigninLogs` has no fixture")), "{messages:?}");
        assert!(messages.iter().any(|m| m.starts_with("`_GetWatchlist")), "{messages:?}");
        assert!(messages.iter().any(|m| m.starts_with("`union` with a wildcard")), "{messages:?}");
        assert!(messages.iter().any(|m| m.starts_with("`externaldata`")), "{messages:?}");
        assert!(!messages.iter().any(|m| m.contains("`T`")), "{messages:?}");
        let ok = inline("T | where User != ''", 0, 20, &[("T".to_string(), table())], &[], None);
        assert_eq!(missing_fixtures(&ok, &globals), []);
        let search = inline("search \"x\"", 0, 10, &[], &[], None);
        assert_eq!(missing_fixtures(&search, &globals).len(), 1);
        let scoped = inline("search in (T) \"x\"", 0, 17, &[("T".to_string(), table())], &[], None);
        assert_eq!(missing_fixtures(&scoped, &globals), []);
    }

    #[test]
    fn watchlists_of_the_folder_become_a_local_get_watchlist() {
        let query = "_GetWatchlist('vip') | join (_GetWatchlist(\"vip\")) on User";
        assert_eq!(watchlist_aliases(query), ["vip"]);
        let sent = inline(query, 0, query.len() as u32, &[], &[("vip".to_string(), table())], None);
        assert!(
            sent.text.starts_with(
                "let _GetWatchlist = (watchlistAlias: string) {\n    union\n    (datatable(User:string) ["
            ),
            "{}",
            sent.text
        );
        assert!(sent.text.contains("| where watchlistAlias == \"vip\")\n};\n"), "{}", sent.text);
        assert_eq!(missing_fixtures(&sent, &Globals::builtin()), []);
        assert!(crate::syntax::parse(&sent.text).diagnostics.is_empty());
    }
}
