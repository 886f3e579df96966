#!/usr/bin/env bash
# Benchmarks measured in one run against a baseline:
#   bench/run.sh parse     parse throughput vs Kusto.Language's parser
#   bench/run.sh analyze   full semantic check vs Kusto.Language's binder
#   bench/run.sh engine    query execution on the SigninLogs workload
#                          (bench/signin/) vs DuckDB SQL and duckdb-kql
#   bench/run.sh import    sample import (1 M-row CSV, 100 MB JSON Lines)
#                          vs DuckDB read_csv/read_json (bench/import/)
# parse/analyze install the official parser (npm package
# @kusto/language-service-next, via ../shared/tools/kusto-oracle) into
# target/kusto-oracle on first use. engine creates a Python venv in
# target/bench-venv (pip install duckdb duckdb-kql), generates ROWS rows
# (default 1,000,000) into target/bench-data/ once, then runs
# benches/engine.rs and bench/signin/compare.py.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-parse}" = import ]; then
  rows="${ROWS:-1000000}"
  mb="${JSONL_MB:-100}"
  venv="target/bench-venv"
  data="target/bench-data"
  mkdir -p "$data"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -c 'import duckdb' 2>/dev/null || "$venv/bin/pip" install -q duckdb
  csv="$data/signin-$rows.csv"
  if [ ! -f "$csv" ]; then
    python3 bench/signin/gen_signin.py -n "$rows" -o "$csv.tmp"
    mv "$csv.tmp" "$csv"
  fi
  jsonl="$data/signin-${mb}mb.jsonl"
  if [ ! -f "$jsonl" ]; then
    python3 bench/import/make_jsonl.py "$csv" --mb "$mb" -o "$jsonl.tmp"
    mv "$jsonl.tmp" "$jsonl"
  fi
  cargo build --release --quiet
  exec "$venv/bin/python" bench/import/compare.py --kqlab target/release/kqlab --csv "$csv" --jsonl "$jsonl"
fi

if [ "${1:-parse}" = engine ]; then
  rows="${ROWS:-1000000}"
  venv="target/bench-venv"
  data="target/bench-data"
  mkdir -p "$data"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
  fi
  "$venv/bin/python" -c 'import duckdb' 2>/dev/null || "$venv/bin/pip" install -q duckdb
  # duckdb-kql is the comparison, not a requirement: carry on without it.
  "$venv/bin/python" -c 'import duckdb_kql' 2>/dev/null || "$venv/bin/pip" install -q duckdb-kql \
    || echo "note: pip install duckdb-kql failed; it is left out of the comparison"
  csv="$data/signin-$rows.csv"
  if [ ! -f "$csv" ]; then
    python3 bench/signin/gen_signin.py -n "$rows" -o "$csv.tmp"
    mv "$csv.tmp" "$csv"
  fi
  KQLAB_BENCH_CSV="$csv" KQLAB_BENCH_OUT="$data/kqlab-$rows.json" cargo bench --bench engine
  exec "$venv/bin/python" bench/signin/compare.py "$csv" --kqlab "$data/kqlab-$rows.json"
fi

oracle_src="${KQLAB_ORACLE_SRC:-../shared/tools/kusto-oracle}"
oracle_dir="target/kusto-oracle"
if [ ! -d "$oracle_dir/node_modules" ] && [ -f "$oracle_src/oracle.js" ]; then
  mkdir -p "$oracle_dir"
  cp "$oracle_src/oracle.js" "$oracle_src/package.json" "$oracle_src/package-lock.json" "$oracle_dir/"
  (cd "$oracle_dir" && npm ci --no-audit --no-fund --silent)
fi
if [ -d "$oracle_dir/node_modules" ]; then
  export KQLAB_ORACLE_DIR="$PWD/$oracle_dir"
fi
cargo bench --bench "${1:-parse}"
