//! `reduce [kind=source] by Text [with threshold=T, characters="..."]`:
//! groups similar strings under a pattern in which `*` stands for the terms
//! that vary.
//!
//! Kusto documents the operator as "largely based on" Risto Vaarandi's SLCT
//! algorithm ("A Data Clustering Algorithm for Mining Patterns From Event
//! Logs"), which kqlab follows:
//!
//! 1. Each value is split into terms at the separator characters (by default
//!    every character that is not an ASCII letter or digit; `characters=`
//!    replaces that set).
//! 2. A term is *frequent* when the same term at the same position occurs
//!    in more than `threshold` × rows values (default 0.1).
//! 3. Each value's candidate pattern keeps its frequent terms and puts `*`
//!    for the others (one `*` for a run of them). Candidates that occur in
//!    more than `threshold` × rows values are the groups; every other value,
//!    and every value without a frequent term, goes to the group `others`,
//!    whose representative is empty.
//!
//! The pattern keeps the separators of the group's first value, except
//! separators that are letters or digits (only possible with
//! `characters=`), which are dropped, as in the documented `characters="Z"`
//! example (`fooZ1` gives `foo*`). Groups are listed by descending count
//! (ties in order of first appearance), `others` last. Where kqlab can differ:
//! Kusto's implementation is not published; the documentation's example with
//! `threshold=0.9` shows one group per distinct value under the same pattern,
//! which this algorithm does not reproduce.

use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::column::{Column, ColumnBuilder, Prim};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::operators::param_text;
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::syntax::ast::operators::NamedParameter;
use crate::syntax::ast::{Expr, ScalarType};

/// The default `threshold`.
const DEFAULT_THRESHOLD: f64 = 0.1;
/// The pattern of the values no group takes.
const OTHERS: &str = "others";

pub fn run<'q>(
    exec: &Executor<'q>,
    params: &[NamedParameter],
    by: &'q Expr,
    with: &'q [NamedParameter],
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let source_kind = match param_text(params, "kind").map(|k| k.to_ascii_lowercase()) {
        None => false,
        Some(kind) if kind == "source" => true,
        Some(other) => {
            return Err(
                ExecError::runtime(format!("unknown `reduce` kind `{other}`")).with_help("the only kind is `source`")
            );
        }
    };
    let mut threshold = DEFAULT_THRESHOLD;
    let mut separators: Option<Vec<char>> = None;
    for param in with {
        let (value, _) = exec.eval_scalar(&param.value, env).map_err(|e| e.at(param.span))?;
        match param.name.name.to_ascii_lowercase().as_str() {
            "threshold" => {
                threshold = match value.as_f64() {
                    Some(t) if (0.0..=1.0).contains(&t) => t,
                    _ => {
                        return Err(ExecError::runtime("`threshold` must be a number between 0 and 1").at(param.span));
                    }
                }
            }
            "characters" => separators = Some(value.to_kql_string().chars().collect()),
            other => {
                return Err(ExecError::runtime(format!("unknown `reduce` parameter `{other}`"))
                    .with_help("`reduce` takes `threshold` and `characters`")
                    .at(param.span));
            }
        }
    }
    let texts = exec.eval_column(by, input, env)?.into_column(input.rows);
    let values: Vec<String> = (0..input.rows).map(|row| texts.get(row).to_kql_string()).collect();
    let reduction = reduce_values(&values, threshold, separators.as_deref());
    if source_kind {
        let mut patterns = ColumnBuilder::new(ScalarType::String, input.rows);
        for group in &reduction.group_of_value {
            patterns.push_str(group.map_or(OTHERS, |g| reduction.groups[g].pattern.as_str()));
        }
        let mut fields = input.fields.clone();
        crate::engine::operators::push_unique(
            &mut fields,
            Field { name: "Pattern".to_string(), column: Arc::new(patterns.finish()) },
        );
        return Ok(Table::from_fields(fields, input.rows));
    }
    let mut patterns = ColumnBuilder::new(ScalarType::String, reduction.groups.len() + 1);
    let mut counts = Vec::new();
    let mut representatives = ColumnBuilder::new(ScalarType::String, reduction.groups.len() + 1);
    for group in &reduction.groups {
        patterns.push_str(&group.pattern);
        counts.push(group.count as i64);
        representatives.push_str(&values[group.first]);
    }
    if reduction.others > 0 {
        patterns.push_str(OTHERS);
        counts.push(reduction.others as i64);
        representatives.push_str("");
    }
    Ok(Table::new(vec![
        ("Pattern".to_string(), patterns.finish()),
        ("Count".to_string(), Column::Long(Prim::new(counts))),
        ("Representative".to_string(), representatives.finish()),
    ]))
}

/// The groups `reduce` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Reduction {
    /// Largest first.
    pub groups: Vec<Group>,
    /// The group of each value (`None`: `others`).
    pub group_of_value: Vec<Option<usize>>,
    /// How many values went to `others`.
    pub others: usize,
}

/// One group: its pattern, size and first value.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub pattern: String,
    pub count: usize,
    pub first: usize,
}

/// A value split into terms and the separator text before each term (and after the last).
struct Split<'a> {
    terms: Vec<&'a str>,
    /// `separators[i]` precedes `terms[i]`; the last entry follows the last term.
    separators: Vec<&'a str>,
}

fn split_terms<'a>(text: &'a str, separators: Option<&[char]>) -> Split<'a> {
    let is_separator = |c: char| match separators {
        Some(list) => list.contains(&c),
        None => !c.is_ascii_alphanumeric(),
    };
    let mut split = Split { terms: Vec::new(), separators: Vec::new() };
    let mut position = 0;
    let mut separator_start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if is_separator(c) {
            continue;
        }
        // A term starts here: it runs until the next separator.
        let mut end = at + c.len_utf8();
        while let Some(&(next_at, next)) = chars.peek() {
            if is_separator(next) {
                break;
            }
            end = next_at + next.len_utf8();
            chars.next();
        }
        split.separators.push(&text[separator_start..at]);
        split.terms.push(&text[at..end]);
        separator_start = end;
        position = end;
    }
    split.separators.push(&text[position.max(separator_start)..]);
    split
}

/// Groups `values` (see the module documentation).
pub fn reduce_values(values: &[String], threshold: f64, separators: Option<&[char]>) -> Reduction {
    let splits: Vec<Split> = values.iter().map(|v| split_terms(v, separators)).collect();
    let support = threshold * values.len() as f64;
    let mut term_counts: HashMap<(usize, &str), usize> = HashMap::new();
    for split in &splits {
        for (position, term) in split.terms.iter().enumerate() {
            *term_counts.entry((position, term)).or_default() += 1;
        }
    }
    let frequent =
        |position: usize, term: &str| term_counts.get(&(position, term)).is_some_and(|n| *n as f64 > support);
    // Candidate patterns: `Some(term)` for a frequent term, `None` for a variable one.
    let mut candidate_index: HashMap<Vec<Option<&str>>, usize> = HashMap::new();
    let mut candidates: Vec<(usize, usize)> = Vec::new(); // (count, first value)
    let mut candidate_of_value: Vec<Option<usize>> = Vec::with_capacity(values.len());
    for (index, split) in splits.iter().enumerate() {
        let mut key: Vec<Option<&str>> = Vec::new();
        for (position, term) in split.terms.iter().enumerate() {
            let token = frequent(position, term).then_some(*term);
            if token.is_none() && key.last() == Some(&None) {
                continue;
            }
            key.push(token);
        }
        if key.iter().all(Option::is_none) {
            candidate_of_value.push(None);
            continue;
        }
        let next = candidates.len();
        let candidate = *candidate_index.entry(key).or_insert(next);
        if candidate == next {
            candidates.push((0, index));
        }
        candidates[candidate].0 += 1;
        candidate_of_value.push(Some(candidate));
    }
    let mut kept: Vec<usize> = (0..candidates.len()).filter(|c| candidates[*c].0 as f64 > support).collect();
    kept.sort_by(|a, b| candidates[*b].0.cmp(&candidates[*a].0).then(candidates[*a].1.cmp(&candidates[*b].1)));
    let mut group_of_candidate = vec![None; candidates.len()];
    let mut groups = Vec::with_capacity(kept.len());
    for (group, candidate) in kept.iter().enumerate() {
        group_of_candidate[*candidate] = Some(group);
        let (count, first) = candidates[*candidate];
        groups.push(Group { pattern: render_pattern(&splits[first], &frequent), count, first });
    }
    let group_of_value: Vec<Option<usize>> =
        candidate_of_value.iter().map(|c| c.and_then(|c| group_of_candidate[c])).collect();
    let others = group_of_value.iter().filter(|g| g.is_none()).count();
    Reduction { groups, group_of_value, others }
}

/// A value's pattern: its frequent terms, `*` for each run of others, and
/// the separators between them (letters and digits among them dropped).
fn render_pattern(split: &Split, frequent: &dyn Fn(usize, &str) -> bool) -> String {
    let mut pattern = String::new();
    let mut in_wildcard = false;
    for (position, term) in split.terms.iter().enumerate() {
        let keep = frequent(position, term);
        if !keep && in_wildcard {
            continue;
        }
        pattern.extend(split.separators[position].chars().filter(|c| !c.is_alphanumeric()));
        if keep {
            pattern.push_str(term);
        } else {
            pattern.push('*');
        }
        in_wildcard = !keep;
    }
    if let Some(last) = split.separators.last() {
        pattern.extend(last.chars().filter(|c| !c.is_alphanumeric()));
    }
    pattern
}

#[cfg(test)]
mod tests {
    use super::reduce_values;

    fn values(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn values_without_a_frequent_term_go_to_others() {
        let texts: Vec<String> = (1..=10).map(|x| format!("fooZ{x}")).collect();
        let reduction = reduce_values(&texts, 0.1, None);
        assert!(reduction.groups.is_empty());
        assert_eq!(reduction.others, 10);
    }

    #[test]
    fn a_custom_separator_splits_terms_and_leaves_the_pattern() {
        let texts: Vec<String> = (1..=10).map(|x| format!("fooZ{x}")).collect();
        let reduction = reduce_values(&texts, 0.1, Some(&['Z']));
        assert_eq!(reduction.groups.len(), 1);
        assert_eq!(reduction.groups[0].pattern, "foo*");
        assert_eq!(reduction.groups[0].count, 10);
        assert_eq!(reduction.others, 0);
    }

    #[test]
    fn variable_terms_become_one_wildcard_and_separators_stay() {
        let texts = values(&[
            "login failed for alice from 10.0.0.1",
            "login failed for bob from 10.0.0.2",
            "login failed for carol from 10.0.0.3",
            "disk full",
        ]);
        let reduction = reduce_values(&texts, 0.3, None);
        assert_eq!(reduction.groups.len(), 1);
        assert_eq!(reduction.groups[0].pattern, "login failed for * from 10.0.0.*");
        assert_eq!(reduction.groups[0].count, 3);
        assert_eq!(reduction.group_of_value, vec![Some(0), Some(0), Some(0), None]);
        assert_eq!(reduction.others, 1);
    }

    #[test]
    fn empty_input_has_no_groups() {
        let reduction = reduce_values(&[], 0.1, None);
        assert!(reduction.groups.is_empty());
        assert_eq!(reduction.others, 0);
    }
}
