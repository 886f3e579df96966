//! Running deeply recursive work (parsing, analysis, execution of
//! adversarial input) on a thread with a large stack: a second line of
//! defence behind the parser's own nesting bounds. Shared by the CLI and
//! the MCP server.

use std::cell::Cell;

/// The stack size of the threads that parse, analyse and execute.
pub const LARGE_STACK_BYTES: usize = 64 * 1024 * 1024;

thread_local! {
    /// Set on threads that already have [`LARGE_STACK_BYTES`] of stack.
    static ON_LARGE_STACK: Cell<bool> = const { Cell::new(false) };
}

/// Runs `work` on a thread with a 64 MB stack and returns its result: on
/// this thread when it already has one (see [`mark_large_stack`]), else on
/// a new scoped thread.
pub fn with_large_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    if ON_LARGE_STACK.get() {
        return work();
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(LARGE_STACK_BYTES)
            .spawn_scoped(scope, || {
                mark_large_stack();
                work()
            })
            .expect("spawning the worker thread")
            .join()
            .expect("the parser, analyzer and engine do not panic")
    })
}

/// Records that the current thread was made with [`LARGE_STACK_BYTES`] of
/// stack, so [`with_large_stack`] runs work on it directly. The MCP
/// server's blocking threads are made so: a thread per tool call would add
/// a third of a millisecond to a `kql_validate`.
pub fn mark_large_stack() {
    ON_LARGE_STACK.set(true);
}
