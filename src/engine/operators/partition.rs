//! `partition by Column (subquery)`: runs the subquery once per distinct
//! value of the column, with that partition's rows as its input, and
//! unions the results (partitions in order of first appearance).
//! The legacy form `partition by Column { SubQueryWithSource }` runs a query
//! with its own source, in which the partition's key is the scalar `Column`
//! (read with `toscalar(Column)`, as the partition operator page says).

use std::sync::Arc;

use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::keys::group_rows;
use crate::engine::operators::union::union_tables;
use crate::engine::scope::{Binding, Env, INPUT, bind};
use crate::engine::table::Table;
use crate::engine::value::Value;
use crate::syntax::ast::operators::{NamedParameter, OperatorKind};
use crate::syntax::ast::{Expr, ExprKind};

pub fn run<'q>(
    exec: &Executor<'q>,
    _params: &'q [NamedParameter],
    by: &'q Expr,
    subquery: &'q Expr,
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let key = exec.eval_column(by, input, env)?.into_column(input.rows);
    let groups = group_rows(&[&key], input.rows);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for (row, group) in groups.group_of_row.iter().enumerate() {
        members[*group as usize].push(row);
    }
    // One partition's result: the sub-query on its rows.
    let run_part = |rows: &[usize]| -> ExecResult<Arc<Table>> {
        let part_env = bind(env, INPUT, Binding::Evaluated(Arc::new(input.take(rows))));
        let (Some(statements), Some(name)) = (legacy_body(subquery), by_name(by)) else {
            return exec.eval_table(subquery, &part_env);
        };
        let key_value = rows.first().map_or(Value::Null, |&row| key.get(row));
        let part_env = bind(&part_env, name, Binding::Scalar(key_value, key.ty()));
        match exec.run_statements(statements, &part_env)?.pop() {
            Some(named) => Ok(named.table),
            None => Err(ExecError::runtime("the `partition` sub-query has no query").at(subquery.span)),
        }
    };
    let mut results = Vec::with_capacity(members.len());
    for rows in members {
        exec.check_cancelled()?;
        results.push((String::new(), run_part(&rows)?));
    }
    if results.is_empty() {
        // No partitions: the subquery's schema on no rows (a legacy sub-query
        // has its own source, so its rows are dropped).
        let table = run_part(&[])?;
        return Ok(if legacy_body(subquery).is_some() { table.take(&[]) } else { (*table).clone() });
    }
    union_tables(exec, &results, false, None).map_err(|e: ExecError| e.at(subquery.span))
}

/// The statements of a legacy `{ ... }` sub-query.
fn legacy_body(subquery: &Expr) -> Option<&[crate::syntax::ast::Statement]> {
    match &subquery.kind {
        ExprKind::Source(operator) => match &operator.kind {
            OperatorKind::Block(statements) => Some(statements),
            _ => None,
        },
        _ => None,
    }
}

/// The name of the partition column.
fn by_name(by: &Expr) -> Option<&str> {
    match &by.kind {
        ExprKind::Name(ident) => Some(&ident.name),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::run_query;

    #[test]
    fn legacy_braces_run_a_query_with_its_own_source_and_the_key_as_a_scalar() {
        let out = run_query(
            "let Limits = datatable(limit: long) [1, 2]; \
             let Values = datatable(v: long) [1, 2, 3]; \
             Limits | partition by limit { Values | where v <= toscalar(limit) | summarize n = count(), top = max(v) }",
        );
        assert_eq!(out, "n:long,top:long\n1,1\n2,2\n");
    }

    #[test]
    fn legacy_braces_on_no_partitions_give_the_sub_query_schema() {
        let out = run_query("datatable(k: string) [] | partition by k { print key = toscalar(k) }");
        assert_eq!(out, "key:string\n");
    }
}
