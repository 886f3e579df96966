//! Watchlists: a CSV file becomes the table `_GetWatchlist('alias')`
//! returns in Microsoft Sentinel — `_DTItemId`, `LastUpdatedTimeUTC`,
//! `SearchKey` (the value of the search key column), `WatchlistItem` (the
//! row as a property bag), then the file's columns. Watchlist values are
//! text, so every column is a `string`, kept exactly as written.

use std::sync::Arc;

use crate::engine::column::{Column, Dyns, Prim, Strings};
use crate::engine::table::Table;
use crate::engine::value::{Dyn, format_guid};
use crate::import::ImportError;

/// Builds the watchlist table from CSV text. `search_key` names the key
/// column (default: the first column); `updated` is `LastUpdatedTimeUTC`.
pub fn import_watchlist(path: &str, text: &str, search_key: Option<&str>, updated: i64) -> Result<Table, ImportError> {
    let format = |line: u64, message: String| ImportError::Format { path: path.to_string(), line, message };
    let mut reader =
        ::csv::ReaderBuilder::new().has_headers(true).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> =
        reader.headers().map_err(|e| format(1, e.to_string()))?.iter().map(|h| h.trim().to_string()).collect();
    if headers.is_empty() || headers.iter().all(String::is_empty) {
        return Err(format(1, "a watchlist needs a header row".into()));
    }
    let key_index = match search_key {
        Some(key) => headers.iter().position(|h| h == key).ok_or_else(|| {
            format(1, format!("the search key column `{key}` is not in the header ({})", headers.join(", ")))
        })?,
        None => 0,
    };
    let mut columns: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
    for record in reader.records() {
        let record = record.map_err(|e| format(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        for (index, column) in columns.iter_mut().enumerate() {
            column.push(record.get(index).unwrap_or("").to_string());
        }
    }
    let rows = columns.first().map_or(0, Vec::len);
    let bag_keys: Vec<Arc<str>> = headers.iter().map(|h| Arc::from(h.as_str())).collect();
    let items: Vec<Dyn> = (0..rows)
        .map(|row| {
            Dyn::Bag(Arc::new(
                bag_keys.iter().zip(&columns).map(|(key, values)| (key.clone(), Dyn::str(&values[row]))).collect(),
            ))
        })
        .collect();
    // Sentinel gives each item a GUID; these are stable, numbered by row.
    let item_ids: Vec<String> = (0..rows).map(|row| format_guid(row as u128 + 1)).collect();
    let item_ids: Strings = item_ids.iter().map(String::as_str).collect();
    let mut fields = vec![
        ("_DTItemId".to_string(), Column::String(item_ids)),
        ("LastUpdatedTimeUTC".to_string(), datetime_column(updated, rows)),
        ("SearchKey".to_string(), Column::String(columns[key_index].iter().map(String::as_str).collect())),
        ("WatchlistItem".to_string(), Column::Dynamic(Dyns::new(items))),
    ];
    for (name, values) in headers.iter().zip(&columns) {
        if fields.iter().any(|(existing, _)| existing == name) {
            continue;
        }
        fields.push((name.clone(), Column::String(values.iter().map(String::as_str).collect())));
    }
    Ok(Table::new(fields))
}

fn datetime_column(value: i64, rows: usize) -> Column {
    Column::DateTime(Prim::new(vec![value; rows]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::value::Value;

    #[test]
    fn watchlist_rows_keep_their_text_and_search_key() {
        let table =
            import_watchlist("vip.csv", "Email,Level\nalice@contoso.com,0042\nbob@contoso.com,7\n", Some("Email"), 5)
                .expect("imports");
        let names: Vec<&str> = table.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["_DTItemId", "LastUpdatedTimeUTC", "SearchKey", "WatchlistItem", "Email", "Level"]);
        assert_eq!(table.column("SearchKey").unwrap().get(1), Value::str("bob@contoso.com"));
        assert_eq!(table.column("Level").unwrap().get(0), Value::str("0042"));
        assert_eq!(
            table.column("WatchlistItem").unwrap().get(0).to_kql_string(),
            r#"{"Email":"alice@contoso.com","Level":"0042"}"#
        );
    }

    #[test]
    fn an_unknown_search_key_is_an_error() {
        let error = import_watchlist("vip.csv", "Email\nx\n", Some("Mail"), 0).unwrap_err();
        assert!(error.to_string().contains("`Mail` is not in the header"), "{error}");
    }
}
