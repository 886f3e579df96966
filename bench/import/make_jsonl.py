#!/usr/bin/env python3
"""Turns gen_signin.py's CSV into a JSON Lines file of a given size.

    python3 make_jsonl.py signin.csv --mb 100 -o signin.jsonl

Each line is one row as a JSON object: `LocationDetails` becomes a nested
object (a `dynamic` column), every other value stays a string, as Log
Analytics exports write them. Rows are taken from the CSV in order,
cycling when it runs out, until the file reaches --mb megabytes (10^6
bytes). Standard library only; the output is a pure function of the input.
"""
import argparse
import csv
import json
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv")
    ap.add_argument("--mb", type=float, default=100.0)
    ap.add_argument("-o", "--out", required=True)
    args = ap.parse_args()
    limit = int(args.mb * 1_000_000)
    written = 0
    rows = 0
    csv.field_size_limit(sys.maxsize)
    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        while written < limit:
            with open(args.csv, newline="", encoding="utf-8") as source:
                for row in csv.DictReader(source):
                    row["LocationDetails"] = json.loads(row["LocationDetails"])
                    line = json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"
                    out.write(line)
                    written += len(line.encode("utf-8"))
                    rows += 1
                    if written >= limit:
                        break
    print(f"{args.out}: {rows} rows, {written} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
