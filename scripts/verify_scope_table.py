#!/usr/bin/env python3
"""Checks crates/coffer-model/tests/scope_cases.json against real DuckDB.

For every case it opens a fresh in-memory DuckDB with its own empty secret directory, loads
the extensions that bring coffer's DuckDB secret types (httpfs, aws, azure, postgres_scanner,
mysql_scanner, by path from $COFFER_TEST_EXTENSION_DIR, see scripts/duckdb_extensions.py: no
network, no autoloading, unsigned extensions refused), creates the case's secrets (memory ->
CREATE TEMPORARY SECRET, coffer -> CREATE PERSISTENT SECRET, i.e. DuckDB's local_file storage),
runs `which_secret(path, type)` and compares the winner's name and storage with the case's
`expected` (DuckDB's answer is the reference).

The table holds the cases of the types DuckDB can only be asked about with those extensions
(azure, postgres, mysql) too; EXTRA_CASES below may add cases of this script's own, in the
table's format, checked the same way. Cases using a secret type DuckDB does not know even with those extensions (openai,
ollama, azure_llm, flights, generic: FlockMTL's, MotherDuck's and coffer's own) are skipped
with a note.

Setup (scripts/test.sh does it):
    pip install duckdb==1.5.5

    bash scripts/install-test-extensions.sh ~/.cache/coffer-extensions httpfs aws azure postgres_scanner mysql_scanner

Usage:
    python3 scripts/verify_scope_table.py [path/to/scope_cases.json] [-v]

Exit status: 0 when every checked case agrees, 1 on any disagreement, 2 on a setup error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from typing import NoReturn

import duckdb_extensions  # scripts/duckdb_extensions.py, beside this script

DUCKDB_VERSION = "1.5.5"
DEFAULT_TABLE = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..",
    "crates",
    "coffer-model",
    "tests",
    "scope_cases.json",
)
# coffer's storage names -> DuckDB's.
STORAGE_TO_DUCKDB = {"memory": "memory", "coffer": "local_file"}


def fail_setup(msg: str) -> NoReturn:
    print(f"verify_scope_table: {msg}", file=sys.stderr)
    sys.exit(2)


def extension_paths() -> list[str]:
    return duckdb_extensions.extension_paths("verify_scope_table")


def _case(cid, secrets, path, ty, expected, note=None):
    case = {"id": cid, "secrets": [dict(zip(("name", "type", "storage", "scope", "provider"), s)) for s in secrets],
            "path": path, "type": ty, "expected": None if expected is None else dict(zip(("name", "storage"), expected))}
    if note:
        case["note"] = note
    return case


# Cases of this script's own, in the table's format (a `provider` key is optional). Empty: the
# default scopes of azure (every provider), http, postgres and mysql, and the SCOPE that the
# postgres and mysql extensions drop, are in scope_cases.json, where coffer's tests read them.
EXTRA_CASES: list = []


def sql_string(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def sql_ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


class Checker:
    def __init__(self, duckdb_module, extensions: list[str]):
        self.duckdb = duckdb_module
        self.extensions = extensions
        self._known_types: set[str] | None = None

    def connect(self, secret_dir: str):
        return duckdb_extensions.connect(self.duckdb, self.extensions, {"secret_directory": secret_dir})

    def known_types(self) -> set[str]:
        """The secret types DuckDB accepts with the loaded extensions: probed, not assumed."""
        if self._known_types is None:
            probe = ["s3", "r2", "gcs", "huggingface", "http", "azure", "postgres", "mysql", "openai",
                     "ollama", "azure_llm", "flights", "generic"]
            known = set()
            with tempfile.TemporaryDirectory(prefix="coffer-scope-probe-") as d:
                con = self.connect(d)
                for i, ty in enumerate(probe):
                    try:
                        con.execute(f"CREATE TEMPORARY SECRET probe_{i} (TYPE {ty})")
                        known.add(ty)
                    except self.duckdb.Error:
                        pass
                con.close()
            self._known_types = known
        return self._known_types

    def run_case(self, case: dict):
        """DuckDB's (name, storage) winner for the case, or None."""
        secret_dir = tempfile.mkdtemp(prefix="coffer-scope-secrets-")
        try:
            con = self.connect(secret_dir)
            try:
                for s in case["secrets"]:
                    persist = "PERSISTENT" if s["storage"] == "coffer" else "TEMPORARY"
                    opts = [f"TYPE {s['type']}"]
                    if s.get("provider"):
                        opts.append(f"PROVIDER {s['provider']}")
                    if s["scope"] is not None:
                        opts.append("SCOPE [" + ", ".join(sql_string(x) for x in s["scope"]) + "]")
                    con.execute(f"CREATE {persist} SECRET {sql_ident(s['name'])} ({', '.join(opts)})")
                rows = con.execute(
                    "SELECT name, storage FROM which_secret(?, ?)", [case["path"], case["type"]]
                ).fetchall()
            finally:
                con.close()
        finally:
            shutil.rmtree(secret_dir, ignore_errors=True)
        if not rows:
            return None
        if len(rows) != 1:
            raise RuntimeError(f"which_secret returned {len(rows)} rows: {rows}")
        return rows[0][0], rows[0][1]


def check_shape(case: dict) -> list[str]:
    problems = []
    for key in ("id", "secrets", "path", "type", "expected"):
        if key not in case:
            problems.append(f"missing '{key}'")
    for s in case.get("secrets", []):
        for key in ("name", "type", "storage", "scope"):
            if key not in s:
                problems.append(f"secret {s.get('name')!r}: missing '{key}'")
        if s.get("storage") not in STORAGE_TO_DUCKDB:
            problems.append(f"secret {s.get('name')!r}: storage must be memory or coffer")
        if s.get("scope") == []:
            problems.append(f"secret {s.get('name')!r}: scope [] is not allowed (use null)")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("table", nargs="?", default=DEFAULT_TABLE)
    ap.add_argument("-v", "--verbose", action="store_true", help="print every case")
    args = ap.parse_args()

    try:
        import duckdb
    except ImportError:
        fail_setup(f"duckdb is missing: pip install duckdb=={DUCKDB_VERSION}")
    if duckdb.__version__ != DUCKDB_VERSION:
        fail_setup(f"duckdb {duckdb.__version__} is installed; this check is for {DUCKDB_VERSION}")

    with open(args.table, encoding="utf-8") as fh:
        cases = json.load(fh)["cases"]

    cases = cases + EXTRA_CASES
    checker = Checker(duckdb, extension_paths())
    known = checker.known_types()
    if args.verbose:
        print(f"secret types DuckDB {DUCKDB_VERSION} knows with its extensions: {', '.join(sorted(known))}")

    ids = set()
    checked = skipped = 0
    disagreements = []
    for case in cases:
        cid = case.get("id", "?")
        problems = check_shape(case)
        if cid in ids:
            problems.append("duplicate id")
        ids.add(cid)
        if problems:
            disagreements.append(f"{cid}: malformed case: {'; '.join(problems)}")
            continue
        types = {case["type"].lower()} | {s["type"].lower() for s in case["secrets"]}
        unknown = sorted(t for t in types if t not in known)
        if unknown:
            skipped += 1
            print(f"skip {cid}: DuckDB {DUCKDB_VERSION} has no secret type {', '.join(unknown)}")
            continue
        checked += 1
        try:
            got = checker.run_case(case)
        except duckdb.Error as e:
            disagreements.append(f"{cid}: DuckDB error: {e}")
            continue
        exp = case["expected"]
        want = None if exp is None else (exp["name"], STORAGE_TO_DUCKDB[exp["storage"]])
        # DuckDB lower-cases secret names, so names compare case-insensitively.
        same = (got is None and want is None) or (
            got is not None and want is not None and got[0] == want[0].lower() and got[1] == want[1]
        )
        if not same:
            disagreements.append(f"{cid}: DuckDB says {got}, table expects {want}")
        elif args.verbose:
            print(f"ok   {cid}: {got}")

    for d in disagreements:
        print(f"DISAGREE {d}")
    print(
        f"scope table: {len(cases)} cases ({len(EXTRA_CASES)} of them this script's own), {checked} checked against "
        f"DuckDB {DUCKDB_VERSION}, {skipped} skipped (types DuckDB has not), {len(disagreements)} disagreements"
    )
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
