//! `evaluate sequence_detect(Timeline, MaxSequenceStepWindow, MaxSequenceSpan,
//! Expr1, Expr2, ..., Dim1, Dim2, ...)`: every occurrence of the steps
//! `Expr1`, `Expr2`, ... in that order, within the time limits, among the
//! rows that share the dimension values.
//!
//! As documented: each output row is one occurrence, with the dimension
//! columns, one `<Expr>_<Timeline>` column per step holding the time of the
//! row that matched it, and `Duration`, the time from the first step to the
//! last. Two consecutive steps are at most `MaxSequenceStepWindow` apart and
//! the whole sequence spans at most `MaxSequenceSpan`. As in the documented
//! StormEvents example, every combination of rows that satisfies the limits
//! is an occurrence: one `heat` row followed by two `wildfire` rows gives two
//! occurrences, and so does one `wildfire` row after two `heat` rows.
//!
//! Not documented, so chosen here: the rows of a group are taken in
//! timeline order (ties in input order) and each step is a different row
//! later in that order than the previous step's, so a later step never has
//! an earlier time; rows with a null timeline take part in no sequence;
//! the timeline must be a `datetime` or `timespan` (the limits and
//! `Duration` are timespans); occurrences are listed by the times of their
//! steps, then by dimension group (the documented example is in that order).

use std::sync::Arc;

use crate::analysis::names::expression_name;
use crate::engine::column::{Column, Prim};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::keys::group_rows;
use crate::engine::operators::push_unique;
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::{Expr, ExprKind, ScalarType};

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    if args.len() < 4 {
        return Err(ExecError::runtime(
            "`sequence_detect` needs a timeline column, the step window, the sequence span and at least one step predicate",
        ));
    }
    let timeline_expr = unwrap_named(&args[0]);
    let timeline = exec.eval_column(timeline_expr, input, env)?.into_column(input.rows);
    if !matches!(timeline.ty(), ScalarType::DateTime | ScalarType::TimeSpan) {
        return Err(ExecError::runtime(format!(
            "the `sequence_detect` timeline must be a `datetime` or `timespan` column, not `{}`",
            timeline.ty().name()
        ))
        .at(args[0].span));
    }
    let step_window = time_limit(exec, &args[1], "MaxSequenceStepWindow", env)?;
    let sequence_span = time_limit(exec, &args[2], "MaxSequenceSpan", env)?;

    // The step predicates: the argument after the span, and every boolean
    // argument that follows it (Kusto.Language's rule); the rest are dimensions.
    let mut steps: Vec<(&'q Expr, Vec<bool>)> = Vec::new();
    let mut next = 3;
    while next < args.len() {
        let predicate = unwrap_named(&args[next]);
        let datum = exec.eval_column(predicate, input, env)?;
        if datum.ty() != ScalarType::Bool {
            if steps.is_empty() {
                return Err(ExecError::runtime(format!(
                    "a `sequence_detect` step is a boolean predicate, not a `{}`",
                    datum.ty().name()
                ))
                .at(args[next].span));
            }
            break;
        }
        let mask = (0..input.rows).map(|row| matches!(datum.get(row), Value::Bool(true))).collect();
        steps.push((&args[next], mask));
        next += 1;
    }
    let mut dimensions: Vec<Field> = Vec::new();
    for arg in &args[next..] {
        let ExprKind::Name(ident) = &arg.kind else {
            return Err(ExecError::runtime("a `sequence_detect` dimension is a column name").at(arg.span));
        };
        let column = input.column(&ident.name).ok_or_else(|| {
            ExecError::new(crate::diagnostics::Code::UnknownColumn, format!("unknown column `{}`", ident.name))
                .at(arg.span)
        })?;
        dimensions.push(Field { name: ident.name.clone(), column: column.clone() });
    }

    let times: Vec<Option<i64>> = (0..input.rows)
        .map(|row| match timeline.get(row) {
            Value::DateTime(ticks) | Value::TimeSpan(ticks) => Some(ticks),
            _ => None,
        })
        .collect();
    let masks: Vec<&[bool]> = steps.iter().map(|(_, mask)| mask.as_slice()).collect();
    let dimension_columns: Vec<&Column> = dimensions.iter().map(|f| f.column.as_ref()).collect();
    let groups = group_rows(&dimension_columns, input.rows);
    let mut rows_of_group: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for (row, group) in groups.group_of_row.iter().enumerate() {
        if times[row].is_some() {
            rows_of_group[*group as usize].push(row);
        }
    }
    let limits = Limits { step_window, sequence_span };
    let mut occurrences: Vec<Occurrence> = Vec::new();
    for (group, rows) in rows_of_group.iter_mut().enumerate() {
        rows.sort_by_key(|row| (times[*row], *row));
        let group_times: Vec<i64> = rows.iter().map(|row| times[*row].expect("rows with a time")).collect();
        let positions: Vec<Vec<usize>> =
            masks.iter().map(|mask| (0..rows.len()).filter(|position| mask[rows[*position]]).collect()).collect();
        let mut found = Vec::new();
        find_sequences(&group_times, &positions, limits, &mut |chosen| {
            found.push(chosen.to_vec());
            if found.len() % 4096 == 0 {
                exec.check_rows(occurrences.len() + found.len())?;
                exec.check_cancelled()?;
            }
            Ok(())
        })?;
        occurrences.extend(
            found.into_iter().map(|positions| Occurrence {
                group,
                rows: positions.iter().map(|position| rows[*position]).collect(),
            }),
        );
        exec.check_rows(occurrences.len())?;
    }
    occurrences.sort_by(|a, b| {
        let times_of = |o: &Occurrence| o.rows.iter().map(|row| times[*row]).collect::<Vec<_>>();
        times_of(a).cmp(&times_of(b)).then(a.group.cmp(&b.group))
    });

    let first_rows: Vec<usize> = occurrences.iter().map(|o| groups.first_rows[o.group]).collect();
    let mut fields: Vec<Field> = Vec::new();
    for dimension in &dimensions {
        push_unique(
            &mut fields,
            Field { name: dimension.name.clone(), column: Arc::new(dimension.column.take(&first_rows)) },
        );
    }
    let timeline_name = expression_name(timeline_expr, false);
    for (index, (step, _)) in steps.iter().enumerate() {
        let name: Vec<String> = [expression_name(step, false), timeline_name.clone()].into_iter().flatten().collect();
        let rows: Vec<usize> = occurrences.iter().map(|o| o.rows[index]).collect();
        push_unique(&mut fields, Field { name: name.join("_"), column: Arc::new(timeline.take(&rows)) });
    }
    let durations: Vec<Option<i64>> = occurrences
        .iter()
        .map(|o| {
            let first = times[o.rows[0]]?;
            let last = times[*o.rows.last().expect("at least one step")]?;
            Some(last - first)
        })
        .collect();
    push_unique(
        &mut fields,
        Field {
            name: "Duration".to_string(),
            column: Arc::new(Column::TimeSpan(durations.into_iter().collect::<Prim<i64>>())),
        },
    );
    Ok(Table::from_fields(fields, occurrences.len()))
}

/// One occurrence: its dimension group and the row of each step.
struct Occurrence {
    group: usize,
    rows: Vec<usize>,
}

/// The two time limits, in ticks.
#[derive(Debug, Clone, Copy)]
struct Limits {
    step_window: i64,
    sequence_span: i64,
}

/// Calls `emit` with the positions (into `times`, which is sorted) of every
/// occurrence: one position per step from `positions[step]`, each after the
/// previous one, within the step window of it and within the span of the
/// first.
fn find_sequences(
    times: &[i64],
    positions: &[Vec<usize>],
    limits: Limits,
    emit: &mut dyn FnMut(&[usize]) -> ExecResult<()>,
) -> ExecResult<()> {
    let mut chosen = Vec::with_capacity(positions.len());
    for &first in &positions[0] {
        chosen.push(first);
        extend_sequence(times, positions, limits, &mut chosen, emit)?;
        chosen.pop();
    }
    Ok(())
}

fn extend_sequence(
    times: &[i64],
    positions: &[Vec<usize>],
    limits: Limits,
    chosen: &mut Vec<usize>,
    emit: &mut dyn FnMut(&[usize]) -> ExecResult<()>,
) -> ExecResult<()> {
    if chosen.len() == positions.len() {
        return emit(chosen);
    }
    let previous = *chosen.last().expect("a first step");
    let first_time = times[chosen[0]];
    let candidates = &positions[chosen.len()];
    let start = candidates.partition_point(|&position| position <= previous);
    for &position in &candidates[start..] {
        // Times only grow along the candidates, so the first one out of
        // either limit ends the search.
        if times[position] - times[previous] > limits.step_window || times[position] - first_time > limits.sequence_span
        {
            break;
        }
        chosen.push(position);
        extend_sequence(times, positions, limits, chosen, emit)?;
        chosen.pop();
    }
    Ok(())
}

/// A constant, non-negative timespan argument.
fn time_limit<'q>(exec: &Executor<'q>, arg: &'q Expr, what: &str, env: &Env<'q>) -> ExecResult<i64> {
    match exec.eval_scalar(unwrap_named(arg), env)?.0 {
        Value::TimeSpan(ticks) if ticks >= 0 => Ok(ticks),
        Value::TimeSpan(_) => {
            Err(ExecError::runtime(format!("the `sequence_detect` {what} must not be negative")).at(arg.span))
        }
        other => Err(ExecError::runtime(format!(
            "the `sequence_detect` {what} must be a timespan constant, not {}",
            match other.scalar_type() {
                Some(ty) => format!("a `{}`", ty.name()),
                None => "null".to_string(),
            }
        ))
        .at(arg.span)),
    }
}

/// The value of `name = value`, or the argument itself.
fn unwrap_named(arg: &Expr) -> &Expr {
    match &arg.kind {
        ExprKind::NamedArg { value, .. } => value,
        _ => arg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequences(times: &[i64], positions: &[Vec<usize>], step_window: i64, sequence_span: i64) -> Vec<Vec<usize>> {
        let mut found = Vec::new();
        find_sequences(times, positions, Limits { step_window, sequence_span }, &mut |chosen| {
            found.push(chosen.to_vec());
            Ok(())
        })
        .expect("no error");
        found
    }

    #[test]
    fn every_combination_within_the_limits_is_an_occurrence() {
        // Steps a (positions 0, 2) and b (positions 1, 3) at times 0, 1, 2, 10.
        let times = [0, 1, 2, 10];
        let found = sequences(&times, &[vec![0, 2], vec![1, 3]], 5, 5);
        assert_eq!(found, vec![vec![0, 1]]);
        let found = sequences(&times, &[vec![0, 2], vec![1, 3]], 100, 100);
        assert_eq!(found, vec![vec![0, 1], vec![0, 3], vec![2, 3]]);
    }

    #[test]
    fn the_step_window_and_the_span_both_limit_a_sequence() {
        // a at 0, b at 4, c at 8: each step within 5, the whole within 8.
        let times = [0, 4, 8];
        let steps = [vec![0], vec![1], vec![2]];
        assert_eq!(sequences(&times, &steps, 5, 8), vec![vec![0, 1, 2]]);
        assert!(sequences(&times, &steps, 5, 7).is_empty());
        assert!(sequences(&times, &steps, 3, 100).is_empty());
    }

    #[test]
    fn a_later_step_is_a_later_row_even_at_the_same_time() {
        // One row matching both steps is not a sequence by itself.
        let times = [0, 0];
        assert_eq!(sequences(&times, &[vec![0, 1], vec![0, 1]], 1, 1), vec![vec![0, 1]]);
    }
}
