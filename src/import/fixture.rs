//! Sample tables to fixtures (`kqlab fixture`, the MCP `kql_fixture` tool):
//! the table typed by its known schema (with the schema's other columns as
//! typed nulls), cut to a number of rows; [`super::datatable`] writes it.

use crate::analysis::types::TableType;
use crate::engine::table::Table;

/// Which rows a fixture keeps when the sample has more than it may hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RowSample {
    /// The first rows.
    #[default]
    Head,
    /// Rows spread evenly over the sample, in their order.
    Spread,
    /// Rows drawn at random (uniformly, without repeats; the seed makes
    /// the draw repeatable), in sample order.
    Random,
}

/// How a sample becomes a fixture.
#[derive(Debug, Clone, Default)]
pub struct FixtureOptions {
    /// Keep at most this many rows.
    pub rows: Option<usize>,
    pub sample: RowSample,
    /// The seed of [`RowSample::Random`].
    pub seed: u64,
    /// Keep only the sample's columns; by default a known table gets its
    /// schema's other columns as typed nulls, so a query naming any of them
    /// runs on the fixture as it does on the table.
    pub sample_columns_only: bool,
}

/// The fixture of an imported sample of a table whose schema is `known`.
pub fn fixture_table(table: Table, known: Option<&TableType>, options: &FixtureOptions) -> Table {
    let table = match known {
        Some(known) if !options.sample_columns_only => super::with_schema_columns(table, known),
        _ => table,
    };
    sample_rows(table, options.rows, options.sample, options.seed)
}

/// At most `rows` rows: the first ones, evenly spread ones, or random ones.
pub fn sample_rows(table: Table, rows: Option<usize>, how: RowSample, seed: u64) -> Table {
    let Some(rows) = rows.filter(|rows| *rows < table.rows) else { return table };
    let indexes: Vec<usize> = match how {
        RowSample::Head => (0..rows).collect(),
        RowSample::Spread => (0..rows).map(|i| i * table.rows / rows).collect(),
        RowSample::Random => crate::engine::operators::sample::sample_indexes(table.rows, rows, seed),
    };
    table.take(&indexes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(n: usize) -> Table {
        let text: String = std::iter::once("n\n".to_string()).chain((0..n).map(|i| format!("{i}\n"))).collect();
        crate::import::csv::import_csv("n.csv", &text, None).unwrap().table
    }

    #[test]
    fn spread_keeps_evenly_spaced_rows_in_order() {
        let table = sample_rows(numbers(10), Some(5), RowSample::Spread, 0);
        let values: Vec<String> = (0..table.rows).map(|row| table.row(row)[0].to_kql_string()).collect();
        assert_eq!(values, ["0", "2", "4", "6", "8"]);
    }

    #[test]
    fn random_with_a_seed_is_repeatable() {
        let first = sample_rows(numbers(100), Some(7), RowSample::Random, 42);
        let second = sample_rows(numbers(100), Some(7), RowSample::Random, 42);
        assert_eq!(first.rows, 7);
        assert_eq!(first.row(3), second.row(3));
    }
}
