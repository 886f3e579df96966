//! The `kqlab` command line: argument parsing and dispatch to one file per
//! subcommand. Exit codes: 0 no errors, 1 errors found, 2 bad usage or I/O failure.

pub mod commands;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit code: the run found no errors.
pub const EXIT_OK: i32 = 0;
/// Exit code: the run found errors in the checked queries.
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code: bad usage or an I/O failure.
pub const EXIT_FAILURE: i32 = 2;

/// Write, test and verify Microsoft Sentinel KQL detections offline.
#[derive(Debug, Parser)]
#[command(name = "kqlab", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Output format for findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Rustc-style diagnostics for people.
    Text,
    /// One JSON object per line, for machines.
    Json,
    /// One SARIF 2.1.0 log, for GitHub code scanning and other SARIF viewers.
    Sarif,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check KQL files (or folders of them) and report diagnostics.
    Check(commands::check::CheckArgs),
    /// Explain a diagnostic code, e.g. `kqlab explain KQL0012`.
    Explain(commands::explain::ExplainArgs),
    /// Run a query locally against sample tables (CSV, JSON, XML, CEF, syslog or text logs).
    Run(commands::run::RunArgs),
    /// List the built-in functions and plugins and whether each runs locally.
    Functions(commands::functions::FunctionsArgs),
    /// Turn sample files into KQL `datatable` fixtures (or typed JSON/CSV).
    Fixture(commands::fixture::FixtureArgs),
    /// Run the rules' test cases (`NAME.test.yaml`) on their sample data.
    Test(commands::test::TestArgs),
    /// Watch a rules folder: re-check and re-test what changes, on every save.
    Watch(commands::watch::WatchArgs),
    /// Map the rules' tactics and techniques onto the MITRE ATT&CK matrix.
    Coverage(commands::coverage::CoverageArgs),
    /// Run a query or rule in a Log Analytics workspace (read-only), optionally on its test fixtures and compared with the local result.
    Verify(commands::verify::VerifyArgs),
    /// Workspace schemas: pull a workspace's into the schema cache, import, list, show and diff them.
    Schema(commands::schema::SchemaArgs),
    /// Serve the local tools (validate, explain, schemas, functions, rule tests) to an LLM over MCP on stdio.
    Mcp(commands::mcp::McpArgs),
}

/// Parses the process arguments, runs the command and returns the exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { EXIT_FAILURE } else { EXIT_OK };
            let _ = error.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Run(args) => commands::run::run(args),
        Command::Functions(args) => commands::functions::run(args),
        Command::Fixture(args) => commands::fixture::run(args),
        Command::Test(args) => commands::test::run(args),
        Command::Watch(args) => commands::watch::run(args),
        Command::Coverage(args) => commands::coverage::run(args),
        Command::Verify(args) => commands::verify::run(args),
        Command::Schema(args) => commands::schema::run(args),
        Command::Mcp(args) => commands::mcp::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            // A closed pipe (`kqlab check | head`) is not a failure worth reporting.
            let broken_pipe = error
                .chain()
                .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
                .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe);
            if !broken_pipe {
                eprintln!("error: {error:#}");
            }
            EXIT_FAILURE
        }
    }
}
