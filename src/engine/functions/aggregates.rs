//! Aggregation functions. Each computes one output column with a value per
//! group, from its arguments evaluated over the whole input and each row's
//! group number. `*if` variants take a predicate as their last argument.

use std::collections::HashSet;
use std::sync::Arc;

use crate::engine::column::{Column, ColumnBuilder, Prim, Strings};
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::operators::compare;
use crate::engine::functions::{buildschema, percentiles};
use crate::engine::keys::{FastSet, encode_key, value_ids};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

/// Rows and their groups, as `summarize` computed them.
pub struct Grouping<'a> {
    pub group_of_row: &'a [u32],
    pub groups: usize,
    pub rows: usize,
}

/// Splits `countif` into (`count`, true); also maps legacy aliases.
fn base_name(name: &str) -> (&str, bool) {
    match name {
        "makelist" => ("make_list", false),
        "makeset" => ("make_set", false),
        "make_dictionary" => ("make_bag", false),
        "any" => ("take_any", false),
        "anyif" | "take_anyif" => ("take_any", true),
        "make_list_if" => ("make_list", true),
        "make_set_if" => ("make_set", true),
        "make_bag_if" => ("make_bag", true),
        "countif" => ("count", true),
        "sumif" => ("sum", true),
        "avgif" => ("avg", true),
        "minif" => ("min", true),
        "maxif" => ("max", true),
        "dcountif" => ("dcount", true),
        "count_distinctif" => ("count_distinct", true),
        "stdevif" => ("stdev", true),
        "varianceif" => ("variance", true),
        "stdevpif" => ("stdevp", true),
        "variancepif" => ("variancep", true),
        "covarianceif" => ("covariance", true),
        "covariancepif" => ("covariancep", true),
        other => (other, false),
    }
}

/// `make_set` of a string column: each distinct string once per group, in
/// order of first appearance (the `dynamic` strings made once per value).
fn make_set_strings(
    column: &Column,
    strings: &Strings,
    grouping: &Grouping,
    included: &dyn Fn(usize) -> bool,
    limit: usize,
) -> Column {
    let mut lists: Vec<Vec<Dyn>> = vec![Vec::new(); grouping.groups];
    let rows = (0..grouping.rows).filter(|row| included(*row));
    match value_ids(column) {
        Some((ids, distinct)) => {
            let mut items: Vec<Option<Dyn>> = vec![None; distinct];
            let mut seen: FastSet<u64> = FastSet::default();
            for row in rows {
                let group = grouping.group_of_row[row];
                let id = ids[row];
                if lists[group as usize].len() < limit && seen.insert((u64::from(group) << 32) | u64::from(id)) {
                    let item = items[id as usize].get_or_insert_with(|| Dyn::str(strings.get(row)));
                    lists[group as usize].push(item.clone());
                }
            }
        }
        None => {
            let mut seen: FastSet<(u32, &str)> = FastSet::default();
            for row in rows {
                let group = grouping.group_of_row[row];
                let text = strings.get(row);
                if lists[group as usize].len() < limit && seen.insert((group, text)) {
                    lists[group as usize].push(Dyn::str(text));
                }
            }
        }
    }
    Column::Dynamic(lists.into_iter().map(Dyn::array).collect())
}

/// True when the engine computes aggregate `name` (`summarize` handles
/// `arg_max`/`arg_min`, `take_any(*)` and `percentiles` itself).
pub fn is_supported(name: &str) -> bool {
    if matches!(name, "arg_max" | "arg_min" | "argmax" | "argmin" | "percentiles" | "percentilesw") {
        return true;
    }
    let grouping = Grouping { group_of_row: &[], groups: 0, rows: 0 };
    !matches!(aggregate(name, &[], &grouping), Err(error) if error.code == crate::diagnostics::Code::NotSupportedLocally)
}

/// Computes aggregate `name` over `args`.
pub fn aggregate(name: &str, args: &[Datum], grouping: &Grouping) -> ExecResult<Column> {
    if let Some(result) = crate::engine::functions::sketches::aggregate(name, args, grouping) {
        return result;
    }
    let (base, conditional) = base_name(name);
    let (args, mask) = if conditional {
        let Some((predicate, rest)) = args.split_last() else {
            return Err(ExecError::runtime(format!("`{name}` needs a predicate")));
        };
        (rest, Some(predicate_mask(predicate, grouping.rows)))
    } else {
        (args, None)
    };
    let included = |row: usize| mask.as_ref().is_none_or(|m| m[row]);
    let groups = grouping.groups;
    let group_of = grouping.group_of_row;
    let arg = |index: usize| -> ExecResult<&Datum> {
        args.get(index).ok_or_else(|| ExecError::runtime(format!("`{name}` is missing an argument")))
    };
    Ok(match base {
        "count" => {
            let mut counts = vec![0i64; groups];
            for row in 0..grouping.rows {
                if included(row) && args.first().is_none_or(|a| !a.is_null(row)) {
                    counts[group_of[row] as usize] += 1;
                }
            }
            Column::Long(Prim::new(counts))
        }
        "sum" => sum(arg(0)?, grouping, &included)?,
        "avg" => {
            let value = arg(0)?;
            let mut sums = vec![0f64; groups];
            let mut counts = vec![0u64; groups];
            for row in 0..grouping.rows {
                if included(row)
                    && let Some(x) = numeric(&value.get(row))
                {
                    sums[group_of[row] as usize] += x;
                    counts[group_of[row] as usize] += 1;
                }
            }
            let ty = value.ty();
            let averages = sums.iter().zip(&counts).map(|(s, c)| if *c == 0 { None } else { Some(s / *c as f64) });
            match ty {
                ScalarType::TimeSpan => Column::TimeSpan(averages.map(|a| a.map(|a| a as i64)).collect()),
                _ => Column::Real(averages.collect()),
            }
        }
        "min" | "max" => extreme(arg(0)?, grouping, &included, base == "max"),
        "dcount" | "count_distinct" => {
            let column = arg(0)?.clone().into_column(grouping.rows);
            let mut counts = vec![0i64; groups];
            let rows = (0..grouping.rows).filter(|row| included(*row) && !column.is_null(*row));
            if let Some((ids, _)) = value_ids(&column) {
                // (group, value id) pairs seen.
                let mut seen: FastSet<u64> = FastSet::default();
                for row in rows {
                    let group = group_of[row];
                    if seen.insert((u64::from(group) << 32) | u64::from(ids[row])) {
                        counts[group as usize] += 1;
                    }
                }
            } else if let Column::String(strings) = &column {
                let mut seen: FastSet<(u32, &str)> = FastSet::default();
                for row in rows {
                    let group = group_of[row];
                    if seen.insert((group, strings.get(row))) {
                        counts[group as usize] += 1;
                    }
                }
            } else {
                let mut seen: FastSet<(u32, Box<[u8]>)> = FastSet::default();
                let mut key = Vec::new();
                for row in rows {
                    key.clear();
                    encode_key(&column, row, &mut key);
                    let group = group_of[row];
                    if seen.insert((group, key.as_slice().into())) {
                        counts[group as usize] += 1;
                    }
                }
            }
            Column::Long(Prim::new(counts))
        }
        "make_list" | "make_set" | "make_list_with_nulls" => {
            let value = arg(0)?;
            let limit = match args.get(1).and_then(|d| d.as_scalar()).and_then(Value::as_i64) {
                Some(n) if n >= 0 => n as usize,
                _ => 1_048_576,
            };
            if base == "make_set"
                && let Datum::Column(column @ Column::String(strings)) = value
            {
                return Ok(make_set_strings(column, strings, grouping, &included, limit));
            }
            let mut lists: Vec<Vec<Dyn>> = vec![Vec::new(); groups];
            let mut seen: Vec<HashSet<String>> =
                if base == "make_set" { vec![HashSet::new(); groups] } else { Vec::new() };
            for (row, group) in group_of.iter().enumerate().take(grouping.rows) {
                if !included(row) {
                    continue;
                }
                let item = value.get(row);
                let group = *group as usize;
                if lists[group].len() >= limit {
                    continue;
                }
                let item = item.to_dyn();
                if item.is_null() && base != "make_list_with_nulls" {
                    continue;
                }
                // An array adds its elements, one level deep. The make_set page shows it
                // ("Set from array column"); the make_list page is silent, but its callers'
                // documented outputs rely on it: `geo_h3cell_rings` (example 3, `mv-apply` then
                // `make_list` of the rings gives one flat list of cells), `geo_point_in_polygon`
                // (example 5, `make_list(pack_array(polygon.coordinates))` gives a MultiPolygon's
                // coordinates) and `geo_polygon_to_h3cells` (example 2, the same idiom).
                if let Dyn::Array(items) = &item {
                    for element in items.iter() {
                        if lists[group].len() >= limit {
                            break;
                        }
                        if base == "make_set" && !seen[group].insert(element.to_json()) {
                            continue;
                        }
                        lists[group].push(element.clone());
                    }
                } else if base != "make_set" || seen[group].insert(item.to_json()) {
                    lists[group].push(item);
                }
            }
            Column::Dynamic(lists.into_iter().map(Dyn::array).collect())
        }
        "make_bag" => {
            let value = arg(0)?;
            let mut bags: Vec<Vec<(Arc<str>, Dyn)>> = vec![Vec::new(); groups];
            for row in 0..grouping.rows {
                if included(row)
                    && let Value::Dynamic(Dyn::Bag(entries)) = value.get(row)
                {
                    let bag = &mut bags[group_of[row] as usize];
                    for (key, item) in entries.iter() {
                        if !bag.iter().any(|(k, _)| k == key) {
                            bag.push((key.clone(), item.clone()));
                        }
                    }
                }
            }
            Column::Dynamic(bags.into_iter().map(|b| Dyn::Bag(Arc::new(b))).collect())
        }
        "stdev" | "stdevp" | "variance" | "variancep" => {
            let value = arg(0)?;
            let mut stats = vec![(0u64, 0f64, 0f64); groups];
            for row in 0..grouping.rows {
                if included(row)
                    && let Some(x) = numeric(&value.get(row))
                {
                    // Welford's online algorithm.
                    let (n, mean, m2) = &mut stats[group_of[row] as usize];
                    *n += 1;
                    let delta = x - *mean;
                    *mean += delta / *n as f64;
                    *m2 += delta * (x - *mean);
                }
            }
            let population = base.ends_with('p');
            let out = stats.iter().map(|(n, _, m2)| {
                let denominator = if population { *n as f64 } else { *n as f64 - 1.0 };
                // No values: 0, the documented default of stdev() and variance().
                let variance = if *n == 0 || denominator <= 0.0 { 0.0 } else { m2 / denominator };
                Some(if base.starts_with("stdev") { variance.sqrt() } else { variance })
            });
            Column::Real(out.collect())
        }
        "covariance" | "covariancep" => {
            let (x, y) = (arg(0)?, arg(1)?);
            // Co-moment, updated online: (n, mean x, mean y, c).
            let mut stats = vec![(0u64, 0f64, 0f64, 0f64); groups];
            for row in 0..grouping.rows {
                if included(row)
                    && let (Some(a), Some(b)) = (numeric(&x.get(row)), numeric(&y.get(row)))
                {
                    let (n, mean_x, mean_y, c) = &mut stats[group_of[row] as usize];
                    *n += 1;
                    let dx = a - *mean_x;
                    *mean_x += dx / *n as f64;
                    *mean_y += (b - *mean_y) / *n as f64;
                    *c += dx * (b - *mean_y);
                }
            }
            let population = base.ends_with('p');
            let out = stats.iter().map(|(n, _, _, c)| {
                let denominator = if population { *n as f64 } else { *n as f64 - 1.0 };
                match *n {
                    0 => None,
                    _ if denominator <= 0.0 => Some(0.0),
                    _ => Some(c / denominator),
                }
            });
            Column::Real(out.collect())
        }
        "percentile" => {
            let value = arg(0)?;
            let percent = arg(1)?.as_scalar().and_then(Value::as_f64).unwrap_or(50.0);
            percentile_column(value, grouping, &included, percent)
        }
        "percentilew" => {
            let percents = percentiles::percents(name, std::slice::from_ref(arg(2)?))?;
            let mut columns = percentiles::percentile_columns(arg(0)?, Some(arg(1)?), grouping, &included, &percents);
            columns.remove(0)
        }
        "buildschema" => buildschema::buildschema(arg(0)?, grouping, &included),
        "percentiles_array" => {
            let percents = percentiles::percents(name, args.get(1..).unwrap_or_default())?;
            percentiles::percentile_arrays(arg(0)?, None, grouping, &included, &percents)
        }
        "percentilesw_array" => {
            let percents = percentiles::percents(name, args.get(2..).unwrap_or_default())?;
            percentiles::percentile_arrays(arg(0)?, Some(arg(1)?), grouping, &included, &percents)
        }
        "binary_all_and" | "binary_all_or" | "binary_all_xor" => {
            let value = arg(0)?;
            let mut out: Vec<Option<i64>> = vec![None; groups];
            for row in 0..grouping.rows {
                if included(row)
                    && let Some(x) = value.get(row).as_i64()
                {
                    let slot = &mut out[group_of[row] as usize];
                    *slot = Some(match (*slot, base) {
                        (None, _) => x,
                        (Some(acc), "binary_all_and") => acc & x,
                        (Some(acc), "binary_all_or") => acc | x,
                        (Some(acc), _) => acc ^ x,
                    });
                }
            }
            Column::Long(out.into_iter().collect())
        }
        "take_any" => {
            let value = arg(0)?;
            let ty = value.ty();
            let mut chosen: Vec<Option<usize>> = vec![None; groups];
            for (row, group) in group_of.iter().enumerate().take(grouping.rows) {
                let group = *group as usize;
                if included(row) && chosen[group].is_none() && !value.is_null(row) {
                    chosen[group] = Some(row);
                }
            }
            let mut builder = ColumnBuilder::new(ty, groups);
            for choice in chosen {
                builder.push(&choice.map_or(Value::Null, |row| value.get(row)));
            }
            builder.finish()
        }
        _ => return Err(ExecError::unsupported(format!("the aggregation `{name}()`"))),
    })
}

/// The rows where a predicate datum is true.
pub fn predicate_mask(predicate: &Datum, rows: usize) -> Vec<bool> {
    (0..rows).map(|row| matches!(predicate.get(row).to_dyn(), Dyn::Bool(true))).collect()
}

fn numeric(value: &Value) -> Option<f64> {
    match value {
        Value::TimeSpan(t) => Some(*t as f64),
        Value::DateTime(t) => Some(*t as f64),
        other => other.as_f64(),
    }
}

/// `sum`: nulls are ignored, and a group with no values sums to 0 (the
/// documented default of `sum()`).
fn sum(value: &Datum, grouping: &Grouping, included: &dyn Fn(usize) -> bool) -> ExecResult<Column> {
    let groups = grouping.groups;
    let group_of = grouping.group_of_row;
    Ok(match value.ty() {
        ScalarType::Int | ScalarType::Long | ScalarType::TimeSpan | ScalarType::Bool => {
            let mut sums: Vec<Option<i64>> = vec![Some(0); groups];
            if let Datum::Column(Column::Long(p) | Column::TimeSpan(p)) = value {
                for row in 0..grouping.rows {
                    if included(row) && p.is_valid(row) {
                        let slot = &mut sums[group_of[row] as usize];
                        *slot = Some(slot.unwrap_or(0).wrapping_add(p.values[row]));
                    }
                }
            } else {
                for row in 0..grouping.rows {
                    if included(row)
                        && let Some(x) = value.get(row).as_i64().or(match value.get(row) {
                            Value::TimeSpan(t) => Some(t),
                            Value::Bool(b) => Some(b as i64),
                            _ => None,
                        })
                    {
                        let slot = &mut sums[group_of[row] as usize];
                        *slot = Some(slot.unwrap_or(0).wrapping_add(x));
                    }
                }
            }
            let prim: Prim<i64> = sums.into_iter().collect();
            if value.ty() == ScalarType::TimeSpan { Column::TimeSpan(prim) } else { Column::Long(prim) }
        }
        ScalarType::Decimal => {
            let mut sums: Vec<Option<rust_decimal::Decimal>> = vec![Some(rust_decimal::Decimal::ZERO); groups];
            for row in 0..grouping.rows {
                if included(row)
                    && let Value::Decimal(x) = value.get(row)
                {
                    let slot = &mut sums[group_of[row] as usize];
                    *slot = Some(slot.unwrap_or_default() + x);
                }
            }
            Column::Decimal(sums.into_iter().collect())
        }
        _ => {
            let mut sums: Vec<Option<f64>> = vec![Some(0.0); groups];
            for row in 0..grouping.rows {
                if included(row)
                    && let Some(x) = value.get(row).as_f64()
                {
                    let slot = &mut sums[group_of[row] as usize];
                    *slot = Some(slot.unwrap_or(0.0) + x);
                }
            }
            Column::Real(sums.into_iter().collect())
        }
    })
}

/// `min` / `max`: typed fast paths for numbers and times, values otherwise.
fn extreme(value: &Datum, grouping: &Grouping, included: &dyn Fn(usize) -> bool, max: bool) -> Column {
    let groups = grouping.groups;
    let group_of = grouping.group_of_row;
    if let Datum::Column(column @ (Column::Long(p) | Column::DateTime(p) | Column::TimeSpan(p))) = value {
        let mut best: Vec<Option<i64>> = vec![None; groups];
        for row in 0..grouping.rows {
            if included(row) && p.is_valid(row) {
                let x = p.values[row];
                let slot = &mut best[group_of[row] as usize];
                *slot = Some(match *slot {
                    None => x,
                    Some(b) => {
                        if max {
                            b.max(x)
                        } else {
                            b.min(x)
                        }
                    }
                });
            }
        }
        let prim: Prim<i64> = best.into_iter().collect();
        return match column {
            Column::DateTime(_) => Column::DateTime(prim),
            Column::TimeSpan(_) => Column::TimeSpan(prim),
            _ => Column::Long(prim),
        };
    }
    let ty = value.ty();
    let mut best: Vec<Option<Value>> = vec![None; groups];
    for row in 0..grouping.rows {
        if !included(row) || value.is_null(row) {
            continue;
        }
        let x = value.get(row);
        if ty == ScalarType::String && matches!(&x, Value::String(s) if s.is_empty()) {
            continue;
        }
        let slot = &mut best[group_of[row] as usize];
        let replace = match slot {
            None => true,
            Some(current) => {
                let ordering = compare(&x, current);
                if max {
                    ordering == Some(std::cmp::Ordering::Greater)
                } else {
                    ordering == Some(std::cmp::Ordering::Less)
                }
            }
        };
        if replace {
            *slot = Some(x);
        }
    }
    let mut builder = ColumnBuilder::new(ty, groups);
    for value in best {
        builder.push(&value.unwrap_or(Value::Null));
    }
    builder.finish()
}

/// Nearest-rank percentile of each group's values.
pub fn percentile_column(value: &Datum, grouping: &Grouping, included: &dyn Fn(usize) -> bool, percent: f64) -> Column {
    percentiles::percentile_columns(value, None, grouping, included, &[percent]).remove(0)
}
