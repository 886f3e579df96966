//! `evaluate funnel_sequence(...)` and `evaluate funnel_sequence_completion(...)`:
//! the distinct ids that took a sequence of states, with the states before
//! and after it, and how far ids got through the sequence within periods.
//!
//! As documented (funnel-sequence-plugin.md): `funnel_sequence(IdColumn,
//! TimelineColumn, Start, End, MaxSequenceStepWindow, Step, StateColumn,
//! Sequence)` gives three tables, each per `Step` window: (`prev`, `next`,
//! `dcount`, `samples`), (`prev`, `dcount`, `samples`) and (`next`,
//! `dcount`, `samples`), where `dcount` counts the distinct ids that went
//! `prev` → Sequence → `next`, `prev`/`next` are empty when no state came
//! before/after, two steps of the sequence are at most
//! `MaxSequenceStepWindow` apart, and `samples` holds up to 128 of the ids.
//! funnel-sequence-completion-plugin.md: `funnel_sequence_completion(IdColumn,
//! TimelineColumn, Start, End, BinSize, StateColumn, Sequence,
//! MaxSequenceStepPeriods)` gives one table (timeline, state, `Period`,
//! `dcount`): per window and period, for each step of the sequence, the
//! distinct ids that went from the first state to that step within the
//! period measured from the first step.
//!
//! The pages' only examples run on the full `StormEvents` table, so these
//! choices, where the pages are silent, cannot be checked against Kusto:
//! - Windows count from `Start`; the rows from `Start` up to (not
//!   including) `End` take part, so the documented `Start` 2007-01-01,
//!   `End` 2008-01-01 and 365d give the one window of 2007. Each window is
//!   analysed alone: a sequence, its `prev` and its `next` lie in one window.
//! - An id's events are ordered by time, then by input order. Rows with a
//!   null id, a null time or an empty state take no part.
//! - `funnel_sequence`: the steps are consecutive events of the id, each at
//!   most `MaxSequenceStepWindow` after the one before; every occurrence
//!   counts. `prev` is the event just before the first step and `next` the
//!   one just after the last, when within `MaxSequenceStepWindow` of it.
//!   Rows are ordered by window, `dcount` descending, then `prev`/`next`;
//!   `samples` keeps the first 128 ids in order of appearance.
//! - `funnel_sequence_completion`: other events may come between the steps
//!   (it is a funnel); an id reaches step k when some event in the first
//!   state is followed, within the period, by the next k states in order.
//!   Every window with rows gives every (period, step) row, in the order of
//!   the documented output: by period, then by step.
//! - States compare as text; `prev`, `next` and the state column of the
//!   output are strings.
//! - The timeline is a datetime or timespan (timespan windows and periods)
//!   or an integer (integer windows and periods).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::keys::{FastSet, group_rows};
use crate::engine::operators::evaluate::{check_arity, column_argument};
use crate::engine::operators::timeline::Bins;
use crate::engine::scope::Env;
use crate::engine::table::{NamedTable, Table};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::{Expr, ScalarType};
use crate::text::Span;

const SEQUENCE_SYNTAX: &str =
    "funnel_sequence(IdColumn, TimelineColumn, Start, End, MaxSequenceStepWindow, Step, StateColumn, Sequence)";
const COMPLETION_SYNTAX: &str = "funnel_sequence_completion(IdColumn, TimelineColumn, Start, End, BinSize, \
                                 StateColumn, Sequence, MaxSequenceStepPeriods)";

/// The most ids a `samples` cell holds, as documented.
const MAX_SAMPLES: usize = 128;

/// Runs `funnel_sequence` on `input`: its three result tables.
pub fn run_sequence<'q>(
    exec: &Executor<'q>,
    span: Span,
    args: &'q [Expr],
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Vec<NamedTable>> {
    const PLUGIN: &str = "funnel_sequence";
    check_exact_arity(args, PLUGIN, SEQUENCE_SYNTAX, span)?;
    let (window, _) = exec.eval_scalar(&args[4], env)?;
    let events = Events::collect(exec, PLUGIN, args, [1, 2, 3, 5, 6, 0], input, env)?;
    let window = events.length(&window, "MaxSequenceStepWindow", args[4].span)?;
    let sequence = sequence_argument(exec, &args[7], env, PLUGIN)?;

    // Per (window, prev, next), (window, prev) and (window, next): the ids.
    let mut both: HashMap<(i64, String, String), IdList> = HashMap::new();
    let mut before: HashMap<(i64, String), IdList> = HashMap::new();
    let mut after: HashMap<(i64, String), IdList> = HashMap::new();
    for ((bin, id), list) in &events.by_id_and_bin {
        let steps = sequence.len();
        if list.len() < steps {
            continue;
        }
        for first in 0..=list.len() - steps {
            let matches = (0..steps).all(|step| {
                let event = &list[first + step];
                event.state == sequence[step] && (step == 0 || event.time - list[first + step - 1].time <= window)
            });
            if !matches {
                continue;
            }
            let last = first + steps - 1;
            let prev = if first > 0 && list[first].time - list[first - 1].time <= window {
                list[first - 1].state.clone()
            } else {
                String::new()
            };
            let next = list
                .get(last + 1)
                .filter(|event| event.time - list[last].time <= window)
                .map(|event| event.state.clone())
                .unwrap_or_default();
            both.entry((*bin, prev.clone(), next.clone())).or_default().add(*id);
            before.entry((*bin, prev)).or_default().add(*id);
            after.entry((*bin, next)).or_default().add(*id);
        }
    }

    let mut first_table = Vec::new();
    for ((bin, prev, next), ids) in both {
        first_table.push((bin, vec![prev, next], ids));
    }
    let tables = [
        (first_table, vec!["prev", "next"]),
        (before.into_iter().map(|((bin, prev), ids)| (bin, vec![prev], ids)).collect(), vec!["prev"]),
        (after.into_iter().map(|((bin, next), ids)| (bin, vec![next], ids)).collect(), vec!["next"]),
    ];
    let mut out = Vec::with_capacity(3);
    for (rows, state_names) in tables {
        exec.check_rows(rows.len())?;
        out.push(NamedTable::unnamed(Arc::new(events.count_table(rows, &state_names))));
    }
    Ok(out)
}

/// Runs `funnel_sequence_completion` on `input`.
pub fn run_completion<'q>(
    exec: &Executor<'q>,
    span: Span,
    args: &'q [Expr],
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    const PLUGIN: &str = "funnel_sequence_completion";
    check_exact_arity(args, PLUGIN, COMPLETION_SYNTAX, span)?;
    let events = Events::collect(exec, PLUGIN, args, [1, 2, 3, 4, 5, 0], input, env)?;
    let sequence = sequence_argument(exec, &args[6], env, PLUGIN)?;
    let (periods_value, _) = exec.eval_scalar(&args[7], env)?;
    let Value::Dynamic(Dyn::Array(period_items)) = &periods_value else {
        return Err(ExecError::runtime("`MaxSequenceStepPeriods` must be a dynamic array of periods").at(args[7].span));
    };
    let periods = period_items
        .iter()
        .map(|item| {
            let value = match item {
                Dyn::TimeSpan(ticks) => Value::TimeSpan(*ticks),
                Dyn::Long(n) => Value::Long(*n),
                _ => Value::Null,
            };
            events.length(&value, "MaxSequenceStepPeriods", args[7].span).map(|length| (value, length))
        })
        .collect::<ExecResult<Vec<_>>>()?;

    // Per window: per period, per step, the distinct ids that reached it.
    let mut reached: BTreeMap<i64, Vec<Vec<FastSet<u32>>>> = BTreeMap::new();
    for ((bin, id), list) in &events.by_id_and_bin {
        let cells =
            reached.entry(*bin).or_insert_with(|| vec![vec![FastSet::default(); sequence.len()]; periods.len()]);
        for (period_index, (_, period)) in periods.iter().enumerate() {
            let steps = steps_reached(list, &sequence, *period);
            for cell in &mut cells[period_index][..steps] {
                cell.insert(*id);
            }
        }
    }

    let rows = reached.len() * periods.len() * sequence.len();
    exec.check_rows(rows)?;
    let period_type = if events.time_line { ScalarType::TimeSpan } else { ScalarType::Long };
    let mut bin_out = ColumnBuilder::new(events.bins.ty(), rows);
    let mut state_out = ColumnBuilder::new(ScalarType::String, rows);
    let mut period_out = ColumnBuilder::new(period_type, rows);
    let mut dcounts = ColumnBuilder::new(ScalarType::Long, rows);
    for (bin, cells) in &reached {
        for ((period, _), by_step) in periods.iter().zip(cells) {
            for (state, ids) in sequence.iter().zip(by_step) {
                bin_out.push(&events.bins.start(*bin));
                state_out.push_str(state);
                period_out.push(period);
                dcounts.push_long(Some(ids.len() as i64));
            }
        }
    }
    Ok(Table::new(vec![
        (events.timeline_name.clone(), bin_out.finish()),
        (events.state_name.clone(), state_out.finish()),
        ("Period".to_string(), period_out.finish()),
        ("dcount".to_string(), dcounts.finish()),
    ]))
}

/// How many steps of `sequence` the events in `list` complete within
/// `period` of a first step (0 without the first state).
fn steps_reached(list: &[Event], sequence: &[String], period: i64) -> usize {
    let mut best = 0;
    for (start, first) in list.iter().enumerate() {
        if first.state != sequence[0] {
            continue;
        }
        // Taking each next state at its earliest event completes the most steps.
        let mut steps = 1;
        for event in &list[start + 1..] {
            if steps == sequence.len() || event.time - first.time > period {
                break;
            }
            if event.state == sequence[steps] {
                steps += 1;
            }
        }
        best = best.max(steps);
        if best == sequence.len() {
            break;
        }
    }
    best
}

/// One event of an id: its time and state.
struct Event {
    time: i64,
    state: String,
}

/// The distinct ids of an output row, in order of appearance.
#[derive(Default)]
struct IdList {
    seen: FastSet<u32>,
    order: Vec<u32>,
}

impl IdList {
    fn add(&mut self, id: u32) {
        if self.seen.insert(id) {
            self.order.push(id);
        }
    }
}

/// The input's events per (window, id), and what the output needs to name
/// the windows and ids.
struct Events {
    bins: Bins,
    /// Whether the timeline is a datetime or timespan (else an integer).
    time_line: bool,
    timeline_name: String,
    state_name: String,
    ids: Arc<Column>,
    /// The first input row of each id number.
    id_rows: Vec<usize>,
    /// Ordered by window, then id number; each list by time then row.
    by_id_and_bin: BTreeMap<(i64, u32), Vec<Event>>,
}

impl Events {
    /// Reads the id, timeline and state columns and `Start`, `End` and the
    /// window size; `positions` gives the argument index of the timeline,
    /// `Start`, `End`, window size, state and id.
    fn collect<'q>(
        exec: &Executor<'q>,
        plugin: &str,
        args: &'q [Expr],
        positions: [usize; 6],
        input: &Table,
        env: &Env<'q>,
    ) -> ExecResult<Events> {
        let [timeline_at, start_at, end_at, size_at, state_at, id_at] = positions;
        let (_, ids) = column_argument(input, &args[id_at], plugin)?;
        let (timeline_name, timeline) = column_argument(input, &args[timeline_at], plugin)?;
        let (state_name, states) = column_argument(input, &args[state_at], plugin)?;
        let time_line = match timeline.ty() {
            ScalarType::DateTime | ScalarType::TimeSpan => true,
            ScalarType::Int | ScalarType::Long => false,
            other => {
                return Err(ExecError::runtime(format!(
                    "the `{plugin}` timeline must be a datetime, timespan or integer, not `{}`",
                    other.name()
                ))
                .at(args[timeline_at].span));
            }
        };
        let (start, _) = exec.eval_scalar(&args[start_at], env)?;
        let (end, _) = exec.eval_scalar(&args[end_at], env)?;
        let (size, _) = exec.eval_scalar(&args[size_at], env)?;
        let bins = Bins::new(timeline.ty(), &size, Some(&start), "the window size", args[size_at].span)?;
        let (Some(start), Some(end)) = (whole(&start), whole(&end)) else {
            return Err(ExecError::runtime("`Start` and `End` must be timeline values").at(args[start_at].span));
        };
        let id_of_row = group_rows(&[&ids], input.rows).group_of_row;
        let mut id_rows = Vec::new();
        let mut by_id_and_bin: BTreeMap<(i64, u32), Vec<Event>> = BTreeMap::new();
        for (row, &id) in id_of_row.iter().enumerate() {
            if id as usize >= id_rows.len() {
                id_rows.resize(id as usize + 1, usize::MAX);
            }
            if id_rows[id as usize] == usize::MAX {
                id_rows[id as usize] = row;
            }
            let value = timeline.get(row);
            let Some(time) = whole(&value).filter(|time| (start..end).contains(time)) else { continue };
            let Some(bin) = bins.index(&value) else { continue };
            let state = states.get(row).to_kql_string();
            if state.is_empty() || ids.get(row).is_null() {
                continue;
            }
            by_id_and_bin.entry((bin, id)).or_default().push(Event { time, state });
        }
        // A stable sort keeps input order among events at the same time.
        for list in by_id_and_bin.values_mut() {
            list.sort_by_key(|event| event.time);
        }
        Ok(Events { bins, time_line, timeline_name, state_name, ids, id_rows, by_id_and_bin })
    }

    /// A step window or period as a length on the timeline.
    fn length(&self, value: &Value, what: &str, span: Span) -> ExecResult<i64> {
        let length = match value {
            Value::TimeSpan(ticks) if self.time_line => Some(*ticks),
            Value::Int(_) | Value::Long(_) if !self.time_line => value.as_i64(),
            _ => None,
        };
        length.filter(|length| *length >= 0).ok_or_else(|| {
            let kind = if self.time_line { "timespan" } else { "number" };
            ExecError::runtime(format!("`{what}` must be a non-negative {kind} for this timeline")).at(span)
        })
    }

    /// A `funnel_sequence` table: the timeline, the `state_names` columns,
    /// `dcount` and `samples`, ordered by window, `dcount` descending, then
    /// the states.
    fn count_table(&self, mut rows: Vec<(i64, Vec<String>, IdList)>, state_names: &[&str]) -> Table {
        rows.sort_by(|a, b| a.0.cmp(&b.0).then(b.2.order.len().cmp(&a.2.order.len())).then_with(|| a.1.cmp(&b.1)));
        let n_rows = rows.len();
        let mut bin_out = ColumnBuilder::new(self.bins.ty(), n_rows);
        let mut state_out: Vec<ColumnBuilder> =
            state_names.iter().map(|_| ColumnBuilder::new(ScalarType::String, n_rows)).collect();
        let mut dcounts = ColumnBuilder::new(ScalarType::Long, n_rows);
        let mut samples = ColumnBuilder::new(ScalarType::Dynamic, n_rows);
        for (bin, states, ids) in &rows {
            bin_out.push(&self.bins.start(*bin));
            for (builder, state) in state_out.iter_mut().zip(states) {
                builder.push_str(state);
            }
            dcounts.push_long(Some(ids.order.len() as i64));
            let sample: Vec<Dyn> = ids
                .order
                .iter()
                .take(MAX_SAMPLES)
                .map(|id| self.ids.get(self.id_rows[*id as usize]).to_dyn())
                .collect();
            samples.push_dyn(Dyn::Array(Arc::new(sample)));
        }
        let mut columns = vec![(self.timeline_name.clone(), bin_out.finish())];
        for (name, builder) in state_names.iter().zip(state_out) {
            columns.push((name.to_string(), builder.finish()));
        }
        columns.push(("dcount".to_string(), dcounts.finish()));
        columns.push(("samples".to_string(), samples.finish()));
        Table::new(columns)
    }
}

/// A timeline value as ticks or an integer.
fn whole(value: &Value) -> Option<i64> {
    match value {
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t),
        _ => value.as_i64(),
    }
}

/// The `Sequence` argument: a non-empty dynamic array, its states as text.
fn sequence_argument<'q>(exec: &Executor<'q>, arg: &'q Expr, env: &Env<'q>, plugin: &str) -> ExecResult<Vec<String>> {
    let (value, _) = exec.eval_scalar(arg, env)?;
    match &value {
        Value::Dynamic(Dyn::Array(items)) if !items.is_empty() => Ok(items.iter().map(Dyn::to_kql_string).collect()),
        _ => Err(ExecError::runtime(format!("the `{plugin}` sequence must be a non-empty dynamic array of states"))
            .at(arg.span)),
    }
}

/// Both plugins take exactly eight arguments.
fn check_exact_arity(args: &[Expr], plugin: &str, syntax: &str, span: Span) -> ExecResult<()> {
    check_arity(args, 8, plugin, syntax, span)?;
    if args.len() > 8 {
        return Err(ExecError::new(
            crate::diagnostics::Code::WrongArgumentCount,
            format!("`{plugin}` takes 8 arguments, got {}", args.len()),
        )
        .at(span)
        .with_help(format!("write `evaluate {syntax}`")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::{run_error, run_query, run_tables};

    const EVENTS: &str = "datatable(id: long, t: long, s: string) [\
        1, 0, 'Hail', 1, 1, 'Tornado', 1, 2, 'Hail', \
        2, 3, 'Tornado', \
        3, 0, 'Wind', 3, 1, 'Tornado', 3, 9, 'Hail', \
        4, 0, 'Hail', 4, 1, 'Tornado', 4, 2, 'Wind', \
        5, long(null), 'Hail', long(null), 1, 'Tornado', 5, 4, '']";

    #[test]
    fn funnel_sequence_counts_ids_by_previous_and_next_state() {
        // The documented example's shape: one `Step` window, what comes
        // before and after `Tornado`. Id 3's `Hail` is too late to be next.
        let tables =
            run_tables(&format!("{EVENTS} | evaluate funnel_sequence(id, t, 0, 9, 2, 10, s, dynamic(['Tornado']))"));
        assert_eq!(tables.len(), 3);
        assert_eq!(
            tables[0],
            "t:long,prev:string,next:string,dcount:long,samples:dynamic\n\
             0,,,1,[2]\n0,Hail,Hail,1,[1]\n0,Hail,Wind,1,[4]\n0,Wind,,1,[3]\n"
        );
        assert_eq!(
            tables[1],
            "t:long,prev:string,dcount:long,samples:dynamic\n0,Hail,2,[1,4]\n0,,1,[2]\n0,Wind,1,[3]\n"
        );
        assert_eq!(
            tables[2],
            "t:long,next:string,dcount:long,samples:dynamic\n0,,2,[2,3]\n0,Hail,1,[1]\n0,Wind,1,[4]\n"
        );
    }

    #[test]
    fn funnel_sequence_steps_are_consecutive_and_within_the_window() {
        let tables = run_tables(&format!(
            "{EVENTS} | evaluate funnel_sequence(id, t, 0, 9, 1, 10, s, dynamic(['Hail', 'Tornado']))"
        ));
        assert_eq!(
            tables[0],
            "t:long,prev:string,next:string,dcount:long,samples:dynamic\n0,,Hail,1,[1]\n0,,Wind,1,[4]\n"
        );
    }

    #[test]
    fn funnel_sequence_of_empty_input_gives_three_empty_tables() {
        let tables = run_tables(
            "datatable(id: string, t: datetime, s: string) [] \
             | evaluate funnel_sequence(id, t, datetime(2007-01-01), datetime(2008-01-01), 1d, 365d, s, dynamic(['a']))",
        );
        assert_eq!(
            tables,
            [
                "t:datetime,prev:string,next:string,dcount:long,samples:dynamic\n",
                "t:datetime,prev:string,dcount:long,samples:dynamic\n",
                "t:datetime,next:string,dcount:long,samples:dynamic\n"
            ]
        );
    }

    #[test]
    fn funnel_sequence_completion_counts_each_step_per_period() {
        // Id 3's `Hail` comes 9 after `Wind`: only the period 10 sees it.
        let out = run_query(&format!(
            "{EVENTS} | evaluate funnel_sequence_completion(id, t, 0, 20, 20, s, \
             dynamic(['Wind', 'Tornado', 'Hail']), dynamic([1, 10]))"
        ));
        assert_eq!(
            out,
            "t:long,s:string,Period:long,dcount:long\n\
             0,Wind,1,2\n0,Tornado,1,1\n0,Hail,1,0\n\
             0,Wind,10,2\n0,Tornado,10,1\n0,Hail,10,1\n"
        );
    }

    #[test]
    fn funnel_sequence_completion_in_the_documented_form() {
        let out = run_query(
            "let _sequence = dynamic(['Hail', 'Tornado', 'Thunderstorm Wind']); \
             let _periods = dynamic([1h, 4h, 1d]); \
             datatable(EpisodeId: long, StartTime: datetime, EventType: string) [\
               1, datetime(2007-03-01 10:00), 'Hail', 1, datetime(2007-03-01 10:30), 'Tornado', \
               1, datetime(2007-03-01 12:00), 'Thunderstorm Wind', \
               2, datetime(2007-05-01), 'Hail', 2, datetime(2007-05-01 20:00), 'Tornado', \
               3, datetime(2008-02-01), 'Hail'] \
             | evaluate funnel_sequence_completion(EpisodeId, StartTime, datetime(2007-01-01), datetime(2008-01-01), \
               365d, EventType, _sequence, _periods)",
        );
        assert_eq!(
            out,
            "StartTime:datetime,EventType:string,Period:timespan,dcount:long\n\
             2007-01-01T00:00:00.0000000Z,Hail,01:00:00,2\n\
             2007-01-01T00:00:00.0000000Z,Tornado,01:00:00,1\n\
             2007-01-01T00:00:00.0000000Z,Thunderstorm Wind,01:00:00,0\n\
             2007-01-01T00:00:00.0000000Z,Hail,04:00:00,2\n\
             2007-01-01T00:00:00.0000000Z,Tornado,04:00:00,1\n\
             2007-01-01T00:00:00.0000000Z,Thunderstorm Wind,04:00:00,1\n\
             2007-01-01T00:00:00.0000000Z,Hail,1.00:00:00,2\n\
             2007-01-01T00:00:00.0000000Z,Tornado,1.00:00:00,2\n\
             2007-01-01T00:00:00.0000000Z,Thunderstorm Wind,1.00:00:00,1\n"
        );
    }

    #[test]
    fn funnel_sequence_completion_of_empty_input_and_bad_arguments() {
        let out = run_query(
            "datatable(id: long, t: long, s: string) [] \
             | evaluate funnel_sequence_completion(id, t, 0, 10, 5, s, dynamic(['a']), dynamic([1]))",
        );
        assert_eq!(out, "t:long,s:string,Period:long,dcount:long\n");
        let error = run_error(
            "print id = 1, t = now(), s = 'a' \
             | evaluate funnel_sequence_completion(id, t, now(), now(), 1d, s, dynamic(['a']), dynamic([1]))",
        );
        assert!(error.contains("MaxSequenceStepPeriods"), "{error}");
        let error = run_error(
            "print id = 1, t = 1, s = 'a' | evaluate funnel_sequence_completion(id, t, 0, 1, 1, s, dynamic([]), dynamic([1]))",
        );
        assert!(error.contains("sequence"), "{error}");
    }
}
