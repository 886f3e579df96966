//! Every scalar function that runs locally, called with awkward arguments
//! (nulls of several types, empty strings, empty and wrong-shaped dynamic
//! values, extreme numbers), in one row and in a column of rows: the engine
//! must give a value or a clear error, never panic and never report an
//! internal error. The analyzer is bypassed on purpose, so the kernels see
//! argument types the analyzer would reject.

use std::panic::{AssertUnwindSafe, catch_unwind};

use kqlab::analysis::catalog::FunctionKind;
use kqlab::engine::support::support_matrix;
use kqlab::engine::table::Database;
use kqlab::engine::{Options, execute};

/// Awkward argument values, as KQL literals.
const AWKWARD: &[&str] = &[
    "int(null)",
    "long(null)",
    "real(null)",
    "datetime(null)",
    "timespan(null)",
    "dynamic(null)",
    "\"\"",
    "dynamic({})",
    "dynamic([])",
    "dynamic([1, \"a\", null, {\"b\": [2]}])",
    "-1",
    "0",
    "9223372036854775807",
    "real(nan)",
    "real(-inf)",
    "datetime(0001-01-01)",
    "\"not a number, date, ip or json {\"",
];

/// A plain value for the positions not being varied.
const ORDINARY: &str = "\"1\"";

/// Functions whose cost grows with a numeric argument (e.g. `repeat(x, n)`
/// or `range()` with a huge count) are still bounded by the row budget; this
/// keeps the sweep fast by giving them a smaller budget.
fn options() -> Options {
    Options { max_rows: 10_000, max_memory: 64 << 20, seed: Some(1), ..Options::default() }
}

#[test]
fn scalar_functions_survive_awkward_arguments() {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(sweep)
        .expect("thread")
        .join()
        .expect("the sweep itself does not panic");
}

fn sweep() {
    let database = Database::new();
    let mut calls = 0usize;
    let mut tally = Tally::default();
    for entry in support_matrix() {
        let function = entry.function;
        if !entry.runs_locally || !matches!(function.kind, FunctionKind::Scalar) {
            continue;
        }
        let (least, most) = function.arity();
        let most = most.min(least + 2).min(4);
        for arity in least..=most {
            for position in 0..arity.max(1) {
                for value in AWKWARD {
                    if arity == 0 && position == 0 && *value != AWKWARD[0] {
                        continue;
                    }
                    let args: Vec<&str> = (0..arity).map(|i| if i == position { *value } else { ORDINARY }).collect();
                    let call = format!("{}({})", function.name, args.join(", "));
                    // One row (constants) and a column of rows (per-row kernels).
                    for query in [
                        format!("print x = {call}"),
                        format!(
                            "range i from 1 to 3 step 1 | extend v = {value} | extend x = {}",
                            call_with_column(function.name.as_str(), &args, position)
                        ),
                    ] {
                        calls += 1;
                        tally.run(&query, &database);
                    }
                }
            }
        }
    }
    let Tally { values, errors, failures } = tally;
    println!("{calls} calls of scalar functions with awkward arguments: {values} values, {errors} clear errors");
    assert!(values + errors > 10_000, "the sweep ran only {} calls", values + errors);
    assert!(failures.is_empty(), "{} of {calls} calls failed badly:\n{}", failures.len(), failures.join("\n"));
}

/// Outcomes of the sweep's queries: a value, a clear error, or a failure
/// (a panic or an internal error) to report.
#[derive(Default)]
struct Tally {
    values: usize,
    errors: usize,
    failures: Vec<String>,
}

impl Tally {
    /// Runs `query` (skipped when it does not parse) and counts the outcome.
    fn run(&mut self, query: &str, database: &Database) {
        let parse = kqlab::parse(query);
        if kqlab::diagnostics::has_errors(&parse.diagnostics) {
            return;
        }
        match catch_unwind(AssertUnwindSafe(|| execute(&parse.query, database, &options(), None))) {
            Err(_) => self.failures.push(format!("panic: {query}")),
            Ok(Err(error)) if error.message.contains("internal error") => {
                self.failures.push(format!("internal error: {query}: {}", error.message))
            }
            Ok(Ok(_)) => self.values += 1,
            Ok(Err(_)) => self.errors += 1,
        }
    }
}

/// The call with the varied argument read from column `v`.
fn call_with_column(name: &str, args: &[&str], position: usize) -> String {
    let args: Vec<&str> = args.iter().enumerate().map(|(i, arg)| if i == position { "v" } else { arg }).collect();
    format!("{name}({})", args.join(", "))
}

#[test]
fn aggregations_survive_awkward_arguments() {
    let database = Database::new();
    let mut tally = Tally::default();
    for entry in support_matrix() {
        let function = entry.function;
        if !entry.runs_locally || !matches!(function.kind, FunctionKind::Aggregate) {
            continue;
        }
        let (least, most) = function.arity();
        for arity in least.max(1)..=most.min(least.max(1) + 2).min(4) {
            for value in AWKWARD {
                let args: Vec<&str> = (0..arity).map(|i| if i == 0 { "v" } else { ORDINARY }).collect();
                for grouping in ["", " by g = i % 2"] {
                    let query = format!(
                        "range i from 1 to 4 step 1 | extend v = {value} | summarize x = {}({}){grouping}",
                        function.name,
                        args.join(", ")
                    );
                    tally.run(&query, &database);
                }
            }
        }
    }
    let Tally { values, errors, failures } = tally;
    println!("aggregations with awkward arguments: {values} values, {errors} clear errors");
    assert!(values + errors > 1_000, "the sweep ran only {} calls", values + errors);
    assert!(failures.is_empty(), "{} calls failed badly:\n{}", failures.len(), failures.join("\n"));
}
