#!/usr/bin/env python3
"""Times DuckDB on the SigninLogs workload and prints kqlab's figures beside it.

    python3 compare.py signin.csv --kqlab kqlab.json

Run by `bench/run.sh engine` after `benches/engine.rs` has written kqlab's
timings and results (`--kqlab`). In this process, on the same CSV:

* DuckDB runs the SQL equivalents in `sql/` with `threads = 2` and `threads = 1`;
* duckdb-kql (PyPI `duckdb-kql`, KQL translated to DuckDB SQL) runs the KQL in
  `queries/`, when it is installed; DuckDB's community extension `kql` is
  tried too (it needs a download from DuckDB's extension site);
* every engine's results are checked with `reference.py`'s rules.

Timing protocol (README.md): the table is loaded once, outside the timing;
each query gets one untimed warm-up run, then 5 timed runs; the median is
reported. A run covers the query text to the complete result in memory
(`fetchall()`). Ratios are kqlab's median over the other engine's median:
below 1 kqlab is faster.
"""
import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference  # noqa: E402  (the checker beside this script)

RUNS = 5
STRING_COLUMNS = ["UserPrincipalName", "IPAddress", "Location", "AppDisplayName", "ResultType",
                  "ResultDescription", "ClientAppUsed", "UserAgent", "ConditionalAccessStatus",
                  "RiskLevelDuringSignIn", "LocationDetails"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv", help="the CSV written by gen_signin.py")
    ap.add_argument("--kqlab", required=True, help="the JSON written by benches/engine.rs (KQLAB_BENCH_OUT)")
    ap.add_argument("--queries", default=os.path.join(HERE, "queries"))
    ap.add_argument("--sql", default=os.path.join(HERE, "sql"))
    args = ap.parse_args()

    kqlab = json.load(open(args.kqlab))
    names = sorted(f[:-4] for f in os.listdir(args.queries) if f.endswith(".kql"))
    kql_text = {n: open(os.path.join(args.queries, n + ".kql")).read() for n in names}
    sql_text = {n: open(os.path.join(args.sql, n + ".sql")).read() for n in names}

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    columns = {"TimeGenerated": "TIMESTAMP", **{c: "VARCHAR" for c in STRING_COLUMNS}}
    start = time.perf_counter()
    con.execute("CREATE TABLE SigninLogs AS SELECT * FROM read_csv(?, header = true, columns = %s)"
                % sql_struct(columns), [args.csv])
    load_s = time.perf_counter() - start
    duckdb_table_bytes = con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchone()[0]
    print("DuckDB %s: loaded the CSV in %.1f s; its buffer manager holds %.1f MB"
          % (duckdb.__version__, load_s, duckdb_table_bytes / 2**20))

    sql_ms, sql_results = {}, {}
    for threads in (2, 1):
        con.execute("SET threads = %d" % threads)
        for n in names:
            ms, result = time_query(lambda: fetch(con.sql(sql_text[n])))
            sql_ms[(n, threads)] = ms
            sql_results.setdefault(n, result)

    dkql_status, dkql_version, dkql_ms, dkql_results = duckdb_kql_runs(con, names, kql_text)
    extension_status = community_extension_status()

    print("checking results with reference.py's rules ...", flush=True)
    expected = reference.expected_results(args.csv, names)
    checks = {"kqlab": {}, "duckdb": {}, "duckdb-kql": {}}
    for n in names:
        spec = reference.SPEC[n[:2]]
        checks["kqlab"][n] = check(expected[n], kqlab["results"].get(n), spec)
        checks["duckdb"][n] = check(expected[n], sql_results.get(n), spec)
        checks["duckdb-kql"][n] = check(expected[n], dkql_results.get(n), spec)

    print()
    print_machine(dkql_version)
    print()
    print("rows: %d, CSV %.1f MB; median of %d timed runs after 1 warm-up; ratio = kqlab / other (< 1: kqlab faster)"
          % (kqlab["rows"], kqlab["csv_bytes"] / 2**20, RUNS))
    print("kqlab runs on one thread (its engine is not parallel); DuckDB with threads = 2 and threads = 1")
    print()
    header = ["query", "kqlab ms", "DuckDB t=2 ms", "ratio", "DuckDB t=1 ms", "ratio",
              "duckdb-kql t=2 ms", "ratio", "kqlab result"]
    rows = []
    for n in names:
        k = kqlab["queries"].get(n, {})
        k_ms = k.get("ms")
        d2, d1, q2 = sql_ms.get((n, 2)), sql_ms.get((n, 1)), dkql_ms.get((n, 2))
        rows.append([
            n,
            fmt_ms(k_ms) if k_ms is not None else "FAILED",
            fmt_ms(d2), ratio(k_ms, d2), fmt_ms(d1), ratio(k_ms, d1),
            fmt_ms(q2) if q2 is not None else short(dkql_status.get(n, "not run")), ratio(k_ms, q2),
            checks["kqlab"][n] if k_ms is not None else short(k.get("error", "failed"), 60),
        ])
    print_table(header, rows)
    total_k = sum(kqlab["queries"][n]["ms"] for n in names if "ms" in kqlab["queries"].get(n, {}))
    print()
    slower = [n[:2] for n in names if "ms" in kqlab["queries"].get(n, {})
              and kqlab["queries"][n]["ms"] > 1.5 * sql_ms[(n, 2)]]
    print("goal 'no query slower than 1.5x DuckDB (threads = 2)': %s"
          % ("met" if not slower else "not met (%s)" % ", ".join(slower)))
    ran = [n for n in names if (n, 2) in dkql_ms and "ms" in kqlab["queries"].get(n, {})]
    faster = [n for n in ran if kqlab["queries"][n]["ms"] < dkql_ms[(n, 2)]]
    print("goal 'every query faster than duckdb-kql': kqlab faster on %d of the %d queries duckdb-kql runs; "
          "duckdb-kql cannot run %d of %d" % (len(faster), len(ran), len(names) - len(ran), len(names)))
    print("sum of kqlab medians %.0f ms" % total_k)

    print()
    print("memory: CSV %.1f MB; kqlab's loaded table %.1f MB of heap (%.2fx the CSV; Table::byte_size "
          "estimate %.1f MB); DuckDB's table %.1f MB (%.2fx)"
          % (kqlab["csv_bytes"] / 2**20, kqlab["table_heap"] / 2**20, kqlab["table_heap"] / kqlab["csv_bytes"],
             kqlab["table_byte_size"] / 2**20, duckdb_table_bytes / 2**20,
             duckdb_table_bytes / kqlab["csv_bytes"]))
    if kqlab.get("peak_rss"):
        print("kqlab bench process peak RSS %.1f MB (streaming import, then the queries); "
              "peak heap while loading %.1f MB" % (kqlab["peak_rss"] / 2**20, kqlab["load_peak_heap"] / 2**20))
    print("goal 'memory <= 2x the raw data': %s" % ("met" if kqlab["table_heap"] <= 2 * kqlab["csv_bytes"]
                                                     else "not met"))

    print()
    print("duckdb-kql (PyPI %s, KQL translated to DuckDB SQL), threads = 1:" % (dkql_version or "not installed"))
    for n in names:
        q1 = dkql_ms.get((n, 1))
        print("  %-34s %s  result: %s" % (n, fmt_ms(q1) if q1 is not None else short(dkql_status.get(n, "not run"), 90),
                                           checks["duckdb-kql"][n]))
    print("DuckDB community extension `kql` (INSTALL kql FROM community): %s" % extension_status)
    print("DuckDB SQL results: %s" % ", ".join("%s %s" % (n[:2], checks["duckdb"][n]) for n in names))

    bad = [n for n in names if not checks["kqlab"][n].startswith("ok")]
    if bad:
        print("\nkqlab results that do not match the reference: %s" % ", ".join(bad))
        sys.exit(1)


def time_query(run):
    """One untimed warm-up run, then RUNS timed runs -> (median ms, warm-up result)."""
    result = run()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), result


def fetch(relation):
    """A relation's complete result: {"columns", "rows", "json_columns"} (columns of
    DuckDB type JSON hold dynamic values as JSON text; the check decodes them)."""
    json_columns = {name for name, ty in zip(relation.columns, relation.types) if str(ty) == "JSON"}
    return {"columns": list(relation.columns), "rows": relation.fetchall(), "json_columns": json_columns}


def duckdb_kql_runs(con, names, kql_text):
    """Times duckdb-kql on each KQL query -> (status per query, version, ms by (query, threads), results)."""
    try:
        import duckdb_kql
    except ImportError:
        return {n: "duckdb-kql not installed" for n in names}, None, {}, {}
    from importlib.metadata import version
    status, ms, results = {}, {}, {}
    for threads in (2, 1):
        con.execute("SET threads = %d" % threads)
        for n in names:
            if n in status:
                continue
            try:
                ms[(n, threads)], result = time_query(lambda: fetch(duckdb_kql.kql(con, kql_text[n])))
                results.setdefault(n, result)
            except Exception as error:  # the translator raises its own KqlError family and DuckDB errors
                status[n] = "%s: %s" % (type(error).__name__, str(error).splitlines()[0])
    return status, version("duckdb-kql"), ms, results


def community_extension_status():
    """Whether DuckDB's community `kql` extension installs here."""
    try:
        probe = duckdb.connect()
        probe.execute("INSTALL kql FROM community")
        probe.execute("LOAD kql")
        return "installed and loaded (not timed by this script)"
    except Exception as error:
        first = str(error).splitlines()[0]
        return "blocked: %s" % first[:160]


def check(expected, actual, spec):
    if actual is None:
        return "no result"
    canonical = reference.canon(actual["columns"], actual["rows"], spec, actual.get("json_columns", ()))
    ok, message = reference.same(expected, canonical, spec)
    return ("ok (%s)" % message) if ok else ("MISMATCH: %s" % message)


def sql_struct(columns):
    return "{" + ", ".join("'%s': '%s'" % kv for kv in columns.items()) + "}"


def fmt_ms(ms):
    if ms is None:
        return "-"
    return "%.1f" % ms if ms < 100 else "%.0f" % ms


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return "%.2f" % (a / b)


def short(text, width=40):
    return text if len(text) <= width else text[:width - 1] + "…"


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))


def print_machine(dkql_version):
    model = "unknown"
    try:
        for text in open("/proc/cpuinfo"):
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=HERE).stdout.strip()
    print("machine: %d cores (nproc), %s, %s" % (os.cpu_count(), model, platform.platform()))
    print("versions: kqlab %s (%s), DuckDB %s, duckdb-kql %s, Python %s"
          % (commit or "?", rustc or "rustc ?", duckdb.__version__, dkql_version or "-", platform.python_version()))


if __name__ == "__main__":
    main()
