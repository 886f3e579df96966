//! `count`: one row with the number of input rows, in column `Count`.

use crate::engine::column::{Column, Prim};
use crate::engine::table::Table;

pub fn run(input: &Table) -> Table {
    Table::new(vec![("Count".to_string(), Column::Long(Prim::new(vec![input.rows as i64])))])
}
