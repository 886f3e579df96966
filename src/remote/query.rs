//! The Log Analytics query API: `POST {endpoint}/v1/workspaces/{id}/query`
//! with `{"query", "timespan"}`, answered by `{"tables": [...]}` and, for a
//! partial result, a top-level `error` beside the tables.
//!
//! Control commands (`.show`, `.drop`, ...) are refused before anything is
//! sent. Results are capped in rows and bytes, and a cut is flagged; partial
//! errors, throttling and service errors become diagnostics
//! ([`QueryResult::diagnostics`], [`error_diagnostic`]), never dropped.

use std::time::Duration;

use serde_json::{Value as Json, json};

use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::engine::table::Table;
use crate::remote::client::{Client, Retry};
use crate::remote::config::join;
use crate::remote::{Error, redact};
use crate::text::Span;

/// A query to run remotely.
#[derive(Debug, Clone)]
pub struct QueryRequest {
    /// The full text sent (fixtures and functions already inlined).
    pub query: String,
    /// An ISO 8601 duration (`P1D`, `PT12H`) or interval the service applies
    /// to `TimeGenerated` on top of the query's own filters.
    pub timespan: Option<String>,
    /// Rows kept per table; more are cut and flagged.
    pub max_rows: usize,
    /// Bytes of row data kept per result (as JSON); more are cut and flagged.
    pub max_bytes: usize,
    /// Ask for the service's query statistics (`Prefer: include-statistics=true`).
    pub statistics: bool,
}

impl QueryRequest {
    /// A request with default caps (10,000 rows, 16 MB).
    pub fn new(query: impl Into<String>) -> QueryRequest {
        QueryRequest { query: query.into(), timespan: None, max_rows: 10_000, max_bytes: 16 << 20, statistics: false }
    }
}

/// One result table, as the API sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultTable {
    pub name: String,
    /// `(name, type)` per column; types are KQL type names.
    pub columns: Vec<(String, String)>,
    /// One array of JSON values per row.
    pub rows: Vec<Vec<Json>>,
}

/// Why rows were cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truncation {
    pub table: String,
    pub kept: usize,
    pub total: usize,
    /// `rows` or `bytes`: which cap cut it.
    pub cap: &'static str,
}

/// The outcome of a query the service ran.
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub tables: Vec<ResultTable>,
    /// A non-fatal error beside the tables: the result may be incomplete.
    pub partial_error: Option<ApiError>,
    pub truncated: Vec<Truncation>,
    /// Waits imposed by throttling (429) or unavailability (5xx).
    pub retries: Vec<Retry>,
    pub request_id: Option<String>,
    /// The service's `statistics` object, when asked for.
    pub statistics: Option<Json>,
}

/// An error object of the API (`{"error": {"code", "message", "details",
/// "innererror"}}`), flattened: every code and message down the chain, and
/// the innermost position in the query when the service gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    /// `(code, message)` of the inner errors and details, outermost first.
    pub inner: Vec<(String, String)>,
    /// 1-based line and 0-based position in the query text.
    pub line: Option<u32>,
    pub pos: Option<u32>,
}

/// Refuses control commands: text whose first token (after whitespace and
/// `//` comments) starts with `.`.
pub fn check_read_only(query: &str) -> Result<(), Error> {
    let mut rest = query.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        if let Some(comment) = rest.strip_prefix("//") {
            rest = comment.split_once('\n').map_or("", |(_, after)| after);
            continue;
        }
        break;
    }
    if rest.starts_with('.') {
        let command: String = rest.chars().take_while(|c| !c.is_whitespace()).take(40).collect();
        return Err(Error::ControlCommand(command));
    }
    Ok(())
}

/// Runs a query in the client's workspace.
pub fn run_query(client: &Client, request: &QueryRequest) -> Result<QueryResult, Error> {
    check_read_only(&request.query)?;
    let id = client.workspace.require_id()?;
    let url = join(&client.workspace.endpoints.log_analytics, &format!("/v1/workspaces/{id}/query"));
    let mut body = json!({ "query": request.query });
    if let Some(timespan) = &request.timespan {
        body["timespan"] = Json::String(timespan.clone());
    }
    // Ask the service to run as long as we wait (its default is 3 minutes).
    let wait = client.policy.timeout.saturating_sub(Duration::from_secs(10)).as_secs().clamp(30, 600);
    let scope = client.workspace.endpoints.log_analytics_scope.clone();
    let prefer =
        if request.statistics { format!("wait={wait}, include-statistics=true") } else { format!("wait={wait}") };
    let response = client.post_query(&url, &scope, &body, Some(prefer))?;
    parse_response(&response.body, request, response.retries, response.request_id, &format!("POST {}", url.path()))
}

/// Reads a query response body.
pub fn parse_response(
    body: &Json,
    request: &QueryRequest,
    retries: Vec<Retry>,
    request_id: Option<String>,
    context: &str,
) -> Result<QueryResult, Error> {
    let bad = |message: String| Error::Response { context: context.to_string(), message };
    let tables = body.get("tables").and_then(Json::as_array).ok_or_else(|| bad("no `tables`".into()))?;
    let mut result = QueryResult {
        tables: Vec::new(),
        partial_error: body.get("error").and_then(ApiError::from_object),
        truncated: Vec::new(),
        retries,
        request_id,
        statistics: body.get("statistics").cloned(),
    };
    let mut bytes_left = request.max_bytes;
    for (index, table) in tables.iter().enumerate() {
        let name = table.get("name").and_then(Json::as_str).map_or_else(|| format!("Table_{index}"), str::to_string);
        let columns =
            table.get("columns").and_then(Json::as_array).ok_or_else(|| bad(format!("`{name}` has no `columns`")))?;
        let columns: Vec<(String, String)> = columns
            .iter()
            .map(|column| {
                let text = |key: &str| column.get(key).and_then(Json::as_str).unwrap_or_default().to_string();
                let ty = column.get("type").or_else(|| column.get("ColumnType")).and_then(Json::as_str);
                (text("name"), ty.unwrap_or("string").to_ascii_lowercase())
            })
            .collect();
        let rows = table.get("rows").and_then(Json::as_array).ok_or_else(|| bad(format!("`{name}` has no `rows`")))?;
        let mut kept = Vec::new();
        let mut cap = None;
        for row in rows {
            let Some(cells) = row.as_array() else { return Err(bad(format!("a row of `{name}` is not an array"))) };
            if kept.len() == request.max_rows {
                cap = Some("rows");
                break;
            }
            let size = row.to_string().len();
            if size > bytes_left {
                cap = Some("bytes");
                break;
            }
            bytes_left -= size;
            kept.push(cells.clone());
        }
        if let Some(cap) = cap {
            result.truncated.push(Truncation { table: name.clone(), kept: kept.len(), total: rows.len(), cap });
        }
        result.tables.push(ResultTable { name, columns, rows: kept });
    }
    Ok(result)
}

impl ResultTable {
    /// The table as a kqlab table, typed by its columns.
    pub fn to_table(&self) -> Result<Table, String> {
        let columns: Vec<Json> = self.columns.iter().map(|(name, ty)| json!({"name": name, "type": ty})).collect();
        let text = json!({"tables": [{"name": self.name, "columns": columns, "rows": self.rows}]}).to_string();
        let imported = crate::import::json::import_json("<remote result>", &text, None).map_err(|e| e.to_string())?;
        Ok(imported.table)
    }
}

impl QueryResult {
    /// Partial errors, cuts and throttling as diagnostics at `span` (the query).
    pub fn diagnostics(&self, span: Span) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        if let Some(error) = &self.partial_error {
            diagnostics.push(
                Diagnostic::new(Code::PartialResult, span, format!("the result is partial: {}", error.summary()))
                    .with_help("the service stopped before the end; narrow the query (time range, filters, `take`)"),
            );
        }
        for cut in &self.truncated {
            diagnostics.push(
                Diagnostic::new(
                    Code::ResultTruncated,
                    span,
                    format!(
                        "`{}` has {} rows; kqlab kept the first {} (the {} cap)",
                        cut.table, cut.total, cut.kept, cut.cap
                    ),
                )
                .with_help("raise `--max-rows`, or narrow the query"),
            );
        }
        if !self.retries.is_empty() {
            let waited: Duration = self.retries.iter().map(|retry| retry.waited).sum();
            let statuses: Vec<String> = self
                .retries
                .iter()
                .map(|retry| if retry.status == 0 { "no connection".to_string() } else { retry.status.to_string() })
                .collect();
            diagnostics.push(
                Diagnostic::new(
                    Code::Throttled,
                    span,
                    format!(
                        "the service was busy ({}); kqlab retried {} time{} and waited {:.1} s",
                        statuses.join(", "),
                        self.retries.len(),
                        if self.retries.len() == 1 { "" } else { "s" },
                        waited.as_secs_f64()
                    ),
                )
                .with_help("throttling comes from many queries at once; space runs out"),
            );
        }
        diagnostics
    }
}

/// A remote failure that concerns the query as a diagnostic: a control
/// command, an error the service found in the query, or throttling that
/// outlasted the retries. `span_of` maps the service's 1-based line and
/// 0-based position in the sent text to a span. Other failures (network,
/// sign-in, configuration) are `None`: they are tool errors.
pub fn error_diagnostic(error: &Error, whole: Span, span_of: &dyn Fn(u32, u32) -> Option<Span>) -> Option<Diagnostic> {
    match error {
        Error::ControlCommand(command) => Some(
            Diagnostic::new(
                Code::ControlCommand,
                whole,
                format!("`{command}` is a control command; kqlab only sends queries"),
            )
            .with_help("verify runs read-only queries; run control commands in the Azure portal or with `az`"),
        ),
        Error::Api { status, error: api, .. } if (400..500).contains(status) && ![401, 403, 404].contains(status) => {
            let span = match (api.line, api.pos) {
                (Some(line), Some(pos)) => span_of(line, pos).unwrap_or(whole),
                _ => whole,
            };
            Some(Diagnostic::new(
                Code::RemoteQueryError,
                span,
                format!("Log Analytics rejected the query: {}", api.summary()),
            ))
        }
        Error::Throttled { status, attempts, retry_after, .. } => Some(
            Diagnostic::new(
                Code::Throttled,
                whole,
                format!(
                    "the service answered {status} to all {attempts} attempts{}",
                    retry_after.map_or(String::new(), |wait| format!("; it asks to wait {} s", wait.as_secs()))
                ),
            )
            .with_severity(Severity::Error)
            .with_help("wait and run again; throttling comes from many queries at once"),
        ),
        _ => None,
    }
}

/// An error object's children: its inner error, then its details.
fn push_children<'a>(value: &'a Json, stack: &mut Vec<&'a Json>) {
    if let Some(inner) = value.get("innererror").or_else(|| value.get("innerError")) {
        stack.push(inner);
    }
    if let Some(details) = value.get("details").and_then(Json::as_array) {
        stack.extend(details.iter());
    }
}

impl ApiError {
    /// The `error` member of a response body.
    pub fn from_json(body: &Json) -> Option<ApiError> {
        body.get("error").and_then(ApiError::from_object)
    }

    /// An error object (`{"code", "message", ...}`).
    pub fn from_object(object: &Json) -> Option<ApiError> {
        let text = |value: &Json, key: &str| value.get(key).and_then(Json::as_str).unwrap_or_default().to_string();
        if !object.is_object() {
            return None;
        }
        let mut error = ApiError {
            code: text(object, "code"),
            message: text(object, "message"),
            inner: Vec::new(),
            line: None,
            pos: None,
        };
        let mut stack: Vec<&Json> = Vec::new();
        // Depth-first, inner errors before details, bounded against hostile nesting.
        let mut children = Vec::new();
        push_children(object, &mut children);
        stack.extend(children.into_iter().rev());
        let mut seen = 0;
        while let Some(value) = stack.pop() {
            seen += 1;
            if seen > 64 {
                break;
            }
            let (code, message) = (text(value, "code"), text(value, "message"));
            if !code.is_empty() || !message.is_empty() {
                error.inner.push((code, message));
            }
            if let Some(line) = value.get("line").and_then(Json::as_u64) {
                error.line = u32::try_from(line).ok();
                error.pos = value.get("pos").and_then(Json::as_u64).and_then(|p| u32::try_from(p).ok());
            }
            let mut children = Vec::new();
            push_children(value, &mut children);
            stack.extend(children.into_iter().rev());
        }
        Some(error)
    }

    /// An error whose body is not the documented JSON.
    pub fn plain(reason: &str, body: &[u8]) -> ApiError {
        let text = String::from_utf8_lossy(body);
        let text: String = text.trim().chars().take(300).collect();
        ApiError { code: reason.to_string(), message: text, inner: Vec::new(), line: None, pos: None }
    }

    /// One line: every code and message, outermost first, repeats left out.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for (code, message) in
            std::iter::once((&self.code, &self.message)).chain(self.inner.iter().map(|(c, m)| (c, m)))
        {
            let part = match (code.is_empty(), message.is_empty()) {
                (false, false) => format!("{code}: {message}"),
                (false, true) => code.clone(),
                (true, false) => message.clone(),
                (true, true) => continue,
            };
            if !parts.contains(&part) {
                parts.push(part);
            }
        }
        if parts.is_empty() { "no details".to_string() } else { parts.join("; ") }
    }

    /// The error with `secrets` scrubbed from every text.
    pub fn redacted(mut self, secrets: &[String]) -> ApiError {
        self.code = redact(&self.code, secrets);
        self.message = redact(&self.message, secrets);
        for (code, message) in &mut self.inner {
            *code = redact(code, secrets);
            *message = redact(message, secrets);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_commands_are_refused_after_comments_and_blanks() {
        assert!(check_read_only("SigninLogs | take 1").is_ok());
        assert!(check_read_only("// .drop table T\nT | take 1").is_ok());
        let error = check_read_only("\n  // comment\n   .drop table SigninLogs").unwrap_err();
        assert_eq!(error.to_string(), "`.drop` is a control command; kqlab only runs queries (read-only)");
        assert!(check_read_only("\u{feff}.show tables").is_err());
        assert!(check_read_only("// only a comment").is_ok());
    }

    #[test]
    fn nested_errors_flatten_with_the_innermost_position() {
        let body: Json = serde_json::from_str(
            r#"{"error": {"code": "BadArgumentError", "message": "The request had some invalid properties",
                "innererror": {"code": "SyntaxError", "message": "A recognition error occurred in the query.",
                  "innererror": {"code": "SYN0002", "message": "Query could not be parsed at 'wher' on line [1,10]",
                                 "line": 1, "pos": 10, "token": "wher"}}}}"#,
        )
        .unwrap();
        let error = ApiError::from_json(&body).unwrap();
        assert_eq!((error.line, error.pos), (Some(1), Some(10)));
        assert_eq!(
            error.summary(),
            "BadArgumentError: The request had some invalid properties; SyntaxError: A recognition error occurred in the query.; SYN0002: Query could not be parsed at 'wher' on line [1,10]"
        );
    }

    #[test]
    fn rows_past_a_cap_are_cut_and_flagged() {
        let body = json!({"tables": [{"name": "PrimaryResult", "columns": [{"name": "n", "type": "long"}],
            "rows": [[1], [2], [3]]}]});
        let mut request = QueryRequest::new("T");
        request.max_rows = 2;
        let result = parse_response(&body, &request, Vec::new(), None, "POST").unwrap();
        assert_eq!(result.tables[0].rows.len(), 2);
        assert_eq!(result.truncated, [Truncation { table: "PrimaryResult".into(), kept: 2, total: 3, cap: "rows" }]);
        request.max_rows = 10;
        request.max_bytes = 7;
        let result = parse_response(&body, &request, Vec::new(), None, "POST").unwrap();
        assert_eq!(result.truncated[0].kept, 2);
        assert_eq!(result.truncated[0].cap, "bytes");
        let table = result.tables[0].to_table().unwrap();
        assert_eq!(table.rows, 2);
    }
}
