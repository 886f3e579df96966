//! `distinct a, b` / `distinct *`: one row per distinct combination.

use std::sync::Arc;

use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::keys::group_rows;
use crate::engine::operators::column_name;
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::syntax::ast::operators::Assignment;
use crate::syntax::ast::{Expr, ExprKind};

pub fn run<'q>(exec: &Executor<'q>, columns: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    let fields: Vec<Field> = if columns.iter().any(|c| matches!(c.kind, ExprKind::Star)) {
        input.fields.clone()
    } else {
        let mut fields = Vec::new();
        let mut counter = 0;
        for expr in columns {
            let assignment = Assignment { names: Vec::new(), value: expr.clone(), span: expr.span };
            let name = column_name(&assignment, false, &fields, &mut counter);
            let column = exec.eval_column(expr, input, env)?.into_column(input.rows);
            fields.push(Field { name, column: Arc::new(column) });
        }
        fields
    };
    let key_columns: Vec<&crate::engine::column::Column> = fields.iter().map(|f| f.column.as_ref()).collect();
    let groups = group_rows(&key_columns, input.rows);
    let table = Table::from_fields(fields, input.rows);
    Ok(table.take(&groups.first_rows))
}
