//! `kqlab explain CODE`: print a diagnostic code's documentation.

use anyhow::bail;
use clap::Args;

use crate::cli::{EXIT_FAILURE, EXIT_OK};
use crate::diagnostics::Code;
use crate::diagnostics::codes::TABLE;

/// Arguments of `kqlab explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A code (`KQL0012`), number (`12`) or name (`unexpected-token`).
    pub code: Option<String>,
    /// List every code with its name and severity.
    #[arg(long)]
    pub list: bool,
}

/// Runs `kqlab explain`.
pub fn run(args: ExplainArgs) -> anyhow::Result<i32> {
    if args.list || args.code.is_none() {
        for info in TABLE {
            println!("KQL{:04}  {:<8} {}", info.number, info.severity.as_str(), info.name);
        }
        return Ok(EXIT_OK);
    }
    let text = args.code.unwrap_or_default();
    let Some(code) = Code::lookup(&text) else {
        eprintln!("error: unknown diagnostic code `{text}`");
        eprintln!("help: `kqlab explain --list` shows every code");
        return Ok(EXIT_FAILURE);
    };
    print!("{}", explain_text(code));
    if text.is_empty() {
        bail!("no code given");
    }
    Ok(EXIT_OK)
}

/// The full explanation of `code`, as printed by `kqlab explain`.
pub fn explain_text(code: Code) -> String {
    let info = code.info();
    format!("{code} {} ({})\n\n{}", info.name, info.severity.as_str(), code.explanation())
}
