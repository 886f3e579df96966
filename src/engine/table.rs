//! Tables: named, typed columns of equal length, and the set of tables a
//! query runs against.

use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::column::Column;
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

/// One named column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub column: Arc<Column>,
}

/// A table: columns in order, all with `rows` values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub fields: Vec<Field>,
    pub rows: usize,
}

impl Table {
    /// A table from named columns (all must have the same length).
    pub fn new(columns: Vec<(String, Column)>) -> Table {
        let rows = columns.first().map_or(0, |(_, c)| c.len());
        debug_assert!(columns.iter().all(|(_, c)| c.len() == rows), "columns of different lengths");
        Table {
            fields: columns.into_iter().map(|(name, column)| Field { name, column: Arc::new(column) }).collect(),
            rows,
        }
    }

    /// A table from shared columns with a known row count.
    pub fn from_fields(fields: Vec<Field>, rows: usize) -> Table {
        Table { fields, rows }
    }

    /// The same table with every column stored plainly (no dictionaries).
    pub fn without_dictionaries(&self) -> Table {
        Table::new(self.fields.iter().map(|field| (field.name.clone(), field.column.without_dictionary())).collect())
    }

    /// An empty table with the given schema.
    pub fn empty(schema: &[(String, ScalarType)]) -> Table {
        Table::new(schema.iter().map(|(name, ty)| (name.clone(), Column::empty(*ty))).collect())
    }

    /// The index of column `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    pub fn column(&self, name: &str) -> Option<&Arc<Column>> {
        self.fields.iter().find(|f| f.name == name).map(|f| &f.column)
    }

    /// Column names and types.
    pub fn schema(&self) -> Vec<(String, ScalarType)> {
        self.fields.iter().map(|f| (f.name.clone(), f.column.ty())).collect()
    }

    /// Row `row` as values.
    pub fn row(&self, row: usize) -> Vec<Value> {
        self.fields.iter().map(|f| f.column.get(row)).collect()
    }

    /// Rows at `indexes`.
    pub fn take(&self, indexes: &[usize]) -> Table {
        Table {
            fields: self
                .fields
                .iter()
                .map(|f| Field { name: f.name.clone(), column: Arc::new(f.column.take(indexes)) })
                .collect(),
            rows: indexes.len(),
        }
    }

    /// Rows where `mask` is true.
    pub fn filter(&self, mask: &[bool]) -> Table {
        let indexes: Vec<usize> = mask.iter().enumerate().filter(|(_, keep)| **keep).map(|(row, _)| row).collect();
        if indexes.len() == self.rows {
            return self.clone();
        }
        self.take(&indexes)
    }

    /// Approximate bytes held.
    pub fn byte_size(&self) -> usize {
        self.fields.iter().map(|f| f.column.byte_size()).sum()
    }
}

/// One result table of a query, with the name `fork` legs (`name=` or a
/// final `as Name`) give it; unnamed tables are named by position when
/// rendered (`PrimaryResult`, `Table_1`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTable {
    pub name: Option<String>,
    pub table: Arc<Table>,
}

impl NamedTable {
    /// An unnamed result table.
    pub fn unnamed(table: Arc<Table>) -> NamedTable {
        NamedTable { name: None, table }
    }
}

/// The tables a query can read, by name (table names are case-sensitive).
#[derive(Debug, Clone, Default)]
pub struct Database {
    tables: HashMap<String, Arc<Table>>,
    /// Watchlists by alias, as `_GetWatchlist(alias)` returns them.
    watchlists: HashMap<String, Arc<Table>>,
}

impl Database {
    pub fn new() -> Database {
        Database::default()
    }

    pub fn insert(&mut self, name: impl Into<String>, table: Table) {
        self.tables.insert(name.into(), Arc::new(table));
    }

    pub fn get(&self, name: &str) -> Option<&Arc<Table>> {
        self.tables.get(name)
    }

    /// Adds a watchlist (a table shaped like `_GetWatchlist`'s result).
    pub fn insert_watchlist(&mut self, alias: impl Into<String>, table: Table) {
        self.watchlists.insert(alias.into(), Arc::new(table));
    }

    /// The watchlist `alias` (aliases are case-sensitive).
    pub fn watchlist(&self, alias: &str) -> Option<&Arc<Table>> {
        self.watchlists.get(alias)
    }

    /// The aliases of the loaded watchlists, sorted.
    pub fn watchlist_aliases(&self) -> Vec<&str> {
        let mut aliases: Vec<&str> = self.watchlists.keys().map(String::as_str).collect();
        aliases.sort_unstable();
        aliases
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }
}
