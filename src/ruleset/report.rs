//! Reports for CI systems: JUnit XML for test runs.

use std::fmt::Write as _;

use quick_xml::escape::escape;

use crate::ruleset::folder::Folder;
use crate::ruleset::runner::TestRun;

/// One `<testsuite>` per rule with its cases as `<testcase>`s; test files
/// with problems become suites with one `<error>`.
pub fn junit_suites(folder: &Folder, run: &TestRun) -> String {
    let mut out = String::new();
    let mut documents: Vec<usize> = run.results.iter().map(|r| r.document).collect();
    documents.dedup();
    for document in documents {
        let rule = &folder.documents[document];
        let cases: Vec<_> = run.results.iter().filter(|r| r.document == document).collect();
        let failures = cases.iter().filter(|c| !c.passed()).count();
        let seconds: f64 = cases.iter().map(|c| c.elapsed.as_secs_f64()).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{seconds:.3}\" file=\"{}\">",
            escape(rule.display_name().as_str()),
            cases.len(),
            escape(rule.source.name.as_str())
        );
        for case in cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\" file=\"{}\" line=\"{}\"",
                escape(case.case.as_str()),
                escape(rule.source.name.as_str()),
                case.elapsed.as_secs_f64(),
                escape(case.test.as_str()),
                case.line
            );
            if case.passed() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            for failure in &case.failures {
                let _ = writeln!(
                    out,
                    "      <failure type=\"KQL3025\" message=\"{}\">{}</failure>",
                    escape(failure.message.as_str()),
                    escape(failure.detail.as_deref().unwrap_or(""))
                );
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    for broken in &run.broken {
        let messages: Vec<String> = broken
            .file
            .diagnostics
            .iter()
            .map(|d| {
                let at = broken.file.source.line_col(d.span.start);
                format!("{}:{}: {}[{}]: {}", at.line, at.column, d.severity.as_str(), d.code, d.message)
            })
            .collect();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{0}\" tests=\"1\" failures=\"0\" errors=\"1\" file=\"{0}\">\n    <testcase name=\"test file\" classname=\"{0}\">\n      <error message=\"the test file has problems\">{1}</error>\n    </testcase>\n  </testsuite>",
            escape(broken.file.source.name.as_str()),
            escape(messages.join("\n").as_str())
        );
    }
    out
}
