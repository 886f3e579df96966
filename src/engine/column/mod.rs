//! Typed columns: one vector of values per column plus validity (which rows
//! are null). Strings have no null in KQL: a missing string is "".

mod builder;
mod dyns;
mod prim;
mod strings;

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub use builder::{ColumnBuilder, concat};
pub use dyns::Dyns;
pub use prim::Prim;
pub use strings::{Strings, StringsBuilder};

/// A column of one KQL type.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Bool(Prim<bool>),
    Int(Prim<i32>),
    Long(Prim<i64>),
    Real(Prim<f64>),
    Decimal(Prim<Decimal>),
    DateTime(Prim<i64>),
    TimeSpan(Prim<i64>),
    Guid(Prim<u128>),
    String(Strings),
    /// `Dyn::Null` is the null.
    Dynamic(Dyns),
}

/// Applies `$body` to the inner vector of whichever variant `$column` is,
/// rebuilding the same variant.
macro_rules! map_column {
    ($column:expr, $inner:ident => $body:expr) => {
        match $column {
            Column::Bool($inner) => Column::Bool($body),
            Column::Int($inner) => Column::Int($body),
            Column::Long($inner) => Column::Long($body),
            Column::Real($inner) => Column::Real($body),
            Column::Decimal($inner) => Column::Decimal($body),
            Column::DateTime($inner) => Column::DateTime($body),
            Column::TimeSpan($inner) => Column::TimeSpan($body),
            Column::Guid($inner) => Column::Guid($body),
            Column::String($inner) => Column::String($body),
            Column::Dynamic($inner) => Column::Dynamic($body),
        }
    };
}

impl Column {
    /// An empty column of type `ty`.
    pub fn empty(ty: ScalarType) -> Column {
        Column::nulls(ty, 0)
    }

    /// `n` nulls (empty strings for `string`).
    pub fn nulls(ty: ScalarType, n: usize) -> Column {
        match ty {
            ScalarType::Bool => Column::Bool(Prim::nulls(n)),
            ScalarType::Int => Column::Int(Prim::nulls(n)),
            ScalarType::Long => Column::Long(Prim::nulls(n)),
            ScalarType::Real => Column::Real(Prim::nulls(n)),
            ScalarType::Decimal => Column::Decimal(Prim::nulls(n)),
            ScalarType::DateTime => Column::DateTime(Prim::nulls(n)),
            ScalarType::TimeSpan => Column::TimeSpan(Prim::nulls(n)),
            ScalarType::Guid => Column::Guid(Prim::nulls(n)),
            ScalarType::String => Column::String(Strings::empty(n)),
            ScalarType::Dynamic => Column::Dynamic(Dyns::new(vec![Dyn::Null; n])),
        }
    }

    /// `n` copies of `value`, as a column of type `ty`.
    pub fn repeat(ty: ScalarType, value: &Value, n: usize) -> Column {
        let mut builder = ColumnBuilder::new(ty, n);
        for _ in 0..n {
            builder.push(value);
        }
        builder.finish()
    }

    /// A column of type `ty` from values (converted where they differ).
    pub fn from_values<'a>(ty: ScalarType, values: impl IntoIterator<Item = &'a Value>) -> Column {
        let mut builder = ColumnBuilder::new(ty, 0);
        for value in values {
            builder.push(value);
        }
        builder.finish()
    }

    /// The same values stored plainly: string and dynamic columns lose
    /// their dictionary encoding (for measuring and testing the plain path).
    pub fn without_dictionary(&self) -> Column {
        let values: Vec<Value> = (0..self.len()).map(|row| self.get(row)).collect();
        Column::from_values(self.ty(), &values)
    }

    pub fn ty(&self) -> ScalarType {
        match self {
            Column::Bool(_) => ScalarType::Bool,
            Column::Int(_) => ScalarType::Int,
            Column::Long(_) => ScalarType::Long,
            Column::Real(_) => ScalarType::Real,
            Column::Decimal(_) => ScalarType::Decimal,
            Column::DateTime(_) => ScalarType::DateTime,
            Column::TimeSpan(_) => ScalarType::TimeSpan,
            Column::Guid(_) => ScalarType::Guid,
            Column::String(_) => ScalarType::String,
            Column::Dynamic(_) => ScalarType::Dynamic,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Column::Bool(p) => p.len(),
            Column::Int(p) => p.len(),
            Column::Long(p) | Column::DateTime(p) | Column::TimeSpan(p) => p.len(),
            Column::Real(p) => p.len(),
            Column::Decimal(p) => p.len(),
            Column::Guid(p) => p.len(),
            Column::String(s) => s.len(),
            Column::Dynamic(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when row `row` is null (never for strings).
    pub fn is_null(&self, row: usize) -> bool {
        match self {
            Column::Bool(p) => !p.is_valid(row),
            Column::Int(p) => !p.is_valid(row),
            Column::Long(p) | Column::DateTime(p) | Column::TimeSpan(p) => !p.is_valid(row),
            Column::Real(p) => !p.is_valid(row),
            Column::Decimal(p) => !p.is_valid(row),
            Column::Guid(p) => !p.is_valid(row),
            Column::String(_) => false,
            Column::Dynamic(d) => d[row].is_null(),
        }
    }

    /// The value at `row`.
    pub fn get(&self, row: usize) -> Value {
        match self {
            Column::Bool(p) => p.get(row).map_or(Value::Null, Value::Bool),
            Column::Int(p) => p.get(row).map_or(Value::Null, Value::Int),
            Column::Long(p) => p.get(row).map_or(Value::Null, Value::Long),
            Column::Real(p) => p.get(row).map_or(Value::Null, Value::Real),
            Column::Decimal(p) => p.get(row).map_or(Value::Null, Value::Decimal),
            Column::DateTime(p) => p.get(row).map_or(Value::Null, Value::DateTime),
            Column::TimeSpan(p) => p.get(row).map_or(Value::Null, Value::TimeSpan),
            Column::Guid(p) => p.get(row).map_or(Value::Null, Value::Guid),
            Column::String(s) => Value::str(s.get(row)),
            Column::Dynamic(d) => Value::Dynamic(d[row].clone()),
        }
    }

    /// Rows at `indexes`, in that order.
    pub fn take(&self, indexes: &[usize]) -> Column {
        map_column!(self, inner => take_inner(inner, indexes))
    }

    /// Rows where `mask` is true.
    pub fn filter(&self, mask: &[bool]) -> Column {
        map_column!(self, inner => filter_inner(inner, mask))
    }

    /// Rows `codes` of `dictionary` (a code is an index into it). `string`
    /// and `dynamic` columns stay encoded; other types are gathered.
    pub fn from_dictionary(codes: Arc<Vec<u32>>, dictionary: &Column) -> Column {
        match dictionary {
            Column::String(strings) => Column::String(Strings::from_dictionary(codes, strings)),
            Column::Dynamic(values) => Column::Dynamic(Dyns::from_dictionary(codes, values)),
            Column::Bool(values) => Column::Bool(values.take_codes(&codes)),
            Column::Int(values) => Column::Int(values.take_codes(&codes)),
            Column::Long(values) => Column::Long(values.take_codes(&codes)),
            Column::Real(values) => Column::Real(values.take_codes(&codes)),
            Column::Decimal(values) => Column::Decimal(values.take_codes(&codes)),
            Column::DateTime(values) => Column::DateTime(values.take_codes(&codes)),
            Column::TimeSpan(values) => Column::TimeSpan(values.take_codes(&codes)),
            Column::Guid(values) => Column::Guid(values.take_codes(&codes)),
        }
    }

    /// The column dictionary-encoded (`string` by text, `dynamic` by JSON
    /// text) when at most half of its rows are distinct; otherwise as it is.
    pub fn with_dictionary(self) -> Column {
        self.dictionary_encoded().unwrap_or(self)
    }

    fn dictionary_encoded(&self) -> Option<Column> {
        let limit = (self.len() / 2).max(16);
        Some(match self {
            Column::String(strings) if strings.codes().is_none() => {
                let mut index: std::collections::HashMap<&str, u32, foldhash::fast::RandomState> = Default::default();
                let mut distinct = StringsBuilder::default();
                let mut codes = Vec::with_capacity(strings.len());
                for text in strings.iter() {
                    let next = index.len() as u32;
                    let code = *index.entry(text).or_insert_with(|| {
                        distinct.push(text);
                        next
                    });
                    if index.len() > limit {
                        return None;
                    }
                    codes.push(code);
                }
                Column::String(Strings::from_dictionary(Arc::new(codes), &distinct.finish()))
            }
            Column::Dynamic(values) if values.dictionary_len().is_none() => {
                let mut index: std::collections::HashMap<String, u32, foldhash::fast::RandomState> = Default::default();
                let mut distinct = Vec::new();
                let mut codes = Vec::with_capacity(values.len());
                for value in values.iter() {
                    let next = index.len() as u32;
                    let code = *index.entry(value.to_json()).or_insert_with(|| {
                        distinct.push(value.clone());
                        next
                    });
                    if index.len() > limit {
                        return None;
                    }
                    codes.push(code);
                }
                Column::Dynamic(Dyns::from_dictionary(Arc::new(codes), &Dyns::new(distinct)))
            }
            _ => return None,
        })
    }

    /// With dictionary encoding: each row's code and the distinct values.
    pub fn dictionary(&self) -> Option<(&Arc<Vec<u32>>, Column)> {
        match self {
            Column::String(strings) => strings.dictionary().map(|(codes, values)| (codes, Column::String(values))),
            Column::Dynamic(dyns) => dyns.dictionary().map(|(codes, values)| (codes, Column::Dynamic(values))),
            _ => None,
        }
    }

    /// Distinct values of a dictionary-encoded column.
    pub fn dictionary_len(&self) -> Option<usize> {
        match self {
            Column::String(strings) => strings.dictionary_len(),
            Column::Dynamic(dyns) => dyns.dictionary_len(),
            _ => None,
        }
    }

    /// Approximate bytes held, for the memory budget.
    pub fn byte_size(&self) -> usize {
        match self {
            Column::Bool(p) => p.len(),
            Column::Int(p) => p.len() * 4,
            Column::Long(p) | Column::DateTime(p) | Column::TimeSpan(p) => p.len() * 8,
            Column::Real(p) => p.len() * 8,
            Column::Decimal(p) => p.len() * 16,
            Column::Guid(p) => p.len() * 16,
            Column::String(s) => s.byte_len(),
            Column::Dynamic(d) => d.byte_len(),
        }
    }
}

/// Gathering and filtering, implemented for every inner vector type.
trait Gather: Sized {
    fn take_rows(&self, indexes: &[usize]) -> Self;
    fn filter_rows(&self, mask: &[bool]) -> Self;
}

impl<T: Copy + Default> Gather for Prim<T> {
    fn take_rows(&self, indexes: &[usize]) -> Self {
        self.take(indexes)
    }
    fn filter_rows(&self, mask: &[bool]) -> Self {
        self.filter(mask)
    }
}

impl Gather for Strings {
    fn take_rows(&self, indexes: &[usize]) -> Self {
        self.take(indexes)
    }
    fn filter_rows(&self, mask: &[bool]) -> Self {
        self.filter(mask)
    }
}

impl Gather for Dyns {
    fn take_rows(&self, indexes: &[usize]) -> Self {
        self.take(indexes)
    }
    fn filter_rows(&self, mask: &[bool]) -> Self {
        self.filter(mask)
    }
}

fn take_inner<G: Gather>(inner: &G, indexes: &[usize]) -> G {
    inner.take_rows(indexes)
}

fn filter_inner<G: Gather>(inner: &G, mask: &[bool]) -> G {
    inner.filter_rows(mask)
}

/// A shared, immutable column.
pub type ColumnRef = Arc<Column>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_have_no_null() {
        let column = Column::from_values(ScalarType::String, &[Value::Null, Value::str("a")]);
        assert_eq!(column.get(0), Value::str(""));
        assert!(!column.is_null(0));
    }

    #[test]
    fn builder_converts_numbers_and_nulls() {
        let column = Column::from_values(ScalarType::Long, &[Value::Int(3), Value::Null, Value::Real(2.9)]);
        assert_eq!(column.get(0), Value::Long(3));
        assert!(column.is_null(1));
        assert_eq!(column.get(2), Value::Long(2));
    }

    #[test]
    fn repetitive_columns_get_a_dictionary_and_keep_their_values() {
        let values: Vec<Value> = (0..40).map(|i| Value::str(["a", "b", "c"][i % 3])).collect();
        let column = Column::from_values(ScalarType::String, &values).with_dictionary();
        assert_eq!(column.dictionary_len(), Some(3));
        assert_eq!((0..40).map(|row| column.get(row)).collect::<Vec<_>>(), values);
        let unique: Vec<Value> = (0..40).map(|i| Value::str(&i.to_string())).collect();
        assert_eq!(Column::from_values(ScalarType::String, &unique).with_dictionary().dictionary_len(), None);
    }

    #[test]
    fn take_and_filter_keep_validity() {
        let column = Column::from_values(ScalarType::Int, &[Value::Int(1), Value::Null, Value::Int(3)]);
        assert_eq!(column.take(&[2, 1]).get(1), Value::Null);
        assert_eq!(column.filter(&[true, false, true]).get(1), Value::Int(3));
    }
}
