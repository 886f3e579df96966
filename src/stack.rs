//! Running deeply recursive work (parsing, analysis, execution of
//! adversarial input) on a thread with a large stack: a second line of
//! defence behind the parser's own nesting bounds. Shared by the CLI and
//! the MCP server.

/// Runs `work` on a scoped thread with a 64 MB stack and returns its result.
pub fn with_large_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(64 * 1024 * 1024)
            .spawn_scoped(scope, work)
            .expect("spawning the worker thread")
            .join()
            .expect("the parser, analyzer and engine do not panic")
    })
}
