#!/usr/bin/env python3
"""Differential test of query RESULTS: `coffer sql` against DuckDB 1.5.5 itself.

Every query of the corpus runs in coffer (`coffer sql --format csv`, `--format json` and, for
the column types, `--format jsonl`; a fresh COFFER_HOME) and in DuckDB 1.5.5 (the Python
package, a fresh in-memory connection). They must agree value by value:

  * types:  coffer's column types against `DESCRIBE <query>` in DuckDB (lower-cased);
  * csv:    coffer's CSV against DuckDB's own CSV writer (`COPY (<query>) TO 'x.csv'`),
            parsed on both sides, every cell compared as text;
  * json:   coffer's JSON: a number column's values against the values DuckDB's Python API
            returns (int / Decimal exactly, floats equal; NaN and infinities as DuckDB's text),
            any other column's values against DuckDB's text of them (CAST ... AS VARCHAR).

The corpus: every column of DuckDB's own `test_all_types()` (every type with its minimum,
maximum and NULL), `NULL::<type>` for every type `duckdb_types()` lists that casts, and the
hand-written queries below (the cases of issue 20, nested lists/structs/maps, awkward text).

Usage: python3 scripts/result_differential.py --coffer PATH [-v]
Exit status: 0 when nothing differs, 1 on a difference, 2 on a setup error.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import decimal
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

import duckdb

HAND = [
    "SELECT 170141183460469231731687303715884105727::HUGEINT h, '-170141183460469231731687303715884105728'::HUGEINT l",
    "SELECT 340282366920938463463374607431768211455::UHUGEINT u",
    "SELECT 'abc'::BLOB b, '\\xAA\\x00z'::BLOB b2, ''::BLOB e",
    "SELECT '101'::BIT b, '0000000011111111'::BIT b2",
    "SELECT TIMESTAMP '2024-01-02 03:04:05' ts, TIMESTAMP '2024-01-02 03:04:05.123456' us, DATE '1992-09-20' d",
    "SELECT TIMESTAMPTZ '2024-01-02 03:04:05+00' tz, TIMESTAMPTZ '2024-07-01 12:00:00.5+02' tz2",
    "SELECT union_value(num := 2) u, union_value(str := 'x')::UNION(num INTEGER, str VARCHAR) u2",
    "SELECT {'a': 1, 'b': ['x', NULL]} st, MAP {'k': 2.5} mp, MAP {1: [1, 2]} mp2",
    "SELECT [[1, 2], [], NULL, [3]] ll, [{'a': 'it''s'}] ls, ['NULL', 'b c', 'a,b', '', '[', '\"q\"'] tricky",
    "SELECT INTERVAL 3 DAY a, INTERVAL '1 year 2 months 3 days 04:05:06.5' b, -INTERVAL 1 SECOND c",
    "SELECT 1.5::DOUBLE d, 0.1::FLOAT f, 1e300::DOUBLE big, 'nan'::DOUBLE n, '-inf'::DOUBLE ni, 1.0::DOUBLE one",
    "SELECT 123.450::DECIMAL(10,3) a, -0.001::DECIMAL(4,3) b, 12345678901234567890123456789.123456789::DECIMAL(38,9) c",
    "SELECT 'line1\nline2' nl, 'a,b' comma, 'say \"hi\"' quoted, 'naïve ☃' uni, '' empty, NULL::VARCHAR n",
    "SELECT '5f3c7a0e-8d2b-4c1a-9e6f-0123456789ab'::UUID u, TIME '03:04:05' t, TIME '23:59:59.999999' t2",
    "SELECT 'a'::ENUM('a', 'b') e, [1, 2, 3]::INTEGER[3] arr, true t, NULL::BOOLEAN nb",
    "SELECT range r, range * 1.5 f, range::VARCHAR s FROM range(5) ORDER BY r DESC",
    "SELECT 'x' AS x, 1 AS x",
    "FROM (VALUES (1, 'one'), (2, 'two')) t(n, w) ORDER BY n",
    "SELECT 18446744073709551615::UBIGINT ub, 4294967295::UINTEGER ui, '-9223372036854775808'::BIGINT b",
]

NUMERIC = {"tinyint", "smallint", "integer", "bigint", "hugeint", "utinyint", "usmallint", "uinteger",
           "ubigint", "uhugeint", "float", "double", "decimal", "bignum", "varint"}


JSON_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def lower_type(name: str) -> str:
    out, quote = [], None
    for ch in name:
        if quote:
            if ch == quote:
                quote = None
            out.append(ch)
            continue
        if ch in "\"'":
            quote = ch
        out.append(ch.lower())
    return "".join(out)


def corpus(con: duckdb.DuckDBPyConnection) -> list[str]:
    queries = list(HAND)
    cols = [r[0] for r in con.sql("DESCRIBE FROM test_all_types()").fetchall()]
    queries += [f'SELECT "{c}" FROM test_all_types()' for c in cols]
    seen = set()
    for (name,) in con.sql("SELECT DISTINCT type_name FROM duckdb_types() "
                           "ORDER BY 1").fetchall():
        q = f"SELECT NULL::{name} AS v"
        if name.lower() in seen or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ ]*", name):
            continue
        seen.add(name.lower())
        try:
            con.sql(f"DESCRIBE {q}").fetchall()
        except duckdb.Error:
            continue
        queries.append(q)
    return queries


def duck_answer(q: str, tmp: str) -> dict:
    con = duckdb.connect()
    described = con.sql(f"DESCRIBE {q}").fetchall()
    names = [r[0] for r in described]
    types = [lower_type(r[1]) for r in described]
    path = os.path.join(tmp, "duck.csv")
    con.sql(f"COPY ({q}) TO '{path}' (HEADER)")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    text = con.sql(f"SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ({q})").fetchall()
    # Python values of the number columns (exact ints and Decimals); text for the others.
    picks = ", ".join(f"#{i + 1}" if is_numeric(t) else f"CAST(#{i + 1} AS VARCHAR)" for i, t in enumerate(types))
    values = con.sql(f"SELECT {picks} FROM ({q})").fetchall()
    # DuckDB's CSV writer renames duplicate columns (x, x_1); its DESCRIBE does not.
    return {"names": names, "types": types, "csv": rows[1:], "text": text, "values": values}


def run_coffer(coffer: str, home: str, fmt: str, sql: str, tolerate: bool = False) -> str:
    env = dict(os.environ, COFFER_HOME=home, TZ="UTC")
    p = subprocess.run([coffer, "sql", "--format", fmt], input=sql, capture_output=True, text=True, env=env,
                       timeout=120)
    if p.returncode != 0 and not tolerate:
        raise RuntimeError(f"coffer sql --format {fmt} failed ({p.returncode}): {p.stderr.strip()[:400]}")
    return p.stdout


def is_numeric(ty: str) -> bool:
    return ty.split("(")[0] in NUMERIC


def same_number(got, want, text: str) -> bool:
    """coffer's JSON value of a number: the number DuckDB's text spells (NaN and infinities
    as that text), equal to the Python API's value where that is exact."""
    if not JSON_NUMBER.fullmatch(text):
        return got == text
    if not isinstance(got, (int, decimal.Decimal)) or decimal.Decimal(got) != decimal.Decimal(text):
        return False
    if isinstance(want, (int, decimal.Decimal, str)):
        return decimal.Decimal(got) == decimal.Decimal(want)
    return isinstance(want, float) and math.isclose(float(got), want, rel_tol=1e-6)


def check(coffer: str, home: str, q: str, coffer_types: list[str], tmp: str) -> list[str]:
    problems = []
    duck = duck_answer(q, tmp)
    if coffer_types != duck["types"]:
        problems.append(f"types: coffer {coffer_types} duckdb {duck['types']}")
    got_csv = list(csv.reader(io.StringIO(run_coffer(coffer, home, "csv", q + ";\n"), newline="")))
    if got_csv[:1] != [duck["names"]]:
        problems.append(f"names: coffer {got_csv[:1]} duckdb {duck['names']}")
    got_csv = got_csv[1:]
    if got_csv != duck["csv"]:
        for i, (a, b) in enumerate(zip(got_csv, duck["csv"])):
            if a != b:
                problems.append(f"csv row {i}: coffer {a!r} duckdb {b!r}")
                break
        if len(got_csv) != len(duck["csv"]):
            problems.append(f"csv: coffer {len(got_csv)} rows, duckdb {len(duck['csv'])}")
    got_json = json.loads(run_coffer(coffer, home, "json", q + ";\n"), parse_float=decimal.Decimal)
    if len(got_json) != len(duck["values"]):
        problems.append(f"json: coffer {len(got_json)} rows, duckdb {len(duck['values'])}")
    for r, (obj, values, texts) in enumerate(zip(got_json, duck["values"], duck["text"])):
        cells = list(obj.values())
        if len(cells) != len(values):
            # Duplicate column names collapse in a JSON object: compare what is there.
            continue
        for c, (got, want, text) in enumerate(zip(cells, values, texts)):
            ty = duck["types"][c]
            if want is None:
                ok = got is None
            elif ty == "boolean":
                ok = got is (text == "true")
            elif is_numeric(ty):
                ok = same_number(got, want, text)
            else:
                ok = got == text
            if not ok:
                problems.append(f"json row {r} column {c} ({ty}): coffer {got!r} duckdb {text!r} / {want!r}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--coffer", required=True)
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    if duckdb.__version__ != "1.5.5":
        print(f"setup: DuckDB {duckdb.__version__} is not 1.5.5", file=sys.stderr)
        return 2
    os.environ["TZ"] = "UTC"
    tmp = tempfile.mkdtemp(prefix="coffer-results-")
    try:
        home = os.path.join(tmp, "home")
        subprocess.run([args.coffer, "init"], env=dict(os.environ, COFFER_HOME=home), check=True,
                       capture_output=True)
        queries = corpus(duckdb.connect())
        # Types for the whole corpus from one jsonl run (one JSON line per statement).
        lines = run_coffer(args.coffer, home, "jsonl", "".join(q + ";\n" for q in queries),
                           tolerate=True).splitlines()
        if len(lines) != len(queries):
            print(f"setup: coffer answered {len(lines)} lines for {len(queries)} statements", file=sys.stderr)
            return 2
        types = []
        for q, line in zip(queries, lines):
            answer = json.loads(line)
            if not answer.get("ok"):
                types.append(["error: " + str(answer.get("error"))[:200]])
            else:
                types.append([c["type"] for c in answer["columns"]])

        def one(i: int) -> tuple[str, list[str]]:
            sub = os.path.join(tmp, f"q{i}")
            os.makedirs(sub)
            try:
                return queries[i], check(args.coffer, home, queries[i], types[i], sub)
            except Exception as e:  # noqa: BLE001 - reported as a difference
                return queries[i], [f"{type(e).__name__}: {e}"]

        failed = 0
        values = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            for q, problems in pool.map(one, range(len(queries))):
                if problems:
                    failed += 1
                    print(f"DIFF {q}")
                    for p in problems[:5]:
                        print(f"     {p}")
                elif args.v:
                    print(f"ok   {q}")
        for q in queries:
            values += sum(len(r) for r in duckdb.connect().sql(f"SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ({q})").fetchall())
        print(f"result differential: {len(queries)} queries, {values} values, {failed} with differences")
        return 1 if failed else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
