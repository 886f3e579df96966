//! `print`: one row of expressions (`print_0`, `print_1`, ... when unnamed).

use std::sync::Arc;

use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::operators::{multi_columns, push_unique};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::syntax::ast::operators::Assignment;

pub fn run<'q>(exec: &Executor<'q>, assignments: &'q [Assignment], env: &Env<'q>) -> ExecResult<Table> {
    let input = Table { fields: Vec::new(), rows: 1 };
    let mut fields = Vec::new();
    for (index, assignment) in assignments.iter().enumerate() {
        if let Some(columns) = multi_columns(exec, assignment, &input, env)? {
            for field in columns {
                push_unique(&mut fields, field);
            }
            continue;
        }
        let name = match assignment.names.first() {
            Some(name) => name.name.clone(),
            // Unnamed columns are `print_0`, `print_1`, ... even for plain names.
            None => format!("print_{index}"),
        };
        let column = exec.eval_column(&assignment.value, &input, env)?.into_column(1);
        push_unique(&mut fields, Field { name, column: Arc::new(column) });
    }
    Ok(Table::from_fields(fields, 1))
}
