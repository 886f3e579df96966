//! `extend` (and `serialize` with assignments): adds columns, or replaces a
//! column of the same name in place. Later assignments see earlier ones.

use std::sync::Arc;

use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::operators::{column_name, multi_columns};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::syntax::ast::operators::Assignment;

pub fn run<'q>(exec: &Executor<'q>, assignments: &'q [Assignment], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    let mut table = input.clone();
    let mut counter = 0;
    for assignment in assignments {
        if let Some(fields) = multi_columns(exec, assignment, &table, env)? {
            for field in fields {
                match table.fields.iter().position(|f| f.name == field.name) {
                    Some(index) => table.fields[index] = field,
                    None => table.fields.push(field),
                }
            }
            continue;
        }
        if assignment.names.len() > 1 {
            return Err(
                ExecError::unsupported("assigning several columns at once (`(a, b) = ...`)").at(assignment.span)
            );
        }
        let name = column_name(assignment, false, &table.fields, &mut counter);
        let column = exec.eval_column(&assignment.value, &table, env)?.into_column(table.rows);
        let field = Field { name, column: Arc::new(column) };
        match table.fields.iter().position(|f| f.name == field.name) {
            Some(index) => table.fields[index] = field,
            None => table.fields.push(field),
        }
    }
    Ok(table)
}
