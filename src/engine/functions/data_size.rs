//! `estimate_data_size(columns)`: an estimate, in bytes, of the values a row
//! holds in the given columns (`*` for all; the expression compiler expands
//! it). As documented, the estimate follows the type and the actual value:
//! 8 bytes for a `long`, the UTF-8 length of a string, ... A dynamic value
//! costs more than its JSON text (Kusto keeps a richer internal form): its
//! text plus 8 bytes per node. Nulls cost nothing.

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

/// The kernel: the sum of the arguments' sizes.
pub fn estimate_data_size(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    map_rows(args, ctx, ScalarType::Long, |values| Ok(Value::Long(values.iter().map(value_size).sum())))
}

fn value_size(value: &Value) -> i64 {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Int(_) => 4,
        Value::Long(_) | Value::Real(_) | Value::DateTime(_) | Value::TimeSpan(_) => 8,
        Value::Decimal(_) | Value::Guid(_) => 16,
        Value::String(text) => text.len() as i64,
        Value::Dynamic(dynamic) => dynamic.to_json().len() as i64 + 8 * nodes(dynamic),
    }
}

fn nodes(value: &Dyn) -> i64 {
    match value {
        Dyn::Array(items) => 1 + items.iter().map(nodes).sum::<i64>(),
        Dyn::Bag(entries) => 1 + entries.iter().map(|(_, item)| nodes(item)).sum::<i64>(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::functions::test_support::call_constant;

    #[test]
    fn documented_example_long_and_string() {
        // `range x ... | extend Text = '1234567890'`: 8 + 10 per row.
        assert_eq!(call_constant(estimate_data_size, &[Value::Long(1), Value::str("1234567890")]), Value::Long(18));
        assert_eq!(call_constant(estimate_data_size, &[Value::Null, Value::Bool(true)]), Value::Long(1));
    }

    #[test]
    fn a_dynamic_value_costs_more_than_its_text() {
        let text = r#"{"a":"bcd"}"#;
        let as_string = call_constant(estimate_data_size, &[Value::str(text)]);
        let as_dynamic = call_constant(estimate_data_size, &[Value::Dynamic(Dyn::parse_json(text))]);
        assert!(as_dynamic.as_i64() > as_string.as_i64(), "{as_dynamic:?} vs {as_string:?}");
    }
}
