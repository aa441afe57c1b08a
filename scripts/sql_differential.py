#!/usr/bin/env python3
"""Differential test of `coffer sql` against real DuckDB 1.5.5.

Every file tests/sql_sequences/*.sql is one sequence of statements. The sequence runs twice:
in DuckDB 1.5.5 (Python, core + the extensions httpfs, aws, azure, postgres_scanner and
mysql_scanner, LOADed by path from $COFFER_TEST_EXTENSION_DIR with autoinstall/autoload off and
unsigned extensions refused, see scripts/duckdb_extensions.py; a fresh in-memory connection
with its own empty `secret_directory`) and in coffer (`coffer sql --format jsonl`, the whole
sequence on stdin, a fresh COFFER_HOME, COFFER_EXTENSION_DIR the same extension directory and
COFFER_OFFLINE=1, so its engine never downloads). After EACH statement both are asked

  (a) whether the statement succeeded (and, for SELECT/FROM queries, its columns and rows),
  (b) SELECT name, type, provider, persistent, storage, scope, secret_string
        FROM duckdb_secrets()                      -- compared as a set of rows
  (c) SELECT * FROM which_secret(path, type)       -- for every `-- probe:` of the sequence

and the answers must agree. For coffer the snapshot queries are interleaved into the statement
stream it reads, and its jsonl output (one JSON line per statement) is picked apart; DuckDB
runs the same interleaved stream statement by statement.

Sequences whose types DuckDB has not even with those extensions (openai, ollama, azure_llm:
FlockMTL's; flights: MotherDuck's; generic: coffer's own), or that check a deliberate
difference DuckDB cannot run (13, 14), are `coffer-only`: they run in coffer alone against the
expected answers written in the file, and say why in their header. They are counted separately.

The environment of both engines (this process, and coffer's) is the script's: every AWS_*
variable is replaced by a key pair for PROVIDER credential_chain's `env` chain
(AWS_ACCESS_KEY_ID=AKIACOFFERCHAINENV), AWS_CONFIG_FILE/AWS_SHARED_CREDENTIALS_FILE written to
a temporary directory with the profile `coffer-test` (key AKIACOFFERCHAINCFG, for CHAIN 'config'
PROFILE 'coffer-test'), AWS_EC2_METADATA_DISABLED=true, and no region: DuckDB's aws extension
resolves a credential_chain secret when it is created, offline and the same on every machine.

Deliberate differences (normalised or annotated, never reported as differences)
-----------------------------------------------------------------------------
 1. Storage name: DuckDB's persistent storage is `local_file`, coffer's is `coffer`. DuckDB's
    `local_file` is mapped to `coffer` in every `storage` column (duckdb_secrets(),
    which_secret(), query results).
 2. (Gone.) Secret names: coffer folds the names of DuckDB's types to lower case as DuckDB
    does, so names are compared exactly (a `generic` secret, coffer's own type, keeps its case).
 3. Default persistence: CREATE SECRET without PERSISTENT/TEMPORARY is TEMPORARY in both (no
    normalisation needed; sequences check it).
 4. (Gone.) Required fields: none, as in DuckDB (`CREATE SECRET s (TYPE s3)`); pg_duckdb's
    NOT NULL columns apply to `INSERT INTO duckdb.secrets` only.
 5. Secret names must match [A-Za-z0-9._-]{1,128} in coffer; DuckDB takes any identifier
    (`"my secret"`). Annotated `-- => coffer_fails: <regex>`: DuckDB must succeed and add at
    most one secret (replacing or removing one is refused), coffer must fail with a message
    matching the regex; the script then drops the added secret from DuckDB so that both
    continue from the same state.
 6. Error messages are not compared (only success/failure); a `-- => error: <regex>` line
    checks coffer's message where a sequence cares.
 7. The result of CREATE/DROP SECRET (DuckDB: a `Success` column with one row for CREATE and
    none for DROP) is not compared; only success/failure. Results of queries (statements
    starting with SELECT, FROM or WITH) are compared: column names and types (types
    case-insensitively), and rows in order when the query has ORDER BY, as a multiset
    otherwise.
 8. Types DuckDB lacks even with its extensions (FLIGHTS, OPENAI, OLLAMA, AZURE_LLM, GENERIC)
    run coffer-only against expected answers in the file. coffer prints a flights secret's
    params as `params={K=redacted,...}`. (AZURE, POSTGRES, MYSQL and PROVIDER credential_chain
    run against DuckDB with its azure, postgres_scanner, mysql_scanner and aws extensions.)
 9. FlockMTL's docs (seed 001) name the unnamed AZURE_LLM secret `__default_azure`; coffer
    (like DuckDB's own rule, `__default_<type>`) names it `__default_azure_llm`.
10. DuckDB 1.5.5 bug: `DROP SECRET IF EXISTS x FROM local_file` for an absent x fails with an
    IO Error (it tries to delete x.duckdb_secret); coffer succeeds, as IF EXISTS says.
    Annotated `-- => duckdb_fails:`.
11. (Gone.) Enumerated fields: coffer stores any URL_STYLE (and MySQL SSL_MODE) string
    unchecked, as DuckDB does.
12. Sensitive values in DuckDB's secret string: DuckDB 1.5.5 prints HTTP_PROXY_PASSWORD in
    clear (`http_proxy_password=pw`), as its postgres extension prints the SCRAM keys
    (SCRAM_CLIENT_KEY, SCRAM_SERVER_KEY) and, for REFRESH 'auto', a `refresh_info={...}` entry
    that repeats every option including SECRET in clear. coffer never prints a sensitive value:
    it shows `http_proxy_password=redacted` (and `scram_client_key=redacted`, ...) and no
    refresh_info. DuckDB's secret strings are normalised to that (those values -> redacted, the
    refresh_info entry removed) before comparing; coffer's answers are not, so a value coffer
    printed in clear would still show.
13. coffer accepts R2_ACCOUNT_ID (pg_duckdb's column name) as an alias of ACCOUNT_ID; DuckDB
    rejects it as an unknown parameter. Covered coffer-only (c16).
14. PROVIDER credential_chain (s3, r2, gcs): DuckDB's aws extension resolves the chain when the
    secret is CREATEd and keeps the result: its secret string shows the key found
    (`key_id=AKIA...;secret=redacted;session_token=redacted`) and keeps only key_id, secret,
    session_token, region, endpoint, url_style, use_ssl of the options given, dropping CHAIN,
    PROFILE, REFRESH, VALIDATION, HTTP_PROXY* and the like; a chain that finds no key fails the
    CREATE (`Secret Validation Failure`). coffer resolves the chain where its engine runs, when
    the secret is used (README, "credential_chain takes someone's identity"), so it stores and
    lists the declaration and takes a CREATE whatever the environment holds. Normalised: in
    DuckDB's secret strings of credential_chain rows the key this script's chain resolves
    (key_id AKIACOFFERCHAIN*) is removed; in both engines' strings of those rows the entries
    secret=redacted and session_token=redacted are removed (DuckDB has them whenever the chain
    found a key, whether or not SECRET/SESSION_TOKEN were given; a value printed in clear is
    never removed); in coffer's, the options DuckDB drops are removed. The endpoint and
    url_style defaults DuckDB sets are not normalised. A CREATE whose chain DuckDB cannot
    resolve is checked coffer-only (c09b).

A sequence marked `-- known:` that no longer differs is reported with a NOTE (remove the
line) but does not fail the run.

Sequence file format
--------------------
Header: comment lines at the top, before the first statement:

    -- about: one line saying what the sequence checks        (optional)
    -- mode: both | coffer-only                              (default: both)
    -- probe: <path> <type>        which_secret(path, type) after every step; repeatable;
                                   shell-like quoting: -- probe: '' s3 is the empty path
    -- known: <one-line reason>    a known coffer bug: differences in this sequence are
                                   reported as KNOWN and do not fail the run

Body: statements, one per step. A statement is one or more lines, ended by a line whose last
character is `;` (one statement per line at most). Blank lines and `--` lines between
statements are comments, except these, which apply to the statement just above them:

    -- => ok                       the statement succeeds (in both engines in `both` mode)
    -- => error                    the statement fails (in both engines in `both` mode)
    -- => error: <regex>           ... and coffer's message matches <regex> (re.search)
    -- => coffer_fails: <regex>    `both` mode only: a deliberate difference (5 above)
    -- => duckdb_fails: <regex>    `both` mode only: DuckDB 1.5.5 fails with a message matching
                                   <regex> where coffer succeeds on purpose (10 above); the
                                   statement must leave coffer's state as DuckDB's
    -- => rows: <json>             the query's rows, in order, as a JSON list of lists
    -- => secrets:                 coffer-only: duckdb_secrets() after this step, as
    -- | <json row>                one JSON list per row (name, type, provider, persistent,
                                   storage, scope, secret_string); `-- => secrets: []` for none.
    -- => which: <json>            coffer-only: one entry per probe, in order: null or
                                   [name, persistent, storage]

In coffer-only sequences a step without `-- => secrets`/`-- => which` expects them unchanged
from the step before (initially: no secrets, every probe null); a step without `ok`/`error`
expects success.

    -- restart                     a line of its own between statements: the session ends
                                   (DuckDB: the connection closes and a new one opens on the same
                                   secret_directory; coffer: a new process on the same
                                   COFFER_HOME); temporary secrets are gone, persistent stay.

Usage:
    python3 scripts/sql_differential.py [--coffer PATH] [-k SUBSTRING] [-v] [DIR_OR_FILES...]

Exit status: 0 when nothing differs (known differences aside), 1 on any difference, 2 on a
setup error.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, NoReturn

import duckdb_extensions  # scripts/duckdb_extensions.py, beside this script

DUCKDB_VERSION = "1.5.5"
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DEFAULT_DIR = os.path.join(ROOT, "tests", "sql_sequences")
SNAPSHOT_SQL = "SELECT name, type, provider, persistent, storage, scope, secret_string FROM duckdb_secrets();"
# Deliberate difference 1: DuckDB's persistent storage name -> coffer's.
STORAGE_MAP = {"local_file": "coffer"}
QUERY_HEADS = ("select", "from", "with")
# Deliberate difference 14: the keys the script's credential chain resolves in DuckDB.
CHAIN_ENV_KEY_ID = "AKIACOFFERCHAINENV"
CHAIN_CONFIG_KEY_ID = "AKIACOFFERCHAINCFG"
CHAIN_PROFILE = "coffer-test"
# The types whose credential_chain is DuckDB's aws extension's (azure's is resolved when used).
CHAIN_TYPES = re.compile(r";type=(s3|r2|gcs);")
# Options of a credential_chain secret that DuckDB 1.5.5's aws extension takes but does not keep.
CHAIN_DROPPED_OPTIONS = (
    "chain", "profile", "refresh", "validation", "assume_role_arn", "external_id",
    "web_identity_token_file", "session_name", "http_proxy", "http_proxy_username",
    "http_proxy_password", "url_compatibility_mode",
)
# Entries of a credential_chain secret string that say only that a key is there (difference 14).
CHAIN_REDACTED_KEYS = ("secret=redacted", "session_token=redacted")


def fail_setup(msg: str) -> NoReturn:
    print(f"sql_differential: {msg}", file=sys.stderr)
    sys.exit(2)


def sql_string(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def sql_ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


# --------------------------------------------------------------------------------------------
# Sequence files


class FormatError(Exception):
    pass


@dataclass
class Step:
    sql: str
    line: int
    expect: str | None = None  # None, "ok", "error", "coffer_fails", "duckdb_fails"
    regex: str | None = None
    rows: Any = None
    has_rows: bool = False
    secrets: list | None = None
    which: list | None = None
    restart_before: bool = False

    @property
    def is_query(self) -> bool:
        head = self.sql.lstrip().lstrip("(").split(None, 1)
        return bool(head) and head[0].lower() in QUERY_HEADS

    @property
    def ordered(self) -> bool:
        return re.search(r"\border\s+by\b", self.sql, re.IGNORECASE) is not None


@dataclass
class Sequence:
    path: str
    name: str
    mode: str = "both"
    about: str = ""
    probes: list = field(default_factory=list)
    known: str | None = None
    steps: list = field(default_factory=list)


def parse_sequence(path: str) -> Sequence:
    seq = Sequence(path=path, name=os.path.splitext(os.path.basename(path))[0])
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    in_header = True
    pending: list[tuple[int, str]] = []  # lines of the statement being read
    last: Step | None = None
    reading_secrets = False
    restart = False

    def err(n: int, msg: str) -> FormatError:
        return FormatError(f"{path}:{n}: {msg}")

    for n, raw in enumerate(lines, 1):
        line = raw.rstrip()
        stripped = line.strip()
        if not pending and stripped.startswith("--"):
            body = stripped[2:].strip()
            if in_header:
                m = re.match(r"(about|mode|probe|known):\s*(.*)$", body)
                if m:
                    key, val = m.group(1), m.group(2).strip()
                    if key == "about":
                        seq.about = val
                    elif key == "mode":
                        if val not in ("both", "coffer-only"):
                            raise err(n, f"mode must be both or coffer-only, not {val!r}")
                        seq.mode = val
                    elif key == "known":
                        if not val:
                            raise err(n, "known: needs a reason")
                        seq.known = val
                    else:
                        try:
                            parts = shlex.split(val)
                        except ValueError as e:
                            raise err(n, f"probe: {e}") from None
                        if len(parts) != 2:
                            raise err(n, "probe: wants <path> <type>")
                        seq.probes.append((parts[0], parts[1]))
                    continue
            if body.startswith("|"):
                if not reading_secrets or last is None:
                    raise err(n, "a '-- |' row outside a '-- => secrets:' block")
                try:
                    row = json.loads(body[1:].strip())
                except json.JSONDecodeError as e:
                    raise err(n, f"bad JSON row: {e}") from None
                if not isinstance(row, list) or len(row) != 7:
                    raise err(n, "a secrets row has 7 values")
                last.secrets.append(row)
                continue
            reading_secrets = False
            if body == "restart":
                if last is None:
                    raise err(n, "restart before any statement")
                restart = True
                continue
            if body.startswith("=>"):
                if last is None:
                    raise err(n, "'-- =>' before any statement")
                ann = body[2:].strip()
                key, _, val = ann.partition(":")
                key, val = key.strip(), val.strip()
                if key in ("ok", "error", "coffer_fails", "duckdb_fails"):
                    if last.expect is not None:
                        raise err(n, "a second ok/error/coffer_fails for one statement")
                    if key == "ok" and val:
                        raise err(n, "'ok' takes nothing")
                    if key in ("coffer_fails", "duckdb_fails") and (seq.mode != "both" or not val):
                        raise err(n, f"{key}: needs a regex and mode both")
                    last.expect = key
                    last.regex = val or None
                    if val:
                        re.compile(val)
                elif key == "rows":
                    try:
                        last.rows = json.loads(val)
                    except json.JSONDecodeError as e:
                        raise err(n, f"bad JSON: {e}") from None
                    last.has_rows = True
                elif key == "secrets":
                    if seq.mode != "coffer-only":
                        raise err(n, "secrets: is for coffer-only sequences")
                    if val == "[]":
                        last.secrets = []
                    elif val == "":
                        last.secrets = []
                        reading_secrets = True
                    else:
                        raise err(n, "secrets: is followed by '-- |' rows, or is '[]'")
                elif key == "which":
                    if seq.mode != "coffer-only":
                        raise err(n, "which: is for coffer-only sequences")
                    try:
                        w = json.loads(val)
                    except json.JSONDecodeError as e:
                        raise err(n, f"bad JSON: {e}") from None
                    if not isinstance(w, list) or len(w) != len(seq.probes):
                        raise err(n, f"which: wants a list of {len(seq.probes)} entries (one per probe)")
                    last.which = w
                else:
                    raise err(n, f"unknown annotation {key!r}")
                continue
            # A plain comment.
            continue
        if not stripped and not pending:
            continue
        in_header = False
        reading_secrets = False
        pending.append((n, line))
        if stripped.endswith(";"):
            text = "\n".join(l for _, l in pending).strip()
            last = Step(sql=text, line=pending[0][0], restart_before=restart)
            restart = False
            seq.steps.append(last)
            pending = []
    if pending:
        raise err(pending[0][0], "statement without a closing ';'")
    if restart:
        raise err(len(lines), "restart after the last statement")
    if not seq.steps:
        raise FormatError(f"{path}: no statements")
    return seq


def segments(seq: Sequence) -> list[list[Step]]:
    out: list[list[Step]] = [[]]
    for s in seq.steps:
        if s.restart_before:
            out.append([])
        out[-1].append(s)
    return out


def probe_sql(path: str, ty: str) -> str:
    return f"SELECT * FROM which_secret({sql_string(path)}, {sql_string(ty)});"


# --------------------------------------------------------------------------------------------
# Normalised answers


@dataclass
class Answer:
    ok: bool
    error: str = ""
    columns: list = field(default_factory=list)  # [(name, TYPE)]
    rows: list = field(default_factory=list)

    def brief(self) -> str:
        if not self.ok:
            return f"error: {self.error}"
        return f"ok columns={self.columns} rows={self.rows}"


def norm_secret_string(s: Any) -> Any:
    if not isinstance(s, str):
        return s
    return s


def _kv_entries(s: str) -> list[str]:
    """A secret string cut at its `;`s, a piece without `=` (the `config` of `chain=env;config`)
    glued back to the entry before it (the empty piece of `chain=env;` too). The bare `scope` of
    an unscoped secret stays its own."""
    out: list[str] = []
    for piece in s.split(";"):
        if out and "=" not in piece and piece != "scope" and not out[-1].startswith("scope"):
            out[-1] += ";" + piece
        else:
            out.append(piece)
    return out


def credential_chain_declaration(s: Any) -> Any:
    """Deliberate difference 14, coffer's side: a credential_chain secret's string without the
    options DuckDB does not keep."""
    if not isinstance(s, str) or ";provider=credential_chain;" not in s or not CHAIN_TYPES.search(s):
        return s
    kept = [
        e for e in _kv_entries(s) if e.split("=", 1)[0] not in CHAIN_DROPPED_OPTIONS and e not in CHAIN_REDACTED_KEYS
    ]
    return ";".join(kept) + (";" if kept[-1].startswith("scope") else "")


def credential_chain_resolved(s: Any) -> Any:
    """Deliberate difference 14, DuckDB's side: a credential_chain secret's string without the
    key this script's chain resolved when DuckDB created it."""
    if not isinstance(s, str) or ";provider=credential_chain;" not in s or not CHAIN_TYPES.search(s):
        return s
    entries = _kv_entries(s)
    kept = [
        e for e in entries
        if e not in (f"key_id={CHAIN_ENV_KEY_ID}", f"key_id={CHAIN_CONFIG_KEY_ID}") and e not in CHAIN_REDACTED_KEYS
    ]
    return ";".join(kept) + (";" if kept[-1].startswith("scope") else "")


def duckdb_secret_string(s: Any) -> Any:
    """Deliberate difference 12, applied to DuckDB's answers only (so that coffer printing a
    sensitive value in clear would still show as a difference)."""
    if not isinstance(s, str):
        return s
    s = re.sub(r"(^|;)http_proxy_password=[^;]*", r"\1http_proxy_password=redacted", s)
    if ";type=postgres;" in s:
        s = re.sub(r"(^|;)(scram_client_key|scram_server_key)=[^;]*", r"\1\2=redacted", s)
    # Deliberate difference 13: header values (bearer tokens) are sensitive in coffer.
    s = re.sub(
        r"(^|;)extra_http_headers=\{([^}]*)\}",
        lambda m: m.group(1)
        + "extra_http_headers={"
        + ", ".join(kv.split("=", 1)[0] + "=redacted" for kv in m.group(2).split(", ") if kv)
        + "}",
        s,
    )
    return credential_chain_resolved(re.sub(r";refresh_info=\{[^}]*\}", "", s))


def norm_value(col: str, v: Any) -> Any:
    c = col.lower()
    if isinstance(v, list):
        return tuple(norm_value("", x) for x in v)
    if c == "storage" and isinstance(v, str):
        return STORAGE_MAP.get(v, v)
    if c == "secret_string":
        return norm_secret_string(v)
    return v


def norm_rows(columns: list, rows: list) -> list:
    names = [c[0] for c in columns]
    return [tuple(norm_value(names[i] if i < len(names) else "", v) for i, v in enumerate(r)) for r in rows]


def sort_key(row: tuple) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def snapshot_of(a: Answer) -> Any:
    if not a.ok:
        return ("error", a.error)
    return sorted(norm_rows(a.columns, a.rows), key=sort_key)


def which_of(a: Answer) -> Any:
    if not a.ok:
        return ("error", a.error)
    rows = norm_rows(a.columns, a.rows)
    if not rows:
        return None
    if len(rows) != 1:
        return ("rows", rows)
    return rows[0]


def query_of(a: Answer, ordered: bool) -> Any:
    cols = [(n, t.upper()) for n, t in a.columns]
    rows = norm_rows(a.columns, a.rows)
    if not ordered:
        rows = sorted(rows, key=sort_key)
    return cols, rows


@dataclass
class StepResult:
    step: Answer
    snapshot: Answer
    which: list  # [Answer]


# --------------------------------------------------------------------------------------------
# DuckDB


def extension_paths() -> list[str]:
    return duckdb_extensions.extension_paths("sql_differential")


def chain_environment(tmp: str) -> None:
    """The AWS environment of both engines (deliberate difference 14): a key for the `env`
    chain, a profile for the `config` chain, no region, no metadata service."""
    for k in list(os.environ):
        if k.startswith("AWS_"):
            del os.environ[k]
    config = os.path.join(tmp, "aws-config")
    credentials = os.path.join(tmp, "aws-credentials")
    with open(config, "w", encoding="utf-8") as fh:
        fh.write(f"[profile {CHAIN_PROFILE}]\noutput = json\n")
    with open(credentials, "w", encoding="utf-8") as fh:
        fh.write(f"[{CHAIN_PROFILE}]\naws_access_key_id = {CHAIN_CONFIG_KEY_ID}\naws_secret_access_key = chain-config-secret\n")
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": CHAIN_ENV_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": "chain-env-secret",
            "AWS_CONFIG_FILE": config,
            "AWS_SHARED_CREDENTIALS_FILE": credentials,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )


class DuckRunner:
    def __init__(self, duckdb_module, extensions: list[str]):
        self.duckdb = duckdb_module
        self.extensions = extensions

    def connect(self, secret_dir: str):
        return duckdb_extensions.connect(self.duckdb, self.extensions, {"secret_directory": secret_dir})

    def ask(self, con, sql: str) -> Answer:
        try:
            cur = con.execute(sql)
            columns = [(d[0], str(d[1])) for d in (cur.description or [])]
            rows = [list(r) for r in cur.fetchall()] if cur.description else []
            for i, (name, _) in enumerate(columns):
                if name.lower() == "secret_string":
                    for r in rows:
                        r[i] = duckdb_secret_string(r[i])
            return Answer(ok=True, columns=columns, rows=rows)
        except self.duckdb.Error as e:
            return Answer(ok=False, error=str(e).split("\n")[0])

    def run(self, seq: Sequence) -> tuple[list[StepResult], list[str]]:
        """Per-step answers, and problems with expected divergences."""
        problems: list[str] = []
        out: list[StepResult] = []
        secret_dir = tempfile.mkdtemp(prefix="coffer-sqldiff-duck-")
        try:
            index = 0
            for seg in segments(seq):
                con = self.connect(secret_dir)
                try:
                    for step in seg:
                        index += 1
                        if step.expect == "coffer_fails":
                            before = self.ask(con, SNAPSHOT_SQL)
                            ans = self.ask(con, step.sql)
                            after = self.ask(con, SNAPSHOT_SQL)
                            problems.extend(
                                f"step {index}: {p}" for p in self.resync(con, ans, before, after)
                            )
                        else:
                            ans = self.ask(con, step.sql)
                        snap = self.ask(con, SNAPSHOT_SQL)
                        which = [self.ask(con, probe_sql(p, t)) for p, t in seq.probes]
                        out.append(StepResult(ans, snap, which))
                finally:
                    con.close()
        finally:
            shutil.rmtree(secret_dir, ignore_errors=True)
        return out, problems

    def resync(self, con, ans: Answer, before: Answer, after: Answer) -> list[str]:
        """A `coffer_fails` statement: DuckDB must succeed and add exactly one secret, which is
        dropped again so that DuckDB goes on from coffer's state."""
        if not ans.ok:
            return [f"coffer_fails expects DuckDB to succeed, but DuckDB failed: {ans.error}"]
        b = [tuple(r) for r in before.rows]
        a = [tuple(r) for r in after.rows]
        added = [r for r in a if r not in b]
        removed = [r for r in b if r not in a]
        if not removed and not added:
            return []  # nothing to undo (a query, or IF NOT EXISTS on an existing name)
        if removed or len(added) != 1:
            return [f"coffer_fails expects DuckDB to add at most one secret; it added {added}, removed {removed}"]
        name, persistent = added[0][0], added[0][3]
        kind = "PERSISTENT" if persistent else "TEMPORARY"
        drop = self.ask(con, f"DROP {kind} SECRET {sql_ident(name)}")
        if not drop.ok:
            return [f"cannot drop the secret the statement added in DuckDB: {drop.error}"]
        return []


# --------------------------------------------------------------------------------------------
# coffer


class CofferRunner:
    def __init__(self, binary: str):
        self.binary = binary

    def run(self, seq: Sequence) -> tuple[list[StepResult], list[str]]:
        problems: list[str] = []
        out: list[StepResult] = []
        home = tempfile.mkdtemp(prefix="coffer-sqldiff-home-")
        env = {k: v for k, v in os.environ.items() if not k.startswith("COFFER_")}
        env["COFFER_HOME"] = home
        # The extension files the DuckDB side loads, for coffer's engine; never a download.
        env["COFFER_EXTENSION_DIR"] = duckdb_extensions.extension_dir()
        env["COFFER_OFFLINE"] = "1"
        per_step = 2 + len(seq.probes)
        try:
            for seg in segments(seq):
                script = []
                for step in seg:
                    script.append(step.sql if step.sql.endswith(";") else step.sql + ";")
                    script.append(SNAPSHOT_SQL)
                    script.extend(probe_sql(p, t) for p, t in seq.probes)
                stdin = "\n".join(script) + "\n"
                try:
                    proc = subprocess.run(
                        [self.binary, "sql", "--format", "jsonl"],
                        input=stdin,
                        capture_output=True,
                        text=True,
                        env=env,
                        timeout=120,
                    )
                except subprocess.TimeoutExpired:
                    problems.append("coffer sql timed out")
                    return out, problems
                lines = [l for l in proc.stdout.split("\n") if l.strip()]
                answers = []
                for l in lines:
                    try:
                        j = json.loads(l)
                    except json.JSONDecodeError:
                        problems.append(f"coffer printed a line that is not JSON: {l!r}")
                        return out, problems
                    if j.get("ok"):
                        columns = [(c["name"], c["type"]) for c in j.get("columns", [])]
                        rows = j.get("rows", [])
                        if seq.mode == "both":
                            for ci, (cname, _) in enumerate(columns):
                                if cname.lower() == "secret_string":
                                    for r in rows:
                                        r[ci] = credential_chain_declaration(r[ci])
                        answers.append(Answer(ok=True, columns=columns, rows=rows))
                    else:
                        answers.append(Answer(ok=False, error=j.get("error", "")))
                want = per_step * len(seg)
                if len(answers) != want:
                    problems.append(
                        f"coffer printed {len(answers)} JSON lines for {want} statements "
                        f"(exit {proc.returncode}); stderr: {proc.stderr.strip()[-2000:]}"
                    )
                    return out, problems
                for i in range(len(seg)):
                    chunk = answers[i * per_step : (i + 1) * per_step]
                    out.append(StepResult(chunk[0], chunk[1], chunk[2:]))
        finally:
            shutil.rmtree(home, ignore_errors=True)
        return out, problems


# --------------------------------------------------------------------------------------------
# Comparing


def fmt(v: Any) -> str:
    return json.dumps(v, default=str)


def check_expect(step: Step, coffer: Answer, duck: Answer | None) -> list[str]:
    """The `-- => ok/error/coffer_fails/rows` expectations of one step."""
    out = []
    engines = [("coffer", coffer)] + ([("DuckDB", duck)] if duck is not None else [])
    want = step.expect
    if want is None and duck is None:
        want = "ok"
    if want == "ok":
        for name, a in engines:
            if not a.ok:
                out.append(f"expected success, {name} failed: {a.error}")
    elif want == "error":
        for name, a in engines:
            if a.ok:
                out.append(f"expected an error, {name} succeeded")
        if step.regex and not coffer.ok and not re.search(step.regex, coffer.error):
            out.append(f"coffer's error does not match /{step.regex}/: {coffer.error}")
    elif want == "coffer_fails":
        if coffer.ok:
            out.append(f"expected coffer to fail (/{step.regex}/), coffer succeeded")
        elif not re.search(step.regex or "", coffer.error):
            out.append(f"coffer failed, but not with /{step.regex}/: {coffer.error}")
    elif want == "duckdb_fails":
        assert duck is not None
        if not coffer.ok:
            out.append(f"expected coffer to succeed (DuckDB 1.5.5 fails here on purpose), coffer failed: {coffer.error}")
        if duck.ok:
            out.append(f"expected DuckDB to fail with /{step.regex}/, DuckDB succeeded")
        elif not re.search(step.regex or "", duck.error):
            out.append(f"DuckDB failed, but not with /{step.regex}/: {duck.error}")
    if step.has_rows:
        if not coffer.ok:
            out.append(f"expected rows {fmt(step.rows)}, coffer failed: {coffer.error}")
        else:
            got = norm_rows(coffer.columns, coffer.rows)
            exp = norm_rows(coffer.columns, step.rows)
            if got != exp:
                out.append(f"rows: expected {fmt(step.rows)}, coffer gave {fmt(coffer.rows)}")
    return out


def compare_both(seq: Sequence, duck: list[StepResult], coffer: list[StepResult]) -> list[tuple[int, str]]:
    diffs: list[tuple[int, str]] = []
    for i, (step, d, c) in enumerate(zip(seq.steps, duck, coffer), 1):
        for p in check_expect(step, c.step, d.step):
            diffs.append((i, p))
        divergent = step.expect in ("coffer_fails", "duckdb_fails")
        if not divergent and d.step.ok != c.step.ok:
            diffs.append(
                (i, f"(a) success differs\n      DuckDB: {d.step.brief()}\n      coffer: {c.step.brief()}")
            )
        elif not divergent and d.step.ok and step.is_query:
            dq, cq = query_of(d.step, step.ordered), query_of(c.step, step.ordered)
            if dq != cq:
                diffs.append((i, f"(a) query result differs\n      DuckDB: {fmt(dq)}\n      coffer: {fmt(cq)}"))
        ds, cs = snapshot_of(d.snapshot), snapshot_of(c.snapshot)
        if ds != cs:
            only_d = [r for r in ds if r not in cs] if isinstance(ds, list) and isinstance(cs, list) else ds
            only_c = [r for r in cs if r not in ds] if isinstance(ds, list) and isinstance(cs, list) else cs
            diffs.append(
                (i, f"(b) duckdb_secrets() differs\n      only DuckDB: {fmt(only_d)}\n      only coffer: {fmt(only_c)}")
            )
        for (path, ty), dw, cw in zip(seq.probes, d.which, c.which):
            a, b = which_of(dw), which_of(cw)
            if a != b:
                diffs.append((i, f"(c) which_secret({path!r}, {ty!r}) differs\n      DuckDB: {fmt(a)}\n      coffer: {fmt(b)}"))
    return diffs


def compare_expected(seq: Sequence, coffer: list[StepResult]) -> list[tuple[int, str]]:
    diffs: list[tuple[int, str]] = []
    secrets: list = []
    which: list = [None] * len(seq.probes)
    for i, (step, c) in enumerate(zip(seq.steps, coffer), 1):
        if step.restart_before:
            # Temporary secrets die with the session.
            secrets = [r for r in secrets if r[3]]
            which = step.which if step.which is not None else which
        for p in check_expect(step, c.step, None):
            diffs.append((i, p))
        if step.secrets is not None:
            secrets = step.secrets
        if step.which is not None:
            which = step.which
        want = sorted(norm_rows([(n, "") for n in SNAPSHOT_COLS], secrets), key=sort_key)
        got = snapshot_of(c.snapshot)
        if want != got:
            diffs.append((i, f"(b) duckdb_secrets() differs\n      expected: {fmt(want)}\n      coffer:   {fmt(got)}"))
        for (path, ty), w, cw in zip(seq.probes, which, c.which):
            exp = None if w is None else tuple(norm_value(n, v) for n, v in zip(("name", "persistent", "storage"), w))
            got_w = which_of(cw)
            if exp != got_w:
                diffs.append((i, f"(c) which_secret({path!r}, {ty!r}) differs\n      expected: {fmt(exp)}\n      coffer:   {fmt(got_w)}"))
    return diffs


SNAPSHOT_COLS = ["name", "type", "provider", "persistent", "storage", "scope", "secret_string"]


@dataclass
class Outcome:
    seq: Sequence
    diffs: list
    problems: list
    seconds: float


def run_one(seq: Sequence, duck: DuckRunner | None, coffer: CofferRunner) -> Outcome:
    t0 = time.monotonic()
    problems: list[str] = []
    if seq.mode == "both":
        assert duck is not None
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as ex:
            fut = ex.submit(coffer.run, seq)
            d_res, d_problems = duck.run(seq)
            c_res, c_problems = fut.result()
        problems += [f"DuckDB: {p}" for p in d_problems] + c_problems
        diffs = compare_both(seq, d_res, c_res) if not c_problems else []
    else:
        c_res, c_problems = coffer.run(seq)
        problems += c_problems
        diffs = compare_expected(seq, c_res) if not c_problems else []
    return Outcome(seq, diffs, problems, time.monotonic() - t0)


def report(o: Outcome, known: bool) -> None:
    label = "KNOWN" if known else "DIFFERENCE"
    rel = os.path.relpath(o.seq.path, ROOT)
    print(f"{label} in {rel} ({o.seq.mode})" + (f" — known: {o.seq.known}" if known else ""))
    for p in o.problems:
        print(f"  {p}")
    for i, text in o.diffs:
        step = o.seq.steps[i - 1]
        print(f"  step {i} (line {step.line}): {step.sql}")
        print(f"    {text}")


def default_binary() -> str:
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.expanduser("~/.cache/coffer-target")
    return os.path.join(target, "debug", "coffer")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help=f"sequence files or directories (default {os.path.relpath(DEFAULT_DIR, ROOT)})")
    ap.add_argument("--coffer", default=None, help="the coffer binary (default $CARGO_TARGET_DIR/debug/coffer)")
    ap.add_argument("-k", dest="filter", default=None, help="only sequences whose file name contains this")
    ap.add_argument("-j", "--jobs", type=int, default=max(2, os.cpu_count() or 2), help="sequences run at once")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every sequence")
    args = ap.parse_args()

    binary = args.coffer or default_binary()
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        fail_setup(f"no coffer binary at {binary}: cargo build -p coffer (or pass --coffer)")
    try:
        probe = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        fail_setup(f"{binary} does not run: {e}")
    if probe.returncode != 0:
        fail_setup(f"{binary} --version failed (a libduckdb.so not on LD_LIBRARY_PATH?): {probe.stderr.strip()}")
    try:
        import duckdb
    except ImportError:
        fail_setup(f"duckdb is missing: pip install duckdb=={DUCKDB_VERSION}")
    if duckdb.__version__ != DUCKDB_VERSION:
        fail_setup(f"duckdb {duckdb.__version__} is installed; this check is for {DUCKDB_VERSION}")

    files: list[str] = []
    for p in args.paths or [DEFAULT_DIR]:
        if os.path.isdir(p):
            files.extend(sorted(glob.glob(os.path.join(p, "*.sql"))))
        else:
            files.append(p)
    if args.filter:
        files = [f for f in files if args.filter in os.path.basename(f)]
    if not files:
        fail_setup("no sequence files")
    seqs = []
    for f in files:
        try:
            seqs.append(parse_sequence(f))
        except (FormatError, re.error) as e:
            fail_setup(f"bad sequence file: {e}")

    duck = DuckRunner(duckdb, extension_paths())
    coffer = CofferRunner(binary)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="coffer-sqldiff-aws-") as aws_dir:
        chain_environment(aws_dir)
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
            outcomes = list(ex.map(lambda s: run_one(s, duck if s.mode == "both" else None, coffer), seqs))

    n_diff = n_known = 0
    for o in outcomes:
        bad = bool(o.diffs or o.problems)
        if bad and o.seq.known:
            n_known += 1
            report(o, known=True)
        elif bad:
            n_diff += len(o.diffs) + len(o.problems)
            report(o, known=False)
        else:
            if o.seq.known:
                print(
                    f"NOTE {os.path.relpath(o.seq.path, ROOT)}: marked known ({o.seq.known}) but shows no "
                    "difference any more: remove its '-- known:' line"
                )
            if args.verbose:
                print(f"ok   {o.seq.name} ({o.seq.mode}, {len(o.seq.steps)} statements, {o.seconds:.2f}s)")

    both = sum(1 for s in seqs if s.mode == "both")
    only = len(seqs) - both
    stmts = sum(len(s.steps) for s in seqs)
    known_text = f", {n_known} known (sequences marked '-- known:')" if n_known else ""
    print(
        f"sql differential: {len(seqs)} sequences ({both} against DuckDB {DUCKDB_VERSION}, {only} coffer-only), "
        f"{stmts} statements, {n_diff} differences{known_text} [{time.monotonic() - t0:.1f}s]"
    )
    return 1 if n_diff else 0


if __name__ == "__main__":
    sys.exit(main())
