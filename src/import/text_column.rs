//! Building a column from text cells. `string` and `dynamic` columns are
//! dictionary-encoded while they have few distinct values (most log columns:
//! result codes, application names, user agents, location JSON), which keeps
//! them small and lets the engine filter, group and call functions once per
//! distinct value.

use std::collections::HashMap;

use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::value::Value;
use crate::import::push_text;
use crate::syntax::ast::ScalarType;

/// A column being built from text.
pub struct TextColumnBuilder {
    /// All rows, or with a dictionary its distinct values.
    values: ColumnBuilder,
    dictionary: Option<Dictionary>,
    capacity: usize,
}

struct Dictionary {
    index: HashMap<Box<str>, u32, foldhash::fast::RandomState>,
    codes: Vec<u32>,
    /// Past this many distinct values the column is stored plainly.
    limit: usize,
}

impl TextColumnBuilder {
    /// A builder for about `rows` rows of type `ty`.
    pub fn new(ty: ScalarType, rows: usize) -> TextColumnBuilder {
        let dictionary = matches!(ty, ScalarType::String | ScalarType::Dynamic).then(|| Dictionary {
            index: HashMap::default(),
            codes: Vec::with_capacity(rows),
            limit: (rows / 2).max(16),
        });
        let capacity = if dictionary.is_some() { 0 } else { rows };
        TextColumnBuilder { values: ColumnBuilder::new(ty, capacity), dictionary, capacity: rows }
    }

    /// Adds one text value; false when it is not a value of the column's
    /// type (the cell is then null, see [`push_text`]).
    pub fn push(&mut self, text: &str) -> bool {
        let Some(dictionary) = &mut self.dictionary else {
            return push_text(&mut self.values, text);
        };
        if let Some(code) = dictionary.index.get(text) {
            dictionary.codes.push(*code);
            return true;
        }
        if dictionary.index.len() >= dictionary.limit {
            self.decode();
            return push_text(&mut self.values, text);
        }
        let code = dictionary.index.len() as u32;
        dictionary.index.insert(text.into(), code);
        dictionary.codes.push(code);
        push_text(&mut self.values, text)
    }

    /// Adds a value already converted to the column's type.
    pub fn push_value(&mut self, value: &Value) {
        self.decode();
        self.values.push(value);
    }

    /// Switches to plain storage: too many distinct values to gain from a dictionary.
    fn decode(&mut self) {
        let Some(dictionary) = self.dictionary.take() else { return };
        let distinct = std::mem::replace(&mut self.values, ColumnBuilder::new(ScalarType::Bool, 0)).finish();
        let mut plain = ColumnBuilder::new(distinct.ty(), self.capacity);
        for code in dictionary.codes {
            match &distinct {
                Column::String(strings) => plain.push_str(strings.get(code as usize)),
                Column::Dynamic(values) => plain.push_dyn(values.get(code as usize).clone()),
                other => plain.push(&other.get(code as usize)),
            }
        }
        self.values = plain;
    }

    pub fn finish(self) -> Column {
        let values = self.values.finish();
        match self.dictionary {
            Some(dictionary) => Column::from_dictionary(std::sync::Arc::new(dictionary.codes), &values),
            None => values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_strings_are_dictionary_encoded() {
        let mut builder = TextColumnBuilder::new(ScalarType::String, 100);
        for row in 0..100 {
            builder.push(if row % 3 == 0 { "a" } else { "b" });
        }
        let column = builder.finish();
        assert_eq!(column.dictionary_len(), Some(2));
        assert_eq!(column.get(3), Value::str("a"));
        assert_eq!(column.get(4), Value::str("b"));
    }

    #[test]
    fn many_distinct_values_fall_back_to_plain_storage() {
        let mut builder = TextColumnBuilder::new(ScalarType::Dynamic, 40);
        for row in 0..40 {
            builder.push(&format!("{{\"n\":{row}}}"));
        }
        let column = builder.finish();
        assert_eq!(column.dictionary_len(), None);
        assert_eq!(column.len(), 40);
        assert_eq!(column.get(39).to_kql_string(), "{\"n\":39}");
    }
}
