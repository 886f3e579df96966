//! Corpus tests: every real Sentinel query in `tests/data/corpus` parses
//! without panicking, every diagnostic points inside its query, and kqlab's
//! syntax verdict agrees with Microsoft's official parser.

use serde_json::Value;

struct Record {
    id: String,
    query: String,
    oracle_syntax_ok: bool,
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
