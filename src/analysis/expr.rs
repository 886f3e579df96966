//! Scalar expressions: names, literals, operators, member access and the
//! operator type rules of Kusto.Language.

use std::sync::Arc;

use crate::analysis::names::suggest;
use crate::analysis::scope::{Binder, Row, Symbol};
use crate::analysis::types::{ExprType, TableType, Type};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Ident, ListOp, Literal, ScalarType};

impl<'a> Binder<'a> {
    /// Binds any expression (scalar or tabular) in a row context.
    pub fn bind_expr(&mut self, expr: &'a Expr, row: Row<'_>) -> ExprType {
        match &expr.kind {
            ExprKind::Literal(literal) => ExprType::Scalar(literal_type(literal)),
            ExprKind::Name(ident) => self.bind_name(&ident.name, expr, row),
            ExprKind::NamePattern(_) | ExprKind::Star => ExprType::Scalar(Type::Unknown),
            ExprKind::Paren(inner) => self.bind_expr(inner, row),
            ExprKind::Unary { operand, .. } => {
                let ty = self.bind_scalar(operand, row);
                if ty.is_number() || ty == Type::TIMESPAN || ty.is_unknown() || ty == Type::DYNAMIC {
                    ExprType::Scalar(ty)
                } else {
                    self.error(Code::OperatorTypeMismatch, expr.span, format!("unary `-` is not defined for `{ty}`"));
                    ExprType::Scalar(Type::Unknown)
                }
            }
            ExprKind::Binary { op, left, right } => self.bind_binary(*op, left, right, expr, row),
            ExprKind::List { op, left, items } => {
                let left_ty = self.bind_scalar(left, row);
                for item in items {
                    // `x in (T | project c)` takes a one-column table.
                    self.bind_expr(item, row);
                }
                if matches!(op, ListOp::InCi | ListOp::NotInCi | ListOp::HasAny | ListOp::HasAll)
                    && !string_or_dynamic(left_ty)
                {
                    self.error(
                        Code::OperatorTypeMismatch,
                        left.span,
                        format!("`{}` needs a `string` or `dynamic` left operand, found `{left_ty}`", op.as_str()),
                    );
                }
                ExprType::Scalar(Type::BOOL)
            }
            ExprKind::Between { expr: value, low, high, .. } => {
                self.bind_scalar(value, row);
                self.bind_scalar(low, row);
                self.bind_scalar(high, row);
                ExprType::Scalar(Type::BOOL)
            }
            ExprKind::Call { .. } | ExprKind::Member { .. } if self.is_pattern_invocation(expr) => {
                ExprType::Table(self.bind_pattern_invocation(expr))
            }
            ExprKind::Call { target, name, args } => self.bind_call(target.as_deref(), name, args, expr, row),
            ExprKind::NamedArg { name, value } => {
                // Only meaningful inside a call's argument list; elsewhere
                // (`where x = 1`) it is a mistake for `==`.
                self.bind_expr(value, row);
                self.report(
                    Diagnostic::new(
                        Code::PredicateNotBool,
                        expr.span,
                        format!("`{} = ...` is an assignment, not a comparison", name.name),
                    )
                    .with_help("use `==` to compare"),
                );
                ExprType::Scalar(Type::Unknown)
            }
            ExprKind::Member { target, name } => self.bind_member(target, name, expr, row),
            ExprKind::Index { target, index } => {
                let target_ty = self.bind_expr(target, row);
                self.bind_scalar(index, row);
                match target_ty {
                    ExprType::Scalar(ty) if ty == Type::DYNAMIC || ty.is_unknown() => ExprType::Scalar(ty),
                    ExprType::Error => ExprType::Error,
                    ExprType::Scalar(ty) => {
                        self.error(
                            Code::ArgumentTypeMismatch,
                            target.span,
                            format!("only `dynamic` values can be indexed, found `{ty}`"),
                        );
                        ExprType::Scalar(Type::Unknown)
                    }
                    ExprType::Table(_) => ExprType::Scalar(Type::Unknown),
                }
            }
            ExprKind::TypeOf { .. } => ExprType::Scalar(Type::Unknown),
            ExprKind::Pipe { input, operator } if crate::analysis::graph::is_graph_consumer(operator) => {
                ExprType::Table(self.bind_graph_pipe(input, operator))
            }
            ExprKind::Pipe { input, operator } => match self.bind_expr(input, row) {
                ExprType::Table(input) => ExprType::Table(self.bind_operator(operator, &input)),
                // Kusto.Language accepts a scalar before `|` (`1 | count`) and
                // binds the operator against a table without columns, so
                // every column it names is unknown.
                ExprType::Scalar(_) => ExprType::Table(
                    self.bind_operator(operator, &Arc::new(TableType { columns: Vec::new(), open: false })),
                ),
                // After an error (`Nope | summarize Total = sum(B)`),
                // Kusto.Language binds the operator against an open table
                // and keeps its output, so later stages and `let` names
                // still know `Total` and accept any other column quietly.
                ExprType::Error => ExprType::Table(
                    self.bind_operator(operator, &Arc::new(TableType { columns: Vec::new(), open: true })),
                ),
            },
            ExprKind::Source(operator) => ExprType::Table(self.bind_source(operator, row)),
            ExprKind::ContextualInput => match row.table {
                Some(table) => ExprType::Table(Arc::new(table.clone())),
                None => ExprType::Table(Arc::new(TableType { columns: Vec::new(), open: true })),
            },
            ExprKind::SearchField { term, .. } => {
                self.bind_scalar(term, row);
                ExprType::Scalar(Type::BOOL)
            }
            ExprKind::Error => ExprType::Error,
        }
    }

    /// Binds an expression that must be scalar; tables give `Unknown`
    /// (with a diagnostic).
    pub fn bind_scalar(&mut self, expr: &'a Expr, row: Row<'_>) -> Type {
        match self.bind_expr(expr, row) {
            ExprType::Scalar(ty) => ty,
            ExprType::Error => Type::Unknown,
            ExprType::Table(_) => {
                self.error(Code::ScalarExpected, expr.span, "expected a scalar expression, found a table");
                Type::Unknown
            }
        }
    }

    /// Binds a predicate (`where`, `iff`'s condition, ...): it must be `bool`.
    pub fn bind_predicate(&mut self, expr: &'a Expr, row: Row<'_>) {
        if let ExprKind::NamedArg { .. } = expr.kind {
            self.bind_expr(expr, row);
            return;
        }
        let ty = self.bind_scalar(expr, row);
        if !(ty == Type::BOOL || ty == Type::DYNAMIC || ty.is_unknown()) {
            self.error(Code::PredicateNotBool, expr.span, format!("the predicate must be `bool`, found `{ty}`"));
        }
    }

    /// True for `name(args)` or `name(args).path` where `name` is a `declare pattern`.
    fn is_pattern_invocation(&self, expr: &Expr) -> bool {
        crate::syntax::ast::pattern_invocation(expr)
            .is_some_and(|(name, _, _)| matches!(self.lookup(&name.name), Some(Symbol::Pattern(_))))
    }

    /// The table a pattern invocation returns: the body of the entry with
    /// the same argument and path strings (an open table when none matches;
    /// the engine reports the missing entry).
    fn bind_pattern_invocation(&mut self, expr: &'a Expr) -> Arc<TableType> {
        let Some((name, args, path)) = crate::syntax::ast::pattern_invocation(expr) else {
            return crate::analysis::functions::open_table();
        };
        let Some(Symbol::Pattern(pattern)) = self.lookup(&name.name).cloned() else {
            return crate::analysis::functions::open_table();
        };
        let mut texts = Vec::new();
        for arg in args {
            self.bind_scalar(arg, Row::default());
            match crate::syntax::ast::string_literal(arg) {
                Some(text) => texts.push(text.to_string()),
                None => return crate::analysis::functions::open_table(),
            }
        }
        let Some(entry) = pattern.entry(&texts, path) else {
            return crate::analysis::functions::open_table();
        };
        self.push_scope();
        let output = self.bind_statements(&entry.body);
        self.pop_scope();
        match output {
            Some(crate::analysis::Output::Table(table)) => table,
            _ => crate::analysis::functions::open_table(),
        }
    }

    /// Binds a `search` or `find` predicate: a bare `"term"` and `*` are
    /// search terms (true or false for each row), `* has x` tests every
    /// column; the rest is an ordinary predicate.
    pub fn bind_search_predicate(&mut self, expr: &'a Expr, row: Row<'_>) {
        match &expr.kind {
            ExprKind::Literal(Literal::String(_)) | ExprKind::Star => {}
            ExprKind::Paren(inner) => self.bind_search_predicate(inner, row),
            ExprKind::Binary { op: BinaryOp::And | BinaryOp::Or, left, right } => {
                self.bind_search_predicate(left, row);
                self.bind_search_predicate(right, row);
            }
            ExprKind::Call { target: None, name, args } if name.name == "not" && args.len() == 1 => {
                self.bind_search_predicate(&args[0], row);
            }
            ExprKind::Binary { left, right, .. } if matches!(left.kind, ExprKind::Star) => {
                self.bind_scalar(right, row);
            }
            _ => self.bind_predicate(expr, row),
        }
    }

    fn bind_name(&mut self, name: &'a str, expr: &'a Expr, row: Row<'_>) -> ExprType {
        if self.is_graph_var(name) {
            // A pattern variable, as the argument of a graph function.
            return ExprType::Scalar(Type::Unknown);
        }
        if let Some(column) = row.table.and_then(|table| table.column(name)) {
            return ExprType::Scalar(column.ty);
        }
        match self.lookup(name) {
            Some(Symbol::Scalar(ty)) => return ExprType::Scalar(*ty),
            Some(Symbol::Text(_)) => return ExprType::Scalar(Type::STRING),
            Some(Symbol::Table(table)) => return ExprType::Table(table.clone()),
            // A pattern needs its arguments: `name(args).path`.
            Some(Symbol::Pattern(_)) => {
                self.error(
                    Code::WrongArgumentCount,
                    expr.span,
                    format!("`{name}` is a pattern; invoke it with arguments"),
                );
                return ExprType::Error;
            }
            Some(Symbol::Function(function)) => {
                // A function without parameters can be referred to without `()`.
                if function.params.is_empty() {
                    let function = *function;
                    return self.bind_user_call(function, &[], expr.span);
                }
                self.error(
                    Code::WrongArgumentCount,
                    expr.span,
                    format!("`{name}` is a function; call it with arguments"),
                );
                return ExprType::Error;
            }
            None => {}
        }
        if let Some(table) = self.globals.schemas.table(name) {
            return ExprType::Table(table.clone());
        }
        if let Some(function) = self.globals.schemas.function(name) {
            return ExprType::Table(function.output.clone());
        }
        if row.table.is_some_and(|t| t.open) {
            self.infer_column(name, false);
            return ExprType::Scalar(Type::Unknown);
        }
        // `$left` / `$right` alone are reported by the join's own check.
        if name.starts_with('$') {
            return ExprType::Scalar(Type::Unknown);
        }
        if self.fuzzy && row.table.is_none() {
            return ExprType::Table(crate::analysis::functions::open_table());
        }
        // `summarize count by X`: a built-in function without its argument
        // list is not an unknown name (Kusto.Language's KS117). Aggregation
        // functions are only names where aggregates are allowed: elsewhere
        // (`top 20 by count`) Kusto reports an unknown name.
        if self.globals.catalog.scalar(name).is_some()
            || (row.aggregates && self.globals.catalog.aggregate(name).is_some())
        {
            self.report(
                Diagnostic::new(
                    Code::WrongArgumentCount,
                    expr.span,
                    format!("`{name}` is a function; it needs an argument list"),
                )
                .with_help(format!("call it: `{name}(...)`")),
            );
            return ExprType::Error;
        }
        self.report_unknown_name(name, expr, row);
        ExprType::Error
    }

    /// Reports a name that is neither a column, a `let` name, a table nor a function.
    pub fn report_unknown_name(&mut self, name: &str, expr: &Expr, row: Row<'_>) {
        let mut candidates: Vec<&str> = Vec::new();
        if let Some(table) = row.table {
            candidates.extend(table.columns.iter().map(|c| c.name.as_str()));
        }
        let symbols = self.symbol_names();
        candidates.extend(symbols.iter().copied());
        let (code, message) = if row.table.is_some() {
            (Code::UnknownColumn, format!("unknown column `{name}`"))
        } else {
            candidates.extend(self.globals.schemas.table_names());
            candidates.extend(self.globals.schemas.function_names());
            (Code::UnknownTable, format!("unknown table or variable `{name}`"))
        };
        let mut diagnostic = Diagnostic::new(code, expr.span, message);
        if row.table.is_some() {
            diagnostic = diagnostic.with_label("not a column of the input, nor a variable, table or function");
        }
        if let Some(best) = suggest(name, candidates.into_iter()) {
            diagnostic = diagnostic.with_help(format!("did you mean `{best}`?"));
        }
        self.report(diagnostic);
    }

    fn bind_member(&mut self, target: &'a Expr, member: &'a Ident, expr: &'a Expr, row: Row<'_>) -> ExprType {
        if let Some(result) = self.bind_graph_member(target, member) {
            return result;
        }
        let name = member.name.as_str();
        // `$left.Col` / `$right.Col` in join conditions.
        if let ExprKind::Name(side) = &target.kind
            && (side.name == "$left" || side.name == "$right")
        {
            let table = if side.name == "$left" { row.left } else { row.right };
            return match table {
                Some(table) => match table.column(name) {
                    Some(column) => ExprType::Scalar(column.ty),
                    None if table.open => {
                        self.infer_column(name, side.name == "$right");
                        ExprType::Scalar(Type::Unknown)
                    }
                    None => {
                        let mut diagnostic = Diagnostic::new(
                            Code::UnknownColumn,
                            expr.span,
                            format!("unknown column `{name}` on the {} side of the join", &side.name[1..]),
                        );
                        if let Some(best) = suggest(name, table.columns.iter().map(|c| c.name.as_str())) {
                            diagnostic = diagnostic.with_help(format!("did you mean `{best}`?"));
                        }
                        self.report(diagnostic);
                        ExprType::Error
                    }
                },
                None => ExprType::Scalar(Type::Unknown),
            };
        }
        match self.bind_expr(target, row) {
            ExprType::Scalar(ty) if ty == Type::DYNAMIC || ty.is_unknown() => ExprType::Scalar(ty),
            ExprType::Scalar(ty) => {
                // Kusto.Language looks the member up among the properties of
                // the target's type; a non-`dynamic` value has none, so the
                // member is an unknown name, reported at the member itself.
                self.report(
                    Diagnostic::new(Code::UnknownColumn, member.span, format!("unknown property `{name}`"))
                        .with_label(format!("a `{ty}` value has no properties"))
                        .with_help("only `dynamic` values have properties; convert with `parse_json()` first"),
                );
                ExprType::Scalar(Type::Unknown)
            }
            ExprType::Table(table) => match table.column(name) {
                // `T.Column` (e.g. a `let` table's column in a scalar context).
                Some(column) => ExprType::Scalar(column.ty),
                None => ExprType::Scalar(Type::Unknown),
            },
            ExprType::Error => ExprType::Error,
        }
    }

    fn bind_binary(&mut self, op: BinaryOp, left: &'a Expr, right: &'a Expr, expr: &'a Expr, row: Row<'_>) -> ExprType {
        let l = self.bind_scalar(left, row);
        let r = self.bind_scalar(right, row);
        if l.is_unknown() || r.is_unknown() {
            return ExprType::Scalar(match op {
                BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
                    if l.is_unknown() && r.is_unknown() {
                        Type::Unknown
                    } else {
                        arithmetic_type(op, l, r).unwrap_or(Type::Unknown)
                    }
                }
                _ => Type::BOOL,
            });
        }
        let result = match op {
            BinaryOp::And | BinaryOp::Or => { bool_or_dynamic(l) && bool_or_dynamic(r) }.then_some(Type::BOOL),
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => arithmetic_type(op, l, r),
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => ordering_defined(l, r).then_some(Type::BOOL),
            BinaryOp::Eq | BinaryOp::NotEq => {
                self.check_string_number_comparison(op, l, r, left, right, expr);
                Some(Type::BOOL)
            }
            BinaryOp::Has
            | BinaryOp::NotHas
            | BinaryOp::HasCs
            | BinaryOp::NotHasCs
            | BinaryOp::HasPrefix
            | BinaryOp::NotHasPrefix
            | BinaryOp::HasPrefixCs
            | BinaryOp::NotHasPrefixCs
            | BinaryOp::HasSuffix
            | BinaryOp::NotHasSuffix
            | BinaryOp::HasSuffixCs
            | BinaryOp::NotHasSuffixCs => (string_or_dynamic(l) && r == Type::STRING).then_some(Type::BOOL),
            _ => (string_or_dynamic(l) && string_or_dynamic(r)).then_some(Type::BOOL),
        };
        match result {
            Some(ty) => ExprType::Scalar(ty),
            None => {
                self.error(
                    Code::OperatorTypeMismatch,
                    expr.span,
                    format!("the operator `{}` is not defined for `{l}` and `{r}`", op.as_str()),
                );
                ExprType::Scalar(
                    if matches!(op, BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod) {
                        Type::Unknown
                    } else {
                        Type::BOOL
                    },
                )
            }
        }
    }

    /// `ResultType == 50126` where `ResultType` is a string: Kusto accepts it
    /// but compares a string with a number, which never matches.
    fn check_string_number_comparison(
        &mut self,
        op: BinaryOp,
        l: Type,
        r: Type,
        left: &Expr,
        right: &Expr,
        expr: &Expr,
    ) {
        let number_side = if l == Type::STRING && r.is_number() {
            right
        } else if r == Type::STRING && l.is_number() {
            left
        } else {
            return;
        };
        self.report(
            Diagnostic::new(
                Code::StringComparedWithNumber,
                expr.span,
                format!("`{}` compares a `string` with a number", op.as_str()),
            )
            .with_label("the string side is never equal to a number")
            .with_secondary(number_side.span, "a number")
            .with_help("quote the number, e.g. `\"50126\"`, or convert the string with `toint()`/`tolong()`"),
        );
    }
}

/// The type of a literal.
pub(crate) fn literal_type(literal: &Literal) -> Type {
    Type::Scalar(match literal {
        Literal::Bool(_) => ScalarType::Bool,
        Literal::Int(_) => ScalarType::Int,
        Literal::Long(_) => ScalarType::Long,
        Literal::Real(_) => ScalarType::Real,
        Literal::Decimal(_) => ScalarType::Decimal,
        Literal::String(_) => ScalarType::String,
        Literal::DateTime(_) | Literal::DateTimeNow | Literal::DateTimeTimeOfDay(_) => ScalarType::DateTime,
        Literal::TimeSpan(_) => ScalarType::TimeSpan,
        Literal::Guid(_) => ScalarType::Guid,
        Literal::Dynamic(_) => ScalarType::Dynamic,
    })
}

fn string_or_dynamic(ty: Type) -> bool {
    ty == Type::STRING || ty == Type::DYNAMIC || ty.is_unknown()
}

fn bool_or_dynamic(ty: Type) -> bool {
    ty == Type::BOOL || ty == Type::DYNAMIC
}

/// `<`, `<=`, `>`, `>=`: numbers (and bools) with numbers, like with like
/// for timespan and datetime, and anything with `dynamic`.
fn ordering_defined(l: Type, r: Type) -> bool {
    let number_or_bool = |t: Type| t.is_number() || t == Type::BOOL;
    (number_or_bool(l) && number_or_bool(r))
        || (l == Type::TIMESPAN && r == Type::TIMESPAN)
        || (l == Type::DATETIME && r == Type::DATETIME)
        || (l == Type::DYNAMIC && (r == Type::DYNAMIC || r.is_number()))
        || (r == Type::DYNAMIC && l.is_number())
}

/// The result of `+ - * / %`, following Kusto.Language's operator table.
pub(crate) fn arithmetic_type(op: BinaryOp, l: Type, r: Type) -> Option<Type> {
    use BinaryOp::{Add, Div, Mod, Mul, Sub};
    let (dt, ts, dy) = (Type::DATETIME, Type::TIMESPAN, Type::DYNAMIC);
    if l.is_unknown() || r.is_unknown() {
        let known = if l.is_unknown() { r } else { l };
        return Some(if known.is_number() { known } else { Type::Unknown });
    }
    if l.is_number() && r.is_number() {
        return Some(l.widest(r));
    }
    match op {
        Add | Sub if l == ts && r == ts => Some(ts),
        Add if (l == dt && r == ts) || (l == ts && r == dt) => Some(dt),
        Sub if l == dt && r == dt => Some(ts),
        Sub if (l == dt && r == dy) || (l == dy && r == dt) => Some(ts),
        Sub if (l == dt && r == ts) || (l == ts && r == dt) => Some(dt),
        Mul if l == ts && r == ts => Some(ts),
        Mul if (l == ts && r.is_number()) || (l.is_number() && r == ts) => Some(ts),
        Mul if (l == dt && r.is_number()) || (l.is_number() && r == dt) => Some(dt),
        Div if l == ts && r == ts => Some(Type::REAL),
        Div if l == ts && r.is_number() => Some(ts),
        Div if l == dt && (r == dt || r == ts) => Some(Type::REAL),
        Div if l == dt && r.is_number() => Some(dt),
        Mod if l == ts && (r == ts || r.is_number()) => Some(ts),
        Mod if l == dt && r == dt => Some(ts),
        Mod if l == dt && r == ts => Some(ts),
        Mod if l == dt && r.is_number() => Some(dt),
        _ if l == dy && r == dy => Some(dy),
        _ if l == dy && r == Type::INT => Some(Type::LONG),
        _ if r == dy && l == Type::INT => Some(Type::LONG),
        Add | Sub if l == dy && (r.is_number() || r == ts || r == dt) => Some(r),
        Add | Sub if r == dy && (l.is_number() || l == ts || l == dt) => Some(l),
        Mul | Div | Mod if l == dy && r.is_number() => Some(r),
        Mul | Div | Mod if r == dy && l.is_number() => Some(l),
        _ => None,
    }
}
