//! `scan`: matches the input's records, in order, against a sequence of
//! steps that carry state, as Microsoft documents it ("Scan logic"):
//!
//! Each record is checked against every step from the last to the first.
//! For step k: (1) if the previous step has an active sequence and the
//! condition holds with that state, the sequence advances to step k (step
//! k's old state is dropped); otherwise (2) if step k has an active sequence
//! or is the first step, and the condition holds with step k's state, the
//! record replaces step k's part of the state; a match of the first step
//! without a sequence starts a new one (and a new match id). A matching record, extended
//! with the step's assignments, is output per the step's `output=` mode.
//! `StepName.Column` reads the state: the record that last matched that step
//! (the declared default, or null, while there is none).

use std::sync::Arc;

use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::expr::{Compiled, Compiler, eval};
use crate::engine::functions::conversion::convert;
use crate::engine::operators::param_text;
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::operators::{NamedParameter, ScanStep};
use crate::syntax::ast::{ColumnDecl, Expr, ScalarType};

/// The column standing for `step.column` of the scan state in the table
/// step expressions are evaluated on (a name no query can write).
pub fn state_column(step: &str, column: &str) -> String {
    format!("\u{1}scan\u{1}{step}\u{1}{column}")
}

#[derive(Clone, Copy, PartialEq)]
enum Output {
    All,
    Last,
    None,
}

struct Step {
    output: Output,
    optional: bool,
    condition: Compiled,
    /// Target column index in the extended record, and its value.
    assignments: Vec<(usize, Compiled)>,
}

/// A sequence in progress: the record that matched each step so far.
struct Sequence {
    records: Vec<Option<Vec<Value>>>,
    match_id: i64,
    /// `output=last`: the latest match of the step holding the sequence.
    pending: Option<Vec<Value>>,
}

struct Scanner<'e, 'q> {
    exec: &'e Executor<'q>,
    columns: Vec<(String, ScalarType)>,
    defaults: Vec<Value>,
    steps: Vec<Step>,
    output: Vec<(Vec<Value>, i64)>,
}

pub fn run<'q>(
    exec: &Executor<'q>,
    params: &'q [NamedParameter],
    declare: &'q [(ColumnDecl, Option<Expr>)],
    steps: &'q [ScanStep],
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    // The extended record: the input's columns, then the declared ones.
    let mut columns: Vec<(String, ScalarType)> = input.schema();
    let mut defaults: Vec<Value> = columns.iter().map(|_| Value::Null).collect();
    let empty = Table::new(Vec::new());
    for (decl, default) in declare {
        let ty = decl.ty.ty.unwrap_or(ScalarType::Dynamic);
        let value = match default {
            Some(expr) => convert(&exec.eval_column(expr, &empty, env)?.get(0), ty),
            None => Value::Null,
        };
        match columns.iter().position(|(name, _)| *name == decl.name.name) {
            Some(index) => {
                columns[index].1 = ty;
                defaults[index] = value;
            }
            None => {
                columns.push((decl.name.name.clone(), ty));
                defaults.push(value);
            }
        }
    }
    // The table step expressions are compiled against: the record, then
    // each step's part of the state.
    let mut template: Vec<(String, ScalarType)> = columns.clone();
    for step in steps {
        template.extend(columns.iter().map(|(name, ty)| (state_column(&step.name.name, name), *ty)));
    }
    let template = Table::empty(&template);
    let mut compiled = Vec::new();
    for step in steps {
        let output = match step.output.as_ref().map(|o| o.name.as_str()) {
            None | Some("all") => Output::All,
            Some("last") => Output::Last,
            Some("none") => Output::None,
            Some(other) => {
                return Err(ExecError::runtime(format!("unknown scan output mode `{other}`"))
                    .with_help("use `output=all`, `output=last` or `output=none`")
                    .at(step.span));
            }
        };
        let compiler = Compiler::new(exec, env, &template);
        let mut assignments = Vec::new();
        for assignment in &step.assignments {
            let Some(name) = assignment.names.first() else {
                return Err(ExecError::runtime("a scan assignment needs a column name").at(assignment.span));
            };
            let Some(index) = columns.iter().position(|(n, _)| *n == name.name) else {
                return Err(ExecError::new(
                    crate::diagnostics::Code::UnknownColumn,
                    format!("`{}` is neither a column of the input nor declared", name.name),
                )
                .with_help("declare it: `scan declare (Name: type) with (...)`")
                .at(name.span));
            };
            assignments.push((index, compiler.compile(&assignment.value)?));
        }
        compiled.push(Step {
            output,
            optional: step.optional,
            condition: compiler.compile(&step.condition)?,
            assignments,
        });
    }
    let mut scanner = Scanner { exec, columns, defaults, steps: compiled, output: Vec::new() };
    scanner.scan(input)?;
    let match_id = param_text(params, "with_match_id").filter(|name| !name.is_empty());
    scanner.finish(match_id)
}

impl Scanner<'_, '_> {
    fn scan(&mut self, input: &Table) -> ExecResult<()> {
        let mut states: Vec<Option<Sequence>> = (0..self.steps.len()).map(|_| None).collect();
        let mut next_id = 0i64;
        for row in 0..input.rows {
            if row % 1024 == 0 {
                self.exec.check_cancelled()?;
                self.exec.check_rows(self.output.len())?;
            }
            let mut record = input.row(row);
            record.extend(self.defaults[record.len()..].iter().cloned());
            for k in (0..self.steps.len()).rev() {
                // Check 1: the sequence of an earlier step advances to this
                // one (skipping optional steps without a match).
                let mut previous = None;
                for j in (0..k).rev() {
                    if states[j].is_some() {
                        previous = Some(j);
                        break;
                    }
                    if !self.steps[j].optional {
                        break;
                    }
                }
                if let Some(j) = previous {
                    let table = self.eval_table(&record, states[j].as_ref());
                    if self.holds(k, &table)? {
                        let extended = self.extend(k, &record, &table)?;
                        if let Some(mut old) = states[k].take() {
                            self.flush(&mut old);
                        }
                        let mut sequence = states[j].take().expect("an active sequence");
                        self.flush(&mut sequence);
                        sequence.records.resize(k + 1, None);
                        sequence.records[k] = Some(extended.clone());
                        self.emit(k, extended, &mut sequence);
                        states[k] = Some(sequence);
                        continue;
                    }
                }
                // Check 2: the step's own sequence (or a new one at the first step).
                if k > 0 && states[k].is_none() {
                    continue;
                }
                let table = self.eval_table(&record, states[k].as_ref());
                if !self.holds(k, &table)? {
                    continue;
                }
                let extended = self.extend(k, &record, &table)?;
                let mut sequence = states[k].take().unwrap_or_else(|| {
                    // Only the first step gets here without a sequence: a new one starts.
                    next_id += 1;
                    Sequence { records: vec![None; k + 1], match_id: next_id - 1, pending: None }
                });
                sequence.records[k] = Some(extended.clone());
                self.emit(k, extended, &mut sequence);
                states[k] = Some(sequence);
            }
        }
        for state in states.iter_mut().flatten() {
            self.flush(state);
        }
        Ok(())
    }

    /// A one-row table: the record, then each step's part of `state`.
    fn eval_table(&self, record: &[Value], state: Option<&Sequence>) -> Table {
        let mut fields = Vec::with_capacity(self.columns.len() * (self.steps.len() + 1));
        let single = |ty: ScalarType, value: &Value| Arc::new(Column::from_values(ty, [value]));
        for ((name, ty), value) in self.columns.iter().zip(record) {
            fields.push(Field { name: name.clone(), column: single(*ty, value) });
        }
        for k in 0..self.steps.len() {
            let values = state.and_then(|s| s.records.get(k)).and_then(Option::as_ref).unwrap_or(&self.defaults);
            for ((_, ty), value) in self.columns.iter().zip(values) {
                // Names are not looked up at run time: expressions were compiled to indexes.
                fields.push(Field { name: String::new(), column: single(*ty, value) });
            }
        }
        Table::from_fields(fields, 1)
    }

    fn holds(&self, k: usize, table: &Table) -> ExecResult<bool> {
        Ok(matches!(self.value(&self.steps[k].condition, table)?, Value::Bool(true)))
    }

    fn value(&self, compiled: &Compiled, table: &Table) -> ExecResult<Value> {
        Ok(match eval(compiled, table, &self.exec.eval_ctx(1))? {
            Datum::Scalar(value, _) => value,
            Datum::Column(column) => column.get(0),
        })
    }

    /// The record with step `k`'s assignments, all computed on `table`.
    fn extend(&self, k: usize, record: &[Value], table: &Table) -> ExecResult<Vec<Value>> {
        let mut extended = record.to_vec();
        for (index, compiled) in &self.steps[k].assignments {
            extended[*index] = convert(&self.value(compiled, table)?, self.columns[*index].1);
        }
        Ok(extended)
    }

    fn emit(&mut self, k: usize, record: Vec<Value>, sequence: &mut Sequence) {
        match self.steps[k].output {
            Output::All => self.output.push((record, sequence.match_id)),
            Output::Last => sequence.pending = Some(record),
            Output::None => {}
        }
    }

    /// Outputs the held `output=last` match of a sequence leaving its step.
    fn flush(&mut self, sequence: &mut Sequence) {
        if let Some(record) = sequence.pending.take() {
            self.output.push((record, sequence.match_id));
        }
    }

    fn finish(self, match_id: Option<String>) -> ExecResult<Table> {
        let rows = self.output.len();
        self.exec.check_rows(rows)?;
        let mut fields = Vec::new();
        for (index, (name, ty)) in self.columns.iter().enumerate() {
            let mut builder = ColumnBuilder::new(*ty, rows);
            for (record, _) in &self.output {
                builder.push(&record[index]);
            }
            fields.push(Field { name: name.clone(), column: Arc::new(builder.finish()) });
        }
        if let Some(name) = match_id {
            let ids: Vec<Value> = self.output.iter().map(|(_, id)| Value::Long(*id)).collect();
            let field = Field { name, column: Arc::new(Column::from_values(ScalarType::Long, &ids)) };
            match fields.iter().position(|f| f.name == field.name) {
                Some(index) => fields[index] = field,
                None => fields.push(field),
            }
        }
        Ok(Table::from_fields(fields, rows))
    }
}
