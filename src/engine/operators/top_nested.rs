//! `top-nested [N] of Expr [with others = Value] by Aggregation [asc|desc], ...`:
//! hierarchical top-N. Each level groups the rows of its parent group by
//! `Expr`, aggregates, keeps the best N groups (all without N), and can add
//! an "others" group for the rest; the next level runs inside each kept
//! group. One output row per leaf: each level's value and aggregate.

use std::slice;

use crate::engine::column::ColumnBuilder;
use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::functions::operators::compare;
use crate::engine::operators::push_unique;
use crate::engine::operators::summarize::{group_by, run as summarize};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;
use crate::syntax::ast::operators::{SortOrder, TopNestedClause};

pub fn run<'q>(exec: &Executor<'q>, clauses: &'q [TopNestedClause], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    // Names and types: each level's summary on no rows.
    let empty = input.take(&[]);
    let mut schema: Vec<(String, ScalarType)> = Vec::new();
    let mut fields: Vec<Field> = Vec::new();
    for clause in clauses {
        let summary = summarize(exec, slice::from_ref(&clause.by), slice::from_ref(&clause.of), &empty, env)?;
        let key = &summary.fields[0];
        let aggregate_name = match clause.by.names.first() {
            Some(name) => name.name.clone(),
            None => format!("aggregated_{}", key.name),
        };
        for (name, field) in [(key.name.clone(), key), (aggregate_name, &summary.fields[1])] {
            push_unique(&mut fields, Field { name, column: field.column.clone() });
            schema.push((fields.last().expect("pushed").name.clone(), field.column.ty()));
        }
    }
    let mut rows: Vec<Vec<Value>> = Vec::new();
    level(exec, clauses, input, env, &mut Vec::new(), &mut rows)?;
    exec.check_rows(rows.len())?;
    let fields = schema
        .iter()
        .enumerate()
        .map(|(index, (name, ty))| {
            let mut builder = ColumnBuilder::new(*ty, rows.len());
            for row in &rows {
                builder.push(&row[index]);
            }
            Field { name: name.clone(), column: std::sync::Arc::new(builder.finish()) }
        })
        .collect();
    Ok(Table::from_fields(fields, rows.len()))
}

fn level<'q>(
    exec: &Executor<'q>,
    clauses: &'q [TopNestedClause],
    table: &Table,
    env: &Env<'q>,
    prefix: &mut Vec<Value>,
    out: &mut Vec<Vec<Value>>,
) -> ExecResult<()> {
    let Some((clause, deeper)) = clauses.split_first() else {
        out.push(prefix.clone());
        return exec.check_rows(out.len());
    };
    exec.check_cancelled()?;
    let summary = summarize(exec, slice::from_ref(&clause.by), slice::from_ref(&clause.of), table, env)?;
    let (_, groups) = group_by(exec, slice::from_ref(&clause.of), table, env, &mut 0)?;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for (row, group) in groups.group_of_row.iter().enumerate() {
        members[*group as usize].push(row);
    }
    let (keys, aggregates) = (&summary.fields[0].column, &summary.fields[1].column);
    let ascending = clause.order == Some(SortOrder::Asc);
    let mut order: Vec<usize> = (0..summary.rows).collect();
    // Best first; null aggregates last either way.
    order.sort_by(|&a, &b| {
        let (x, y) = (aggregates.get(a), aggregates.get(b));
        match (x.is_null(), y.is_null()) {
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            _ => {
                let ordering = compare(&x, &y).unwrap_or(std::cmp::Ordering::Equal);
                if ascending { ordering } else { ordering.reverse() }
            }
        }
    });
    let limit = match &clause.count {
        Some(count) => exec.eval_scalar(count, env)?.0.as_i64().unwrap_or(0).max(0) as usize,
        None => order.len(),
    };
    for &group in order.iter().take(limit) {
        prefix.push(keys.get(group));
        prefix.push(aggregates.get(group));
        level(exec, deeper, &table.take(&members[group]), env, prefix, out)?;
        prefix.truncate(prefix.len() - 2);
    }
    if let Some(others) = &clause.others
        && order.len() > limit
    {
        let mut rest: Vec<usize> = order[limit..].iter().flat_map(|&g| members[g].iter().copied()).collect();
        rest.sort_unstable();
        let rest = table.take(&rest);
        let total = summarize(exec, slice::from_ref(&clause.by), &[], &rest, env)?;
        prefix.push(exec.eval_scalar(others, env)?.0);
        prefix.push(total.fields[0].column.get(0));
        level(exec, deeper, &rest, env, prefix, out)?;
        prefix.truncate(prefix.len() - 2);
    }
    Ok(())
}
