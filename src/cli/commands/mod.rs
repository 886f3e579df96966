//! One module per subcommand.

pub mod check;
pub mod coverage;
pub mod explain;
pub mod fixture;
pub mod functions;
pub mod mcp;
pub mod run;
pub mod schema;
pub mod test;
pub mod verify;
pub mod watch;
