//! `evaluate dcount_intersect(hll_1, hll_2 [, hll_3, ...])`: for each row,
//! the distinct counts of S1, S1 ∩ S2, ..., S1 ∩ ... ∩ Sn, where each Si is
//! the set an `hll()` result describes (2 to 16 sets).
//!
//! As documented (dcount-intersect-plugin.md): the counts are columns `s0`
//! to `s<n-1>`; as Kusto.Language declares, they follow the input's
//! columns, one output row per input row. kqlab's `hll` is exact (the
//! distinct values themselves), so these counts are exact where Kusto's are
//! HyperLogLog estimates. A value that is not an `hll` result (null, a
//! string) gives null from its set on.

use std::sync::Arc;

use crate::engine::column::ColumnBuilder;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::functions::sketches::hll_values;
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Dyn;
use crate::syntax::ast::{Expr, ScalarType};
use crate::text::Span;

/// The most sets the plugin intersects, as documented.
const MAX_SETS: usize = 16;

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, span: Span, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    if !(2..=MAX_SETS).contains(&args.len()) {
        return Err(ExecError::new(
            crate::diagnostics::Code::WrongArgumentCount,
            format!("`dcount_intersect` intersects 2 to {MAX_SETS} sets, got {}", args.len()),
        )
        .at(span)
        .with_help("write `evaluate dcount_intersect(hll_1, hll_2 [, hll_3, ...])`"));
    }
    let mut sets = Vec::with_capacity(args.len());
    for arg in args {
        sets.push(exec.eval_column(arg, input, env)?);
    }
    let mut builders: Vec<ColumnBuilder> =
        (0..args.len()).map(|_| ColumnBuilder::new(ScalarType::Long, input.rows)).collect();
    for row in 0..input.rows {
        let values: Vec<_> = sets.iter().map(|set| set.get(row)).collect();
        let mut running: Option<Vec<Dyn>> = None;
        for (index, value) in values.iter().enumerate() {
            running = match (index, hll_values(value)) {
                (0, Some(first)) => Some(first.to_vec()),
                (_, Some(next)) => running.map(|items| intersect(items, next)),
                (_, None) => None,
            };
            builders[index].push_long(running.as_ref().map(|items| items.len() as i64));
        }
    }
    let mut fields = input.fields.clone();
    for (index, builder) in builders.into_iter().enumerate() {
        crate::engine::operators::push_unique(
            &mut fields,
            Field { name: format!("s{index}"), column: Arc::new(builder.finish()) },
        );
    }
    Ok(Table::from_fields(fields, input.rows))
}

/// The items of `items` that `sorted` (an `hll`'s sorted values) holds.
fn intersect(items: Vec<Dyn>, sorted: &[Dyn]) -> Vec<Dyn> {
    items.into_iter().filter(|item| sorted.binary_search_by(|probe| probe.compare(item)).is_ok()).collect()
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::{run_error, run_query};

    #[test]
    fn reproduces_the_documented_example() {
        let out = run_query(
            "range x from 1 to 100 step 1 \
             | extend isEven = (x % 2 == 0), isMod3 = (x % 3 == 0), isMod5 = (x % 5 == 0) \
             | summarize hll_even = hll(iif(isEven, x, 0), 2), hll_mod3 = hll(iif(isMod3, x, 0), 2), hll_mod5 = hll(iif(isMod5, x, 0), 2) \
             | evaluate dcount_intersect(hll_even, hll_mod3, hll_mod5) \
             | project evenNumbers = s0 - 1, even_and_mod3 = s1 - 1, even_and_mod3_and_mod5 = s2 - 1",
        );
        assert_eq!(out, "evenNumbers:long,even_and_mod3:long,even_and_mod3_and_mod5:long\n50,16,3\n");
    }

    #[test]
    fn keeps_the_input_columns_and_handles_non_sketches() {
        let out = run_query(
            "print x = 1 | summarize a = hll(x) | extend b = dynamic(null), c = dynamic(['x']) \
             | evaluate dcount_intersect(a, b, c) | project s0, s1, s2",
        );
        assert_eq!(out, "s0:long,s1:long,s2:long\n1,,\n");
        let out = run_query(
            "datatable(k: string, v: long) ['a', 1, 'a', 2, 'b', 2] | summarize h = hll(v) by k \
             | extend all = toscalar(datatable(v: long) [2, 3] | summarize hll(v)) \
             | evaluate dcount_intersect(h, all) | order by k asc",
        );
        assert_eq!(out, "k:string,h:dynamic,all:dynamic,s0:long,s1:long\na,[1,2],[2,3],2,1\nb,[2],[2,3],1,1\n");
    }

    #[test]
    fn empty_input_and_too_few_sets() {
        let out = run_query("datatable(h: dynamic) [] | evaluate dcount_intersect(h, h)");
        assert_eq!(out, "h:dynamic,s0:long,s1:long\n");
        let error = run_error("print h = dynamic([1]) | evaluate dcount_intersect(h)");
        assert!(error.contains("2 to 16"), "{error}");
    }
}
