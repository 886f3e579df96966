#!/usr/bin/env python3
"""Import throughput and peak memory: kqlab vs DuckDB, on the same files.

    python3 compare.py --kqlab target/release/kqlab --csv signin.csv --jsonl signin.jsonl

Run by `bench/run.sh import`. Every measurement is a fresh process, so peak
memory is the process's own maximum resident set size (`wait4`'s
`ru_maxrss`), and nothing is cached between runs except the file in the
page cache (one untimed warm-up run reads it first):

* kqlab: `kqlab run --table T=FILE "T | count"` loads the whole file into
  its in-memory columnar table (types inferred from all values; with
  `SigninLogs=FILE` the columns take the built-in schema's types instead);
* DuckDB: `CREATE TABLE t AS SELECT * FROM read_csv(FILE)` (or
  `read_json(FILE)`) then `SELECT count(*) FROM t`, an in-memory database,
  types auto-detected, with `threads = 2` and `threads = 1`.

Each case runs 5 times; the median wall time is reported. Start-up (kqlab
on `print 1`; Python with DuckDB imported and connected) is measured the
same way and subtracted, so MB/s is the import's own throughput. Ratios
are kqlab's time over DuckDB's: below 1, kqlab is faster.
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

RUNS = 5


def measure_rss(argv):
    """(seconds, peak RSS in MiB, stdout) through fork + wait4."""
    read, write = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.dup2(write, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    os.close(write)
    chunks = []
    while True:
        chunk = os.read(read, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed ({status}): {' '.join(argv)}")
    return elapsed, usage.ru_maxrss / 1024, b"".join(chunks).decode()


def run_case(argv):
    """Median seconds, max peak MiB over the runs, and the last output."""
    measure_rss(argv)  # warm-up: the file into the page cache
    times, peaks, out = [], [], ""
    for _ in range(RUNS):
        seconds, peak, out = measure_rss(argv)
        times.append(seconds)
        peaks.append(peak)
    return statistics.median(times), max(peaks), out


def kqlab_case(kqlab, name, path):
    return [kqlab, "run", "--format", "csv", "--table", f"{name}={path}", f"{name} | count"]


def duckdb_case(reader, path, threads):
    script = (
        "import duckdb,sys\n"
        "con = duckdb.connect()\n"
        f"con.execute('SET threads = {threads}')\n"
        + (f"con.execute(\"CREATE TABLE t AS SELECT * FROM {reader}(?)\", [sys.argv[1]])\n" if reader else "")
        + ("print(con.execute('SELECT count(*) FROM t').fetchone()[0])\n" if reader else "print(1)\n")
    )
    return [sys.executable, "-c", script, path or ""]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kqlab", required=True)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--jsonl", required=True)
    args = ap.parse_args()

    import duckdb

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; DuckDB {duckdb.__version__}; "
          f"{RUNS} runs per case, median time, max peak RSS")
    kqlab_start, kqlab_start_rss, _ = run_case([args.kqlab, "run", "print 1"])
    duck_start = {t: run_case(duckdb_case(None, None, t))[:2] for t in (1, 2)}
    print(f"start-up subtracted: kqlab {kqlab_start * 1000:.0f} ms ({kqlab_start_rss:.0f} MiB), "
          f"python+duckdb {duck_start[2][0] * 1000:.0f} ms ({duck_start[2][1]:.0f} MiB)")
    print()
    header = f"{'file':<28} {'engine':<26} {'rows':>9} {'s':>7} {'MB/s':>7} {'peak MiB':>9} {'kqlab/x':>8}"
    print(header)
    print("-" * len(header))
    for label, path, reader in (("CSV", args.csv, "read_csv"), ("JSON Lines", args.jsonl, "read_json")):
        size_mb = os.path.getsize(path) / 1e6
        name = f"{label} {size_mb:.0f} MB"
        results = []
        for engine, argv, start in (
            ("kqlab (inferred types)", kqlab_case(args.kqlab, "T", path), kqlab_start),
            ("kqlab (SigninLogs schema)", kqlab_case(args.kqlab, "SigninLogs", path), kqlab_start),
            ("DuckDB threads=2", duckdb_case(reader, path, 2), duck_start[2][0]),
            ("DuckDB threads=1", duckdb_case(reader, path, 1), duck_start[1][0]),
        ):
            seconds, peak, out = run_case(argv)
            rows = out.strip().splitlines()[-1]
            net = max(seconds - start, 1e-9)
            results.append((engine, rows, net, peak))
        kqlab_net = results[0][2]
        for engine, rows, net, peak in results:
            ratio = "" if engine.startswith("kqlab") else f"{kqlab_net / net:.2f}"
            print(f"{name:<28} {engine:<26} {rows:>9} {net:>7.2f} {size_mb / net:>7.1f} {peak:>9.0f} {ratio:>8}")
        counts = {r[1] for r in results}
        if len(counts) != 1:
            sys.exit(f"row counts differ on {path}: {counts}")


if __name__ == "__main__":
    main()
