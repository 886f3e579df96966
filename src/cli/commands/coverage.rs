//! `kqlab coverage`: the MITRE ATT&CK matrix of a rules folder's analytics
//! rules and hunting queries, as a table, JSON or a self-contained HTML page.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use quick_xml::escape::escape;
use serde_json::{Value, json};

use crate::cli::{EXIT_FAILURE, EXIT_OK};
use crate::ruleset::attack;
use crate::ruleset::coverage::{Coverage, CoveredRule, TacticCoverage, TechniqueCoverage};
use crate::ruleset::folder::Folder;

/// Arguments of `kqlab coverage`.
#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// The rules folder (default `rules/`).
    pub path: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CoverageFormat::Text)]
    pub format: CoverageFormat,
}

/// Output formats of `kqlab coverage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CoverageFormat {
    /// A table: one row per tactic with its counts and technique ids.
    Text,
    /// Tactics → techniques → rules, for machines.
    Json,
    /// A self-contained HTML page with the matrix, one column per tactic.
    Html,
}

/// Runs `kqlab coverage`.
pub fn run(args: CoverageArgs) -> anyhow::Result<i32> {
    let path = args.path.unwrap_or_else(|| PathBuf::from("rules"));
    if !path.exists() {
        eprintln!("error: `{}` does not exist", path.display());
        return Ok(EXIT_FAILURE);
    }
    let folder = Folder::load(&path).with_context(|| format!("reading `{}`", path.display()))?;
    let coverage = Coverage::of(&folder);
    let title = path.display().to_string();
    let text = match args.format {
        CoverageFormat::Text => render_text(&coverage, &title),
        CoverageFormat::Json => format!("{}\n", serde_json::to_string_pretty(&render_json(&coverage, &title))?),
        CoverageFormat::Html => render_html(&coverage, &title),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(EXIT_OK)
}

/// The table for people.
pub fn render_text(coverage: &Coverage, folder: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "ATT&CK {} coverage of `{folder}`: {}, {} mapped; {} of {} techniques covered\n",
        attack::VERSION,
        describe_rules(&coverage.rules),
        coverage.n_mapped(),
        coverage.covered_techniques().len(),
        Coverage::n_techniques()
    );
    let width = coverage.tactics.iter().map(|t| t.tactic.name.len()).max().unwrap_or(6).max(6);
    let _ = writeln!(out, "{:<width$}  rules  covered  techniques", "tactic");
    for tactic in &coverage.tactics {
        let mut ids = Vec::new();
        for technique in &tactic.techniques {
            ids.push(format!("{} ({})", technique.technique.id, technique.rules.len()));
            for sub in &technique.subtechniques {
                ids.push(format!("{} ({})", sub.technique.id, sub.rules.len()));
            }
        }
        let covered = format!("{}/{}", tactic.techniques.len(), tactic.n_techniques);
        let line =
            format!("{:<width$}  {:>5}  {covered:>7}  {}", tactic.tactic.name, tactic.rules.len(), ids.join(", "));
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if !coverage.unmapped.is_empty() {
        let _ = writeln!(out, "\nwithout tactics or techniques ({}):", coverage.unmapped.len());
        for &rule in &coverage.unmapped {
            let _ = writeln!(out, "  {}  {}", coverage.rules[rule].path, coverage.rules[rule].name);
        }
    }
    if !coverage.unmatched.is_empty() {
        let _ = writeln!(out, "\nnot counted as written ({}):", coverage.unmatched.len());
        for unmatched in &coverage.unmatched {
            let _ =
                writeln!(out, "  {}: `{}`: {}", coverage.rules[unmatched.rule].path, unmatched.value, unmatched.reason);
        }
    }
    out
}

/// `3 analytics rules, 1 hunting query`.
fn describe_rules(rules: &[CoveredRule]) -> String {
    let analytics = rules.iter().filter(|rule| rule.kind.is_analytics()).count();
    let hunting = rules.len() - analytics;
    let plural = |count: usize, one: &str, many: &str| format!("{count} {}", if count == 1 { one } else { many });
    format!(
        "{}, {}",
        plural(analytics, "analytics rule", "analytics rules"),
        plural(hunting, "hunting query", "hunting queries")
    )
}

/// Tactics → techniques → rules, with every rule's path, name and kind.
pub fn render_json(coverage: &Coverage, folder: &str) -> Value {
    let rule = |index: &usize| {
        let rule = &coverage.rules[*index];
        json!({ "path": rule.path, "name": rule.name, "kind": rule.kind })
    };
    fn technique_json(technique: &TechniqueCoverage, rule: &dyn Fn(&usize) -> Value) -> Value {
        let mut value = json!({
            "id": technique.technique.id,
            "name": technique.technique.name,
            "url": technique.technique.url(),
            "rule_count": technique.rules.len(),
            "rules": technique.rules.iter().map(rule).collect::<Vec<_>>(),
        });
        if !technique.technique.is_subtechnique() {
            value["subtechniques"] = technique.subtechniques.iter().map(|sub| technique_json(sub, rule)).collect();
        }
        value
    }
    let tactics: Vec<Value> = coverage
        .tactics
        .iter()
        .map(|tactic| {
            json!({
                "id": tactic.tactic.id,
                "name": tactic.tactic.name,
                "sentinel_name": tactic.tactic.sentinel_name,
                "url": tactic.tactic.url(),
                "rule_count": tactic.rules.len(),
                "covered_techniques": tactic.techniques.len(),
                "techniques_in_tactic": tactic.n_techniques,
                "rules": tactic.rules.iter().map(rule).collect::<Vec<_>>(),
                "techniques": tactic.techniques.iter().map(|t| technique_json(t, &rule)).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "folder": folder,
        "attack_version": attack::VERSION,
        "rule_count": coverage.rules.len(),
        "mapped_rule_count": coverage.n_mapped(),
        "covered_techniques": coverage.covered_techniques().len(),
        "techniques": Coverage::n_techniques(),
        "tactics": tactics,
        "unmapped": coverage.unmapped.iter().map(rule).collect::<Vec<_>>(),
        "unmatched": coverage.unmatched.iter().map(|unmatched| json!({
            "rule": rule(&unmatched.rule),
            "value": unmatched.value,
            "reason": unmatched.reason,
        })).collect::<Vec<_>>(),
    })
}

/// A self-contained page: inline CSS, no scripts, every text escaped.
pub fn render_html(coverage: &Coverage, folder: &str) -> String {
    let mut out = String::new();
    let title = format!("ATT&CK coverage of {folder}");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(title.as_str()),
        escape(title.as_str())
    );
    let _ = writeln!(
        out,
        "<p class=\"summary\">MITRE ATT&amp;CK {}: {}, {} mapped; {} of {} techniques covered.</p>",
        attack::VERSION,
        escape(describe_rules(&coverage.rules).as_str()),
        coverage.n_mapped(),
        coverage.covered_techniques().len(),
        Coverage::n_techniques()
    );
    out.push_str(concat!(
        "<input type=\"checkbox\" id=\"covered-only\"><label for=\"covered-only\">covered techniques only</label>\n",
        "<span class=\"legend\">rules: <span class=\"c1\">1</span><span class=\"c2\">2</span>",
        "<span class=\"c3\">3–4</span><span class=\"c4\">5+</span></span>\n<div class=\"matrix\">\n"
    ));
    for tactic in &coverage.tactics {
        write_tactic(&mut out, coverage, tactic);
    }
    out.push_str("</div>\n");
    write_rules_table(&mut out, coverage);
    out.push_str(&format!(
        "<footer>Made by kqlab {}. ATT&amp;CK® is a registered trademark of The MITRE Corporation; © The MITRE Corporation, reproduced with its permission.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    ));
    out
}

const STYLE: &str = "
body{font:13px/1.35 system-ui,sans-serif;margin:1.5em;color:#1f2328}
h1{font-size:20px;margin:0 0 .3em}h2{font-size:16px;margin:1.5em 0 .5em}
a{color:inherit}.summary{margin:0 0 .8em}
.legend{margin-left:2em}.legend span{display:inline-block;padding:0 .6em;margin-left:.3em;border-radius:3px}
.matrix{display:flex;gap:4px;overflow-x:auto;align-items:flex-start;margin-top:.8em}
.tactic{flex:0 0 150px;min-width:150px}
.tactic h3{font-size:13px;margin:0;padding:6px;background:#24292f;color:#fff;border-radius:3px 3px 0 0}
.tactic h3 a{text-decoration:none}.tactic .count{margin:0;padding:2px 6px 6px;background:#24292f;color:#d0d7de;font-size:11px}
.tactic ul{list-style:none;margin:0;padding:0}
.tech{margin-top:2px;padding:3px 5px;border-radius:2px;background:#f6f8fa;border:1px solid #d0d7de}
.tech .id{color:#57606a;font-size:11px}.tech .n{float:right;font-weight:600;margin-left:4px}
.tech ul{margin:3px 0 0 8px}.tech ul .tech{border-style:dashed}
.c1{background:#dbeafe!important}.c2{background:#93c5fd!important}.c3{background:#3b82f6!important;color:#fff}
.c4{background:#1e3a8a!important;color:#fff}.c3 .id,.c4 .id{color:#e5e7eb}
#covered-only:checked~.matrix .tech.c0{display:none}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}
footer{margin-top:2em;color:#57606a;font-size:11px}
";

/// The colour class of a number of rules.
fn heat(n_rules: usize) -> &'static str {
    match n_rules {
        0 => "c0",
        1 => "c1",
        2 => "c2",
        3 | 4 => "c3",
        _ => "c4",
    }
}

/// One column: the tactic's current techniques by name, covered ones highlighted.
fn write_tactic(out: &mut String, coverage: &Coverage, tactic: &TacticCoverage) {
    let heading = match tactic.tactic.url() {
        Some(url) => format!("<a href=\"{}\">{}</a>", escape(url.as_str()), escape(tactic.tactic.name)),
        None => escape(tactic.tactic.name).into_owned(),
    };
    let _ = writeln!(
        out,
        "<section class=\"tactic\">\n<h3 title=\"{}\">{heading}</h3>\n<p class=\"count\">{} rule{} · {}/{} techniques</p>\n<ul>",
        escape(tactic.tactic.sentinel_name),
        tactic.rules.len(),
        if tactic.rules.len() == 1 { "" } else { "s" },
        tactic.techniques.len(),
        tactic.n_techniques
    );
    let mut techniques: Vec<&'static attack::Technique> = attack::techniques()
        .iter()
        .filter(|t| t.is_current() && !t.is_subtechnique() && t.has_tactic(tactic.tactic.sentinel_name))
        .collect();
    for covered in &tactic.techniques {
        if !techniques.iter().any(|t| t.id == covered.technique.id) {
            techniques.push(covered.technique);
        }
    }
    techniques.sort_by_key(|technique| technique.name);
    for technique in techniques {
        let covered = tactic.techniques.iter().find(|t| t.technique.id == technique.id);
        write_technique(out, coverage, technique, covered);
    }
    out.push_str("</ul>\n</section>\n");
}

/// One cell; rule names in its tooltip, covered sub-techniques beneath.
fn write_technique(
    out: &mut String,
    coverage: &Coverage,
    technique: &attack::Technique,
    covered: Option<&TechniqueCoverage>,
) {
    let rules = covered.map_or(&[][..], |c| c.rules.as_slice());
    let mut tooltip = format!("{} {}", technique.id, technique.name);
    for &rule in rules {
        tooltip.push_str(&format!("\n• {} ({})", coverage.rules[rule].name, coverage.rules[rule].path));
    }
    let label = if technique.is_subtechnique() {
        technique.id.split_once('.').map_or(technique.id, |(_, sub)| sub)
    } else {
        technique.id
    };
    let _ = write!(out, "<li class=\"tech {}\" title=\"{}\">", heat(rules.len()), escape(tooltip.as_str()));
    // The count floats right, so it comes before the name it sits beside.
    if !rules.is_empty() {
        let _ = write!(out, "<span class=\"n\">{}</span>", rules.len());
    }
    let _ = write!(
        out,
        "<a href=\"{}\">{}</a> <span class=\"id\">{}</span>",
        escape(technique.url().as_str()),
        escape(technique.name),
        escape(label)
    );
    if let Some(covered) = covered
        && !covered.subtechniques.is_empty()
    {
        out.push_str("<ul>");
        for sub in &covered.subtechniques {
            write_technique(out, coverage, sub.technique, Some(sub));
        }
        out.push_str("</ul>");
    }
    out.push_str("</li>\n");
}

/// Every rule with its mapping, then what was not counted.
fn write_rules_table(out: &mut String, coverage: &Coverage) {
    out.push_str("<h2>Rules</h2>\n<table>\n<tr><th>rule</th><th>kind</th><th>tactics</th><th>techniques</th></tr>\n");
    for rule in &coverage.rules {
        let tactics: Vec<&str> = rule.tactics.iter().map(|t| t.name).collect();
        let techniques: Vec<String> = rule
            .techniques
            .iter()
            .map(|t| format!("<a href=\"{}\">{}</a>", escape(t.url().as_str()), escape(t.id)))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td>{}<br><span class=\"id\">{}</span></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(rule.name.as_str()),
            escape(rule.path.as_str()),
            escape(rule.kind.as_str()),
            escape(tactics.join(", ").as_str()),
            if techniques.is_empty() { "—".to_string() } else { techniques.join(", ") }
        );
    }
    out.push_str("</table>\n");
    if !coverage.unmapped.is_empty() {
        let _ = writeln!(out, "<h2>Without tactics or techniques ({})</h2>\n<ul>", coverage.unmapped.len());
        for &rule in &coverage.unmapped {
            let rule = &coverage.rules[rule];
            let _ = writeln!(
                out,
                "<li>{} <span class=\"id\">{}</span></li>",
                escape(rule.name.as_str()),
                escape(rule.path.as_str())
            );
        }
        out.push_str("</ul>\n");
    }
    if !coverage.unmatched.is_empty() {
        let _ = writeln!(out, "<h2>Not counted as written ({})</h2>\n<ul>", coverage.unmatched.len());
        for unmatched in &coverage.unmatched {
            let _ = writeln!(
                out,
                "<li><code>{}</code> in {}: {}</li>",
                escape(unmatched.value.as_str()),
                escape(coverage.rules[unmatched.rule].path.as_str()),
                escape(unmatched.reason.as_str())
            );
        }
        out.push_str("</ul>\n");
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::ruleset::document::Document;

    fn coverage() -> Coverage {
        let mut folder = Folder::default();
        let rule = "name: <Spray> & co\nqueryFrequency: 1h\nqueryPeriod: 1h\ntactics: [CredentialAccess]\nrelevantTechniques: [T1110.003]\nquery: T\n";
        folder.documents.push(Document::load(Path::new("rules/a\"b.yaml"), rule.into()));
        Coverage::of(&folder)
    }

    #[test]
    fn text_lists_each_tactic_with_its_techniques() {
        let text = render_text(&coverage(), "rules");
        assert!(
            text.starts_with("ATT&CK 18.1 coverage of `rules`: 1 analytics rule, 0 hunting queries, 1 mapped; 1 of ")
        );
        let line = text.lines().find(|line| line.starts_with("Credential Access")).expect("a row");
        assert!(line.ends_with("T1110 (1), T1110.003 (1)"), "{line}");
    }

    #[test]
    fn html_escapes_names_and_paths() {
        let html = render_html(&coverage(), "<rules>");
        assert!(html.contains("&lt;Spray&gt; &amp; co"), "names are escaped");
        assert!(html.contains("rules/a&quot;b.yaml"), "paths are escaped");
        assert!(!html.contains("<Spray>") && !html.contains("<rules>"));
        assert!(!html.contains("<script") && !html.contains("<link"), "self-contained");
        assert!(html.contains("href=\"https://attack.mitre.org/techniques/T1110/003\""));
    }
}
