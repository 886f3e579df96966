//! Statements: `let`, `set`, `alias`, `declare`, `restrict`, `pattern` and
//! query statements, separated by `;`.

use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::{
    ColumnDecl, Expr, FunctionDef, Let, LetValue, Parameter, ParameterType, Pattern, PatternEntry, ScalarType,
    Statement, StatementKind, TypeName,
};
use crate::syntax::parser::Parser;
use crate::syntax::token::TokenKind;
use crate::text::Span;

impl<'a> Parser<'a> {
    /// Parses statements up to the end (or up to `}` when `in_braces`).
    pub(super) fn parse_statements(&mut self, in_braces: bool) -> Vec<Statement> {
        let mut statements = Vec::new();
        loop {
            if self.at_eof() || (in_braces && self.at(TokenKind::CloseBrace)) {
                break;
            }
            if self.at(TokenKind::Semicolon) {
                let token = self.bump();
                self.report(Diagnostic::new(Code::UnexpectedToken, token.span, "unexpected `;`: empty statement"));
                continue;
            }
            if !in_braces
                && matches!(self.kind(), TokenKind::CloseParen | TokenKind::CloseBracket | TokenKind::CloseBrace)
            {
                let token = self.bump();
                let message = format!("unexpected {}: it closes nothing", token.kind.describe());
                self.report(Diagnostic::new(Code::UnexpectedToken, token.span, message));
                continue;
            }
            let before = self.pos;
            let statement = self.parse_statement();
            statements.push(statement);
            if self.eat(TokenKind::Semicolon).is_some() {
                continue;
            }
            if self.at_eof() || (in_braces && self.at(TokenKind::CloseBrace)) {
                break;
            }
            let token = self.peek();
            if matches!(token.kind, TokenKind::CloseParen | TokenKind::CloseBracket | TokenKind::CloseBrace) {
                let message = format!("unexpected {}: it closes nothing", token.kind.describe());
                self.report(
                    Diagnostic::new(Code::UnexpectedToken, token.span, message)
                        .with_help("remove it, or add the matching opening bracket"),
                );
                self.bump();
                continue;
            }
            let message = format!("expected `;` or `|` before {}", self.describe_current());
            self.report(
                Diagnostic::new(Code::ExpectedStatementEnd, token.span, message)
                    .with_help("an operator may be missing (e.g. `==`), or a `;` after a `let` statement"),
            );
            // Like Kusto.Language, take the `;` as missing when the next
            // token can start an expression, so the rest is parsed (and
            // checked) as the next statement; otherwise skip to the next `;`.
            if self.at_expression_start() && self.pos > before {
                continue;
            }
            let stop_at_close = in_braces;
            self.skip_statement_rest(stop_at_close);
            self.eat(TokenKind::Semicolon);
            debug_assert!(self.pos > before || self.at_eof(), "statement recovery must advance");
        }
        statements
    }

    /// Skips to the next `;` (or `}` in a braced body), consuming stray closers.
    fn skip_statement_rest(&mut self, stop_at_close_brace: bool) {
        loop {
            self.skip_until(&[TokenKind::Semicolon]);
            match self.kind() {
                TokenKind::Eof | TokenKind::Semicolon => return,
                TokenKind::CloseBrace if stop_at_close_brace => return,
                _ => {
                    self.bump();
                }
            }
        }
    }

    fn parse_statement(&mut self) -> Statement {
        let start = self.start();
        let kind = if self.at_word("let") && self.nth(1).kind != TokenKind::Eof && self.nth_kind(1) != TokenKind::Assign
        {
            self.parse_let()
        } else if self.at_word("set") && self.nth_kind(1) == TokenKind::Ident && self.is_set_statement() {
            self.parse_set()
        } else if self.at_word("alias") && self.nth_is_word(1, "database") {
            self.parse_alias()
        } else if self.at_word("declare") && self.nth_is_word(1, "query_parameters") {
            self.bump();
            self.bump();
            StatementKind::QueryParameters(self.parse_parameter_list())
        } else if self.at_word("declare") && self.nth_is_word(1, "pattern") {
            self.parse_pattern()
        } else if self.at_word("restrict") && self.nth_is_word(1, "access") {
            self.parse_restrict()
        } else if self.at(TokenKind::Pipe) {
            let token = self.peek();
            self.report(
                Diagnostic::new(Code::MissingQuerySource, token.span, "a query cannot start with `|`")
                    .with_help("start with a table name, or remove the `;` that ends the previous statement"),
            );
            let input = Expr::error(Span::empty(token.span.start));
            StatementKind::Query(self.parse_pipe_chain(input))
        } else {
            StatementKind::Query(self.parse_expr())
        };
        Statement { kind, span: self.span_from(start) }
    }

    /// `set name;` / `set name = value;` — distinguished from a table named `set`.
    fn is_set_statement(&self) -> bool {
        matches!(self.nth_kind(2), TokenKind::Assign | TokenKind::Semicolon | TokenKind::Eof)
    }

    fn parse_let(&mut self) -> StatementKind {
        self.bump(); // let
        let Some(name) = self.parse_ident() else {
            self.skip_until(&[TokenKind::Semicolon]);
            return StatementKind::Error;
        };
        if self.expect(TokenKind::Assign).is_none() {
            self.skip_until(&[TokenKind::Semicolon]);
            return StatementKind::Error;
        }
        let value = if self.at_word("view") && self.nth_kind(1) == TokenKind::OpenParen {
            self.bump();
            LetValue::Function(self.parse_function_def(true))
        } else if self.at(TokenKind::OpenParen) && self.is_function_definition() {
            LetValue::Function(self.parse_function_def(false))
        } else {
            LetValue::Expr(self.parse_expr())
        };
        StatementKind::Let(Let { name, value })
    }

    /// At `(`: true when the matching `)` is followed by `{` (a function body).
    fn is_function_definition(&self) -> bool {
        let mut open = 0u32;
        let mut idx = self.pos;
        while idx < self.tokens.len() {
            match self.tokens[idx].kind {
                TokenKind::OpenParen => open += 1,
                TokenKind::CloseParen => {
                    open -= 1;
                    if open == 0 {
                        return self.tokens.get(idx + 1).is_some_and(|t| t.kind == TokenKind::OpenBrace);
                    }
                }
                TokenKind::Eof | TokenKind::Semicolon => return false,
                _ => {}
            }
            idx += 1;
        }
        false
    }

    /// `(params) { statements }`; the current token is `(`.
    pub(super) fn parse_function_def(&mut self, is_view: bool) -> FunctionDef {
        let start = self.start();
        let params = self.parse_parameter_list();
        let body = self.parse_braced_body();
        FunctionDef { is_view, params, body, span: self.span_from(start) }
    }

    /// `{ statements }`.
    pub(super) fn parse_braced_body(&mut self) -> Vec<Statement> {
        if self.expect(TokenKind::OpenBrace).is_none() {
            return Vec::new();
        }
        if !self.enter() {
            self.eat(TokenKind::CloseBrace);
            return Vec::new();
        }
        let body = self.parse_statements(true);
        self.leave();
        self.expect(TokenKind::CloseBrace);
        body
    }

    /// `( name:type [= default], T:(*), ... )`.
    pub(super) fn parse_parameter_list(&mut self) -> Vec<Parameter> {
        let mut params = Vec::new();
        if self.expect(TokenKind::OpenParen).is_none() {
            return params;
        }
        while !self.at(TokenKind::CloseParen) && !self.at_eof() {
            let start = self.start();
            let Some(name) = self.parse_ident() else {
                break;
            };
            if self.expect(TokenKind::Colon).is_none() {
                break;
            }
            let ty = if self.at(TokenKind::OpenParen) {
                let (columns, open) = self.parse_schema_list();
                ParameterType::Tabular { columns, open }
            } else {
                ParameterType::Scalar(self.parse_type_name())
            };
            let default = if self.eat(TokenKind::Assign).is_some() { Some(self.parse_scalar()) } else { None };
            params.push(Parameter { name, ty, default, span: self.span_from(start) });
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        if self.expect(TokenKind::CloseParen).is_none() {
            self.skip_until(&[TokenKind::CloseParen, TokenKind::Semicolon, TokenKind::OpenBrace]);
            self.eat(TokenKind::CloseParen);
        }
        params
    }

    /// `( col:type, ... [, *] )` or `(*)`; returns the columns and whether `*` appeared.
    pub(super) fn parse_schema_list(&mut self) -> (Vec<ColumnDecl>, bool) {
        let mut columns = Vec::new();
        let mut open = false;
        if self.expect(TokenKind::OpenParen).is_none() {
            return (columns, open);
        }
        while !self.at(TokenKind::CloseParen) && !self.at_eof() {
            if self.eat(TokenKind::Star).is_some() {
                open = true;
            } else {
                match self.parse_column_decl() {
                    Some(column) => columns.push(column),
                    None => break,
                }
            }
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        if self.expect(TokenKind::CloseParen).is_none() {
            self.skip_until(&[TokenKind::CloseParen, TokenKind::Semicolon]);
            self.eat(TokenKind::CloseParen);
        }
        (columns, open)
    }

    /// `name : type`.
    pub(super) fn parse_column_decl(&mut self) -> Option<ColumnDecl> {
        let start = self.start();
        let name = self.parse_ident()?;
        self.expect(TokenKind::Colon)?;
        let ty = self.parse_type_name();
        Some(ColumnDecl { name, ty, span: self.span_from(start) })
    }

    /// A scalar type name; unknown names are reported.
    pub(super) fn parse_type_name(&mut self) -> TypeName {
        if !self.at(TokenKind::Ident) {
            self.error_expected("a type name");
            return TypeName { ty: None, span: Span::empty(self.start()) };
        }
        let token = self.bump();
        let name = self.token_text(token);
        let ty = ScalarType::from_name(name);
        if ty.is_none() {
            self.report(
                Diagnostic::new(Code::UnknownType, token.span, format!("unknown type `{name}`"))
                    .with_help("types are bool, int, long, real, decimal, string, datetime, timespan, guid, dynamic"),
            );
        }
        TypeName { ty, span: token.span }
    }

    fn parse_set(&mut self) -> StatementKind {
        self.bump(); // set
        let Some(name) = self.parse_ident() else {
            return StatementKind::Error;
        };
        let value = if self.eat(TokenKind::Assign).is_some() { Some(self.parse_scalar()) } else { None };
        StatementKind::Set { name, value }
    }

    fn parse_alias(&mut self) -> StatementKind {
        self.bump(); // alias
        self.bump(); // database
        let Some(name) = self.parse_ident() else {
            return StatementKind::Error;
        };
        if self.expect(TokenKind::Assign).is_none() {
            return StatementKind::Error;
        }
        StatementKind::Alias { name, value: self.parse_scalar() }
    }

    fn parse_restrict(&mut self) -> StatementKind {
        self.bump(); // restrict
        self.bump(); // access
        self.expect_word("to");
        let mut entities = Vec::new();
        if self.expect(TokenKind::OpenParen).is_some() {
            while !self.at(TokenKind::CloseParen) && !self.at_eof() {
                entities.push(self.parse_name_pattern_or_expr());
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
            self.expect(TokenKind::CloseParen);
        }
        StatementKind::Restrict(entities)
    }

    /// `declare pattern name [= (params)[ [pathParams] ] { (args).[path] = { query }; ... }]`.
    fn parse_pattern(&mut self) -> StatementKind {
        self.bump(); // declare
        self.bump(); // pattern
        let Some(name) = self.parse_ident() else {
            return StatementKind::Error;
        };
        let mut pattern = Pattern { name, params: Vec::new(), path_params: Vec::new(), entries: Vec::new() };
        if self.eat(TokenKind::Assign).is_none() {
            return StatementKind::Pattern(pattern);
        }
        pattern.params = self.parse_parameter_list();
        if self.eat(TokenKind::OpenBracket).is_some() {
            while !self.at(TokenKind::CloseBracket) && !self.at_eof() {
                let start = self.start();
                let Some(name) = self.parse_ident() else {
                    break;
                };
                self.expect(TokenKind::Colon);
                let ty = ParameterType::Scalar(self.parse_type_name());
                pattern.path_params.push(Parameter { name, ty, default: None, span: self.span_from(start) });
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
            self.expect(TokenKind::CloseBracket);
        }
        if self.expect(TokenKind::OpenBrace).is_none() {
            return StatementKind::Pattern(pattern);
        }
        while self.at(TokenKind::OpenParen) {
            let start = self.start();
            self.bump();
            let mut args = Vec::new();
            while !self.at(TokenKind::CloseParen) && !self.at_eof() {
                args.push(self.parse_scalar());
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
            self.expect(TokenKind::CloseParen);
            let mut path = None;
            if self.eat(TokenKind::Dot).is_some() && self.expect(TokenKind::OpenBracket).is_some() {
                path = Some(self.parse_scalar());
                self.expect(TokenKind::CloseBracket);
            }
            self.expect(TokenKind::Assign);
            let body = self.parse_braced_body();
            pattern.entries.push(PatternEntry { args, path, body, span: self.span_from(start) });
            self.eat(TokenKind::Semicolon);
        }
        self.expect(TokenKind::CloseBrace);
        StatementKind::Pattern(pattern)
    }
}
