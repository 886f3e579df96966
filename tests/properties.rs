//! Robustness: the lexer and parser never panic and never overflow the stack,
//! on adversarial input (deep nesting, huge literals, invalid UTF-8, NUL
//! bytes) and on randomly mutated real queries. Runs on the test harness's
//! default (small) thread stack on purpose.

use kqlab::diagnostics::{Code, Diagnostic};
use kqlab::syntax::token::TokenKind;

/// A small deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

fn assert_spans_inside(text: &str, diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        let span = diagnostic.span;
        assert!(span.start <= span.end, "inverted span {span:?}");
        assert!(span.end as usize <= text.len(), "span {span:?} past the end ({})", text.len());
        assert!(text.is_char_boundary(span.start as usize) && text.is_char_boundary(span.end as usize));
    }
}

fn parse_checked(text: &str) -> Vec<Diagnostic> {
    let parse = kqlab::parse(text);
    assert_spans_inside(text, &parse.diagnostics);
    // Formatting the whole tree walks every node: it must not overflow either.
    let _ = format!("{:?}", parse.query);
    parse.diagnostics
}

fn has_code(diagnostics: &[Diagnostic], code: Code) -> bool {
    diagnostics.iter().any(|d| d.code == code)
}

#[test]
fn hundred_thousand_nested_parentheses_give_a_diagnostic() {
    let depth = 100_000;
    let text = format!("print x = {}1{}", "(".repeat(depth), ")".repeat(depth));
    let diagnostics = parse_checked(&text);
    assert!(has_code(&diagnostics, Code::NestingTooDeep), "{diagnostics:?}");
}

#[test]
fn deep_nesting_of_every_bracket_kind_is_bounded() {
    let cases = [
        format!("print {}1{}", "f(".repeat(50_000), ")".repeat(50_000)),
        format!("print x = dynamic({}1{})", "[".repeat(50_000), "]".repeat(50_000)),
        format!("print x = a{}", "[0]".repeat(50_000)),
        format!("print x = a{}", ".b".repeat(200_000)),
        format!("print x = {}1", "-".repeat(100_000)),
        format!("let f = () {{ {} T {} }}; f()", "let g = () { ".repeat(20_000), "}".repeat(20_000)),
        format!("T | where {}", "a or ".repeat(100_000) + "b"),
        format!("T{}", " | take 1".repeat(50_000)),
        format!("print x = {}", "1 + ".repeat(200_000) + "1"),
        format!("T | where x in ({}) ", "(".repeat(30_000)),
        "(".repeat(200_000),
        "[".repeat(200_000),
        "{".repeat(200_000),
        ")".repeat(200_000),
    ];
    for text in &cases {
        let diagnostics = parse_checked(text);
        assert!(!diagnostics.is_empty() || text.contains("take 1"), "expected a diagnostic for {}", &text[..40]);
    }
}

#[test]
fn fifty_megabyte_string_literal_parses() {
    let body = "a\\\"b".repeat(50 * 1024 * 1024 / 4);
    let text = format!("print s = \"{body}\"");
    let diagnostics = parse_checked(&text);
    assert!(diagnostics.is_empty(), "{:?}", &diagnostics[..diagnostics.len().min(3)]);
    let unterminated = format!("print s = \"{body}");
    let diagnostics = parse_checked(&unterminated);
    assert!(has_code(&diagnostics, Code::UnterminatedString));
}

#[test]
fn nul_bytes_and_control_characters_are_diagnosed() {
    let diagnostics = parse_checked("T | where x == 1\0 | take 1\u{1}");
    assert!(has_code(&diagnostics, Code::InvalidCharacter));
}

#[test]
fn invalid_utf8_files_are_diagnosed() {
    let bytes = b"T | where x == \"\xff\xfe\" | take 1";
    let options = kqlab::cli::commands::check::CheckOptions { syntax_only: true, ..Default::default() };
    let (source, checked) = kqlab::cli::commands::check::check_bytes("bad.kql", bytes, &options);
    assert!(has_code(&checked.diagnostics, Code::InvalidUtf8));
    assert_spans_inside(&source.text, &checked.diagnostics);
}

#[test]
fn lexer_tokens_tile_the_input() {
    // Between consecutive tokens there is only white space or comments, so the
    // token texts plus the gaps give back the input exactly.
    let mut rng = Rng(0x5eed);
    let corpus = [
        "SigninLogs | where ResultType != \"0\" // failures\n| summarize count() by bin(TimeGenerated, 5m)",
        "let x = dynamic({\"a\": [1, 2.5, -3]}); print x.a[0], @'c:\\dir', h\"secret\", datetime(2020-01-01)",
        "T | project-away Col* | mv-expand x to typeof(long) | where a !has \"b\" and c in~ (\"d\")",
    ];
    for _ in 0..2_000 {
        let base = corpus[rng.below(corpus.len())];
        let text = mutate(base, &mut rng);
        let lexed = kqlab::syntax::lexer::lex(&text);
        let mut end = 0usize;
        for token in &lexed.tokens {
            let gap = text[end..token.span.start as usize].replace('\u{feff}', " ");
            assert!(gap.trim().is_empty() || gap.trim_start().starts_with("//"), "unexpected gap {gap:?} in {text:?}");
            end = token.span.end as usize;
        }
        assert_eq!(lexed.tokens.last().map(|t| t.kind), Some(TokenKind::Eof));
        assert_eq!(end, text.len());
    }
}

/// Applies a few random edits: delete, insert, duplicate, swap, truncate.
fn mutate(text: &str, rng: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "|",
        ";",
        ",",
        "\"",
        "'",
        "@\"",
        "```",
        "\\",
        "=",
        "==",
        "!",
        "~",
        "*",
        "..",
        "-",
        "--> ",
        "let ",
        " by ",
        " on ",
        "where ",
        "summarize ",
        "datetime(",
        "dynamic(",
        "typeof(",
        "\n",
        " ",
        "é",
        "\0",
        "in~",
        "!in",
        "between (",
        "1d",
        "0x",
        "$left.",
        "['",
        "h'",
        "\u{feff}",
    ];
    let mut bytes: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 if !bytes.is_empty() => {
                let len = 1 + rng.below(5);
                let end = (at + len).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            1 | 2 => {
                let piece = PIECES[rng.below(PIECES.len())];
                for (offset, c) in piece.chars().enumerate() {
                    bytes.insert((at + offset).min(bytes.len()), c);
                }
            }
            3 if !bytes.is_empty() => {
                let end = (at + rng.below(20)).min(bytes.len());
                let slice: Vec<char> = bytes[at.min(end)..end].to_vec();
                for (offset, c) in slice.into_iter().enumerate() {
                    bytes.insert((end + offset).min(bytes.len()), c);
                }
            }
            _ => bytes.truncate(at),
        }
    }
    bytes.into_iter().collect()
}

#[test]
fn mutated_corpus_queries_never_panic() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/corpus/sentinel-queries.jsonl"))
            .expect("the corpus is in the repository");
    let queries: Vec<String> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|value| value["query"].as_str().map(str::to_string))
        .collect();
    let mut rng = Rng(0xdeca_fbad);
    for _ in 0..6_000 {
        let query = &queries[rng.below(queries.len())];
        let mutated = mutate(query, &mut rng);
        parse_checked(&mutated);
    }
}

#[test]
fn random_token_soup_never_panics() {
    const WORDS: &[&str] = &[
        "T",
        "|",
        "where",
        "project",
        "summarize",
        "by",
        "join",
        "kind=inner",
        "on",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ";",
        "let",
        "=",
        "==",
        "and",
        "or",
        "1",
        "1.5",
        "5m",
        "\"s\"",
        "'t'",
        "datetime(2020-01-01)",
        "dynamic(",
        "mv-expand",
        "to",
        "typeof(",
        "long",
        ")",
        "extend",
        "x",
        ":",
        "*",
        "-",
        "+",
        "/",
        "%",
        "in",
        "!in~",
        "has_any",
        "between",
        "..",
        "parse",
        "with",
        "make-series",
        "default",
        "step",
        "from",
        "scan",
        "step",
        "=>",
        "fork",
        "facet",
        "partition",
        "evaluate",
        "bag_unpack(",
        "union",
        "datatable",
        "print",
        "range",
        "top-nested",
        "of",
        "others",
        "render",
        "sort",
        "asc",
        "desc",
        "nulls",
        "first",
        "graph-match",
        "-->",
        "<-",
        "->",
        "declare",
        "pattern",
        "set",
        "alias",
        "database",
        "restrict",
        "access",
        "view",
        "$left",
        ".",
        "search",
        "find",
        "in",
    ];
    let mut rng = Rng(42);
    for _ in 0..5_000 {
        let n_words = 1 + rng.below(40);
        let text: Vec<&str> = (0..n_words).map(|_| WORDS[rng.below(WORDS.len())]).collect();
        parse_checked(&text.join(" "));
    }
}
