//! The local execution engine: runs an analyzed query against in-memory
//! tables with KQL's semantics.
//!
//! Tables are columnar ([`column::Column`]: typed vectors with validity).
//! Each operator takes a whole table and returns a new one; scalar
//! expressions are lowered against the input's columns
//! ([`expr::Compiled`]) and evaluated over whole columns, with tight loops
//! for the common shapes. Every result is checked against the row and memory
//! budgets and the cancellation flag ([`Options`]).
//!
//! ```
//! use kqlab::engine::{Options, execute};
//! use kqlab::engine::table::Database;
//! let parse = kqlab::parse("range x from 1 to 3 step 1 | summarize total = sum(x)");
//! let tables = execute(&parse.query, &Database::new(), &Options::default(), None).unwrap();
//! assert_eq!(tables[0].row(0)[0].to_kql_string(), "6");
//! ```

pub mod column;
pub mod datum;
pub mod error;
pub mod exec;
pub mod expr;
pub mod functions;
pub mod keys;
pub mod operators;
pub mod output;
pub mod pruning;
pub mod random;
pub mod scope;
pub mod support;
pub mod table;
pub mod time;
pub mod value;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::analysis::schema::Schemas;
use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::table::{Database, NamedTable, Table};
use crate::syntax::ast;

/// Budgets and settings of one query run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The query's `now()`, in ticks (one fixed instant per query).
    pub now: i64,
    /// Most rows any intermediate or final result may have.
    pub max_rows: usize,
    /// Most bytes any intermediate result may hold (approximate).
    pub max_memory: usize,
    /// Set to true (by a timer or the caller) to stop the query.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Seed of `rand()` and `new_guid()` (`None`: different values each run).
    pub seed: Option<u64>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            // 2025-01-01T00:00:00Z unless the caller says otherwise.
            now: crate::syntax::literal::parse_datetime("2025-01-01").unwrap_or(0),
            max_rows: 5_000_000,
            max_memory: 2 << 30,
            cancel: None,
            seed: None,
        }
    }
}

/// Runs `query`'s statements against `database`; returns one table per
/// query statement (several for a statement ending in `fork` or `facet`). With `schemas`, tables the query names but `database`
/// lacks are bound to empty tables of that schema.
pub fn execute(
    query: &ast::Query,
    database: &Database,
    options: &Options,
    schemas: Option<&Schemas>,
) -> ExecResult<Vec<Arc<Table>>> {
    Ok(execute_named(query, database, options, schemas)?.into_iter().map(|result| result.table).collect())
}

/// Like [`execute`], with each table's name: a query statement ending in
/// `fork` or `facet` gives several tables, in order.
pub fn execute_named(
    query: &ast::Query,
    database: &Database,
    options: &Options,
    schemas: Option<&Schemas>,
) -> ExecResult<Vec<NamedTable>> {
    random::start(options.seed);
    let executor = Executor::new(database, options, schemas);
    executor.run_statements(&query.statements, &None)
}
