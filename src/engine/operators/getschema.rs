//! `getschema`: one row per input column with its name, position and type.

use crate::engine::column::{Column, Prim};
use crate::engine::table::Table;
use crate::syntax::ast::ScalarType;

pub fn run(input: &Table) -> Table {
    let names: Vec<&str> = input.fields.iter().map(|f| f.name.as_str()).collect();
    let types: Vec<ScalarType> = input.fields.iter().map(|f| f.column.ty()).collect();
    Table::new(vec![
        ("ColumnName".to_string(), Column::String(names.iter().copied().collect())),
        ("ColumnOrdinal".to_string(), Column::Int(Prim::new((0..names.len() as i32).collect()))),
        ("DataType".to_string(), Column::String(types.iter().map(|t| clr_type_name(*t)).collect())),
        ("ColumnType".to_string(), Column::String(types.iter().map(|t| t.name()).collect())),
    ])
}

/// The .NET type name Kusto shows in `getschema`'s `DataType`.
fn clr_type_name(ty: ScalarType) -> &'static str {
    match ty {
        ScalarType::Bool => "System.SByte",
        ScalarType::Int => "System.Int32",
        ScalarType::Long => "System.Int64",
        ScalarType::Real => "System.Double",
        ScalarType::Decimal => "System.Data.SqlTypes.SqlDecimal",
        ScalarType::String => "System.String",
        ScalarType::DateTime => "System.DateTime",
        ScalarType::TimeSpan => "System.TimeSpan",
        ScalarType::Guid => "System.Guid",
        ScalarType::Dynamic => "System.Object",
    }
}
