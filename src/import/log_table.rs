//! A table of a known Log Analytics shape (`Syslog`, `CommonSecurityLog`)
//! built one parsed log line at a time: text values are converted to the
//! schema's column types, and columns no line filled are left out.

use crate::analysis::schema::Schemas;
use crate::analysis::types::TableType;
use crate::engine::column::ColumnBuilder;
use crate::engine::functions::conversion::convert_string;
use crate::engine::table::Table;
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

/// Rows being collected for the columns of one table.
pub struct LogTable {
    columns: Vec<LogColumn>,
}

struct LogColumn {
    name: String,
    ty: ScalarType,
    /// Kept in the table even when no row has a value.
    always: bool,
    values: Vec<Value>,
}

/// The cells of one row, by column index; unset cells are null.
pub type Row = Vec<Value>;

impl LogTable {
    /// Columns named `names`, typed by `schema` when it knows them, else by
    /// the built-in table `table`, else `string`. Columns in `always` stay
    /// in the table when empty.
    pub fn new(table: &str, names: &[&str], always: &[&str], schema: Option<&TableType>) -> LogTable {
        let builtin = Schemas::builtin().table(table);
        let type_of = |name: &str| {
            schema
                .and_then(|s| s.column(name))
                .or_else(|| builtin.and_then(|b| b.column(name)))
                .and_then(|c| c.ty.scalar())
                .unwrap_or(ScalarType::String)
        };
        let columns = names
            .iter()
            .map(|name| LogColumn {
                name: name.to_string(),
                ty: type_of(name),
                always: always.contains(name),
                values: Vec::new(),
            })
            .collect();
        LogTable { columns }
    }

    /// The index of the column named `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The type of column `index`.
    pub fn type_of(&self, index: usize) -> ScalarType {
        self.columns[index].ty
    }

    /// A row with every cell null.
    pub fn new_row(&self) -> Row {
        vec![Value::Null; self.columns.len()]
    }

    /// Sets column `index` of `row` from text. Empty text is null; text that
    /// is not a value of the column's type is an error message naming it
    /// (the cell stays null).
    pub fn set_text(&self, row: &mut Row, index: usize, text: &str) -> Result<(), String> {
        let column = &self.columns[index];
        if column.ty == ScalarType::String {
            row[index] = Value::str(text);
            return Ok(());
        }
        if text.trim().is_empty() {
            return Ok(());
        }
        let value = convert_string(text, column.ty);
        if value.is_null() {
            return Err(format!("`{text}` is not a valid `{}`: `{}` left empty", column.ty.name(), column.name));
        }
        row[index] = value;
        Ok(())
    }

    /// Adds a finished row.
    pub fn push(&mut self, row: Row) {
        for (column, value) in self.columns.iter_mut().zip(row) {
            column.values.push(value);
        }
    }

    /// The table: columns in the order given, those never filled left out
    /// unless they are always kept.
    pub fn finish(self) -> Table {
        let mut fields = Vec::new();
        for column in self.columns {
            let filled = column.values.iter().any(|v| !v.is_null() && !matches!(v, Value::String(s) if s.is_empty()));
            if !filled && !column.always {
                continue;
            }
            let mut builder = ColumnBuilder::new(column.ty, column.values.len());
            for value in &column.values {
                builder.push(value);
            }
            fields.push((column.name, builder.finish().with_dictionary()));
        }
        Table::new(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_take_the_schema_type_and_empty_columns_are_dropped() {
        let mut table = LogTable::new("Syslog", &["Computer", "ProcessID", "HostIP"], &["Computer"], None);
        let mut row = table.new_row();
        table.set_text(&mut row, 1, "42").expect("a number");
        assert_eq!(
            table.set_text(&mut row, 1, "abc"),
            Err("`abc` is not a valid `int`: `ProcessID` left empty".into())
        );
        table.push(row);
        let result = table.finish();
        assert_eq!(
            result.schema(),
            vec![("Computer".into(), ScalarType::String), ("ProcessID".into(), ScalarType::Int)]
        );
        assert_eq!(result.row(0), vec![Value::str(""), Value::Int(42)]);
    }
}
