//! `diagnostic_explain`: the documentation of one diagnostic code, from the
//! code table.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnostics::Code;

/// Parameters of `diagnostic_explain`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// The code: `KQL1002`, `1002` or its name, `unknown-column`.
    pub code: String,
}

/// One row of the code table.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// The code, e.g. `KQL1002`.
    pub code: String,
    /// Kebab-case name of the problem.
    pub name: String,
    /// Default severity: `error`, `warning` or `info`.
    pub severity: String,
    /// What it flags, why, and an example with the fix.
    pub explanation: String,
}

/// Looks `params.code` up; an unknown code is a tool error.
pub fn run(params: Params) -> Result<Output, String> {
    let Some(code) = Code::lookup(&params.code) else {
        return Err(format!(
            "unknown diagnostic code `{}`; codes look like `KQL1002` (as reported by kql_validate)",
            params.code
        ));
    };
    let info = code.info();
    Ok(Output {
        code: code.as_string(),
        name: info.name.to_string(),
        severity: info.severity.as_str().to_string(),
        explanation: code.explanation().trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_found_by_number_and_name() {
        let by_number = run(Params { code: "1002".into() }).unwrap();
        let by_name = run(Params { code: "unknown-column".into() }).unwrap();
        assert_eq!(by_number.code, "KQL1002");
        assert_eq!(by_name.code, "KQL1002");
        assert!(!by_number.explanation.is_empty());
    }

    #[test]
    fn unknown_code_is_an_error() {
        assert!(run(Params { code: "KQL9999".into() }).is_err());
    }
}
