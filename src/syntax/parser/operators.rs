//! Tabular operators: `| where`, `| summarize`, `| join`, ... One parse
//! function per operator, named after the operator.

use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::operators::{
    Assignment, EdgeDirection, ExpandItem, ForkBranch, GraphElementKind, GraphPartition, GraphPatternPart,
    GraphTableOutput, NamedParameter, NullsOrder, OutputSchema, ParsePart, ScanStep, SeriesAggregate, SeriesRange,
    SortKey, SortOrder, TopNestedClause,
};
use crate::syntax::ast::{ColumnDecl, Expr, ExprKind, Ident, Operator, OperatorKind};
use crate::syntax::parser::Parser;
use crate::syntax::token::TokenKind;
use crate::text::Span;

/// Every tabular operator keyword (after `|`).
pub const OPERATOR_WORDS: &[&str] = &[
    "as",
    "assert-schema",
    "consume",
    "count",
    "datatable",
    "distinct",
    "evaluate",
    "extend",
    "externaldata",
    "external_data",
    "facet",
    "filter",
    "find",
    "fork",
    "getschema",
    "graph-mark-components",
    "graph-match",
    "graph-shortest-paths",
    "graph-to-table",
    "invoke",
    "join",
    "limit",
    "lookup",
    "macro-expand",
    "make-graph",
    "make-series",
    "mv-apply",
    "mv-expand",
    "mvapply",
    "mvexpand",
    "order",
    "parse",
    "parse-kv",
    "parse-where",
    "partition",
    "print",
    "project",
    "project-away",
    "project-by-names",
    "project-keep",
    "project-rename",
    "project-reorder",
    "range",
    "reduce",
    "render",
    "sample",
    "sample-distinct",
    "scan",
    "search",
    "serialize",
    "sort",
    "summarize",
    "take",
    "top",
    "top-hitters",
    "top-nested",
    "union",
    "where",
];

/// True when `word` is a tabular operator keyword.
pub fn is_operator_word(word: &str) -> bool {
    OPERATOR_WORDS.contains(&word)
}

/// Keywords that cannot be the target of `name = value` without brackets
/// (a different set from bare names: `extend by = 1` is fine, `extend kind = 1`
/// is not). Established by probing Microsoft's parser.
const RESERVED_ASSIGNMENT_TARGETS: &[&str] = &[
    "and",
    "anomalychart",
    "areachart",
    "asc",
    "assert-schema",
    "bagexpansion",
    "barchart",
    "between",
    "boolean",
    "card",
    "columnchart",
    "contains_cs",
    "cycles",
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
    "false",
    "first",
    "flags",
    "granny-asc",
    "granny-desc",
    "graph-mark-components",
    "graph-match",
    "graph-merge",
    "graph-shortest-paths",
    "graph-to-table",
    "has_all",
    "has_any",
    "has_cs",
    "hasprefix",
    "hassuffix",
    "int",
    "int32",
    "int64",
    "isfuzzy",
    "kind",
    "ladderchart",
    "last",
    "like",
    "linechart",
    "long",
    "macro-expand",
    "make-graph",
    "make-series",
    "mv-apply",
    "mv-expand",
    "notlike",
    "or",
    "others",
    "parse-kv",
    "parse-where",
    "piechart",
    "pivotchart",
    "project",
    "project-away",
    "project-by-names",
    "project-keep",
    "project-rename",
    "project-reorder",
    "project-smart",
    "real",
    "relaxed",
    "scatterchart",
    "simple",
    "stackedareachart",
    "startswith",
    "string",
    "time",
    "timechart",
    "timepivot",
    "timespan",
    "treemap",
    "true",
    "union",
    "uniqueid",
    "with_itemindex",
    "withsource",
];

/// Operators that take `hint.*=value` parameters (as Microsoft's parser has it).
const HINT_OPERATORS: &[&str] = &[
    "summarize",
    "join",
    "lookup",
    "make-series",
    "partition",
    "distinct",
    "evaluate",
    "as",
    "union",
    "sort",
    "order",
    "sample-distinct",
];

/// Accepted values of `kind=` per operator.
fn allowed_kinds(operator: &str) -> &'static [&'static str] {
    match operator {
        "join" => &[
            "innerunique",
            "inner",
            "leftouter",
            "rightouter",
            "fullouter",
            "leftanti",
            "anti",
            "leftantisemi",
            "rightanti",
            "rightantisemi",
            "leftsemi",
            "rightsemi",
        ],
        "lookup" => &["leftouter", "inner"],
        "union" => &["inner", "outer"],
        "parse" | "parse-where" => &["simple", "regex", "relaxed"],
        "mv-expand" | "mvexpand" => &["bag", "array"],
        "make-series" => &["nonempty"],
        "graph-mark-components" => &["weak", "strong"],
        "reduce" => &["source"],
        "search" => &["case_sensitive", "case_insensitive"],
        _ => &[],
    }
}

impl<'a> Parser<'a> {
    /// Parses one operator; the current token should be its keyword.
    pub(super) fn parse_operator(&mut self) -> Operator {
        let start = self.start();
        if !self.at(TokenKind::Ident) {
            let token = self.peek();
            let message = format!("expected a query operator after `|`, found {}", self.describe_current());
            self.report(Diagnostic::new(Code::ExpectedOperator, token.span, message));
            if !matches!(
                token.kind,
                TokenKind::Pipe | TokenKind::Semicolon | TokenKind::Eof | TokenKind::CloseParen | TokenKind::CloseBrace
            ) {
                self.skip_until(&[TokenKind::Pipe, TokenKind::Semicolon]);
            }
            return Operator { kind: OperatorKind::Error, span: self.span_from(start) };
        }
        let word = self.current_text();
        if !is_operator_word(word) {
            let token = self.peek();
            self.report(
                Diagnostic::new(Code::UnknownOperator, token.span, format!("unknown query operator `{word}`"))
                    .with_help(suggest_operator(word)),
            );
            self.bump();
            self.skip_until(&[TokenKind::Pipe, TokenKind::Semicolon]);
            return Operator { kind: OperatorKind::Error, span: self.span_from(start) };
        }
        self.bump();
        let kind = match word {
            "where" | "filter" => OperatorKind::Where(self.parse_predicate()),
            "extend" => OperatorKind::Extend(self.parse_assignments()),
            "project" => OperatorKind::Project(self.parse_assignments()),
            "project-away" => OperatorKind::ProjectAway(self.parse_name_patterns()),
            "project-keep" => OperatorKind::ProjectKeep(self.parse_name_patterns()),
            "project-rename" => OperatorKind::ProjectRename(self.parse_renames()),
            "project-reorder" => OperatorKind::ProjectReorder(self.parse_reorder()),
            "summarize" => self.parse_summarize(),
            "count" => OperatorKind::Count,
            "getschema" => OperatorKind::GetSchema,
            "distinct" => {
                let params = self.parse_params(word, &[]);
                let columns = if self.at(TokenKind::Star) {
                    let token = self.bump();
                    vec![Expr::new(ExprKind::Star, token.span)]
                } else {
                    let mut item_start = self.pos;
                    let mut columns = vec![self.parse_scalar()];
                    while self.eat_list_comma(item_start) {
                        item_start = self.pos;
                        columns.push(self.parse_scalar());
                    }
                    columns
                };
                OperatorKind::Distinct { params, columns }
            }
            "take" | "limit" => {
                let params = self.parse_params(word, &[]);
                OperatorKind::Take { params, count: self.parse_scalar() }
            }
            "sample" => {
                let params = self.parse_params(word, &[]);
                OperatorKind::Sample { params, count: self.parse_scalar() }
            }
            "sample-distinct" => {
                let params = self.parse_params(word, &[]);
                let count = self.parse_scalar();
                self.expect_word("of");
                OperatorKind::SampleDistinct { params, count, column: self.parse_scalar() }
            }
            "top" => self.parse_top(),
            "top-hitters" => {
                let count = self.parse_scalar();
                self.expect_word("of");
                let of = self.parse_scalar();
                let by = if self.eat_word("by").is_some() { Some(self.parse_scalar()) } else { None };
                OperatorKind::TopHitters { count, of, by }
            }
            "top-nested" => self.parse_top_nested(),
            "sort" | "order" => {
                let params = self.parse_params(word, &[]);
                self.expect_word("by");
                OperatorKind::Sort { params, keys: self.parse_sort_keys() }
            }
            "serialize" => {
                let assignments = if self.at_operand_end() { Vec::new() } else { self.parse_assignments() };
                OperatorKind::Serialize(assignments)
            }
            "join" => self.parse_join(),
            "lookup" => self.parse_lookup(),
            "union" => {
                let params = self.parse_params(word, &["kind", "withsource", "isfuzzy"]);
                OperatorKind::Union { params, tables: self.parse_table_list() }
            }
            "as" => {
                let params = self.parse_params(word, &[]);
                match self.parse_ident() {
                    Some(name) => OperatorKind::As { params, name },
                    None => OperatorKind::Error,
                }
            }
            "consume" => OperatorKind::Consume { params: self.parse_params(word, &["decodeblocks"]) },
            "print" => OperatorKind::Print(if self.at_operand_end() { Vec::new() } else { self.parse_assignments() }),
            "range" => self.parse_range(),
            "datatable" => self.parse_datatable(),
            "externaldata" | "external_data" => self.parse_externaldata(),
            "evaluate" => {
                let params = self.parse_params(word, &[]);
                let call = self.parse_unary();
                let schema = if self.at(TokenKind::Colon) { Some(self.parse_output_schema()) } else { None };
                OperatorKind::Evaluate { params, call, schema }
            }
            "invoke" => OperatorKind::Invoke(self.parse_unary()),
            "mv-expand" | "mvexpand" => {
                let params = self.parse_params(word, &["bagexpansion", "kind", "with_itemindex"]);
                let items = self.parse_expand_items();
                let limit = if self.eat_word("limit").is_some() { Some(self.parse_scalar()) } else { None };
                OperatorKind::MvExpand { params, items, limit }
            }
            "mv-apply" | "mvapply" => self.parse_mv_apply(),
            "parse" | "parse-where" => self.parse_parse(word == "parse-where"),
            "parse-kv" => self.parse_parse_kv(),
            "make-series" => self.parse_make_series(),
            "partition" => self.parse_partition(),
            "reduce" => {
                let params = self.parse_params(word, &["kind"]);
                self.expect_word("by");
                let by = self.parse_scalar();
                let with = if self.eat_word("with").is_some() { self.parse_loose_params() } else { Vec::new() };
                OperatorKind::Reduce { params, by, with }
            }
            "render" => {
                let Some(chart) = self.parse_ident() else {
                    return self.finish_error(start);
                };
                let with = if self.eat_word("with").is_some() { self.parse_paren_params() } else { Vec::new() };
                OperatorKind::Render { chart, with }
            }
            "scan" => self.parse_scan(),
            "project-by-names" => OperatorKind::ProjectByNames(self.parse_expr_list()),
            "search" => self.parse_search(),
            "find" => self.parse_find(),
            "facet" => self.parse_facet(),
            "fork" => self.parse_fork(),
            "make-graph" => self.parse_make_graph(),
            "graph-match" => {
                let (params, patterns, where_, project) = self.parse_graph_query("graph-match", "cycles");
                OperatorKind::GraphMatch { params, patterns, where_, project }
            }
            "graph-shortest-paths" => {
                let (params, patterns, where_, project) = self.parse_graph_query("graph-shortest-paths", "output");
                OperatorKind::GraphShortestPaths { params, patterns, where_, project }
            }
            "graph-to-table" => self.parse_graph_to_table(),
            "graph-mark-components" => {
                OperatorKind::GraphMarkComponents { params: self.parse_params(word, &["kind", "with_component_id"]) }
            }
            _ => {
                let name = Ident { name: word.to_string(), span: Span::new(start, self.last_end()) };
                OperatorKind::Other { name, text: self.take_raw_operand() }
            }
        };
        Operator { kind, span: self.span_from(start) }
    }

    /// A `where` predicate. Kusto's grammar also accepts `name = value` here
    /// (then rejects it as not boolean); keep it as a `NamedArg` for the analyzer.
    fn parse_predicate(&mut self) -> Expr {
        if self.at(TokenKind::Ident) && self.nth_kind(1) == TokenKind::Assign {
            let token = self.bump();
            self.bump(); // =
            let name = Ident { name: self.token_text(token).to_string(), span: token.span };
            let value = self.parse_scalar();
            let span = name.span.to(value.span);
            return Expr::new(ExprKind::NamedArg { name, value: Box::new(value) }, span);
        }
        self.parse_scalar()
    }

    fn finish_error(&mut self, start: u32) -> Operator {
        self.skip_until(&[TokenKind::Pipe, TokenKind::Semicolon]);
        Operator { kind: OperatorKind::Error, span: self.span_from(start) }
    }

    /// True at a token that ends an operator's operands.
    fn at_operand_end(&self) -> bool {
        matches!(
            self.kind(),
            TokenKind::Pipe | TokenKind::Semicolon | TokenKind::CloseParen | TokenKind::CloseBrace | TokenKind::Eof
        )
    }

    /// The raw text of the operands up to the next `|` or `;` (for operators kept as text).
    fn take_raw_operand(&mut self) -> String {
        let start = self.start();
        self.skip_until(&[TokenKind::Pipe, TokenKind::Semicolon]);
        self.text[start as usize..self.last_end().max(start) as usize].to_string()
    }

    // ---- shared pieces ------------------------------------------------------

    /// `name=value` parameters before the operands: those listed in `allowed`
    /// and any `hint.*`. Checks `kind=` values.
    fn parse_params(&mut self, operator: &str, allowed: &[&str]) -> Vec<NamedParameter> {
        let mut params = Vec::new();
        loop {
            if !self.at(TokenKind::Ident) {
                break;
            }
            let word = self.current_text();
            let start = self.start();
            let name = if word == "hint"
                && HINT_OPERATORS.contains(&operator)
                && self.nth_kind(1) == TokenKind::Dot
                && self.nth_kind(2) == TokenKind::Ident
            {
                if self.nth_kind(3) != TokenKind::Assign {
                    break;
                }
                self.bump();
                self.bump();
                let last = self.bump();
                format!("hint.{}", self.token_text(last))
            } else if allowed.contains(&word) && self.nth_kind(1) == TokenKind::Assign {
                self.bump();
                word.to_string()
            } else {
                break;
            };
            let name = Ident { name, span: self.span_from(start) };
            self.bump(); // =
            let value = self.parse_param_value();
            let kinds = allowed_kinds(operator);
            if name.name == "kind"
                && let ExprKind::Name(value_name) = &value.kind
                && !kinds.is_empty()
                && !kinds.contains(&value_name.name.as_str())
            {
                self.report(
                    Diagnostic::new(
                        Code::InvalidParameterValue,
                        value.span,
                        format!("`{}` is not a valid `kind` for `{operator}`", value_name.name),
                    )
                    .with_help(format!("valid kinds: {}", kinds.join(", "))),
                );
            }
            params.push(NamedParameter { span: self.span_from(start), name, value });
        }
        params
    }

    /// The value of `name=value`: a bare word (never a call), or a literal.
    fn parse_param_value(&mut self) -> Expr {
        if self.at(TokenKind::Ident) && !matches!(self.current_text(), "true" | "false" | "dynamic" | "typeof") {
            let token = self.bump();
            let name = Ident { name: self.token_text(token).to_string(), span: token.span };
            return Expr::new(ExprKind::Name(name), token.span);
        }
        self.parse_unary()
    }

    /// `( name = value, ... )` after `with` (render, parse-kv, externaldata).
    /// A value may list several expressions (`ycolumns = a, b`).
    fn parse_paren_params(&mut self) -> Vec<NamedParameter> {
        if self.expect(TokenKind::OpenParen).is_none() {
            return Vec::new();
        }
        let params = self.parse_loose_params();
        if self.expect(TokenKind::CloseParen).is_none() {
            self.skip_until(&[TokenKind::CloseParen, TokenKind::Pipe, TokenKind::Semicolon]);
            self.eat(TokenKind::CloseParen);
        }
        params
    }

    /// `name = value [, value]* [, name = value ...]`.
    fn parse_loose_params(&mut self) -> Vec<NamedParameter> {
        let mut params = Vec::new();
        while self.at(TokenKind::Ident) && self.nth_kind(1) == TokenKind::Assign {
            let start = self.start();
            let name_token = self.bump();
            let name = Ident { name: self.token_text(name_token).to_string(), span: name_token.span };
            self.bump(); // =
            let value = self.parse_scalar();
            params.push(NamedParameter { name: name.clone(), value, span: self.span_from(start) });
            while self.at(TokenKind::Comma) {
                if self.nth_kind(1) == TokenKind::Ident && self.nth_kind(2) == TokenKind::Assign {
                    self.bump();
                    break;
                }
                self.bump();
                let value = self.parse_scalar();
                params.push(NamedParameter { name: name.clone(), value, span: self.span_from(start) });
            }
        }
        params
    }

    /// Comma-separated expressions (at least one).
    fn parse_expr_list(&mut self) -> Vec<Expr> {
        let mut items = vec![self.parse_scalar()];
        while self.eat(TokenKind::Comma).is_some() {
            items.push(self.parse_scalar());
        }
        items
    }

    /// `[name =] expr, (a, b) = expr, ...`; a missing `,` is assumed
    /// between two items, as Kusto.Language does in `project`, `extend`,
    /// `print` and `summarize`.
    fn parse_assignments(&mut self) -> Vec<Assignment> {
        let mut item_start = self.pos;
        let mut items = vec![self.parse_assignment()];
        while self.eat_list_comma(item_start) {
            item_start = self.pos;
            items.push(self.parse_assignment());
        }
        items
    }

    /// `[name =] expr, ...` where Kusto.Language ends the list at the first
    /// missing `,` (`make-series ... by`, `find ... project`, `scan` steps).
    fn parse_assignments_strict(&mut self) -> Vec<Assignment> {
        let mut items = vec![self.parse_assignment()];
        while self.eat(TokenKind::Comma).is_some() {
            items.push(self.parse_assignment());
        }
        items
    }

    fn parse_assignment(&mut self) -> Assignment {
        let start = self.start();
        let mut names = Vec::new();
        if self.at_name() && self.assign_follows_name() {
            if self.at(TokenKind::Ident) && RESERVED_ASSIGNMENT_TARGETS.binary_search(&self.current_text()).is_ok() {
                self.report_keyword_as_name(self.peek());
            }
            if let Some(name) = self.parse_ident() {
                names.push(name);
            }
            self.bump(); // =
        } else if self.at(TokenKind::OpenParen) && self.is_tuple_assignment() {
            self.bump();
            while let Some(name) = self.parse_ident() {
                names.push(name);
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
            self.expect(TokenKind::CloseParen);
            self.expect(TokenKind::Assign);
        }
        let value = self.parse_scalar();
        Assignment { names, value, span: self.span_from(start) }
    }

    /// At a name: true when `=` follows it.
    fn assign_follows_name(&self) -> bool {
        if self.at(TokenKind::Ident) {
            self.nth_kind(1) == TokenKind::Assign
        } else {
            // ['name'] =
            self.nth_kind(2) == TokenKind::CloseBracket && self.nth_kind(3) == TokenKind::Assign
        }
    }

    /// At `(`: `(a, b) = ...`.
    fn is_tuple_assignment(&self) -> bool {
        let mut idx = 1;
        loop {
            if self.nth_kind(idx) != TokenKind::Ident {
                return false;
            }
            match self.nth_kind(idx + 1) {
                TokenKind::Comma => idx += 2,
                TokenKind::CloseParen => return self.nth_kind(idx + 2) == TokenKind::Assign,
                _ => return false,
            }
        }
    }

    fn parse_name_patterns(&mut self) -> Vec<Expr> {
        let mut item_start = self.pos;
        let mut items = vec![self.parse_name_pattern_or_expr()];
        while self.eat_list_comma(item_start) {
            item_start = self.pos;
            items.push(self.parse_name_pattern_or_expr());
        }
        items
    }

    fn parse_renames(&mut self) -> Vec<(Ident, Expr)> {
        let mut items = Vec::new();
        while let Some(new_name) = self.parse_ident() {
            if self.expect(TokenKind::Assign).is_none() {
                break;
            }
            let old_name = self.parse_scalar();
            items.push((new_name, old_name));
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        items
    }

    fn parse_reorder(&mut self) -> Vec<(Expr, Option<SortOrder>)> {
        let mut items = Vec::new();
        loop {
            let pattern = self.parse_name_pattern_or_expr();
            let order = self.parse_sort_order();
            items.push((pattern, order));
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        items
    }

    fn parse_sort_order(&mut self) -> Option<SortOrder> {
        let order = match self.current_text() {
            "asc" => SortOrder::Asc,
            "desc" => SortOrder::Desc,
            "granny-asc" => SortOrder::GrannyAsc,
            "granny-desc" => SortOrder::GrannyDesc,
            _ => return None,
        };
        if !self.at(TokenKind::Ident) {
            return None;
        }
        self.bump();
        Some(order)
    }

    fn parse_sort_key(&mut self) -> SortKey {
        let start = self.start();
        let expr = self.parse_scalar();
        let order = self.parse_sort_order();
        let mut nulls = None;
        if self.at_word("nulls") {
            self.bump();
            if self.eat_word("first").is_some() {
                nulls = Some(NullsOrder::First);
            } else if self.eat_word("last").is_some() {
                nulls = Some(NullsOrder::Last);
            } else {
                self.error_expected("`first` or `last`");
            }
        }
        SortKey { expr, order, nulls, span: self.span_from(start) }
    }

    fn parse_sort_keys(&mut self) -> Vec<SortKey> {
        let mut item_start = self.pos;
        let mut keys = vec![self.parse_sort_key()];
        while self.eat_list_comma(item_start) {
            item_start = self.pos;
            keys.push(self.parse_sort_key());
        }
        keys
    }

    /// A join/lookup right side or a union table: `(subquery)`, a name, a
    /// name pattern, or a call such as `table("T")` or `cluster(..).database(..).T`.
    fn parse_table_operand(&mut self) -> Expr {
        if self.at(TokenKind::OpenParen) {
            return self.parse_unary();
        }
        self.parse_name_pattern_or_expr()
    }

    fn parse_table_list(&mut self) -> Vec<Expr> {
        let mut tables = vec![self.parse_table_operand()];
        while self.eat(TokenKind::Comma).is_some() {
            tables.push(self.parse_table_operand());
        }
        tables
    }

    /// `in (T1, T2*)` of search/find, if present.
    fn parse_in_tables(&mut self) -> Option<Vec<Expr>> {
        if !(self.at_word("in") && self.nth_kind(1) == TokenKind::OpenParen) {
            return None;
        }
        self.bump();
        self.bump();
        let tables = self.parse_table_list();
        self.expect(TokenKind::CloseParen);
        Some(tables)
    }

    // ---- operators ------------------------------------------------------------

    fn parse_summarize(&mut self) -> OperatorKind {
        let params = self.parse_params("summarize", &[]);
        let aggregates =
            if self.at_word("by") || self.at_operand_end() { Vec::new() } else { self.parse_assignments() };
        let by = if self.eat_word("by").is_some() { self.parse_assignments() } else { Vec::new() };
        OperatorKind::Summarize { params, aggregates, by }
    }

    fn parse_top(&mut self) -> OperatorKind {
        let params = self.parse_params("top", &[]);
        let count = self.parse_scalar();
        let key = if self.expect_word("by").is_some() {
            self.parse_sort_key()
        } else {
            SortKey {
                expr: Expr::error(Span::empty(self.start())),
                order: None,
                nulls: None,
                span: Span::empty(self.start()),
            }
        };
        OperatorKind::Top { params, count, key }
    }

    fn parse_top_nested(&mut self) -> OperatorKind {
        let mut clauses = Vec::new();
        loop {
            let start = self.start();
            let count = if self.at_word("of") { None } else { Some(self.parse_scalar()) };
            self.expect_word("of");
            let of = self.parse_assignment();
            let mut others = None;
            if self.at_word("with") && self.nth_is_word(1, "others") {
                self.bump();
                self.bump();
                self.expect(TokenKind::Assign);
                others = Some(self.parse_scalar());
            }
            self.expect_word("by");
            let by = self.parse_assignment();
            let order = self.parse_sort_order();
            clauses.push(TopNestedClause { count, of, others, by, order, span: self.span_from(start) });
            if self.at(TokenKind::Comma) && self.nth_is_word(1, "top-nested") {
                self.bump();
                self.bump();
                continue;
            }
            break;
        }
        OperatorKind::TopNested(clauses)
    }

    fn parse_join(&mut self) -> OperatorKind {
        let params = self.parse_params("join", &["kind", "withsource"]);
        let right = self.parse_table_operand();
        let mut on = Vec::new();
        if self.eat_word("on").is_some() {
            on = self.parse_expr_list();
        }
        let where_ = if self.eat_word("where").is_some() { Some(self.parse_scalar()) } else { None };
        OperatorKind::Join { params, right, on, where_ }
    }

    fn parse_lookup(&mut self) -> OperatorKind {
        let params = self.parse_params("lookup", &["kind"]);
        let right = self.parse_table_operand();
        let mut on = Vec::new();
        if self.expect_word("on").is_some() {
            on = self.parse_expr_list();
        }
        OperatorKind::Lookup { params, right, on }
    }

    fn parse_range(&mut self) -> OperatorKind {
        let Some(column) = self.parse_ident() else {
            return OperatorKind::Error;
        };
        self.expect_word("from");
        let from = self.parse_scalar();
        self.expect_word("to");
        let to = self.parse_scalar();
        self.expect_word("step");
        let step = self.parse_scalar();
        OperatorKind::Range { column, from, to, step }
    }

    fn parse_datatable(&mut self) -> OperatorKind {
        let params = self.parse_params("datatable", &[]);
        let (columns, _) = self.parse_schema_list();
        let mut values = Vec::new();
        if self.expect(TokenKind::OpenBracket).is_some() {
            // Kusto tolerates one leading and one trailing comma in the values.
            self.eat(TokenKind::Comma);
            while !self.at(TokenKind::CloseBracket) && !self.at_eof() {
                values.push(self.parse_scalar());
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
            if self.expect(TokenKind::CloseBracket).is_none() {
                self.skip_until(&[TokenKind::CloseBracket, TokenKind::Pipe, TokenKind::Semicolon]);
                self.eat(TokenKind::CloseBracket);
            }
        }
        OperatorKind::DataTable { params, columns, values }
    }

    /// `: ( [*,] name: type, ... )` after a plugin call; the wildcard may
    /// only come first, as Kusto.Language requires.
    fn parse_output_schema(&mut self) -> OutputSchema {
        let start = self.start();
        self.bump(); // :
        let mut columns = Vec::new();
        let mut wildcard = false;
        if self.expect(TokenKind::OpenParen).is_some() {
            while !self.at(TokenKind::CloseParen) && !self.at_eof() {
                if self.at(TokenKind::Star) {
                    let star = self.bump();
                    if wildcard || !columns.is_empty() {
                        self.report(
                            Diagnostic::new(Code::UnexpectedToken, star.span, "unexpected `*` in an output schema")
                                .with_help("the wildcard `*` comes first: `(*, Name: string)`"),
                        );
                    }
                    wildcard = true;
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
                self.skip_until(&[TokenKind::CloseParen, TokenKind::Pipe, TokenKind::Semicolon]);
                self.eat(TokenKind::CloseParen);
            }
        }
        OutputSchema { columns, wildcard, span: self.span_from(start) }
    }

    fn parse_externaldata(&mut self) -> OperatorKind {
        let (columns, _) = self.parse_schema_list();
        let mut uris = Vec::new();
        if self.expect(TokenKind::OpenBracket).is_some() {
            while !self.at(TokenKind::CloseBracket) && !self.at_eof() {
                uris.push(self.parse_scalar());
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
            self.expect(TokenKind::CloseBracket);
        }
        let properties = if self.eat_word("with").is_some() { self.parse_paren_params() } else { Vec::new() };
        OperatorKind::ExternalData { columns, uris, properties }
    }

    fn parse_expand_items(&mut self) -> Vec<ExpandItem> {
        let mut items = Vec::new();
        loop {
            let start = self.start();
            let name = if self.at_name() && self.assign_follows_name() {
                let name = self.parse_ident();
                self.bump(); // =
                name
            } else {
                None
            };
            let expr = self.parse_scalar();
            let to_type = if self.eat_word("to").is_some() { Some(self.parse_unary()) } else { None };
            items.push(ExpandItem { name, expr, to_type, span: self.span_from(start) });
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        items
    }

    fn parse_mv_apply(&mut self) -> OperatorKind {
        let params = self.parse_params("mv-apply", &["with_itemindex", "kind"]);
        let items = self.parse_expand_items();
        let limit = if self.eat_word("limit").is_some() { Some(self.parse_scalar()) } else { None };
        let mut subquery = Expr::error(Span::empty(self.start()));
        if self.expect_word("on").is_some() && self.expect(TokenKind::OpenParen).is_some() {
            subquery = self.parse_contextual_subquery();
            self.expect_close_paren();
        }
        OperatorKind::MvApply { params, items, limit, subquery }
    }

    /// Expects `)`; on failure skips to it so the enclosing pipeline resumes.
    fn expect_close_paren(&mut self) {
        if self.expect(TokenKind::CloseParen).is_none() {
            self.skip_until(&[TokenKind::CloseParen, TokenKind::Semicolon]);
            self.eat(TokenKind::CloseParen);
        }
    }

    fn parse_parse(&mut self, is_where: bool) -> OperatorKind {
        let name = if is_where { "parse-where" } else { "parse" };
        let params = self.parse_params(name, &["kind", "flags"]);
        let source = self.parse_scalar();
        let mut pattern = Vec::new();
        if self.expect_word("with").is_some() {
            loop {
                match self.kind() {
                    TokenKind::Star => {
                        let token = self.bump();
                        pattern.push(ParsePart::Wildcard(token.span));
                    }
                    TokenKind::String => pattern.push(ParsePart::Text(self.parse_unary())),
                    TokenKind::Ident | TokenKind::OpenBracket if self.at_name() => {
                        let start = self.start();
                        let Some(name) = self.parse_ident() else {
                            break;
                        };
                        if self.eat(TokenKind::Colon).is_some() {
                            let ty = self.parse_type_name();
                            pattern.push(ParsePart::Column(ColumnDecl { name, ty, span: self.span_from(start) }));
                        } else {
                            pattern.push(ParsePart::ColumnUntyped(name));
                        }
                    }
                    _ => break,
                }
            }
            if pattern.is_empty() {
                self.error_expected("a parse pattern");
            }
        }
        OperatorKind::Parse { is_where, params, source, pattern }
    }

    fn parse_parse_kv(&mut self) -> OperatorKind {
        let source = self.parse_scalar();
        let mut keys = Vec::new();
        if self.expect_word("as").is_some() {
            keys = self.parse_schema_list().0;
        }
        let with = if self.eat_word("with").is_some() { self.parse_paren_params() } else { Vec::new() };
        OperatorKind::ParseKv { source, keys, with }
    }

    fn parse_make_series(&mut self) -> OperatorKind {
        let params = self.parse_params("make-series", &["kind"]);
        let mut aggregates = Vec::new();
        loop {
            let assignment = self.parse_assignment();
            let default = if self.at_word("default") && self.nth_kind(1) == TokenKind::Assign {
                self.bump();
                self.bump();
                Some(self.parse_scalar())
            } else {
                None
            };
            aggregates.push(SeriesAggregate { assignment, default });
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        let mut on = Expr::error(Span::empty(self.start()));
        if self.expect_word("on").is_some() {
            // Below comparisons, so that `on Axis in range(...)` keeps its `in`.
            on = self.parse_additive();
        }
        let range = if self.at_word("in") && self.nth_is_word(1, "range") {
            self.bump();
            self.bump();
            let mut parts = Vec::new();
            if self.expect(TokenKind::OpenParen).is_some() {
                parts = self.parse_expr_list();
                self.expect_close_paren();
            }
            let mut parts = parts.into_iter();
            let missing = Expr::error(Span::empty(self.last_end()));
            let start = parts.next().unwrap_or_else(|| missing.clone());
            let stop = parts.next().unwrap_or_else(|| missing.clone());
            let step = match parts.next() {
                Some(step) => step,
                None => {
                    self.report(Diagnostic::new(
                        Code::ExpectedExpression,
                        missing.span,
                        "`range(start, stop, step)` needs three arguments",
                    ));
                    missing
                }
            };
            Some(SeriesRange::InRange { start, stop, step })
        } else if self.at_word("from") || self.at_word("to") || self.at_word("step") {
            let from = if self.eat_word("from").is_some() { Some(self.parse_scalar()) } else { None };
            let to = if self.eat_word("to").is_some() { Some(self.parse_scalar()) } else { None };
            self.expect_word("step");
            Some(SeriesRange::FromTo { from, to, step: self.parse_scalar() })
        } else {
            None
        };
        let by = if self.eat_word("by").is_some() { self.parse_assignments_strict() } else { Vec::new() };
        OperatorKind::MakeSeries { params, aggregates, on, range, by }
    }

    fn parse_partition(&mut self) -> OperatorKind {
        let params = self.parse_params("partition", &[]);
        self.expect_word("by");
        // A column name: `partition by Col (subquery)` must not read as a call.
        let by = match self.parse_ident() {
            Some(name) => {
                let span = name.span;
                Expr::new(ExprKind::Name(name), span)
            }
            None => Expr::error(Span::empty(self.start())),
        };
        // Hints may also follow the column.
        let mut params = params;
        params.extend(self.parse_params("partition", &[]));
        if self.at(TokenKind::OpenBrace) {
            let start = self.start();
            let body = self.parse_braced_body();
            let subquery = Expr::new(
                ExprKind::Source(Box::new(Operator { kind: OperatorKind::Block(body), span: self.span_from(start) })),
                self.span_from(start),
            );
            return OperatorKind::Partition { params, by, subquery, legacy_braces: true };
        }
        let mut subquery = Expr::error(Span::empty(self.start()));
        if self.expect(TokenKind::OpenParen).is_some() {
            subquery = self.parse_contextual_subquery();
            self.expect_close_paren();
        }
        OperatorKind::Partition { params, by, subquery, legacy_braces: false }
    }

    fn parse_scan(&mut self) -> OperatorKind {
        let params = self.parse_params("scan", &["with_match_id"]);
        let mut declare = Vec::new();
        if self.eat_word("declare").is_some() && self.expect(TokenKind::OpenParen).is_some() {
            while !self.at(TokenKind::CloseParen) && !self.at_eof() {
                let Some(column) = self.parse_column_decl() else {
                    break;
                };
                let default = if self.eat(TokenKind::Assign).is_some() { Some(self.parse_scalar()) } else { None };
                declare.push((column, default));
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
            self.expect_close_paren();
        }
        let mut steps = Vec::new();
        if self.expect_word("with").is_some() && self.expect(TokenKind::OpenParen).is_some() {
            while self.at_word("step") {
                let start = self.start();
                self.bump();
                let Some(name) = self.parse_ident() else {
                    break;
                };
                let optional = self.eat_word("optional").is_some();
                let mut output = None;
                if self.at_word("output") && self.nth_kind(1) == TokenKind::Assign {
                    self.bump();
                    self.bump();
                    output = self.parse_ident();
                }
                self.expect(TokenKind::Colon);
                let condition = self.parse_scalar();
                let assignments =
                    if self.eat(TokenKind::FatArrow).is_some() { self.parse_assignments_strict() } else { Vec::new() };
                steps.push(ScanStep { name, optional, output, condition, assignments, span: self.span_from(start) });
                if self.expect(TokenKind::Semicolon).is_none() {
                    break;
                }
            }
            if steps.is_empty() {
                self.error_expected("`step`");
            }
            self.expect_close_paren();
        }
        OperatorKind::Scan { params, declare, steps }
    }

    fn parse_search(&mut self) -> OperatorKind {
        let params = self.parse_params("search", &["kind", "withsource"]);
        let tables = self.parse_in_tables();
        let previous = std::mem::replace(&mut self.in_search, true);
        let predicate = self.parse_scalar();
        self.in_search = previous;
        OperatorKind::Search { params, tables, predicate }
    }

    fn parse_find(&mut self) -> OperatorKind {
        let params = self.parse_params("find", &["withsource", "kind", "datascope"]);
        let tables = self.parse_in_tables();
        self.eat_word("where");
        let previous = std::mem::replace(&mut self.in_search, true);
        let predicate = self.parse_scalar();
        self.in_search = previous;
        let mut project = Vec::new();
        let mut project_smart = false;
        if self.eat_word("project-smart").is_some() {
            project_smart = true;
        } else if self.eat_word("project").is_some() {
            loop {
                let start = self.start();
                let expr = if self.at(TokenKind::Ident) && self.nth_kind(1) == TokenKind::Colon {
                    match self.parse_column_decl() {
                        Some(column) => {
                            let span = self.span_from(start);
                            Expr::new(ExprKind::TypeOf { columns: vec![column], scalar: None, open: false }, span)
                        }
                        None => break,
                    }
                } else {
                    self.parse_scalar()
                };
                project.push(expr);
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
        }
        OperatorKind::Find { params, tables, predicate, project, project_smart }
    }

    fn parse_facet(&mut self) -> OperatorKind {
        self.expect_word("by");
        let columns = self.parse_expr_list();
        let mut with = None;
        if self.eat_word("with").is_some() {
            if self.eat(TokenKind::OpenParen).is_some() {
                with = Some(self.parse_contextual_subquery());
                self.expect_close_paren();
            } else {
                with = Some(self.parse_contextual_subquery());
            }
        }
        OperatorKind::Facet { columns, with }
    }

    fn parse_fork(&mut self) -> OperatorKind {
        let mut branches = Vec::new();
        loop {
            let name = if self.at(TokenKind::Ident) && self.nth_kind(1) == TokenKind::Assign {
                let name = self.parse_ident();
                self.bump();
                name
            } else {
                None
            };
            if self.expect(TokenKind::OpenParen).is_none() {
                break;
            }
            let query = self.parse_contextual_subquery();
            self.expect_close_paren();
            branches.push(ForkBranch { name, query });
            if !(self.at(TokenKind::OpenParen) || (self.at(TokenKind::Ident) && self.nth_kind(1) == TokenKind::Assign))
            {
                break;
            }
        }
        OperatorKind::Fork(branches)
    }

    /// `-->`, `--`, `<--` written as separate adjacent tokens.
    fn parse_edge_arrow(&mut self) -> Option<EdgeDirection> {
        let adjacent = |parser: &Parser<'_>, idx: usize| !parser.nth(idx).space_before;
        if self.at(TokenKind::Minus) && self.nth_kind(1) == TokenKind::Minus && adjacent(self, 1) {
            if self.nth_kind(2) == TokenKind::Gt && adjacent(self, 2) {
                self.bump();
                self.bump();
                self.bump();
                return Some(EdgeDirection::Forward);
            }
            self.bump();
            self.bump();
            return Some(EdgeDirection::Any);
        }
        if self.at(TokenKind::Lt) && self.nth_kind(1) == TokenKind::Minus && self.nth_kind(2) == TokenKind::Minus {
            self.bump();
            self.bump();
            self.bump();
            return Some(EdgeDirection::Backward);
        }
        None
    }

    fn parse_make_graph(&mut self) -> OperatorKind {
        let params = self.parse_params("make-graph", &[]);
        let source = self.parse_postfix_operand();
        let direction = match self.parse_edge_arrow() {
            Some(direction) => direction,
            None => {
                self.error_expected("`-->` or `--`");
                EdgeDirection::Forward
            }
        };
        let target = self.parse_postfix_operand();
        let mut nodes = Vec::new();
        let mut node_id = None;
        loop {
            if self.at_word("with") {
                self.bump();
                loop {
                    let table = self.parse_table_operand();
                    self.expect_word("on");
                    let column = self.parse_postfix_operand();
                    nodes.push((table, column));
                    if self.eat(TokenKind::Comma).is_none() {
                        break;
                    }
                }
            } else if self.at_word("with_node_id") && self.nth_kind(1) == TokenKind::Assign {
                self.bump();
                self.bump();
                node_id = self.parse_ident();
            } else {
                break;
            }
        }
        let partition = if self.at_word("partitioned-by") { self.parse_graph_partition() } else { None };
        OperatorKind::MakeGraph { params, source, direction, target, nodes, node_id, partition }
    }

    /// `partitioned-by Column ( graph-operator )`.
    fn parse_graph_partition(&mut self) -> Option<GraphPartition> {
        let start = self.start();
        self.bump(); // partitioned-by
        // A column name: `partitioned-by Col (...)` must not read as a call.
        let column = match self.parse_ident() {
            Some(name) => {
                let span = name.span;
                Expr::new(ExprKind::Name(name), span)
            }
            None => {
                self.error_expected("the partition column");
                return None;
            }
        };
        self.expect(TokenKind::OpenParen)?;
        let operator_start = self.start();
        let operator = if self.at(TokenKind::Ident) && is_graph_consumer(self.current_text()) {
            self.parse_operator()
        } else {
            self.error_expected("a graph operator such as `graph-match`");
            self.skip_until(&[TokenKind::CloseParen, TokenKind::Pipe, TokenKind::Semicolon]);
            Operator { kind: OperatorKind::Error, span: self.span_from(operator_start) }
        };
        self.expect_close_paren();
        Some(GraphPartition { column, operator: Box::new(operator), span: self.span_from(start) })
    }

    /// `graph-to-table nodes [as N] [with_node_id=C] [, edges [as E] [with_source_id=C] [with_target_id=C]]`.
    fn parse_graph_to_table(&mut self) -> OperatorKind {
        let mut outputs = Vec::new();
        loop {
            let start = self.start();
            let kind = if self.eat_word("nodes").is_some() {
                GraphElementKind::Nodes
            } else if self.eat_word("edges").is_some() {
                GraphElementKind::Edges
            } else {
                self.error_expected("`nodes` or `edges`");
                self.skip_until(&[TokenKind::Pipe, TokenKind::Semicolon, TokenKind::CloseParen]);
                break;
            };
            let allowed: &[&str] = match kind {
                GraphElementKind::Nodes => &["with_node_id"],
                GraphElementKind::Edges => &["with_source_id", "with_target_id"],
            };
            let mut params = self.parse_params("graph-to-table", allowed);
            let name = if self.eat_word("as").is_some() { self.parse_ident() } else { None };
            params.extend(self.parse_params("graph-to-table", allowed));
            outputs.push(GraphTableOutput { kind, name, params, span: self.span_from(start) });
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        OperatorKind::GraphToTable(outputs)
    }

    /// A name, call or literal without binary operators (so `a --> b` keeps its arrow).
    fn parse_postfix_operand(&mut self) -> Expr {
        self.parse_unary()
    }

    /// The operands shared by `graph-match` and `graph-shortest-paths`:
    /// `[param=value] pattern [, pattern] [where predicate] project columns`.
    fn parse_graph_query(
        &mut self,
        operator: &str,
        param: &str,
    ) -> (Vec<NamedParameter>, Vec<Vec<GraphPatternPart>>, Option<Expr>, Vec<Assignment>) {
        let params = self.parse_params(operator, &[param]);
        let mut patterns = Vec::new();
        loop {
            let pattern = self.parse_graph_pattern();
            if pattern.is_empty() {
                self.error_expected("a graph pattern such as `(a)-[e]->(b)`");
                break;
            }
            patterns.push(pattern);
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        let where_ = if self.eat_word("where").is_some() { Some(self.parse_scalar()) } else { None };
        let project = if self.expect_word("project").is_some() { self.parse_assignments_strict() } else { Vec::new() };
        (params, patterns, where_, project)
    }

    /// `:Label` or `:Label1|Label2` after a pattern element's name.
    fn parse_graph_labels(&mut self) -> Vec<Ident> {
        let mut labels = Vec::new();
        if self.eat(TokenKind::Colon).is_some() {
            while let Some(label) = self.parse_ident() {
                labels.push(label);
                if self.eat(TokenKind::Pipe).is_none() {
                    break;
                }
            }
        }
        labels
    }

    fn parse_graph_pattern(&mut self) -> Vec<GraphPatternPart> {
        let mut parts = Vec::new();
        loop {
            let start = self.start();
            if self.at(TokenKind::OpenParen) {
                self.bump();
                let name = if self.at(TokenKind::Ident) { self.parse_ident() } else { None };
                let labels = self.parse_graph_labels();
                if self.expect(TokenKind::CloseParen).is_none() {
                    self.skip_until(&[TokenKind::CloseParen, TokenKind::Pipe, TokenKind::Semicolon]);
                    self.eat(TokenKind::CloseParen);
                }
                parts.push(GraphPatternPart::Node { name, labels, span: self.span_from(start) });
                continue;
            }
            if let Some(direction) = self.parse_edge_arrow() {
                let span = self.span_from(start);
                parts.push(GraphPatternPart::Edge { name: None, labels: Vec::new(), direction, range: None, span });
                continue;
            }
            // -[e]-> , <-[e]- , -[e]-
            let backward = self.at(TokenKind::Lt)
                && self.nth_kind(1) == TokenKind::Minus
                && self.nth_kind(2) == TokenKind::OpenBracket;
            let forward_or_any = self.at(TokenKind::Minus) && self.nth_kind(1) == TokenKind::OpenBracket;
            if !(backward || forward_or_any) {
                break;
            }
            if backward {
                self.bump();
            }
            self.bump(); // -
            self.bump(); // [
            let name = if self.at(TokenKind::Ident) { self.parse_ident() } else { None };
            let labels = self.parse_graph_labels();
            let mut range = None;
            if self.eat(TokenKind::Star).is_some() {
                let low = self.parse_unary();
                let high = if self.eat(TokenKind::DotDot).is_some() { self.parse_unary() } else { low.clone() };
                range = Some((low, high));
            }
            self.expect(TokenKind::CloseBracket);
            self.expect(TokenKind::Minus);
            let direction = if backward {
                EdgeDirection::Backward
            } else if self.eat(TokenKind::Gt).is_some() {
                EdgeDirection::Forward
            } else {
                EdgeDirection::Any
            };
            parts.push(GraphPatternPart::Edge { name, labels, direction, range, span: self.span_from(start) });
        }
        parts
    }
}

/// Operators that take a graph as their input.
pub fn is_graph_consumer(word: &str) -> bool {
    matches!(word, "graph-match" | "graph-shortest-paths" | "graph-to-table" | "graph-mark-components")
}

/// A help line for an unknown operator: the closest operator keyword.
fn suggest_operator(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    if is_operator_word(&lower) {
        return format!("operators are lower-case: `{lower}`");
    }
    let closest =
        OPERATOR_WORDS.iter().map(|candidate| (crate::text::edit_distance(&lower, candidate), *candidate)).min();
    match closest {
        Some((distance, candidate)) if distance <= 2.max(word.len() / 3) => {
            format!("did you mean `{candidate}`?")
        }
        _ => "see the list of tabular operators in the KQL reference".to_string(),
    }
}
