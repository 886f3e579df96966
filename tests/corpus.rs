//! Corpus tests: every real Sentinel query in `tests/data/corpus` parses
//! without panicking, every diagnostic points inside its query, and kqlab's
//! syntax verdict agrees with Microsoft's official parser; the analyzer's
//! verdicts and output schemas agree with Microsoft's binder except for the
//! disagreements listed, with reasons, in `analyzer-disagreements.tsv`.

use serde_json::Value;

struct Record {
    id: String,
    query: String,
    oracle_syntax_ok: bool,
    /// The whole record (semantic verdicts, output schema, parser params).
    value: Value,
}

fn load_corpus() -> Vec<Record> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/corpus/sentinel-queries.jsonl"))
            .expect("the corpus is in the repository");
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: Value = serde_json::from_str(line).expect("each corpus line is JSON");
            Record {
                id: value["id"].as_str().unwrap_or_default().to_string(),
                query: value["query"].as_str().expect("each record has a query").to_string(),
                oracle_syntax_ok: value["oracle_syntax_ok"].as_bool().expect("each record has a verdict"),
                value,
            }
        })
        .collect()
}

#[test]
fn corpus_syntax_verdicts_agree_with_the_official_parser() {
    let corpus = load_corpus();
    assert_eq!(corpus.len(), 2409);
    let mut wrongly_rejected = Vec::new();
    let mut wrongly_accepted = Vec::new();
    let (mut n_accepted, mut n_rejected) = (0, 0);
    for record in &corpus {
        let parse = kqlab::parse(&record.query);
        for diagnostic in &parse.diagnostics {
            let span = diagnostic.span;
            assert!(
                span.start <= span.end && span.end as usize <= record.query.len(),
                "{}: span {:?} outside the query",
                record.id,
                span
            );
            assert!(
                record.query.is_char_boundary(span.start as usize) && record.query.is_char_boundary(span.end as usize)
            );
        }
        let ok = !kqlab::diagnostics::has_errors(&parse.diagnostics);
        if record.oracle_syntax_ok {
            n_accepted += 1;
            if !ok {
                wrongly_rejected.push(format!("{}: {}", record.id, parse.diagnostics[0].message));
            }
        } else {
            n_rejected += 1;
            if ok {
                wrongly_accepted.push(record.id.clone());
            }
        }
    }
    println!(
        "official parser accepts {n_accepted}: kqlab rejects {}; official parser rejects {n_rejected}: kqlab accepts {}",
        wrongly_rejected.len(),
        wrongly_accepted.len()
    );
    // Ratchet: today kqlab agrees on every query. The floor is 99.8% / 90%.
    assert!(
        wrongly_rejected.is_empty(),
        "kqlab rejects queries the official parser accepts:\n{}",
        wrongly_rejected.join("\n")
    );
    assert!(wrongly_accepted.is_empty(), "kqlab accepts queries the official parser rejects: {wrongly_accepted:?}");
}

#[test]
fn corpus_queries_survive_truncation_at_every_token() {
    // Cutting a real query anywhere must give diagnostics, never a panic.
    let corpus = load_corpus();
    for record in corpus.iter().step_by(40) {
        let lexed = kqlab::syntax::lexer::lex(&record.query);
        for token in lexed.tokens.iter().step_by(3) {
            let prefix = &record.query[..token.span.start as usize];
            let parse = kqlab::parse(prefix);
            for diagnostic in &parse.diagnostics {
                assert!(diagnostic.span.end as usize <= prefix.len());
            }
        }
    }
}

/// The text analysed before a parser's query: its parameters as `let`s.
fn prelude(record: &Value) -> String {
    if record["kind"] != "parser" {
        return String::new();
    }
    kqlab::analysis::parser_prelude_from_json(&record["parser_ParserParams"])
}

/// The UTF-16 offset (Microsoft's diagnostics count UTF-16 code units) of a
/// byte offset into `text`.
fn utf16_offset(text: &str, byte_offset: usize) -> usize {
    let mut end = byte_offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].encode_utf16().count()
}

#[test]
fn corpus_semantic_verdicts_and_output_schemas_agree_with_the_official_binder() {
    let globals = kqlab::analysis::Globals::builtin();
    let listed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/corpus/analyzer-disagreements.tsv");
    let listed_text = std::fs::read_to_string(listed_path).expect("the disagreement list is in the repository");
    let listed: std::collections::BTreeSet<(String, String)> = listed_text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let mut fields = line.split('\t');
            let id = fields.next().unwrap_or_default().to_string();
            let kind = fields.next().unwrap_or_default().to_string();
            (id, kind)
        })
        .collect();
    let (mut accepted, mut accepted_clean, mut rejected, mut rejected_flagged) = (0usize, 0usize, 0usize, 0usize);
    let (mut schemas, mut schemas_equal) = (0usize, 0usize);
    // Microsoft's unknown-name errors (KS142 unknown column or name, KS204
    // unknown table) on queries it rejects, and how many of them kqlab
    // reports at the same place.
    let (mut unknown_names, mut unknown_names_same_place) = (0usize, 0usize);
    let mut found = std::collections::BTreeSet::new();
    for record in load_corpus() {
        let prelude = prelude(&record.value);
        let text = format!("{prelude}{}", record.query);
        let parse = kqlab::parse(&text);
        let analysis = kqlab::analysis::analyze(&parse.query, &globals);
        let has_errors =
            kqlab::diagnostics::has_errors(&parse.diagnostics) || kqlab::diagnostics::has_errors(&analysis.diagnostics);
        if record.value["oracle_semantic_ok"].as_bool().expect("semantic verdict") {
            accepted += 1;
            if has_errors {
                found.insert((record.id.clone(), "error-not-in-official".to_string()));
            } else {
                accepted_clean += 1;
            }
            if let Some(expected) = record.value["oracle_output_schema"].as_array() {
                schemas += 1;
                let expected: Vec<(String, String)> = expected
                    .iter()
                    .map(|c| {
                        (c["name"].as_str().unwrap_or("").to_string(), c["type"].as_str().unwrap_or("").to_string())
                    })
                    .collect();
                let actual: Vec<(String, String)> = match &analysis.output {
                    Some(kqlab::analysis::Output::Table(table)) => {
                        table.columns.iter().map(|c| (c.name.clone(), c.ty.to_string())).collect()
                    }
                    Some(kqlab::analysis::Output::Scalar(ty)) => vec![("print_0".to_string(), ty.to_string())],
                    None => Vec::new(),
                };
                if actual == expected {
                    schemas_equal += 1;
                } else {
                    found.insert((record.id.clone(), "output-schema".to_string()));
                }
            }
        } else {
            rejected += 1;
            let ours: std::collections::BTreeSet<usize> = analysis
                .diagnostics
                .iter()
                .filter(|d| {
                    matches!(d.code, kqlab::diagnostics::Code::UnknownTable | kqlab::diagnostics::Code::UnknownColumn)
                })
                .filter_map(|d| (d.span.start as usize).checked_sub(prelude.len()))
                .map(|start| utf16_offset(&record.query, start))
                .collect();
            for official in record.value["oracle_diagnostics"].as_array().into_iter().flatten() {
                if matches!(official["code"].as_str(), Some("KS142" | "KS204")) {
                    unknown_names += 1;
                    if official["start"].as_u64().is_some_and(|start| ours.contains(&(start as usize))) {
                        unknown_names_same_place += 1;
                    }
                }
            }
            if has_errors {
                rejected_flagged += 1;
            } else {
                found.insert((record.id.clone(), "official-error-missed".to_string()));
            }
        }
    }
    let percent = |part: usize, whole: usize| 100.0 * part as f64 / whole.max(1) as f64;
    println!(
        "accepted without error {accepted_clean}/{accepted} ({:.2}%), rejected with error {rejected_flagged}/{rejected} ({:.2}%), output schema equal {schemas_equal}/{schemas} ({:.2}%), unknown-name errors at the same place {unknown_names_same_place}/{unknown_names}",
        percent(accepted_clean, accepted),
        percent(rejected_flagged, rejected),
        percent(schemas_equal, schemas)
    );
    assert!(percent(accepted_clean, accepted) >= 99.0, "false errors on queries Microsoft accepts");
    assert!(percent(rejected_flagged, rejected) >= 90.0, "missed errors on queries Microsoft rejects");
    assert!(percent(schemas_equal, schemas) >= 99.9, "output schemas differ from Microsoft's");
    // Ratchet: raise it when kqlab places more unknown-name errors where Microsoft does.
    assert!(
        unknown_names_same_place >= 344,
        "unknown-name errors at the same place as Microsoft: {unknown_names_same_place}/{unknown_names}, expected at least 344"
    );
    let new: Vec<_> = found.difference(&listed).collect();
    let fixed: Vec<_> = listed.difference(&found).collect();
    assert!(
        new.is_empty() && fixed.is_empty(),
        "the disagreements changed; update tests/data/corpus/analyzer-disagreements.tsv\nnew: {new:?}\nno longer disagreeing: {fixed:?}"
    );
}

/// Ratchet for the execution test below: raise it when more queries run.
const MIN_EXECUTED: usize = 2230;
/// Queries that end without a "not supported locally" or internal error.
const MIN_SUPPORTED: usize = 2246;

/// Every query Microsoft's binder accepts is executed with `--empty-tables`
/// semantics (each known table empty, with its schema). Counted as executed:
/// no error at all. The rest are grouped by their first error (e.g. a
/// function not supported locally yet) and printed, most frequent first.
/// The engine issue's own measure is also printed and ratcheted: queries
/// that end without a "not supported locally" (`KQL4001`) or internal error
/// (a runtime error the data causes, such as a column that only exists once
/// rows arrive, counts as run).
#[test]
fn accepted_corpus_queries_execute_on_empty_tables() {
    std::thread::Builder::new().stack_size(64 << 20).spawn(execute_corpus).expect("thread").join().expect("no panic");
}

fn execute_corpus() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let globals = kqlab::analysis::Globals::builtin();
    let schemas = kqlab::analysis::schema::Schemas::builtin();
    let database = kqlab::engine::table::Database::new();
    let (mut accepted, mut executed, mut supported) = (0usize, 0usize, 0usize);
    let mut blockers: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for record in load_corpus() {
        if record.value["oracle_semantic_ok"].as_bool() != Some(true) {
            continue;
        }
        accepted += 1;
        let text = format!("{}{}", prelude(&record.value), record.query);
        let parse = kqlab::parse(&text);
        let analysis = kqlab::analysis::analyze(&parse.query, &globals);
        if kqlab::diagnostics::has_errors(&parse.diagnostics) || kqlab::diagnostics::has_errors(&analysis.diagnostics) {
            *blockers.entry("analysis error".into()).or_default() += 1;
            continue;
        }
        // A watchdog per query, as in `kqlab run` (a hang fails the test instead of stalling it).
        let cancel = Arc::new(AtomicBool::new(false));
        let options = kqlab::engine::Options { cancel: Some(cancel.clone()), ..kqlab::engine::Options::default() };
        let (done, watchdog) = std::sync::mpsc::channel::<()>();
        let timer = std::thread::spawn(move || {
            if watchdog.recv_timeout(std::time::Duration::from_secs(20)).is_err() {
                cancel.store(true, Ordering::Relaxed);
            }
        });
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            kqlab::engine::execute(&parse.query, &database, &options, Some(schemas))
        }));
        let _ = done.send(());
        let _ = timer.join();
        match result {
            Ok(Ok(_)) => {
                executed += 1;
                supported += 1;
            }
            Ok(Err(error)) => {
                let diagnostic = error.to_diagnostic(parse.query.span);
                let unsupported = diagnostic.code == kqlab::diagnostics::Code::NotSupportedLocally
                    || diagnostic.message.contains("internal error");
                if !unsupported {
                    supported += 1;
                }
                let message: String = diagnostic.message.chars().take(90).collect();
                *blockers.entry(format!("{} {message}", diagnostic.code)).or_default() += 1;
            }
            Err(_) => panic!("the engine panicked on corpus query {}", record.id),
        }
    }
    let mut blockers: Vec<(String, usize)> = blockers.into_iter().collect();
    blockers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    println!(
        "executed on empty tables: {executed}/{accepted} ({:.2}%)",
        100.0 * executed as f64 / accepted.max(1) as f64
    );
    println!(
        "ended without a not-supported or internal error: {supported}/{accepted} ({:.2}%)",
        100.0 * supported as f64 / accepted.max(1) as f64
    );
    for (blocker, count) in &blockers {
        println!("  {count:4}  {blocker}");
    }
    assert_eq!(accepted, 2247);
    assert!(
        supported >= MIN_SUPPORTED,
        "{supported} corpus queries end without a not-supported or internal error, fewer than the last measured {MIN_SUPPORTED}"
    );
    assert!(executed >= MIN_EXECUTED, "{executed} corpus queries execute, fewer than the last measured {MIN_EXECUTED}");
}
