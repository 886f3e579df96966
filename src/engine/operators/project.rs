//! `project`, `project-away`, `project-keep`, `project-rename`, `project-reorder`.

use std::sync::Arc;

use crate::analysis::operators::wildcard_match;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::operators::{column_name, multi_columns, push_unique};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::operators::{Assignment, SortOrder};
use crate::syntax::ast::{Expr, ExprKind, Ident};

/// `project`: exactly the listed columns and expressions, in order.
pub fn run<'q>(exec: &Executor<'q>, assignments: &'q [Assignment], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    let mut fields: Vec<Field> = Vec::new();
    let mut counter = 0;
    for assignment in assignments {
        if assignment.names.is_empty()
            && let ExprKind::Name(ident) = &assignment.value.kind
            && let Some(index) = input.index_of(&ident.name)
        {
            push_unique(&mut fields, input.fields[index].clone());
            continue;
        }
        if let Some(columns) = multi_columns(exec, assignment, input, env)? {
            for field in columns {
                push_unique(&mut fields, field);
            }
            continue;
        }
        if assignment.names.len() > 1 {
            return Err(
                ExecError::unsupported("assigning several columns at once (`(a, b) = ...`)").at(assignment.span)
            );
        }
        let name = column_name(assignment, false, &fields, &mut counter);
        let column = exec.eval_column(&assignment.value, input, env)?.into_column(input.rows);
        push_unique(&mut fields, Field { name, column: Arc::new(column) });
    }
    Ok(Table::from_fields(fields, input.rows))
}

/// Names matched by a `project-away`/`project-keep` item (a name or a wildcard pattern).
fn matching(pattern: &Expr, input: &Table) -> ExecResult<Vec<usize>> {
    let matches: Vec<usize> = match &pattern.kind {
        ExprKind::Name(ident) => input.index_of(&ident.name).into_iter().collect(),
        ExprKind::NamePattern(ident) => {
            (0..input.fields.len()).filter(|&i| wildcard_match(&ident.name, &input.fields[i].name)).collect()
        }
        _ => return Err(ExecError::runtime("a column name or pattern is expected").at(pattern.span)),
    };
    Ok(matches)
}

/// `project-away` (`keep == false`) or `project-keep` (`keep == true`).
pub fn away(patterns: &[Expr], input: &Table, keep: bool) -> ExecResult<Table> {
    let mut selected = vec![false; input.fields.len()];
    for pattern in patterns {
        for index in matching(pattern, input)? {
            selected[index] = true;
        }
    }
    let fields = input.fields.iter().zip(&selected).filter(|(_, s)| **s == keep).map(|(f, _)| f.clone()).collect();
    Ok(Table::from_fields(fields, input.rows))
}

/// `project-rename new = old, ...`.
pub fn rename(pairs: &[(Ident, Expr)], input: &Table) -> ExecResult<Table> {
    let mut table = input.clone();
    for (new, old) in pairs {
        let ExprKind::Name(old_name) = &old.kind else {
            return Err(ExecError::runtime("`project-rename` needs a column name").at(old.span));
        };
        let Some(index) = table.index_of(&old_name.name) else {
            return Err(ExecError::runtime(format!("unknown column `{}`", old_name.name)).at(old.span));
        };
        table.fields[index].name = new.name.clone();
    }
    Ok(table)
}

/// `project-reorder`: the listed columns first (patterns sorted when asked), the rest after.
pub fn reorder(items: &[(Expr, Option<SortOrder>)], input: &Table) -> ExecResult<Table> {
    let mut order: Vec<usize> = Vec::new();
    for (pattern, sort) in items {
        let mut matched: Vec<usize> = matching(pattern, input)?.into_iter().filter(|i| !order.contains(i)).collect();
        match sort {
            Some(SortOrder::Asc | SortOrder::GrannyAsc) => {
                matched.sort_by(|a, b| input.fields[*a].name.cmp(&input.fields[*b].name))
            }
            Some(SortOrder::Desc | SortOrder::GrannyDesc) => {
                matched.sort_by(|a, b| input.fields[*b].name.cmp(&input.fields[*a].name))
            }
            None => {}
        }
        order.extend(matched);
    }
    for index in 0..input.fields.len() {
        if !order.contains(&index) {
            order.push(index);
        }
    }
    let fields = order
        .into_iter()
        .map(|i| Field { name: input.fields[i].name.clone(), column: Arc::clone(&input.fields[i].column) })
        .collect();
    Ok(Table::from_fields(fields, input.rows))
}

/// `project-by-names`: the columns named (or matched by `*` patterns) by
/// string or `dynamic` array arguments, in argument order; names that match
/// no column are ignored.
pub fn by_names<'q>(exec: &Executor<'q>, items: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    let mut patterns: Vec<String> = Vec::new();
    for item in items {
        let (value, _) = exec.eval_scalar(item, env)?;
        match value {
            Value::String(text) => patterns.push(text.to_string()),
            Value::Dynamic(Dyn::String(text)) => patterns.push(text.to_string()),
            Value::Dynamic(Dyn::Array(values)) => {
                for value in values.iter() {
                    match value {
                        Dyn::String(text) => patterns.push(text.to_string()),
                        other => {
                            return Err(ExecError::runtime(format!(
                                "project-by-names expects column names, found `{}`",
                                Value::Dynamic(other.clone()).to_kql_string()
                            ))
                            .at(item.span));
                        }
                    }
                }
            }
            Value::Null | Value::Dynamic(Dyn::Null) => {}
            other => {
                return Err(ExecError::runtime(format!(
                    "project-by-names expects a string or a dynamic array of strings, found `{}`",
                    other.to_kql_string()
                ))
                .at(item.span));
            }
        }
    }
    let mut fields: Vec<Field> = Vec::new();
    for pattern in &patterns {
        for field in &input.fields {
            if wildcard_match(pattern, &field.name) && fields.iter().all(|f| f.name != field.name) {
                fields.push(field.clone());
            }
        }
    }
    Ok(Table::from_fields(fields, input.rows))
}
