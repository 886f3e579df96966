//! `find in (T1, T2, ...) where predicate [project ...]`: the row the
//! predicate sees and the output schema, as Kusto.Language computes them.

use std::sync::Arc;

use crate::analysis::functions::open_table;
use crate::analysis::scope::{Binder, Row};
use crate::analysis::types::{Column, TableType, Type};
use crate::analysis::unify::{unify_by_name, unify_by_name_and_type};
use crate::syntax::ast::operators::NamedParameter;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Literal};

impl<'a> Binder<'a> {
    /// Binds `find`. The predicate sees every column of the listed tables
    /// (one per name). The output is `source_`, then either the listed
    /// columns or, by default (`project-smart`), the columns that all
    /// searched tables share, the columns the predicate names, and `pack_`
    /// for the rest. The searched tables are those with a column the
    /// predicate names (all of them for one table, `*` or a bare term).
    pub(crate) fn bind_find(
        &mut self,
        params: &'a [NamedParameter],
        tables: Option<&'a [Expr]>,
        predicate: &'a Expr,
        project: &'a [Expr],
        project_smart: bool,
    ) -> Arc<TableType> {
        let Some(tables) = tables else {
            // Without `in`, `find` searches every table of the database.
            let everything = TableType { columns: Vec::new(), open: true };
            self.bind_search_predicate(predicate, Row::of(&everything));
            return open_table();
        };
        let tables = self.bind_table_list(tables, false);
        let all_columns: Vec<&Column> = tables.iter().flat_map(|table| table.columns.iter()).collect();
        let scope = TableType { columns: unify_by_name(&all_columns), open: tables.iter().any(|t| t.open) };
        self.bind_search_predicate(predicate, Row::of(&scope));
        let mut referenced: Vec<String> = Vec::new();
        referenced_columns(predicate, &scope, &mut referenced);
        let searched: Vec<&Arc<TableType>> = if tables.len() == 1 || references_every_column(predicate) {
            tables.iter().collect()
        } else {
            tables.iter().filter(|t| t.open || referenced.iter().any(|name| t.column(name).is_some())).collect()
        };
        let source = params
            .iter()
            .find(|p| p.name.name == "withsource")
            .and_then(|p| match &p.value.kind {
                ExprKind::Name(ident) => Some(ident.name.clone()),
                _ => None,
            })
            .unwrap_or_else(|| "source_".to_string());
        let mut columns = vec![Column::new(source, Type::STRING)];
        if project.is_empty() || project_smart {
            columns.extend(common_columns(&searched));
            for name in &referenced {
                columns.extend(scope.column(name).cloned());
            }
            let has_more = searched
                .iter()
                .filter(|t| !t.open)
                .any(|t| t.columns.iter().any(|c| columns.iter().all(|p| p.name != c.name)));
            if has_more {
                columns.push(Column::new("pack_", Type::DYNAMIC));
            }
            let listed: Vec<&Column> = columns.iter().collect();
            let columns = unify_by_name_and_type(&listed);
            return Arc::new(TableType { columns, open: scope.open });
        }
        for expr in project {
            match &expr.kind {
                ExprKind::TypeOf { columns: declared, .. } => {
                    for column in declared {
                        columns.push(Column::new(&column.name.name, crate::analysis::scope::declared_type(&column.ty)));
                    }
                }
                ExprKind::Call { name, .. } if name.name == "pack_all" || name.name == "pack" => {
                    columns.push(Column::new("pack_", Type::DYNAMIC));
                }
                _ => {
                    let ty = self.bind_scalar(expr, Row::of(&scope));
                    if let ExprKind::Name(ident) = &expr.kind {
                        columns.push(Column::new(&ident.name, ty));
                    }
                }
            }
        }
        Arc::new(TableType::new(columns))
    }
}

/// The columns all `tables` have (by name), each unified by name, in the
/// order of the first table; all columns of a single table.
fn common_columns(tables: &[&Arc<TableType>]) -> Vec<Column> {
    let Some((first, rest)) = tables.split_first() else {
        return Vec::new();
    };
    let mut common = first.columns.clone();
    for table in rest {
        let shared: Vec<&Column> = common
            .iter()
            .filter(|c| table.column(&c.name).is_some())
            .chain(table.columns.iter().filter(|c| common.iter().any(|k| k.name == c.name)))
            .collect();
        common = unify_by_name(&shared);
    }
    common
}

/// The columns of `scope` the predicate names, in order, once each.
fn referenced_columns(expr: &Expr, scope: &TableType, out: &mut Vec<String>) {
    let named = match &expr.kind {
        ExprKind::Name(ident) => Some(&ident.name),
        ExprKind::SearchField { column, .. } => Some(&column.name),
        _ => None,
    };
    if let Some(name) = named
        && scope.column(name).is_some()
        && !out.contains(name)
    {
        out.push(name.clone());
    }
    expr.for_each_child(|child| referenced_columns(child, scope, out));
}

/// True when the predicate searches every column: `* has "x"` or a bare
/// search term (`find "x"`, `find "x" and Level == 1`).
fn references_every_column(predicate: &Expr) -> bool {
    match &predicate.kind {
        ExprKind::Literal(Literal::String(_)) | ExprKind::Star => true,
        ExprKind::Paren(inner) => references_every_column(inner),
        ExprKind::Binary { op: BinaryOp::And | BinaryOp::Or, left, right } => {
            references_every_column(left) || references_every_column(right)
        }
        ExprKind::Binary { left, .. } => matches!(left.kind, ExprKind::Star),
        ExprKind::Call { name, args, .. } if name.name == "not" => args.iter().any(references_every_column),
        _ => false,
    }
}
