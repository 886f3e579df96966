//! The schedule of analytics rules (`queryFrequency`, `queryPeriod`, NRT
//! constraints) and the query's time window against it.

use yaml_serde::Value;

use crate::diagnostics::{Code, Diagnostic};
use crate::ruleset::document::{Document, Kind};
use crate::ruleset::yaml_map::Step;
use crate::syntax::token::TokenKind;
use crate::text::Span;

const TICKS_PER_MINUTE: i64 = 600_000_000;
const TICKS_PER_DAY: i64 = 24 * 60 * TICKS_PER_MINUTE;
/// Sentinel's shortest frequency and period.
const MIN_SCHEDULE: i64 = 5 * TICKS_PER_MINUTE;
/// Sentinel's longest frequency and period.
const MAX_SCHEDULE: i64 = 14 * TICKS_PER_DAY;

/// Keys an NRT rule does not use.
const NRT_IGNORED: &[&str] = &["queryFrequency", "queryPeriod", "triggerOperator", "triggerThreshold"];

/// Checks `queryFrequency` and `queryPeriod`, or the NRT constraints, and
/// returns the rule's period in ticks (for the lookback lint).
pub fn check_schedule(document: &Document, out: &mut Vec<Diagnostic>) -> Option<i64> {
    match document.kind {
        Kind::Nrt => {
            for key in NRT_IGNORED {
                if document.value(&[Step::Key(key)]).is_some() {
                    out.push(
                        Diagnostic::new(
                            Code::IgnoredNrtSetting,
                            document.key_span(&[Step::Key(key)]),
                            format!("`{key}` has no effect in an NRT rule"),
                        )
                        .with_help("NRT rules run every minute on newly arrived data and alert on every result; remove it, or make the rule `kind: Scheduled`"),
                    );
                }
            }
            None
        }
        Kind::Scheduled => {
            let frequency = read_duration(document, "queryFrequency", out);
            let period = read_duration(document, "queryPeriod", out);
            if let (Some(frequency), Some(period)) = (frequency, period)
                && frequency > period
            {
                out.push(
                    Diagnostic::new(
                        Code::ScheduleGap,
                        document.span(&[Step::Key("queryFrequency")]),
                        format!(
                            "the rule runs every {} but each run sees only {}: events in between are never examined",
                            describe(frequency),
                            describe(period)
                        ),
                    )
                    .with_help("make `queryPeriod` at least as long as `queryFrequency`"),
                );
            }
            period
        }
        _ => None,
    }
}

/// Reads and range-checks one duration field.
fn read_duration(document: &Document, key: &str, out: &mut Vec<Diagnostic>) -> Option<i64> {
    let path = [Step::Key(key)];
    let value = document.value(&path)?;
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        _ => String::new(),
    };
    let Some(ticks) = parse_duration(&text) else {
        out.push(
            Diagnostic::new(Code::InvalidSchedule, document.span(&path), format!("`{key}` is not a duration"))
                .with_help("write it as minutes, hours or days: `5m`, `1h`, `14d` (or ISO 8601: `PT1H`)"),
        );
        return None;
    };
    if !(MIN_SCHEDULE..=MAX_SCHEDULE).contains(&ticks) {
        out.push(
            Diagnostic::new(
                Code::InvalidSchedule,
                document.span(&path),
                format!("`{key}` is {}; Sentinel accepts 5 minutes to 14 days", describe(ticks)),
            )
            .with_help(if ticks > MAX_SCHEDULE {
                "for longer baselines, keep the period at 14d or move history into a watchlist"
            } else {
                "the shortest schedule is `5m`; use an NRT rule for faster detection"
            }),
        );
        return None;
    }
    Some(ticks)
}

/// A duration as Sentinel's YAML writes it: `5m`, `1h`, `14d` (a whole number
/// and a unit), or ISO 8601 (`PT5M`, `PT1H`, `P1D`, `P1DT12H`). Ticks.
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Some(iso) = text.strip_prefix('P').or_else(|| text.strip_prefix('p')) {
        return parse_iso_duration(iso);
    }
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().ok()?;
    let unit_ticks = match unit {
        "m" => TICKS_PER_MINUTE,
        "h" => 60 * TICKS_PER_MINUTE,
        "d" => TICKS_PER_DAY,
        _ => return None,
    };
    number.checked_mul(unit_ticks)
}

fn parse_iso_duration(text: &str) -> Option<i64> {
    let mut ticks: i64 = 0;
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for character in text.chars() {
        match character {
            'T' | 't' if number.is_empty() => in_time = true,
            '0'..='9' | '.' => number.push(character),
            unit => {
                let value: f64 = number.parse().ok()?;
                number.clear();
                let unit_ticks = match (in_time, unit.to_ascii_uppercase()) {
                    (false, 'D') => TICKS_PER_DAY,
                    (false, 'W') => 7 * TICKS_PER_DAY,
                    (true, 'H') => 60 * TICKS_PER_MINUTE,
                    (true, 'M') => TICKS_PER_MINUTE,
                    (true, 'S') => 10_000_000,
                    _ => return None,
                };
                ticks = ticks.checked_add((value * unit_ticks as f64) as i64)?;
                any = true;
            }
        }
    }
    (any && number.is_empty()).then_some(ticks)
}

/// `1h`, `14d`, `90m`, as people read durations.
pub fn describe(ticks: i64) -> String {
    if ticks % TICKS_PER_DAY == 0 {
        format!("{}d", ticks / TICKS_PER_DAY)
    } else if ticks % (60 * TICKS_PER_MINUTE) == 0 {
        format!("{}h", ticks / (60 * TICKS_PER_MINUTE))
    } else if ticks % TICKS_PER_MINUTE == 0 {
        format!("{}m", ticks / TICKS_PER_MINUTE)
    } else {
        format!("{}s", ticks / 10_000_000)
    }
}

/// One `ago(...)` in a query: its span in the query text and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lookback {
    pub span: Span,
    pub ticks: i64,
}

/// The `ago(X)` windows of a query, where `X` is a timespan literal or a
/// `let` name bound to one.
pub fn lookbacks(text: &str) -> Vec<Lookback> {
    let lexed = crate::syntax::lexer::lex(text);
    let tokens = &lexed.tokens;
    let word = |index: usize| &text[tokens[index].span.range()];
    let timespan = |index: usize| -> Option<i64> {
        match tokens.get(index)?.kind {
            TokenKind::Timespan => crate::syntax::literal::parse_timespan(word(index)),
            TokenKind::TypedLiteral if word(index).starts_with("timespan(") || word(index).starts_with("time(") => {
                let body = word(index).split_once('(')?.1.strip_suffix(')')?;
                crate::syntax::literal::parse_timespan(body)
            }
            _ => None,
        }
    };
    // `let name = 14d;`
    let mut bound: Vec<(&str, i64)> = Vec::new();
    for index in 0..tokens.len().saturating_sub(4) {
        if tokens[index].kind == TokenKind::Ident
            && word(index) == "let"
            && tokens[index + 1].kind == TokenKind::Ident
            && tokens[index + 2].kind == TokenKind::Assign
            && tokens[index + 4].kind == TokenKind::Semicolon
            && let Some(ticks) = timespan(index + 3)
        {
            bound.push((word(index + 1), ticks));
        }
    }
    let mut found = Vec::new();
    for index in 0..tokens.len().saturating_sub(3) {
        if tokens[index].kind != TokenKind::Ident
            || word(index) != "ago"
            || tokens[index + 1].kind != TokenKind::OpenParen
            || tokens[index + 3].kind != TokenKind::CloseParen
        {
            continue;
        }
        let argument = index + 2;
        let ticks = timespan(argument).or_else(|| {
            (tokens[argument].kind == TokenKind::Ident)
                .then(|| bound.iter().rev().find(|(name, _)| *name == word(argument)).map(|(_, t)| *t))
                .flatten()
        });
        if let Some(ticks) = ticks {
            found.push(Lookback { span: tokens[index].span.to(tokens[index + 3].span), ticks });
        }
    }
    found
}

/// Warns about `ago(X)` windows longer than the rule's `queryPeriod`.
pub fn check_lookback(document: &Document, period: i64, out: &mut Vec<Diagnostic>) {
    let Some(query) = &document.query else { return };
    let nrt = document.kind == Kind::Nrt;
    for lookback in lookbacks(&query.text) {
        if lookback.ticks <= period {
            continue;
        }
        let (message, help) = if nrt {
            (
                format!(
                    "the query looks back {} but an NRT rule sees only the events ingested in the last minute",
                    describe(lookback.ticks)
                ),
                "drop the time filter, or make the rule `kind: Scheduled` with a `queryPeriod` that covers it"
                    .to_string(),
            )
        } else {
            (
                format!(
                    "the query looks back {} but the rule's `queryPeriod` is {}: Sentinel gives each run only {} of data",
                    describe(lookback.ticks),
                    describe(period),
                    describe(period)
                ),
                if lookback.ticks <= MAX_SCHEDULE {
                    format!("raise `queryPeriod` to {}, or shorten the window", describe(lookback.ticks))
                } else {
                    "shorten the window to at most 14d (Sentinel's longest period), and raise `queryPeriod` to match"
                        .to_string()
                },
            )
        };
        out.push(Diagnostic::new(Code::LookbackBeyondPeriod, query.map_span(lookback.span), message).with_help(help));
    }
}

/// The window of data an NRT rule's query sees: the last minute of ingestion.
pub const NRT_WINDOW: i64 = TICKS_PER_MINUTE;

/// Functions whose use shows a query limits its time range.
const TIME_FUNCTIONS: &[&str] =
    &["ago", "now", "startofday", "startofweek", "startofmonth", "startofyear", "endofday", "endofweek"];

/// Parameters and `let` names that hunting queries use for their window.
const TIME_NAMES: &[&str] = &["starttime", "endtime", "lookback", "timeframe", "timerange", "query_period"];

/// Columns a time filter compares.
const TIME_COLUMNS: &[&str] = &["TimeGenerated", "Timestamp", "timestamp", "EventTime", "StartTime", "EndTime"];

/// Notes a hunting query that never limits its time range: no `ago()`,
/// `now()` or `startof...()` call, no datetime literal, no window parameter,
/// and no time column compared (`TimeGenerated >`, `between`, `in`), so
/// `min(TimeGenerated)` alone is not a filter.
pub fn check_time_filter(document: &Document, out: &mut Vec<Diagnostic>) {
    let Some(query) = &document.query else { return };
    let lexed = crate::syntax::lexer::lex(&query.text);
    let tokens = &lexed.tokens;
    let word = |index: usize| &query.text[tokens[index].span.range()];
    let compares = |index: Option<usize>| {
        index.and_then(|i| tokens.get(i)).is_some_and(|token| {
            matches!(token.kind, TokenKind::Gt | TokenKind::Ge | TokenKind::Lt | TokenKind::Le)
                || token.kind == TokenKind::Ident
                    && matches!(&query.text[token.span.range()], "between" | "!between" | "in")
        })
    };
    let limited = (0..tokens.len()).any(|index| {
        let token = tokens[index];
        match token.kind {
            TokenKind::TypedLiteral => word(index).starts_with("datetime"),
            TokenKind::Ident => {
                let text = word(index);
                let call = tokens.get(index + 1).is_some_and(|next| next.kind == TokenKind::OpenParen);
                (call && TIME_FUNCTIONS.contains(&text))
                    || TIME_NAMES.contains(&text)
                    || TIME_COLUMNS.contains(&text) && (compares(Some(index + 1)) || compares(index.checked_sub(1)))
            }
            _ => false,
        }
    });
    if !limited {
        out.push(
            Diagnostic::new(Code::NoTimeFilter, query.map_span(Span::empty(0)), "the query has no time filter")
                .with_help("add `| where TimeGenerated > ago(1d)` (or the window the hunt needs) after each table"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{describe, lookbacks, parse_duration};

    #[test]
    fn durations_in_both_notations() {
        assert_eq!(parse_duration("5m").map(describe).as_deref(), Some("5m"));
        assert_eq!(parse_duration("14d").map(describe).as_deref(), Some("14d"));
        assert_eq!(parse_duration("PT1H").map(describe).as_deref(), Some("1h"));
        assert_eq!(parse_duration("P1DT12H").map(describe).as_deref(), Some("36h"));
        assert_eq!(parse_duration("1x"), None);
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("PT"), None);
    }

    #[test]
    fn an_aggregate_of_time_generated_is_not_a_time_filter() {
        use crate::ruleset::document::Document;
        let hunt = |query: &str| {
            let text = format!("id: x\nname: h\nquery: |\n  {query}\n");
            let document = Document::load(std::path::Path::new("h.yaml"), text);
            let mut out = Vec::new();
            super::check_time_filter(&document, &mut out);
            out.len()
        };
        assert_eq!(hunt("SecurityEvent | summarize StartTime = min(TimeGenerated) by Computer"), 1);
        assert_eq!(hunt("SecurityEvent | where TimeGenerated >= ago(1d)"), 0);
        assert_eq!(hunt("SecurityEvent | where TimeGenerated between (starttime .. endtime)"), 0);
        assert_eq!(hunt("SecurityEvent | where TimeGenerated > datetime(2024-01-01)"), 0);
    }

    #[test]
    fn lookbacks_follow_let_bound_timespans() {
        let text = "let window = 14d;\nT | where TimeGenerated > ago(window) and x > ago(1h)";
        let found: Vec<String> = lookbacks(text).iter().map(|l| describe(l.ticks)).collect();
        assert_eq!(found, vec!["14d", "1h"]);
    }
}
