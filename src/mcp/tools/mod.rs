//! The MCP tools, one file per tool: its parameters (typed, documented for
//! the model), its structured output and the work it does.

pub mod diagnostic_explain;
pub mod functions_search;
pub mod kql_validate;
pub mod rules_test;
pub mod schema_table_get;
pub mod schema_tables_list;

/// Runs `work` on a scoped thread with a 64 MB stack, so that deeply nested
/// input from a model cannot overflow the server's stack.
pub(crate) fn with_large_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(64 * 1024 * 1024)
            .spawn_scoped(scope, work)
            .expect("spawning the worker thread")
            .join()
            .expect("the checker does not panic")
    })
}
