//! `summarize aggregates [by keys]`: one row per distinct key (or exactly
//! one row without keys), key columns first, then one column per aggregate.

use std::sync::Arc;

use crate::analysis::catalog::Catalog;
use crate::analysis::names::expression_name;
use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::expr::{Compiler, eval, positional_args};
use crate::engine::functions::aggregates::{Grouping, aggregate};
use crate::engine::functions::operators::compare;
use crate::engine::keys::{Groups, group_rows};
use crate::engine::operators::{column_name, push_unique};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::operators::Assignment;
use crate::syntax::ast::{Expr, ExprKind};

pub fn run<'q>(
    exec: &Executor<'q>,
    aggregates: &'q [Assignment],
    by: &'q [Assignment],
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let mut counter = 0;
    let (key_fields, groups) = group_by(exec, by, input, env, &mut counter)?;
    // Without `by`, summarize always returns one row, even for no input.
    let group_count = if by.is_empty() { 1 } else { groups.len() };
    exec.check_rows(group_count)?;
    let mut fields: Vec<Field> = key_fields
        .iter()
        .map(|f| Field { name: f.name.clone(), column: Arc::new(f.column.take(&groups.first_rows)) })
        .collect();
    let by_names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
    let grouping = Grouping { group_of_row: &groups.group_of_row, groups: group_count, rows: input.rows };
    for assignment in aggregates {
        summarize_one(exec, assignment, input, env, &grouping, &by_names, &mut fields, &mut counter)?;
    }
    Ok(Table::from_fields(fields, group_count))
}

/// Evaluates the `by` columns (named as Kusto names them) and groups the
/// input rows by them; shared by `summarize` and `make-series`.
pub fn group_by<'q>(
    exec: &Executor<'q>,
    by: &'q [Assignment],
    input: &Table,
    env: &Env<'q>,
    counter: &mut usize,
) -> ExecResult<(Vec<Field>, Groups)> {
    let mut key_fields: Vec<Field> = Vec::new();
    for assignment in by {
        let name = column_name(assignment, false, &key_fields, counter);
        let column = exec.eval_column(&assignment.value, input, env)?.into_column(input.rows);
        push_unique(&mut key_fields, Field { name, column: Arc::new(column) });
    }
    let key_columns: Vec<&Column> = key_fields.iter().map(|f| f.column.as_ref()).collect();
    let groups = group_rows(&key_columns, input.rows);
    Ok((key_fields, groups))
}

/// Adds the column(s) of one aggregate assignment.
#[allow(clippy::too_many_arguments)]
fn summarize_one<'q>(
    exec: &Executor<'q>,
    assignment: &'q Assignment,
    input: &Table,
    env: &Env<'q>,
    grouping: &Grouping,
    by_names: &[String],
    fields: &mut Vec<Field>,
    counter: &mut usize,
) -> ExecResult<()> {
    let value = &assignment.value;
    if let ExprKind::Call { target: None, name, args } = &value.kind {
        let multi = match name.name.as_str() {
            "arg_max" | "arg_min" | "argmax" | "argmin" => {
                Some(arg_extreme(exec, &name.name, args, input, env, grouping, by_names)?)
            }
            "take_any" | "any" if args.len() > 1 || args.iter().any(|a| matches!(a.kind, ExprKind::Star)) => {
                Some(take_any_multi(exec, &name.name, args, input, env, grouping, by_names)?)
            }
            "percentiles" | "percentilesw" => Some(percentiles(exec, &name.name, args, input, env, grouping)?),
            _ => None,
        };
        if let Some(columns) = multi {
            for (index, (column_name, column)) in columns.into_iter().enumerate() {
                let name = assignment.names.get(index).map_or(column_name, |n| n.name.clone());
                push_unique(fields, Field { name, column: Arc::new(column) });
            }
            return Ok(());
        }
    }
    let mut calls = Vec::new();
    collect_aggregates(value, &mut calls);
    if calls.is_empty() {
        return Err(ExecError::runtime("`summarize` needs an aggregation function here").at(value.span));
    }
    let column = Arc::new(eval_aggregate_expr(exec, value, input, env, grouping)?);
    if assignment.names.len() > 1 {
        return Err(ExecError::unsupported("assigning several columns at once (`(a, b) = ...`)").at(assignment.span));
    }
    let name = column_name(assignment, true, fields, counter);
    push_unique(fields, Field { name, column });
    Ok(())
}

/// Evaluates an aggregate expression per group: every aggregate call inside
/// it is computed first, then the expression over the per-group results (an
/// expression without aggregate calls is evaluated once per group).
pub fn eval_aggregate_expr<'q>(
    exec: &Executor<'q>,
    value: &'q Expr,
    input: &Table,
    env: &Env<'q>,
    grouping: &Grouping,
) -> ExecResult<Column> {
    let mut calls = Vec::new();
    collect_aggregates(value, &mut calls);
    let mut computed_fields = Vec::new();
    let mut computed = Vec::new();
    for (index, call) in calls.iter().enumerate() {
        let ExprKind::Call { name, args, .. } = &call.kind else { continue };
        let mut datums = Vec::with_capacity(args.len());
        for arg in positional_args(&name.name, args).map_err(|e| e.at(call.span))? {
            if matches!(arg.kind, ExprKind::Star) {
                continue;
            }
            datums.push(exec.eval_column(arg, input, env)?);
        }
        let column = aggregate(&name.name, &datums, grouping).map_err(|e| e.at(call.span))?;
        computed.push((call.span, index));
        computed_fields.push(Field { name: format!("__aggregate_{index}"), column: Arc::new(column) });
    }
    if calls.len() == 1 && std::ptr::eq(calls[0], value) {
        let field = computed_fields.pop().expect("one computed aggregate");
        return Ok(Arc::unwrap_or_clone(field.column));
    }
    let table = Table::from_fields(computed_fields, grouping.groups);
    let compiler = Compiler { exec, env, input: &table, computed: &computed };
    let compiled = compiler.compile(value)?;
    let datum = eval(&compiled, &table, &exec.eval_ctx(table.rows))?;
    Ok(datum.into_column(table.rows))
}

/// Aggregate calls inside `expr` (not inside other aggregates).
fn collect_aggregates<'q>(expr: &'q Expr, out: &mut Vec<&'q Expr>) {
    match &expr.kind {
        ExprKind::Call { target: None, name, args } => {
            if Catalog::builtin().aggregate(&name.name).is_some() {
                out.push(expr);
                return;
            }
            for arg in args {
                collect_aggregates(arg, out);
            }
        }
        ExprKind::Paren(inner) | ExprKind::Unary { operand: inner, .. } => collect_aggregates(inner, out),
        ExprKind::NamedArg { value, .. } => collect_aggregates(value, out),
        ExprKind::Binary { left, right, .. } => {
            collect_aggregates(left, out);
            collect_aggregates(right, out);
        }
        ExprKind::List { left, items, .. } => {
            collect_aggregates(left, out);
            for item in items {
                collect_aggregates(item, out);
            }
        }
        ExprKind::Between { expr, low, high, .. } => {
            collect_aggregates(expr, out);
            collect_aggregates(low, out);
            collect_aggregates(high, out);
        }
        ExprKind::Member { target, .. } => collect_aggregates(target, out),
        ExprKind::Index { target, index } => {
            collect_aggregates(target, out);
            collect_aggregates(index, out);
        }
        _ => {}
    }
}

/// `arg_max(key, cols...)` / `arg_min`: the other columns from the row with
/// the largest (smallest) key in each group.
fn arg_extreme<'q>(
    exec: &Executor<'q>,
    function: &str,
    args: &'q [Expr],
    input: &Table,
    env: &Env<'q>,
    grouping: &Grouping,
    by_names: &[String],
) -> ExecResult<Vec<(String, Column)>> {
    let Some(key_expr) = args.first() else {
        return Err(ExecError::runtime(format!("`{function}` needs an expression to maximize")));
    };
    let key = exec.eval_column(key_expr, input, env)?;
    let max = function.contains("max");
    let mut best: Vec<Option<usize>> = vec![None; grouping.groups];
    let mut best_values: Vec<Value> = vec![Value::Null; grouping.groups];
    // A group whose values are all null still gives a row (its first).
    let mut first: Vec<Option<usize>> = vec![None; grouping.groups];
    for row in 0..grouping.rows {
        let group = grouping.group_of_row[row] as usize;
        first[group].get_or_insert(row);
        if key.is_null(row) {
            continue;
        }
        let value = key.get(row);
        let better = match best[group] {
            None => true,
            Some(_) => {
                let ordering = compare(&value, &best_values[group]);
                if max {
                    ordering == Some(std::cmp::Ordering::Greater)
                } else {
                    ordering == Some(std::cmp::Ordering::Less)
                }
            }
        };
        if better {
            best[group] = Some(row);
            best_values[group] = value;
        }
    }
    let best: Vec<Option<usize>> = best.iter().zip(&first).map(|(b, f)| b.or(*f)).collect();
    rows_columns(exec, args, input, env, &best, by_names, "")
}

/// `take_any(a, b, ...)` / `take_any(*)`: the columns of one row of each group.
fn take_any_multi<'q>(
    exec: &Executor<'q>,
    function: &str,
    args: &'q [Expr],
    input: &Table,
    env: &Env<'q>,
    grouping: &Grouping,
    by_names: &[String],
) -> ExecResult<Vec<(String, Column)>> {
    let mut chosen: Vec<Option<usize>> = vec![None; grouping.groups];
    for row in 0..grouping.rows {
        let group = grouping.group_of_row[row] as usize;
        if chosen[group].is_none() {
            chosen[group] = Some(row);
        }
    }
    let prefix = if function == "any" { "any_" } else { "" };
    rows_columns(exec, args, input, env, &chosen, by_names, prefix)
}

/// Columns for `args` (with `*` expanded) taken at one row per group.
fn rows_columns<'q>(
    exec: &Executor<'q>,
    args: &'q [Expr],
    input: &Table,
    env: &Env<'q>,
    rows: &[Option<usize>],
    by_names: &[String],
    prefix: &str,
) -> ExecResult<Vec<(String, Column)>> {
    let take = |column: &Column| -> Column {
        let mut builder = ColumnBuilder::new(column.ty(), rows.len());
        for row in rows {
            builder.push(&row.map_or(Value::Null, |r| column.get(r)));
        }
        builder.finish()
    };
    let mut out: Vec<(String, Column)> = Vec::new();
    for arg in args {
        if let ExprKind::Star = arg.kind {
            for field in &input.fields {
                let taken = by_names.contains(&field.name) || out.iter().any(|(n, _)| *n == field.name);
                if !taken {
                    out.push((field.name.clone(), take(&field.column)));
                }
            }
            continue;
        }
        let (name, value) = match &arg.kind {
            ExprKind::NamedArg { name, value } => (name.name.clone(), &**value),
            _ => (expression_name(arg, false).unwrap_or_else(|| "Column1".into()), arg),
        };
        let column = exec.eval_column(value, input, env)?.into_column(input.rows);
        out.push((format!("{prefix}{name}"), take(&column)));
    }
    Ok(out)
}

/// `percentiles(x, p1, p2, ...)`: one column per percentage.
fn percentiles<'q>(
    exec: &Executor<'q>,
    name: &str,
    args: &'q [Expr],
    input: &Table,
    env: &Env<'q>,
    grouping: &Grouping,
) -> ExecResult<Vec<(String, Column)>> {
    let weighted = name == "percentilesw";
    let skip = if weighted { 2 } else { 1 };
    let (Some(value_expr), Some(percent_exprs)) = (args.first(), args.get(skip..)) else {
        return Err(ExecError::runtime(format!(
            "`{name}` needs a value{}",
            if weighted { " and a weight" } else { "" }
        )));
    };
    let value: Datum = exec.eval_column(value_expr, input, env)?;
    let weight = match weighted {
        true => Some(exec.eval_column(&args[1], input, env)?),
        false => None,
    };
    let base = expression_name(value_expr, false).unwrap_or_default();
    let mut percents = Vec::with_capacity(percent_exprs.len());
    let mut names = Vec::with_capacity(percent_exprs.len());
    for percent in percent_exprs {
        let (p, ty) = exec.eval_scalar(percent, env)?;
        let datum = Datum::Scalar(p.clone(), ty);
        percents
            .extend(crate::engine::functions::percentiles::percents(name, &[datum]).map_err(|e| e.at(percent.span))?);
        let text = crate::analysis::names::percent_text(percent)
            .unwrap_or_else(|| format!("{}", p.as_f64().unwrap_or_default()).replace('.', "_"));
        names.push(format!("percentile_{base}_{text}"));
    }
    let columns = crate::engine::functions::percentiles::percentile_columns(
        &value,
        weight.as_ref(),
        grouping,
        &|_| true,
        &percents,
    );
    Ok(names.into_iter().zip(columns).collect())
}
