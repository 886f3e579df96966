//! Operators that combine tables: `join`, `lookup` and `union`.

use std::sync::Arc;

use crate::analysis::functions::open_table;
use crate::analysis::names::make_names_unique;
use crate::analysis::operators::wildcard_match;
use crate::analysis::scope::{Binder, Row};
use crate::analysis::types::{Column, ExprType, TableType, Type};
use crate::analysis::unify::unify_by_name_and_type;
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::operators::NamedParameter;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind};

/// The join kinds whose output has only one side's columns.
enum Side {
    Left,
    Right,
    Both,
}

impl<'a> Binder<'a> {
    pub(crate) fn bind_join(
        &mut self,
        left: &Arc<TableType>,
        params: &'a [NamedParameter],
        right: &'a Expr,
        on: &'a [Expr],
        where_: Option<&'a Expr>,
    ) -> Arc<TableType> {
        let right_table = self.bind_table(right, Row::default()).unwrap_or_else(open_table);
        let kind = param_word(params, "kind").unwrap_or("innerunique");
        let side = match kind {
            "leftsemi" | "leftanti" | "leftantisemi" | "anti" => Side::Left,
            "rightsemi" | "rightanti" | "rightantisemi" => Side::Right,
            _ => Side::Both,
        };
        self.bind_join_keys(left, &right_table, on, "join");
        if let Some(condition) = where_ {
            let row = Row { left: Some(left), right: Some(&right_table), ..Row::default() };
            self.bind_predicate(condition, row);
        }
        let right_table = self.with_inferred_right(right_table);
        match side {
            Side::Left => left.clone(),
            Side::Right => right_table,
            Side::Both => {
                // Repeated names (a right column named like a left one) get the
                // first numeric suffix no column uses (`b` → `b2` when the
                // right side also has `b1`).
                let mut columns: Vec<Column> = left.columns.iter().chain(&right_table.columns).cloned().collect();
                make_names_unique(&mut columns);
                Arc::new(TableType { columns, open: left.open || right_table.open })
            }
        }
    }

    pub(crate) fn bind_lookup(
        &mut self,
        left: &Arc<TableType>,
        _params: &'a [NamedParameter],
        right: &'a Expr,
        on: &'a [Expr],
    ) -> Arc<TableType> {
        let right_table = self.bind_table(right, Row::default()).unwrap_or_else(open_table);
        let keys = self.bind_join_keys(left, &right_table, on, "lookup");
        let right_table = self.with_inferred_right(right_table);
        let mut columns: Vec<Column> = left
            .columns
            .iter()
            .chain(right_table.columns.iter().filter(|column| !keys.contains(&column.name)))
            .cloned()
            .collect();
        make_names_unique(&mut columns);
        Arc::new(TableType { columns, open: left.open || right_table.open })
    }

    /// The right side of a `join` or `lookup` with the columns its
    /// condition used that it does not declare (it is open), as `unknown`.
    fn with_inferred_right(&mut self, right: Arc<TableType>) -> Arc<TableType> {
        let names = self.inferred.last().map(|frame| frame.right.clone()).unwrap_or_default();
        if !right.open || names.iter().all(|name| right.column(name).is_some()) {
            return right;
        }
        let mut columns = right.columns.clone();
        for name in names {
            if right.column(&name).is_none() {
                columns.push(Column::new(name, Type::Unknown));
            }
        }
        Arc::new(TableType { columns, open: true })
    }

    /// Checks `on` keys: `Column` (present on both sides) or
    /// `$left.A == $right.B` with compatible types. Returns the right-side key names.
    fn bind_join_keys(&mut self, left: &TableType, right: &TableType, on: &'a [Expr], operator: &str) -> Vec<String> {
        let mut right_keys = Vec::new();
        // `on $left.A == $right.B and $left.C == $right.D` is two keys.
        let mut keys: Vec<&'a Expr> = Vec::new();
        for key in on {
            flatten_and(key, &mut keys);
        }
        for key in keys {
            match &key.kind {
                ExprKind::Name(ident) => {
                    let l = left.column(&ident.name);
                    let r = right.column(&ident.name);
                    if l.is_none() && left.open {
                        self.infer_column(&ident.name, false);
                    }
                    if r.is_none() && right.open {
                        self.infer_column(&ident.name, true);
                    }
                    match (l, r) {
                        (Some(l), Some(r)) => self.check_key_types(l.ty, r.ty, key),
                        _ if (l.is_none() && left.open) || (r.is_none() && right.open) => {}
                        _ => {
                            let missing = if l.is_none() && r.is_none() {
                                "either side"
                            } else if l.is_none() {
                                "the left side"
                            } else {
                                "the right side"
                            };
                            self.report(
                                Diagnostic::new(
                                    Code::JoinKeyMissing,
                                    key.span,
                                    format!("`{operator}` key `{}` is not a column of {missing}", ident.name),
                                )
                                .with_help("use `$left.Column == $right.OtherColumn` when the names differ"),
                            );
                        }
                    }
                    right_keys.push(ident.name.clone());
                }
                ExprKind::Binary { op: BinaryOp::Eq, left: a, right: b }
                    if is_side(a, "$left") && is_side(b, "$right") =>
                {
                    let row = Row { left: Some(left), right: Some(right), ..Row::default() };
                    let ta = self.bind_expr(a, row);
                    let tb = self.bind_expr(b, row);
                    if let (ExprType::Scalar(ta), ExprType::Scalar(tb)) = (ta, tb) {
                        self.check_key_types(ta, tb, key);
                    }
                    for side in [a, b] {
                        if let ExprKind::Member { target, name } = &side.kind
                            && matches!(&target.kind, ExprKind::Name(n) if n.name == "$right")
                        {
                            right_keys.push(name.name.clone());
                        }
                    }
                }
                ExprKind::Error => {}
                _ => {
                    // Kusto.Language only accepts the two forms above.
                    self.report(
                        Diagnostic::new(
                            Code::InvalidJoinCondition,
                            key.span,
                            format!(
                                "a `{operator}` condition must be a column name or `$left.Column == $right.Column`"
                            ),
                        )
                        .with_help("filter with `where` before or after the join for other conditions"),
                    );
                }
            }
        }
        right_keys
    }

    fn check_key_types(&mut self, left: Type, right: Type, key: &Expr) {
        if !keys_compatible(left, right) {
            self.report(
                Diagnostic::new(
                    Code::JoinKeyTypeMismatch,
                    key.span,
                    format!("join keys have different types: `{left}` and `{right}`"),
                )
                .with_help("convert one side, e.g. `extend Key = tostring(Key)`, so both keys have the same type"),
            );
        }
    }

    /// The tables of a `union` or `find in (...)` list: names, wildcard
    /// patterns (`Device*`) and sub-queries. With `fuzzy` (`isfuzzy=true`),
    /// names that are not tables are left out without an error.
    pub(crate) fn bind_table_list(&mut self, tables: &'a [Expr], fuzzy: bool) -> Vec<Arc<TableType>> {
        let mut inputs = Vec::new();
        for table in tables {
            match &table.kind {
                ExprKind::NamePattern(pattern) => {
                    let mut names: Vec<&str> =
                        self.globals.schemas.table_names().filter(|n| wildcard_match(&pattern.name, n)).collect();
                    names.sort();
                    for name in names {
                        if let Some(t) = self.globals.schemas.table(name) {
                            inputs.push(t.clone());
                        }
                    }
                }
                ExprKind::Name(ident)
                    if fuzzy
                        && self.lookup(&ident.name).is_none()
                        && self.globals.schemas.table(&ident.name).is_none()
                        && self.globals.schemas.function(&ident.name).is_none() => {}
                _ => {
                    let bound = self.bind_table(table, Row::default());
                    inputs.extend(bound);
                }
            }
        }
        inputs
    }

    /// `union` as a source (`input` is `None`) or after a pipe.
    pub(crate) fn bind_union(
        &mut self,
        input: Option<&Arc<TableType>>,
        params: &'a [NamedParameter],
        tables: &'a [Expr],
    ) -> Arc<TableType> {
        // `isfuzzy` applies to every name in the union's tables (nested
        // unions inherit it unless they set it themselves).
        let outer_fuzzy = self.fuzzy;
        self.fuzzy = match param_word(params, "isfuzzy") {
            Some("true") => true,
            Some("false") => false,
            _ => outer_fuzzy,
        };
        let mut inputs: Vec<Arc<TableType>> = input.into_iter().cloned().collect();
        let fuzzy = self.fuzzy;
        inputs.extend(self.bind_table_list(tables, fuzzy));
        self.fuzzy = outer_fuzzy;
        let mut out: Vec<Column> = Vec::new();
        if let Some(source) = params.iter().find(|p| p.name.name == "withsource") {
            let name = match &source.value.kind {
                ExprKind::Name(ident) => ident.name.clone(),
                _ => "TableName".to_string(),
            };
            out.push(Column::new(name, Type::STRING));
        }
        let all: Vec<&Column> = inputs.iter().flat_map(|table| table.columns.iter()).collect();
        out.extend(unify_by_name_and_type(&all));
        Arc::new(TableType { columns: out, open: inputs.iter().any(|t| t.open) || inputs.is_empty() })
    }
}

/// The operands of a chain of `and`.
fn flatten_and<'e>(expr: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &expr.kind {
        ExprKind::Binary { op: BinaryOp::And, left, right } => {
            flatten_and(left, out);
            flatten_and(right, out);
        }
        ExprKind::Paren(inner) => flatten_and(inner, out),
        _ => out.push(expr),
    }
}

/// Join keys Kusto.Language accepts together: the same type, two numbers,
/// two time values (`datetime`/`timespan`), or anything with `dynamic`.
fn keys_compatible(left: Type, right: Type) -> bool {
    let interval = |t: Type| t == Type::DATETIME || t == Type::TIMESPAN;
    left == right
        || left.is_unknown()
        || right.is_unknown()
        || left == Type::DYNAMIC
        || right == Type::DYNAMIC
        || (left.is_number() && right.is_number())
        || (interval(left) && interval(right))
}

/// `$left.X` (with `side` = `$left`) or `$right.X`.
fn is_side(expr: &Expr, side: &str) -> bool {
    matches!(&expr.kind, ExprKind::Member { target, .. }
        if matches!(&target.kind, ExprKind::Name(n) if n.name == side))
}

/// The value of a `name=word` parameter as written.
pub(crate) fn param_word<'p>(params: &'p [NamedParameter], name: &str) -> Option<&'p str> {
    let param = params.iter().find(|p| p.name.name == name)?;
    match &param.value.kind {
        ExprKind::Name(ident) => Some(ident.name.as_str()),
        ExprKind::Literal(crate::syntax::ast::Literal::Bool(Some(true))) => Some("true"),
        ExprKind::Literal(crate::syntax::ast::Literal::Bool(Some(false))) => Some("false"),
        _ => None,
    }
}
