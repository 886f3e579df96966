//! `datatable (a:type, ...) [values]`: a literal table, filled row by row.

use crate::engine::column::ColumnBuilder;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::scope::Env;
use crate::engine::table::Table;
use crate::syntax::ast::{ColumnDecl, Expr, ScalarType};

pub fn run<'q>(exec: &Executor<'q>, columns: &[ColumnDecl], values: &'q [Expr], env: &Env<'q>) -> ExecResult<Table> {
    if columns.is_empty() {
        return Ok(Table::default());
    }
    if !values.len().is_multiple_of(columns.len()) {
        return Err(ExecError::runtime(format!(
            "`datatable` has {} values, not a multiple of its {} columns",
            values.len(),
            columns.len()
        )));
    }
    let types: Vec<ScalarType> = columns.iter().map(|c| c.ty.ty.unwrap_or(ScalarType::String)).collect();
    let mut builders: Vec<ColumnBuilder> =
        types.iter().map(|ty| ColumnBuilder::new(*ty, values.len() / columns.len())).collect();
    for (index, expr) in values.iter().enumerate() {
        let column = index % columns.len();
        // The builder converts to the column's type (`int` into `real`, ...).
        let (value, _) = exec.eval_scalar(expr, env)?;
        builders[column].push(&value);
    }
    Ok(Table::new(
        columns.iter().zip(builders).map(|(decl, builder)| (decl.name.name.clone(), builder.finish())).collect(),
    ))
}
