//! Expressions, with Kusto's precedence: `|` < `or` < `and` < comparisons and
//! string operators < `+ -` < `* / %` < unary < postfix (`.`, `[]`, calls).

use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::{BinaryOp, Dynamic, Expr, ExprKind, Ident, ListOp, Literal, UnaryOp};
use crate::syntax::literal::{self, DatetimeBody};
use crate::syntax::parser::{MAX_CHAIN, Parser};
use crate::syntax::token::TokenKind;
use crate::text::Span;

/// Keywords that Kusto does not accept as bare names (a column called `by`
/// must be written `['by']`). Established by probing Microsoft's parser.
pub const RESERVED_WORDS: &[&str] = &[
    "accumulate",
    "and",
    "anomalychart",
    "areachart",
    "as",
    "asc",
    "assert-schema",
    "bagexpansion",
    "barchart",
    "between",
    "boolean",
    "by",
    "card",
    "columnchart",
    "contains",
    "contains_cs",
    "cycles",
    "datatable",
    "date",
    "datetime",
    "decimal",
    "decodeblocks",
    "desc",
    "double",
    "dynamic",
    "endswith",
    "execute-and-cache",
    "external_data",
    "externaldata",
    "find",
    "first",
    "flags",
    "granny-asc",
    "granny-desc",
    "graph-mark-components",
    "graph-match",
    "graph-shortest-paths",
    "graph-to-table",
    "has",
    "has_all",
    "has_any",
    "has_cs",
    "hasprefix",
    "hassuffix",
    "in",
    "int",
    "int32",
    "int64",
    "invoke",
    "isfuzzy",
    "ladderchart",
    "last",
    "like",
    "linechart",
    "long",
    "macro-expand",
    "make-graph",
    "make-series",
    "materialize",
    "mv-apply",
    "mv-expand",
    "notlike",
    "of",
    "or",
    "others",
    "parse-kv",
    "parse-where",
    "piechart",
    "pivotchart",
    "print",
    "project",
    "project-away",
    "project-by-names",
    "project-keep",
    "project-rename",
    "project-reorder",
    "project-smart",
    "real",
    "relaxed",
    "sample",
    "sample-distinct",
    "scatterchart",
    "search",
    "set",
    "simple",
    "stackedareachart",
    "startswith",
    "string",
    "time",
    "timechart",
    "timepivot",
    "timespan",
    "title",
    "to",
    "top-hitters",
    "top-nested",
    "toscalar",
    "treemap",
    "union",
    "uniqueid",
    "where",
    "with_itemindex",
];

/// Words that start a source operator when followed as the grammar requires.
fn is_source_start(parser: &Parser<'_>) -> bool {
    if parser.kind() != TokenKind::Ident {
        return false;
    }
    let next = parser.nth_kind(1);
    match parser.current_text() {
        "print" => true,
        "union" | "search" => true,
        "find" => next != TokenKind::OpenParen,
        "datatable" | "externaldata" | "external_data" => {
            next == TokenKind::OpenParen || (next == TokenKind::Ident && parser.nth_is_word(1, "with"))
        }
        "range" => next == TokenKind::Ident && parser.nth_is_word(2, "from"),
        "evaluate" => next == TokenKind::Ident,
        "macro-expand" => next == TokenKind::Ident,
        _ => false,
    }
}

impl<'a> Parser<'a> {
    /// Whether the current token can start an expression: a literal, a
    /// bracket, a sign, a source operator or a name that is not a keyword.
    /// Recovery uses it to decide whether a missing separator (`;`, `,`)
    /// can be assumed before the current token.
    pub(super) fn at_expression_start(&self) -> bool {
        match self.kind() {
            TokenKind::Int
            | TokenKind::Real
            | TokenKind::Timespan
            | TokenKind::String
            | TokenKind::TypedLiteral
            | TokenKind::OpenParen
            | TokenKind::Minus
            | TokenKind::Plus => true,
            TokenKind::OpenBracket => self.nth_kind(1) == TokenKind::String,
            TokenKind::Ident => {
                let word = self.current_text();
                is_source_start(self)
                    || matches!(word, "true" | "false" | "True" | "False" | "TRUE" | "FALSE" | "dynamic" | "typeof")
                    || RESERVED_WORDS.binary_search(&word).is_err()
            }
            _ => false,
        }
    }

    /// Consumes the `,` after a list item that started at token `item_start`.
    /// Like Kusto.Language, a missing `,` is reported and assumed when the
    /// next token can start another item (`project Account Computer`), so
    /// the rest of the list is still parsed and checked.
    pub(super) fn eat_list_comma(&mut self, item_start: usize) -> bool {
        if self.eat(TokenKind::Comma).is_some() {
            return true;
        }
        // The item must have consumed a token, so that recovery advances.
        if self.pos > item_start && self.at_expression_start() {
            self.error_expected("`,`");
            return true;
        }
        false
    }

    /// A full expression, including `| operator` stages.
    pub(super) fn parse_expr(&mut self) -> Expr {
        if !self.enter() {
            return Expr::error(Span::empty(self.start()));
        }
        let input = if is_source_start(self) {
            let operator = self.parse_operator();
            let span = operator.span;
            Expr::new(ExprKind::Source(Box::new(operator)), span)
        } else {
            self.parse_scalar()
        };
        let expr = self.parse_pipe_chain(input);
        self.leave();
        expr
    }

    /// Applies `| operator` stages to `input` while the current token is `|`.
    pub(super) fn parse_pipe_chain(&mut self, mut input: Expr) -> Expr {
        let mut stages = 0u32;
        while self.at(TokenKind::Pipe) {
            self.bump();
            let operator = self.parse_operator();
            stages += 1;
            if stages > MAX_CHAIN {
                self.report_chain_too_long(operator.span);
                continue;
            }
            let span = input.span.to(operator.span);
            input = Expr::new(ExprKind::Pipe { input: Box::new(input), operator: Box::new(operator) }, span);
        }
        input
    }

    /// A sub-query that starts with an operator and reads the contextual input:
    /// `where x | take 1` inside `fork (...)`, `mv-apply ... on (...)`, ...
    pub(super) fn parse_contextual_subquery(&mut self) -> Expr {
        if !self.enter() {
            return Expr::error(Span::empty(self.start()));
        }
        let start = self.start();
        let input = Expr::new(ExprKind::ContextualInput, Span::empty(start));
        let expr = if self.at(TokenKind::Pipe) {
            self.parse_pipe_chain(input)
        } else if self.at(TokenKind::Ident) && super::operators::is_operator_word(self.current_text()) {
            let operator = self.parse_operator();
            let span = Span::new(start, operator.span.end);
            let first = Expr::new(ExprKind::Pipe { input: Box::new(input), operator: Box::new(operator) }, span);
            self.parse_pipe_chain(first)
        } else {
            // A sub-query may also be a full tabular expression (`(T | ...)`).
            let expr = self.parse_scalar();
            self.parse_pipe_chain(expr)
        };
        self.leave();
        expr
    }

    fn report_chain_too_long(&mut self, span: Span) {
        if !self.nesting_reported {
            self.nesting_reported = true;
            self.diagnostics.push(Diagnostic::new(
                Code::NestingTooDeep,
                span,
                format!("more than {MAX_CHAIN} chained operators in one expression; the rest are ignored"),
            ));
        }
    }

    /// An expression without `|` stages.
    pub(super) fn parse_scalar(&mut self) -> Expr {
        self.parse_or()
    }

    fn fold_binary(&mut self, left: Expr, op: BinaryOp, right: Expr, chain: &mut u32) -> Expr {
        *chain += 1;
        if *chain > MAX_CHAIN {
            self.report_chain_too_long(right.span);
            return left;
        }
        let span = left.span.to(right.span);
        Expr::new(ExprKind::Binary { op, left: Box::new(left), right: Box::new(right) }, span)
    }

    fn parse_or(&mut self) -> Expr {
        let mut left = self.parse_and();
        let mut chain = 0;
        while self.at_word("or") {
            self.bump();
            let right = self.parse_and();
            left = self.fold_binary(left, BinaryOp::Or, right, &mut chain);
        }
        left
    }

    fn parse_and(&mut self) -> Expr {
        let mut left = self.parse_comparison();
        let mut chain = 0;
        while self.at_word("and") {
            self.bump();
            let right = self.parse_comparison();
            left = self.fold_binary(left, BinaryOp::And, right, &mut chain);
        }
        left
    }

    fn parse_comparison(&mut self) -> Expr {
        let mut left = self.parse_additive();
        let mut chain = 0;
        loop {
            if chain == 1 && self.at_comparison_operator() {
                let token = self.peek();
                self.report(
                    Diagnostic::new(Code::ChainedComparison, token.span, "comparison operators cannot be chained")
                        .with_help("combine the comparisons with `and`, or add parentheses"),
                );
            }
            let op = match self.kind() {
                TokenKind::Eq => Some(BinaryOp::Eq),
                TokenKind::NotEq => Some(BinaryOp::NotEq),
                TokenKind::EqTilde => Some(BinaryOp::EqCi),
                TokenKind::NotEqTilde => Some(BinaryOp::NotEqCi),
                TokenKind::Lt => Some(BinaryOp::Lt),
                TokenKind::Le => Some(BinaryOp::Le),
                TokenKind::Gt => Some(BinaryOp::Gt),
                TokenKind::Ge => Some(BinaryOp::Ge),
                TokenKind::Ident => BinaryOp::from_word(self.current_text()),
                TokenKind::Colon if self.in_search => {
                    left = self.parse_search_field(left);
                    continue;
                }
                _ => None,
            };
            if let Some(op) = op {
                self.bump();
                let right = self.parse_additive();
                left = self.fold_binary(left, op, right, &mut chain);
                continue;
            }
            if self.kind() != TokenKind::Ident {
                return left;
            }
            let word = self.current_text();
            if let Some(list_op) = ListOp::from_word(word) {
                self.bump();
                left = self.parse_list_operand(left, list_op);
            } else if word == "between" || word == "!between" {
                self.bump();
                left = self.parse_between(left, word == "!between");
            } else if word == "matches" && self.nth_is_word(1, "regex") {
                self.bump();
                self.bump();
                let right = self.parse_additive();
                left = self.fold_binary(left, BinaryOp::MatchesRegex, right, &mut chain);
            } else {
                return left;
            }
            chain += 1;
            if chain > MAX_CHAIN {
                self.report_chain_too_long(left.span);
            }
        }
    }

    /// True at `==`, `<`, `has`, `in`, `between`, `matches regex`, ...
    fn at_comparison_operator(&self) -> bool {
        match self.kind() {
            TokenKind::Eq
            | TokenKind::NotEq
            | TokenKind::EqTilde
            | TokenKind::NotEqTilde
            | TokenKind::Lt
            | TokenKind::Le
            | TokenKind::Gt
            | TokenKind::Ge => true,
            TokenKind::Ident => {
                let word = self.current_text();
                BinaryOp::from_word(word).is_some()
                    || ListOp::from_word(word).is_some()
                    || word == "between"
                    || word == "!between"
                    || (word == "matches" && self.nth_is_word(1, "regex"))
            }
            _ => false,
        }
    }

    /// `left in (a, b, T | project x)`; the operator is consumed.
    fn parse_list_operand(&mut self, left: Expr, op: ListOp) -> Expr {
        let mut items = Vec::new();
        if self.expect(TokenKind::OpenParen).is_some() {
            if self.at(TokenKind::CloseParen) {
                self.error_expected("an expression (the list is empty)");
            }
            if self.enter() {
                while !self.at(TokenKind::CloseParen) && !self.at_eof() {
                    let item_start = self.pos;
                    items.push(self.parse_expr());
                    if !self.eat_list_comma(item_start) {
                        break;
                    }
                    if self.at(TokenKind::CloseParen) {
                        self.error_expected("an expression");
                    }
                }
                self.leave();
            }
            self.expect(TokenKind::CloseParen);
        }
        let span = self.span_from(left.span.start);
        Expr::new(ExprKind::List { op, left: Box::new(left), items }, span)
    }

    /// `expr between (low .. high)`; the operator is consumed.
    fn parse_between(&mut self, expr: Expr, negated: bool) -> Expr {
        let start = expr.span.start;
        let mut low = Expr::error(Span::empty(self.start()));
        let mut high = low.clone();
        if self.expect(TokenKind::OpenParen).is_some() {
            if self.enter() {
                low = self.parse_additive();
                if self.expect(TokenKind::DotDot).is_some() {
                    high = self.parse_additive();
                }
                self.leave();
            }
            self.expect(TokenKind::CloseParen);
        }
        Expr::new(
            ExprKind::Between { negated, expr: Box::new(expr), low: Box::new(low), high: Box::new(high) },
            self.span_from(start),
        )
    }

    /// `Column:term` in a `search` predicate.
    fn parse_search_field(&mut self, left: Expr) -> Expr {
        self.bump(); // :
        let term = self.parse_additive();
        let span = left.span.to(term.span);
        let column = match left.kind {
            ExprKind::Name(ident) => ident,
            _ => {
                self.report(Diagnostic::new(Code::ExpectedName, left.span, "expected a column name before `:`"));
                Ident { name: String::new(), span: left.span }
            }
        };
        Expr::new(ExprKind::SearchField { column, term: Box::new(term) }, span)
    }

    pub(super) fn parse_additive(&mut self) -> Expr {
        let mut left = self.parse_multiplicative();
        let mut chain = 0;
        loop {
            let op = match self.kind() {
                TokenKind::Plus => BinaryOp::Add,
                TokenKind::Minus => BinaryOp::Sub,
                _ => return left,
            };
            self.bump();
            let right = self.parse_multiplicative();
            left = self.fold_binary(left, op, right, &mut chain);
        }
    }

    fn parse_multiplicative(&mut self) -> Expr {
        let mut left = self.parse_unary();
        let mut chain = 0;
        loop {
            let op = match self.kind() {
                TokenKind::Star => BinaryOp::Mul,
                TokenKind::Slash => BinaryOp::Div,
                TokenKind::Percent => BinaryOp::Mod,
                _ => return left,
            };
            self.bump();
            let right = self.parse_unary();
            left = self.fold_binary(left, op, right, &mut chain);
        }
    }

    pub(super) fn parse_unary(&mut self) -> Expr {
        let op = match self.kind() {
            TokenKind::Minus => UnaryOp::Minus,
            TokenKind::Plus => UnaryOp::Plus,
            _ => return self.parse_postfix(),
        };
        let start = self.bump().span.start;
        if !self.enter() {
            return Expr::error(self.span_from(start));
        }
        // Kusto does not stack signs (`- - 1` is an error).
        if matches!(self.kind(), TokenKind::Minus | TokenKind::Plus) {
            self.error_expected("an expression");
        }
        let operand = self.parse_unary();
        self.leave();
        // Fold `-5` into a negative literal so that `long.MinValue` parses.
        if op == UnaryOp::Minus
            && let ExprKind::Literal(literal) = &operand.kind
        {
            let negated = match literal {
                Literal::Long(Some(v)) => Some(Literal::Long(Some(v.wrapping_neg()))),
                Literal::Real(Some(v)) => Some(Literal::Real(Some(-v))),
                Literal::TimeSpan(Some(v)) => Some(Literal::TimeSpan(Some(-v))),
                _ => None,
            };
            if let Some(negated) = negated {
                return Expr::new(ExprKind::Literal(negated), self.span_from(start));
            }
        }
        Expr::new(ExprKind::Unary { op, operand: Box::new(operand) }, self.span_from(start))
    }

    fn parse_postfix(&mut self) -> Expr {
        let mut expr = self.parse_primary();
        let mut chain = 0u32;
        loop {
            if matches!(self.kind(), TokenKind::Dot | TokenKind::OpenBracket) {
                chain += 1;
                if chain > MAX_CHAIN {
                    // Keep the tree shallow: skip the rest of an absurd accessor chain.
                    self.report_chain_too_long(self.peek().span);
                    while matches!(self.kind(), TokenKind::Dot | TokenKind::OpenBracket | TokenKind::Ident) {
                        if self.at(TokenKind::OpenBracket) {
                            self.bump();
                            self.skip_nested_region();
                            self.eat(TokenKind::CloseBracket);
                        } else {
                            self.bump();
                        }
                    }
                    return expr;
                }
            }
            match self.kind() {
                TokenKind::Dot => {
                    let next = self.nth(1);
                    if next.kind == TokenKind::Ident {
                        self.bump();
                        let name_token = self.bump();
                        let name = Ident { name: self.token_text(name_token).to_string(), span: name_token.span };
                        if self.at(TokenKind::OpenParen) {
                            let args = self.parse_call_args();
                            let span = self.span_from(expr.span.start);
                            expr = Expr::new(ExprKind::Call { target: Some(Box::new(expr)), name, args }, span);
                        } else {
                            let span = self.span_from(expr.span.start);
                            expr = Expr::new(ExprKind::Member { target: Box::new(expr), name }, span);
                        }
                    } else if next.kind == TokenKind::Star {
                        // `database("db").*`: every table of a database.
                        self.bump();
                        let star = self.bump();
                        let name = Ident { name: "*".to_string(), span: star.span };
                        let span = self.span_from(expr.span.start);
                        expr = Expr::new(ExprKind::Member { target: Box::new(expr), name }, span);
                    } else if next.kind == TokenKind::OpenBracket && self.nth_kind(2) != TokenKind::String {
                        // `a.[0]` is the same as `a[0]`.
                        self.bump();
                        continue;
                    } else if next.kind == TokenKind::OpenBracket && self.nth_kind(2) == TokenKind::String {
                        self.bump();
                        let Some(name) = self.parse_bracketed_name() else {
                            return expr;
                        };
                        let span = self.span_from(expr.span.start);
                        expr = Expr::new(ExprKind::Member { target: Box::new(expr), name }, span);
                    } else {
                        return expr;
                    }
                }
                TokenKind::OpenBracket => {
                    self.bump();
                    if !self.enter() {
                        self.eat(TokenKind::CloseBracket);
                        return Expr::error(self.span_from(expr.span.start));
                    }
                    let index = self.parse_expr();
                    self.leave();
                    self.expect(TokenKind::CloseBracket);
                    let span = self.span_from(expr.span.start);
                    expr = Expr::new(ExprKind::Index { target: Box::new(expr), index: Box::new(index) }, span);
                }
                _ => return expr,
            }
        }
    }

    /// `( args )` of a call; the current token is `(`.
    pub(super) fn parse_call_args(&mut self) -> Vec<Expr> {
        let mut args = Vec::new();
        self.bump(); // (
        if !self.enter() {
            self.eat(TokenKind::CloseParen);
            return args;
        }
        while !self.at(TokenKind::CloseParen) && !self.at_eof() {
            let item_start = self.pos;
            if self.at(TokenKind::Ident) && self.nth_kind(1) == TokenKind::Assign {
                let name_token = self.bump();
                self.bump(); // =
                let name = Ident { name: self.token_text(name_token).to_string(), span: name_token.span };
                let value = self.parse_expr();
                let span = name.span.to(value.span);
                args.push(Expr::new(ExprKind::NamedArg { name, value: Box::new(value) }, span));
            } else {
                args.push(self.parse_expr());
            }
            if !self.eat_list_comma(item_start) {
                break;
            }
            if self.at(TokenKind::CloseParen) {
                self.error_expected("an expression");
            }
        }
        self.leave();
        if self.expect(TokenKind::CloseParen).is_none() {
            self.skip_until(&[TokenKind::CloseParen, TokenKind::Pipe, TokenKind::Semicolon]);
            self.eat(TokenKind::CloseParen);
        }
        args
    }

    fn parse_primary(&mut self) -> Expr {
        let token = self.peek();
        let start = token.span.start;
        match token.kind {
            TokenKind::Int => {
                self.bump();
                let text = self.token_text(token);
                let value = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                    u64::from_str_radix(hex, 16).ok().map(|v| v as i64)
                } else {
                    text.parse::<i64>().ok()
                };
                match value {
                    Some(value) => Expr::new(ExprKind::Literal(Literal::Long(Some(value))), token.span),
                    None => match text.parse::<f64>() {
                        // Kusto treats integer literals beyond `long` as real.
                        Ok(value) if !text.starts_with("0x") => {
                            Expr::new(ExprKind::Literal(Literal::Real(Some(value))), token.span)
                        }
                        _ => {
                            self.report(Diagnostic::new(
                                Code::InvalidNumber,
                                token.span,
                                format!("invalid number `{text}`"),
                            ));
                            Expr::error(token.span)
                        }
                    },
                }
            }
            TokenKind::Real => {
                self.bump();
                let value = self.token_text(token).parse::<f64>().ok();
                Expr::new(ExprKind::Literal(Literal::Real(value)), token.span)
            }
            TokenKind::Timespan => {
                self.bump();
                let text = self.token_text(token);
                match literal::parse_timespan(text) {
                    Some(ticks) => Expr::new(ExprKind::Literal(Literal::TimeSpan(Some(ticks))), token.span),
                    None => {
                        self.report(Diagnostic::new(
                            Code::InvalidTimespan,
                            token.span,
                            format!("invalid timespan `{text}`"),
                        ));
                        Expr::error(token.span)
                    }
                }
            }
            TokenKind::String => self.parse_string_literal(),
            TokenKind::TypedLiteral => {
                self.bump();
                self.parse_typed_literal(token.span)
            }
            TokenKind::OpenParen => {
                self.bump();
                let inner = self.parse_expr();
                if self.expect(TokenKind::CloseParen).is_none() {
                    self.skip_until(&[TokenKind::CloseParen, TokenKind::Semicolon]);
                    self.eat(TokenKind::CloseParen);
                }
                Expr::new(ExprKind::Paren(Box::new(inner)), self.span_from(start))
            }
            TokenKind::OpenBracket if self.nth_kind(1) == TokenKind::String => {
                let Some(name) = self.parse_bracketed_name() else {
                    return Expr::error(token.span);
                };
                if self.at(TokenKind::OpenParen) {
                    let args = self.parse_call_args();
                    return Expr::new(ExprKind::Call { target: None, name, args }, self.span_from(start));
                }
                let span = name.span;
                Expr::new(ExprKind::Name(name), span)
            }
            TokenKind::Star => {
                self.bump();
                Expr::new(ExprKind::Star, token.span)
            }
            TokenKind::Ident => self.parse_word_primary(),
            _ => {
                let message = format!("expected an expression, found {}", self.describe_current());
                self.report(Diagnostic::new(Code::ExpectedExpression, Span::new(start, token.span.end), message));
                // Consume tokens that can never continue a query, so recovery advances.
                if matches!(
                    token.kind,
                    TokenKind::Unknown | TokenKind::Bang | TokenKind::Question | TokenKind::At | TokenKind::Assign
                ) {
                    self.bump();
                }
                Expr::error(Span::empty(start))
            }
        }
    }

    fn parse_word_primary(&mut self) -> Expr {
        let token = self.peek();
        let word = self.token_text(token);
        let next = self.nth_kind(1);
        match word {
            "true" | "false" | "True" | "False" | "TRUE" | "FALSE" => {
                self.bump();
                Expr::new(ExprKind::Literal(Literal::Bool(Some(word.eq_ignore_ascii_case("true")))), token.span)
            }
            "dynamic" if next == TokenKind::OpenParen => self.parse_dynamic_literal(),
            "typeof" if next == TokenKind::OpenParen => self.parse_typeof(),
            _ if is_source_start(self) => {
                let operator = self.parse_operator();
                let span = operator.span;
                Expr::new(ExprKind::Source(Box::new(operator)), span)
            }
            _ => {
                self.bump();
                let name = Ident { name: word.to_string(), span: token.span };
                let is_call = self.at(TokenKind::OpenParen);
                if (!is_call || word == "string") && RESERVED_WORDS.binary_search(&word).is_ok() {
                    self.report_keyword_as_name(token);
                }
                if is_call {
                    let args = self.parse_call_args();
                    return Expr::new(ExprKind::Call { target: None, name, args }, self.span_from(token.span.start));
                }
                Expr::new(ExprKind::Name(name), token.span)
            }
        }
    }

    /// One or more adjacent string literals (they concatenate).
    fn parse_string_literal(&mut self) -> Expr {
        let start = self.start();
        let mut value = String::new();
        while self.at(TokenKind::String) {
            let token = self.bump();
            match literal::unescape_string(self.token_text(token)) {
                Some(text) => value.push_str(&text),
                None => {
                    // The lexer has reported the problem; keep the raw text.
                    value.push_str(self.token_text(token));
                }
            }
        }
        Expr::new(ExprKind::Literal(Literal::String(value)), self.span_from(start))
    }

    /// `datetime(...)`, `timespan(...)`, `guid(...)`, `long(...)`, ... (one token).
    fn parse_typed_literal(&mut self, span: Span) -> Expr {
        let text = &self.text[span.range()];
        let open = text.find('(').expect("typed literal tokens contain `(`");
        let word = text[..open].trim_end();
        let body = text[open + 1..text.len() - 1].trim();
        let is_null = body == "null";
        let literal = match word {
            "datetime" | "date" => match literal::parse_datetime_body(body) {
                Some(DatetimeBody::Null) => Some(Literal::DateTime(None)),
                Some(DatetimeBody::Now) => Some(Literal::DateTimeNow),
                Some(DatetimeBody::Ticks(ticks)) => Some(Literal::DateTime(Some(ticks))),
                Some(DatetimeBody::TimeOfDay(ticks)) => Some(Literal::DateTimeTimeOfDay(ticks)),
                None => None,
            },
            "timespan" | "time" => literal::parse_timespan_body(body).map(Literal::TimeSpan),
            "guid" | "uniqueid" => {
                if is_null {
                    Some(Literal::Guid(None))
                } else {
                    literal::parse_guid(body).map(|g| Literal::Guid(Some(g)))
                }
            }
            "int" | "int32" => {
                if is_null {
                    Some(Literal::Int(None))
                } else {
                    parse_int32(body).map(|v| Literal::Int(Some(v)))
                }
            }
            "long" | "int64" => {
                if is_null {
                    Some(Literal::Long(None))
                } else {
                    parse_integer(body).map(|v| Literal::Long(Some(v)))
                }
            }
            "real" | "double" => {
                if is_null {
                    Some(Literal::Real(None))
                } else {
                    parse_real(body).map(|v| Literal::Real(Some(v)))
                }
            }
            "decimal" => {
                if is_null {
                    Some(Literal::Decimal(None))
                } else {
                    parse_real(body).map(|_| Literal::Decimal(Some(body.to_string())))
                }
            }
            "bool" | "boolean" => match body {
                "null" => Some(Literal::Bool(None)),
                "true" | "True" | "TRUE" | "1" => Some(Literal::Bool(Some(true))),
                "false" | "False" | "FALSE" | "0" => Some(Literal::Bool(Some(false))),
                _ => None,
            },
            _ => None,
        };
        match literal {
            Some(literal) => Expr::new(ExprKind::Literal(literal), span),
            None => {
                let code = match word {
                    "datetime" | "date" => Code::InvalidDatetime,
                    "timespan" | "time" => Code::InvalidTimespan,
                    "guid" | "uniqueid" => Code::InvalidGuid,
                    _ => Code::InvalidLiteral,
                };
                let message = format!("invalid {word} literal `{text}`");
                self.report(Diagnostic::new(code, span, message));
                Expr::error(span)
            }
        }
    }

    /// `dynamic( json-like value )`.
    fn parse_dynamic_literal(&mut self) -> Expr {
        let start = self.start();
        self.bump(); // dynamic
        self.bump(); // (
        let value = if self.at(TokenKind::CloseParen) {
            self.error_expected("a JSON value (use `dynamic(null)` for null)");
            Dynamic::Null
        } else {
            self.parse_dynamic_value()
        };
        if self.expect(TokenKind::CloseParen).is_none() {
            self.skip_until(&[TokenKind::CloseParen, TokenKind::Semicolon]);
            self.eat(TokenKind::CloseParen);
        }
        Expr::new(ExprKind::Literal(Literal::Dynamic(value)), self.span_from(start))
    }

    fn parse_dynamic_value(&mut self) -> Dynamic {
        if !self.enter() {
            return Dynamic::Null;
        }
        let value = self.parse_dynamic_value_inner();
        self.leave();
        value
    }

    fn parse_dynamic_value_inner(&mut self) -> Dynamic {
        let token = self.peek();
        match token.kind {
            TokenKind::OpenBracket => {
                self.bump();
                let mut items = Vec::new();
                while !self.at(TokenKind::CloseBracket) && !self.at_eof() {
                    items.push(self.parse_dynamic_value());
                    if self.eat(TokenKind::Comma).is_none() {
                        break;
                    }
                    if self.at(TokenKind::CloseBracket) {
                        self.error_expected("a JSON value after `,`");
                    }
                }
                self.expect(TokenKind::CloseBracket);
                Dynamic::Array(items)
            }
            TokenKind::OpenBrace => {
                self.bump();
                let mut entries = Vec::new();
                while !self.at(TokenKind::CloseBrace) && !self.at_eof() {
                    let key_token = self.peek();
                    let key = match key_token.kind {
                        TokenKind::String => {
                            self.bump();
                            literal::unescape_string(self.token_text(key_token)).unwrap_or_default()
                        }
                        TokenKind::Ident => {
                            self.bump();
                            self.token_text(key_token).to_string()
                        }
                        _ => {
                            self.error_expected("a property name");
                            break;
                        }
                    };
                    if self.expect(TokenKind::Colon).is_none() {
                        break;
                    }
                    let value = self.parse_dynamic_value();
                    entries.push((key, value));
                    if self.eat(TokenKind::Comma).is_none() {
                        break;
                    }
                    if self.at(TokenKind::CloseBrace) {
                        self.error_expected("a `\"key\": value` pair after `,`");
                    }
                }
                self.expect(TokenKind::CloseBrace);
                Dynamic::Object(entries)
            }
            TokenKind::Minus
            | TokenKind::Plus
            | TokenKind::Int
            | TokenKind::Real
            | TokenKind::Timespan
            | TokenKind::String
            | TokenKind::TypedLiteral => {
                let expr = self.parse_unary();
                match expr.kind {
                    ExprKind::Literal(literal) => dynamic_from_literal(literal),
                    _ => {
                        self.report(Diagnostic::new(
                            Code::InvalidLiteral,
                            expr.span,
                            "expected a constant inside `dynamic(...)`",
                        ));
                        Dynamic::Null
                    }
                }
            }
            // A nested `dynamic(value)`, as in `dynamic({'a': dynamic({})})`.
            TokenKind::Ident if self.token_text(token) == "dynamic" && self.nth_kind(1) == TokenKind::OpenParen => {
                self.bump(); // dynamic
                self.bump(); // (
                let value = self.parse_dynamic_value();
                self.expect(TokenKind::CloseParen);
                value
            }
            TokenKind::Ident => {
                let word = self.token_text(token);
                self.bump();
                match word {
                    "null" => Dynamic::Null,
                    "true" | "True" | "TRUE" => Dynamic::Bool(true),
                    "false" | "False" | "FALSE" => Dynamic::Bool(false),
                    _ => {
                        self.report(Diagnostic::new(
                            Code::InvalidLiteral,
                            token.span,
                            format!("`{word}` is not a constant; `dynamic(...)` takes JSON-like values"),
                        ));
                        Dynamic::Null
                    }
                }
            }
            _ => {
                self.error_expected("a JSON value");
                Dynamic::Null
            }
        }
    }

    /// `typeof(type)` or `typeof(col:type, ..., *)`.
    fn parse_typeof(&mut self) -> Expr {
        let start = self.start();
        self.bump(); // typeof
        if self.nth_kind(1) == TokenKind::Ident && self.nth_kind(2) == TokenKind::CloseParen {
            self.bump(); // (
            let ty = self.parse_type_name();
            self.expect(TokenKind::CloseParen);
            return Expr::new(
                ExprKind::TypeOf { columns: Vec::new(), scalar: Some(ty), open: false },
                self.span_from(start),
            );
        }
        let (columns, open) = self.parse_schema_list();
        Expr::new(ExprKind::TypeOf { columns, scalar: None, open }, self.span_from(start))
    }

    /// A name pattern with `*` (`Sec*`, `*Logs`, `*`) or any expression; used
    /// by `union`, `project-away`, `project-keep`, `project-reorder`, `restrict`.
    pub(super) fn parse_name_pattern_or_expr(&mut self) -> Expr {
        let start = self.start();
        let is_pattern_start = matches!(self.kind(), TokenKind::Ident | TokenKind::Star);
        if is_pattern_start {
            // Collect adjacent words and stars with no space between them.
            let mut idx = 0;
            let mut has_star = false;
            loop {
                let token = self.nth(idx);
                let adjacent = idx == 0 || !token.space_before;
                if !adjacent || !matches!(token.kind, TokenKind::Ident | TokenKind::Star | TokenKind::Int) {
                    break;
                }
                has_star |= token.kind == TokenKind::Star;
                idx += 1;
            }
            let next = self.nth(idx);
            let ends_operand = matches!(
                next.kind,
                TokenKind::Comma
                    | TokenKind::Pipe
                    | TokenKind::Semicolon
                    | TokenKind::CloseParen
                    | TokenKind::CloseBrace
                    | TokenKind::Eof
            ) || (next.kind == TokenKind::Ident
                && matches!(self.token_text(next), "asc" | "desc" | "granny-asc" | "granny-desc"));
            if has_star && ends_operand && !(idx == 1 && self.at(TokenKind::Star)) {
                let mut name = String::new();
                for _ in 0..idx {
                    let token = self.bump();
                    name.push_str(self.token_text(token));
                }
                let span = self.span_from(start);
                return Expr::new(ExprKind::NamePattern(Ident { name, span }), span);
            }
        }
        self.parse_scalar()
    }
}

fn parse_integer(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16).ok().map(|v| v as i64);
    }
    text.parse::<i64>().ok()
}

/// An `int(...)` body; hexadecimal bodies wrap like C# (`int(0xffffffff)` is -1).
fn parse_int32(text: &str) -> Option<i32> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix("0x") {
        return u32::from_str_radix(hex, 16).ok().map(|v| v as i32);
    }
    text.parse::<i32>().ok()
}

fn parse_real(text: &str) -> Option<f64> {
    match text.trim() {
        "nan" | "NaN" => Some(f64::NAN),
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        other => other.parse::<f64>().ok(),
    }
}

fn dynamic_from_literal(literal: Literal) -> Dynamic {
    match literal {
        Literal::Bool(Some(v)) => Dynamic::Bool(v),
        Literal::Int(Some(v)) => Dynamic::Long(v as i64),
        Literal::Long(Some(v)) => Dynamic::Long(v),
        Literal::Real(Some(v)) => Dynamic::Real(v),
        Literal::Decimal(Some(v)) => v.parse::<f64>().map(Dynamic::Real).unwrap_or(Dynamic::Null),
        Literal::String(v) => Dynamic::String(v),
        Literal::DateTime(Some(v)) => Dynamic::DateTime(v),
        Literal::TimeSpan(Some(v)) => Dynamic::TimeSpan(v),
        Literal::Guid(Some(v)) => Dynamic::Guid(v),
        _ => Dynamic::Null,
    }
}
