#!/usr/bin/env bash
# Benchmarks against Microsoft's official parser/binder, measured in one run:
#   bench/run.sh parse     parse throughput vs Kusto.Language's parser
#   bench/run.sh analyze   full semantic check vs Kusto.Language's binder
# Installs the official parser (npm package @kusto/language-service-next, via
# ../shared/tools/kusto-oracle) into target/kusto-oracle on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
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
