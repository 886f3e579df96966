//! `Datum`: what evaluating a scalar expression over a table gives — one
//! value for all rows (a constant) or a column with a value per row.

use crate::engine::column::Column;
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

/// A constant (same for every row) or a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Datum {
    Scalar(Value, ScalarType),
    Column(Column),
}

impl Datum {
    pub fn ty(&self) -> ScalarType {
        match self {
            Datum::Scalar(_, ty) => *ty,
            Datum::Column(column) => column.ty(),
        }
    }

    pub fn is_scalar(&self) -> bool {
        matches!(self, Datum::Scalar(..))
    }

    /// The value at `row` (the constant for every row).
    pub fn get(&self, row: usize) -> Value {
        match self {
            Datum::Scalar(value, _) => value.clone(),
            Datum::Column(column) => column.get(row),
        }
    }

    /// The constant, when this is one.
    pub fn as_scalar(&self) -> Option<&Value> {
        match self {
            Datum::Scalar(value, _) => Some(value),
            Datum::Column(_) => None,
        }
    }

    /// A column of `rows` values (a constant is repeated).
    pub fn into_column(self, rows: usize) -> Column {
        match self {
            Datum::Scalar(value, ty) => Column::repeat(ty, &value, rows),
            Datum::Column(column) => column,
        }
    }

    /// True when row `row` is null.
    pub fn is_null(&self, row: usize) -> bool {
        match self {
            Datum::Scalar(value, _) => value.is_null(),
            Datum::Column(column) => column.is_null(row),
        }
    }
}
