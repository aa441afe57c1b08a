#!/usr/bin/env python3
"""coffer's MCP server checked with a real client: the official MCP Python SDK (`mcp`).

Starts its own throw-away homes and `coffer serve` servers on 127.0.0.1 (stopped at the end,
also on failure; the whole run is bounded by --timeout), and checks, over stdio (`coffer mcp`,
the local owner over an embedded store) and over Streamable HTTP (`/mcp` with `Authorization:
Bearer`):

  tools       initialize; tools/list (all 16, annotations as crates/coffer-mcp/src/catalog.rs
              sets them); every tool called at least once with valid arguments, its answer read
  seed-003    MotherDuck's seed flow end to end: a `flights` secret created with the CLI, a
              python flight with md_secret_names and a config, run_flight with a config
              override, runs polled until SUCCEEDED (the run's config shows the override),
              get_flight_logs shows the override and the API key masked; a new key as an
              override is refused with the CLI's wording
  errors      JSON-RPC protocol errors (unknown tool, argument of the wrong type, unknown
              argument); tool errors (`isError`) with the CLI's wording (missing flight)
  query       `query` refuses CREATE SECRET with a key and INSERT INTO duckdb.secrets;
              `{{ secret('NAME') }}` in a flight's source is accepted by create_flight
  auth        HTTP without a token, with a wrong one and with a revoked one: 401
  roles       a `read` member lists and reads but cannot run; a `use` member runs but cannot
              create; a member of another project sees nothing of this one
  read-only   `coffer mcp --read-only` and `serve --mcp-read-only`: only the read tools (and
              `query`) listed, create_flight a protocol error, `query` refuses DROP SECRET and
              CALL MD_RUN_FLIGHT and runs FROM duckdb_secrets()
  pending     parts that land from other branches (flight versions: list_flight_versions,
              get_flight with `version`; requirements_txt): checked unless --skip-pending
  leak scan   every MCP answer (the raw JSON of every tool result and error, both transports,
              every session) and every server's stderr: none holds a secret value the script
              created (long random strings), nor its base64

Prints one summary line per group; exits 1 when a check failed (naming it), 2 on a setup error.

Usage:
    $VENV/bin/python scripts/mcp_clients.py --coffer PATH [--skip-pending] [--keep] [-v]

LD_LIBRARY_PATH must reach libduckdb.so when the binary links it dynamically (scripts/test.sh
exports it). Python flights run with COFFER_PYTHON (default: this Python).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from contextlib import asynccontextmanager
from typing import Any

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

INVALID_PARAMS = -32602
CALL_TIMEOUT = 90.0

# What crates/coffer-mcp/src/catalog.rs says of each tool: (readOnlyHint, destructiveHint,
# idempotentHint, openWorldHint); None where the catalog leaves the hint out (read tools).
READS = (True, None, None, False)
ADDS = (False, False, False, False)
REPLACES = (False, True, True, False)
EDITS = (False, True, False, False)
EXPECTED_TOOLS: "OrderedDict[str, tuple]" = OrderedDict(
    [
        ("get_flight_guide", READS),
        ("create_flight", ADDS),
        ("update_flight", REPLACES),
        ("edit_flight_source", EDITS),
        ("get_flight", READS),
        ("list_flights", READS),
        ("list_flight_versions", READS),
        ("run_flight", (False, False, False, True)),
        ("list_flight_runs", READS),
        ("get_flight_logs", READS),
        ("cancel_flight_run", REPLACES),
        ("delete_flight", REPLACES),
        ("list_secrets", READS),
        ("which_secret", READS),
        ("list_secret_types", READS),
        ("query", (False, True, False, True)),
    ]
)
# In read-only mode: the read tools and `query` (which then takes only statements that change
# nothing, and is annotated read-only).
READ_ONLY_TOOLS = {n: a for n, a in EXPECTED_TOOLS.items() if a == READS}
READ_ONLY_TOOLS["query"] = (True, None, None, True)

SEED_SOURCE = """import hashlib
import os


def main():
    key = os.environ["MY_API_SECRET_API_KEY"]
    print("api key:", key)
    print("api key sha256:", hashlib.sha256(key.encode()).hexdigest())
    print("region:", os.environ["REGION"])
    print("batch size:", os.environ["BATCH_SIZE"])


if __name__ == "__main__":
    main()
"""
TEMPLATED_SOURCE = """import os

# The API's endpoint, filled in by coffer when the run starts.
ENDPOINT = "{{ secret('my_api_secret') }}"
print("marker-one", len(ENDPOINT) > 0)
"""
SLEEPER_SOURCE = "import time\ntime.sleep(120)\n"
ELSEWHERE = "the HTTP API or the web page"


class SetupError(Exception):
    pass


# ---- checks -----------------------------------------------------------------------------------


class Checks:
    def __init__(self, verbose: bool) -> None:
        self.groups: "OrderedDict[str, list[tuple[str, str, str]]]" = OrderedDict()
        self.verbose = verbose
        self.tools_called: set[str] = set()

    def add(self, group: str, name: str, ok: bool, detail: Any = "") -> bool:
        status = "ok" if ok else "FAIL"
        self.groups.setdefault(group, []).append((status, name, "" if ok else str(detail)[:2000]))
        if not ok or self.verbose:
            print(f"   [{group}] {status}: {name}" + ("" if ok else f"\n        {str(detail)[:2000]}"), flush=True)
        return ok

    def skip(self, group: str, name: str, why: str) -> None:
        self.groups.setdefault(group, []).append(("skip", name, why))
        if self.verbose:
            print(f"   [{group}] skip: {name} ({why})", flush=True)

    def failed(self) -> list[str]:
        return [f"{g}: {n}: {d}" for g, items in self.groups.items() for s, n, d in items if s == "FAIL"]

    def summary(self) -> tuple[int, int, int]:
        total = [0, 0, 0]
        for group, items in self.groups.items():
            p = sum(1 for s, _, _ in items if s == "ok")
            f = sum(1 for s, _, _ in items if s == "FAIL")
            k = sum(1 for s, _, _ in items if s == "skip")
            total[0] += p
            total[1] += f
            total[2] += k
            print(f"   {group}: {p} passed, {f} failed" + (f", {k} skipped" if k else ""), flush=True)
        return total[0], total[1], total[2]


# ---- processes and the CLI --------------------------------------------------------------------


class Env:
    """The temporary directory, the binary, the environment of every coffer process."""

    def __init__(self, binary: str, work: str) -> None:
        self.bin = binary
        self.work = work
        self.user_home = os.path.join(work, "user-home")
        os.makedirs(self.user_home, exist_ok=True)
        # Python environments of flights with requirements: the run user (nobody, when root)
        # builds and reads them, and cannot reach into the 0700 work directory.
        self.venvs = tempfile.mkdtemp(prefix="coffer-mcp-venvs-")
        os.chmod(self.venvs, 0o755)
        self.env = {
            "COFFER_VENV_DIR": self.venvs,
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.user_home,
            "USER": "coffer-mcp-clients",
            "LD_LIBRARY_PATH": os.environ.get("LD_LIBRARY_PATH", ""),
            "COFFER_PYTHON": os.environ.get("COFFER_PYTHON") or os.environ.get("COFFER_TEST_PYTHON") or sys.executable,
        }
        self.servers: list[subprocess.Popen] = []
        self.logs: list[str] = []  # files whose text the leak scan reads

    def cli(self, args: list[str], *, home: str | None = None, remote: tuple[str, str] | None = None,
            stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        env = dict(self.env)
        cmd = [self.bin]
        if remote:
            env["COFFER_URL"], env["COFFER_TOKEN"] = remote
        elif home:
            cmd += ["--home", home]
        p = subprocess.run(cmd + args, input=stdin, capture_output=True, text=True, env=env, timeout=60)
        if check and p.returncode != 0:
            raise SetupError(f"coffer {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
        return p

    def cli_error(self, args: list[str], **kw) -> str:
        """The CLI's error message (after `error: `) for a command that must fail."""
        p = self.cli(args, check=False, **kw)
        if p.returncode == 0:
            raise SetupError(f"coffer {' '.join(args)} succeeded; it should have failed")
        lines = [l for l in p.stderr.splitlines() if l.startswith("error: ")]
        if not lines:
            raise SetupError(f"coffer {' '.join(args)}: no error line in {p.stderr!r}")
        return lines[-1][len("error: "):]

    def init(self, name: str) -> str:
        home = os.path.join(self.work, name)
        self.cli(["init"], home=home)
        return home

    def serve(self, home: str, extra: list[str]) -> tuple[str, str]:
        """Starts `coffer serve` on a free loopback port; its URL and bootstrap token."""
        log = os.path.join(self.work, os.path.basename(home) + ".server.log")
        self.logs.append(log)
        out = open(log, "w")
        p = subprocess.Popen([self.bin, "--home", home, "serve", "--listen", "127.0.0.1:0", *extra],
                             stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=self.env,
                             start_new_session=True)
        out.close()
        self.servers.append(p)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = open(log, encoding="utf-8", errors="replace").read()
            m = re.search(r"^coffer: serving .* on (http://127\.0\.0\.1:\d+) ", text, re.M)
            if m:
                t = re.search(r"^    (coffer_\S+)$", text, re.M)
                if not t:
                    raise SetupError(f"no bootstrap token in the server's output:\n{text}")
                return m.group(1), t.group(1)
            if p.poll() is not None:
                raise SetupError(f"the server exited before serving ({p.returncode}):\n{text}")
            time.sleep(0.1)
        raise SetupError("the server did not start within 60s")

    def stop_servers(self) -> None:
        for p in self.servers:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for p in self.servers:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)


# ---- MCP sessions -----------------------------------------------------------------------------


class Answer:
    """A tool call's outcome: `ok` (a result), `tool_error` (isError) or `protocol_error`."""

    def __init__(self, kind: str, text: str, code: int | None = None) -> None:
        self.kind, self.text, self.code = kind, text, code

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    def __repr__(self) -> str:
        return f"{self.kind}({self.code}): {self.text[:1500]}"


class Mcp:
    """A session that records every answer's raw text for the leak scan."""

    def __init__(self, session: ClientSession, label: str, checks: Checks, record: list[str]) -> None:
        self.s, self.label, self.checks, self.record = session, label, checks, record

    async def tools(self) -> list:
        with anyio.fail_after(CALL_TIMEOUT):
            r = await self.s.list_tools()
        self.record.append(r.model_dump_json())
        return r.tools

    async def call(self, name: str, args: dict | None = None) -> Answer:
        try:
            with anyio.fail_after(CALL_TIMEOUT):
                r = await self.s.call_tool(name, args or {})
        except MCPError as e:
            self.record.append(f"{e.code} {e.message} {e.data!r}")
            return Answer("protocol_error", e.message, e.code)
        self.record.append(r.model_dump_json())
        self.checks.tools_called.add(name)
        text = "".join(getattr(c, "text", "") or "" for c in r.content)
        return Answer("tool_error" if r.is_error else "ok", text)


@asynccontextmanager
async def stdio_session(env: Env, home: str, extra: list[str], checks: Checks, record: list[str], label: str):
    log_path = os.path.join(env.work, f"{label}.stderr.log")
    env.logs.append(log_path)
    with open(log_path, "w") as errlog:
        params = StdioServerParameters(command=env.bin, args=["--home", home, "mcp", *extra], env=env.env)
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                with anyio.fail_after(CALL_TIMEOUT):
                    init = await session.initialize()
                record.append(init.model_dump_json())
                yield Mcp(session, label, checks, record), init


@asynccontextmanager
async def http_session(url: str, token: str, checks: Checks, record: list[str], label: str):
    async with create_mcp_http_client(headers={"Authorization": f"Bearer {token}"}) as client:
        async with streamable_http_client(url + "/mcp", http_client=client) as (read, write):
            async with ClientSession(read, write) as session:
                with anyio.fail_after(CALL_TIMEOUT):
                    init = await session.initialize()
                record.append(init.model_dump_json())
                yield Mcp(session, label, checks, record), init


# ---- the groups -------------------------------------------------------------------------------


def hints(tool) -> tuple:
    a = tool.annotations
    if a is None:
        return (None, None, None, None)
    return (a.read_only_hint, a.destructive_hint, a.idempotent_hint, a.open_world_hint)


async def check_listing(m: Mcp, group: str, expected: "dict[str, tuple]", init) -> None:
    c = m.checks
    c.add(group, "initialize: serverInfo coffer, tools capability",
          init.server_info.name == "coffer" and init.capabilities.tools is not None, init)
    tools = await m.tools()
    names = [t.name for t in tools]
    c.add(group, f"tools/list: the {len(expected)} tools", sorted(names) == sorted(expected),
          f"listed {names}, expected {list(expected)}")
    for t in tools:
        if t.name in expected:
            c.add(group, f"annotations of {t.name}", hints(t) == expected[t.name],
                  f"got {hints(t)}, catalog.rs says {expected[t.name]}")
            c.add(group, f"{t.name} has a description and an object input schema",
                  bool(t.description) and t.input_schema.get("type") == "object", t)


async def wait_run(m: Mcp, flight: str, run_number: int, want: set[str], seconds: float = 90) -> dict | None:
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        a = await m.call("list_flight_runs", {"id": flight, "limit": 10})
        if a.kind != "ok":
            return {"error": repr(a)}
        for r in a.json() or []:
            if r.get("run_number") == run_number:
                last = r
                if r.get("status") in want:
                    return r
        await anyio.sleep(0.3)
    return last


async def tool_tour(m: Mcp, group: str, env: Env, ctx: dict, skip_pending: bool) -> None:
    """Every tool, with valid arguments, and the seed-003 flow (the project holds the secrets
    `my_api_secret` (flights) and `s3_main` (s3, scope s3://bucket-mcp/))."""
    c = m.checks
    transport = group.split(":")[0]
    seed = f"{transport}: seed-003"
    q = f"{transport}: query"
    pend = f"{transport}: versions and requirements"

    a = await m.call("get_flight_guide", {})
    c.add(group, "get_flight_guide: the guide", a.kind == "ok" and a.text.startswith("# Writing a coffer flight")
          and "md_secret_names" in a.text, a)

    a = await m.call("list_secret_types", {})
    types = {t.get("type"): t for t in (a.json() or [])} if a.kind == "ok" else {}
    s3_fields = {f["name"]: f for p in types.get("s3", {}).get("providers", []) for f in p.get("fields", [])}
    c.add(group, "list_secret_types: s3 and flights, s3's secret sensitive",
          {"s3", "flights", "gcs"} <= set(types) and s3_fields.get("secret", {}).get("sensitive") is True, a)

    a = await m.call("list_secrets", {})
    listed = {s.get("name"): s for s in (a.json() or [])} if a.kind == "ok" else {}
    c.add(group, "list_secrets: my_api_secret (flights) and s3_main",
          listed.get("my_api_secret", {}).get("type") == "flights" and "s3_main" in listed, a)

    a = await m.call("which_secret", {"path": "s3://bucket-mcp/data/file.parquet", "type": "s3"})
    c.add(group, "which_secret: s3_main for s3://bucket-mcp/...",
          a.kind == "ok" and "s3_main" in a.text, a)
    a = await m.call("which_secret", {"path": "gs://elsewhere/x", "type": "gcs"})
    c.add(group, "which_secret: none for gs://elsewhere", a.kind == "ok" and (a.json() or {}).get("secret") is None, a)

    # -- seed-003 -----------------------------------------------------------------------------
    config = {"REGION": "us-east-1", "BATCH_SIZE": "1000"}
    a = await m.call("create_flight", {"name": "ingest", "source_code": SEED_SOURCE,
                                       "md_secret_names": ["my_api_secret"], "config": config})
    f = (a.json() or {}).get("flight", {}) if a.kind == "ok" else {}
    c.add(seed, "create_flight ingest: python, version 1, config and md_secret_names kept",
          f.get("name") == "ingest" and f.get("kind") == "python" and f.get("version") == 1
          and f.get("config") == config and f.get("md_secret_names") == ["my_api_secret"], a)

    a = await m.call("get_flight", {"id": "ingest"})
    f = (a.json() or {}) if a.kind == "ok" else {}
    c.add(seed, "get_flight ingest: its source, config, secrets",
          f.get("source_code") == SEED_SOURCE and f.get("config") == config
          and f.get("md_secret_names") == ["my_api_secret"], a)

    a = await m.call("list_flights", {"keywords": "MY_API_SECRET_API_KEY batch_size"})
    names = [x.get("name") for x in (a.json() or [])] if a.kind == "ok" else None
    c.add(group, "list_flights with keywords: ingest", names == ["ingest"], a)

    a = await m.call("run_flight", {"id": "ingest", "config": {"REGION": "ap-south-1"}})
    run = (a.json() or {}) if a.kind == "ok" else {}
    c.add(seed, "run_flight ingest with REGION=ap-south-1: a run",
          a.kind == "ok" and run.get("run_number") == 1 and run.get("status") in {"PENDING", "RUNNING", "SUCCEEDED"}, a)
    done = await wait_run(m, "ingest", 1, {"SUCCEEDED", "FAILED", "CANCELLED"})
    c.add(seed, "list_flight_runs: run 1 SUCCEEDED", (done or {}).get("status") == "SUCCEEDED", done)
    c.add(seed, "list_flight_runs: the run's config has the override",
          (done or {}).get("config") == {"REGION": "ap-south-1", "BATCH_SIZE": "1000"}, done)

    a = await m.call("get_flight_logs", {"id": "ingest", "run_number": 1})
    digest = hashlib.sha256(ctx["api_key"].encode()).hexdigest()
    c.add(seed, "get_flight_logs: SUCCEEDED header, region ap-south-1, batch size 1000",
          a.kind == "ok" and "SUCCEEDED" in a.text.splitlines()[0] and "region: ap-south-1" in a.text
          and "batch size: 1000" in a.text, a)
    c.add(seed, "get_flight_logs: the API key masked (****), the run had the real key (its sha256)",
          "api key: ****" in a.text and digest in a.text and ctx["api_key"] not in a.text, a)

    a = await m.call("run_flight", {"id": "ingest", "config": {"NEW_KEY": "x"}})
    cli = ctx["cli_new_key"]
    c.add(seed, "run_flight with a new config key: a tool error with the CLI's wording",
          a.kind == "tool_error" and a.text.startswith(cli.split("; ")[0]), f"{a!r}\nCLI: {cli}")

    # -- more flights: templates, update, edit, cancel, delete --------------------------------
    a = await m.call("create_flight", {"name": "templated", "source_code": TEMPLATED_SOURCE,
                                       "md_secret_names": ["my_api_secret"]})
    c.add(q, "create_flight with {{ secret('my_api_secret') }} in its source: accepted",
          a.kind == "ok" and (a.json() or {}).get("flight", {}).get("source_code") == TEMPLATED_SOURCE, a)

    a = await m.call("update_flight", {"id": "templated", "config": {"LEVEL": "debug"}, "timeout": 300})
    f = (a.json() or {}).get("flight", {}) if a.kind == "ok" else {}
    c.add(group, "update_flight: config and timeout replaced, version 2",
          f.get("version") == 2 and f.get("config") == {"LEVEL": "debug"} and f.get("timeout") == 300, a)

    a = await m.call("edit_flight_source", {"id": "templated",
                                            "edits": [{"old_string": "marker-one", "new_string": "marker-two"}]})
    f = (a.json() or {}).get("flight", {}) if a.kind == "ok" else {}
    c.add(group, "edit_flight_source: the edit applied, version 3",
          f.get("version") == 3 and "marker-two" in (f.get("source_code") or "")
          and "marker-one" not in (f.get("source_code") or ""), a)
    a = await m.call("edit_flight_source", {"id": "templated",
                                            "edits": [{"old_string": "no such text", "new_string": "x"}]})
    c.add(group, "edit_flight_source: an edit that does not match is a tool error",
          a.kind == "tool_error" and "edits[1].old_string: not found" in a.text, a)

    # Flight versions: list_flight_versions and get_flight with a version.
    a = await m.call("list_flight_versions", {"id": "templated"})
    b = await m.call("get_flight", {"id": "templated", "version": 1})
    if skip_pending:
        c.skip(pend, "list_flight_versions: versions 3, 2, 1", "--skip-pending (flight versions)")
        c.skip(pend, "get_flight version 1: the first source", "--skip-pending (flight versions)")
    else:
        versions = [v.get("version") for v in (a.json() or [])] if a.kind == "ok" else None
        c.add(pend, "list_flight_versions: versions 3, 2, 1", versions == [3, 2, 1], a)
        f = (b.json() or {}) if b.kind == "ok" else {}
        c.add(pend, "get_flight version 1: the first source",
              f.get("version") == 1 and f.get("source_code") == TEMPLATED_SOURCE, b)
    # requirements_txt: kept, shown, installed from PyPI for the run (a small
    # pure-Python wheel), which imports it.
    reqs = "six==1.16.0\n"
    a = await m.call("create_flight", {"name": "with-reqs", "requirements_txt": reqs,
                                       "source_code": "import six\nprint('six', six.__version__)\n"})
    b = await m.call("get_flight", {"id": "with-reqs"})
    c.add(group, "create_flight with requirements_txt: accepted", a.kind == "ok", a)
    if skip_pending:
        c.skip(pend, "get_flight shows requirements_txt", "--skip-pending (requirements_txt)")
        c.skip(pend, "a run imports the required package", "--skip-pending (requirements_txt)")
    else:
        c.add(pend, "get_flight shows requirements_txt", (b.json() or {}).get("requirements_txt") == reqs, b)
        a = await m.call("run_flight", {"id": "with-reqs"})
        n = (a.json() or {}).get("run_number", 1)
        done = await wait_run(m, "with-reqs", n, {"SUCCEEDED", "FAILED", "CANCELLED"}, seconds=240)
        logs = await m.call("get_flight_logs", {"id": "with-reqs", "run_number": n})
        c.add(pend, "a run imports the required package (six 1.16.0 from PyPI)",
              (done or {}).get("status") == "SUCCEEDED" and "six 1.16.0" in logs.text, logs)

    a = await m.call("create_flight", {"name": "sleeper", "source_code": SLEEPER_SOURCE})
    a = await m.call("run_flight", {"id": "sleeper"})
    n = (a.json() or {}).get("run_number", 1)
    running = await wait_run(m, "sleeper", n, {"RUNNING"}, seconds=30)
    a = await m.call("cancel_flight_run", {"id": "sleeper", "run_number": n})
    c.add(group, "cancel_flight_run: the run", a.kind == "ok" and (a.json() or {}).get("run_number") == n,
          f"{a!r}\nbefore: {running}")
    done = await wait_run(m, "sleeper", n, {"CANCELLED", "SUCCEEDED", "FAILED"}, seconds=30)
    c.add(group, "cancel_flight_run: the run ends CANCELLED", (done or {}).get("status") == "CANCELLED", done)

    a = await m.call("delete_flight", {"id": "templated"})
    c.add(group, "delete_flight templated", a.kind == "ok" and (a.json() or {}).get("deleted") == "templated", a)
    a = await m.call("get_flight", {"id": "templated"})
    c.add(group, "get_flight after delete_flight: the CLI's 'no flight named' error",
          a.kind == "tool_error" and a.text.startswith("no flight named 'templated' in project 'default'"), a)

    # -- errors -------------------------------------------------------------------------------
    e = f"{transport}: errors"
    a = await m.call("get_flight", {"id": "no-such-flight"})
    cli = ctx["cli_missing"]
    c.add(e, "missing flight: a tool error with the CLI's wording",
          a.kind == "tool_error" and a.text.startswith(cli.split("; ")[0]), f"{a!r}\nCLI: {cli}")
    a = await m.call("no_such_tool", {})
    c.add(e, "unknown tool: JSON-RPC invalid params", a.kind == "protocol_error" and a.code == INVALID_PARAMS, a)
    marker = "ten-" + secrets.token_hex(8)
    a = await m.call("list_flights", {"limit": marker})
    c.add(e, "argument of the wrong type: JSON-RPC invalid params naming the field, not the value",
          a.kind == "protocol_error" and a.code == INVALID_PARAMS and a.text.startswith("list_flights: limit: ")
          and marker not in a.text, a)
    a = await m.call("create_flight", {"name": "typed", "source_code": "print(1)\n", "md_secret_names": marker})
    c.add(e, "a string for a list: JSON-RPC invalid params naming the field, not the value",
          a.kind == "protocol_error" and a.code == INVALID_PARAMS
          and a.text.startswith("create_flight: md_secret_names: ") and marker not in a.text, a)
    ctx["markers"].append(marker)
    a = await m.call("list_secrets", {"bogus": 1})
    c.add(e, "unknown argument: JSON-RPC invalid params naming it",
          a.kind == "protocol_error" and a.code == INVALID_PARAMS and "bogus" in a.text, a)
    a = await m.call("get_flight", {})
    c.add(e, "missing required argument: JSON-RPC invalid params",
          a.kind == "protocol_error" and a.code == INVALID_PARAMS and "id" in a.text, a)

    # -- query ----------------------------------------------------------------------------------
    a = await m.call("query", {"sql": "FROM duckdb_secrets()"})
    rows = [r for res in (a.json() or {}).get("results", []) for r in res.get("rows", [])] if a.kind == "ok" else []
    ss = {r.get("name"): r.get("secret_string", "") for r in rows}
    c.add(q, "query FROM duckdb_secrets(): both secrets, values redacted",
          "params={API_KEY=redacted, ENDPOINT=redacted}" in ss.get("my_api_secret", "")
          and "secret=redacted" in ss.get("s3_main", ""), a)
    a = await m.call("query", {"sql": "SELECT name FROM which_secret('s3://bucket-mcp/a.csv', 's3')"})
    c.add(q, "query which_secret(): s3_main", a.kind == "ok" and "s3_main" in a.text, a)
    a = await m.call("query", {"sql": "SELECT 40 + 2 AS answer, 'mcp' AS word"})
    rows = [r for res in (a.json() or {}).get("results", []) for r in res.get("rows", [])] if a.kind == "ok" else []
    c.add(q, "query SELECT 40 + 2 on the project's sandboxed DuckDB: 42", rows == [{"answer": 42, "word": "mcp"}], a)
    a = await m.call("query", {"sql": "CREATE SECRET leak (TYPE s3, KEY_ID 'a', SECRET 'b')"})
    c.add(q, "query CREATE SECRET with KEY_ID/SECRET: refused, pointing to the CLI, the HTTP API or the web page",
          a.kind == "tool_error" and ELSEWHERE in a.text and "coffer CLI" in a.text, a)
    a = await m.call("query", {"sql": "INSERT INTO duckdb.secrets (type, key_id, secret) VALUES ('S3', 'a', 'b')"})
    c.add(q, "query INSERT INTO duckdb.secrets: refused, pointing to the CLI, the HTTP API or the web page",
          a.kind == "tool_error" and ELSEWHERE in a.text and "coffer CLI" in a.text, a)
    a = await m.call("query", {"sql": "SELECT name FROM duckdb_secrets() WHERE name = 'leak'"})
    c.add(q, "nothing was created by the refused statements",
          a.kind == "ok" and all(not res.get("rows") for res in (a.json() or {}).get("results", [])), a)


async def role_matrix(env: Env, url: str, tokens: dict, checks: Checks, record: list[str]) -> None:
    g = "http: roles"
    async with http_session(url, tokens["reader"], checks, record, "reader") as (m, _):
        a = await m.call("list_flights", {})
        c = [f.get("name") for f in (a.json() or [])] if a.kind == "ok" else []
        checks.add(g, "read member: list_flights shows ingest", "ingest" in c, a)
        a = await m.call("get_flight", {"id": "ingest"})
        checks.add(g, "read member: get_flight ingest", a.kind == "ok" and (a.json() or {}).get("name") == "ingest", a)
        a = await m.call("list_secrets", {})
        checks.add(g, "read member: list_secrets", a.kind == "ok" and "my_api_secret" in a.text, a)
        a = await m.call("run_flight", {"id": "ingest"})
        checks.add(g, "read member: run_flight is a role error (needs 'use')",
                   a.kind == "tool_error" and "permission denied" in a.text and "'use'" in a.text, a)
    async with http_session(url, tokens["user"], checks, record, "user") as (m, _):
        a = await m.call("run_flight", {"id": "ingest"})
        checks.add(g, "use member: run_flight starts a run", a.kind == "ok" and (a.json() or {}).get("run_number"), a)
        if a.kind == "ok":
            n = (a.json() or {}).get("run_number")
            done = await wait_run(m, "ingest", n, {"SUCCEEDED", "FAILED", "CANCELLED"})
            checks.add(g, "use member: the run SUCCEEDED", (done or {}).get("status") == "SUCCEEDED", done)
        a = await m.call("create_flight", {"name": "by-user", "source_code": "print(1)\n"})
        checks.add(g, "use member: create_flight is a role error (needs 'write')",
                   a.kind == "tool_error" and "permission denied" in a.text and "'write'" in a.text, a)
    async with http_session(url, tokens["outsider"], checks, record, "outsider") as (m, _):
        seen = []
        for tool, args in [("list_flights", {}), ("list_flights", {"project": "default"}),
                           ("get_flight", {"id": "ingest"}), ("list_flight_runs", {"id": "ingest"}),
                           ("get_flight_logs", {"id": "ingest", "run_number": 1}), ("list_secrets", {}),
                           ("which_secret", {"path": "s3://bucket-mcp/x", "type": "s3"}),
                           ("query", {"sql": "FROM duckdb_secrets()"}),
                           ("run_flight", {"id": "ingest"})]:
            a = await m.call(tool, args)
            seen.append(a)
            checks.add(g, f"other project's member: {tool} {args} in default is refused",
                       a.kind == "tool_error" and "permission denied" in a.text, a)
        checks.add(g, "other project's member: no answer names ingest, my_api_secret or s3_main",
                   not any(w in a.text for a in seen for w in ("MY_API_SECRET", "s3_main", "us-east-1", "api key")),
                   [x for x in seen])
        a = await m.call("list_flights", {"project": "other"})
        checks.add(g, "other project's member: its own project's flights (none)", a.kind == "ok" and a.json() == [], a)
        a = await m.call("list_secrets", {"project": "other"})
        checks.add(g, "other project's member: its own project's secrets (none of default's)",
                   a.kind == "ok" and "my_api_secret" not in a.text, a)


def http_status(url: str, token: str | None) -> int:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}).encode()
    req = urllib.request.Request(url + "/mcp", data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    req.add_header("Accept", "application/json, text/event-stream")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


async def read_only_checks(m: Mcp, group: str, init, checks: Checks) -> None:
    await check_listing(m, group, READ_ONLY_TOOLS, init)
    a = await m.call("create_flight", {"name": "ro", "source_code": "print(1)\n"})
    checks.add(group, "create_flight: a protocol error (read-only)",
               a.kind == "protocol_error" and a.code == INVALID_PARAMS and "read-only" in a.text, a)
    a = await m.call("query", {"sql": "DROP SECRET my_api_secret"})
    checks.add(group, "query DROP SECRET: refused", a.kind == "tool_error" and "read-only" in a.text, a)
    a = await m.call("query", {"sql": "CALL MD_RUN_FLIGHT(flight_id := 'ingest')"})
    checks.add(group, "query CALL MD_RUN_FLIGHT: refused", a.kind == "tool_error" and "MD_RUN_FLIGHT" in a.text, a)
    a = await m.call("query", {"sql": "FROM duckdb_secrets()"})
    checks.add(group, "query FROM duckdb_secrets(): runs", a.kind == "ok" and "my_api_secret" in a.text, a)
    a = await m.call("list_secrets", {})
    checks.add(group, "list_secrets: runs", a.kind == "ok" and "my_api_secret" in a.text, a)


def leak_forms(value: str) -> list[str]:
    """The value, and the base64 (standard and URL-safe) that holds it wherever it starts in
    an encoded stream: value[s:] for s in 0..2 is aligned to base64's 3-byte groups at one of
    the three offsets; only its whole groups are taken (the last depends on what follows)."""
    raw = value.encode()
    forms = {value}
    for shift in range(3):
        chunk = raw[shift:]
        chunk = chunk[: len(chunk) // 3 * 3]
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            forms.add(enc(chunk).decode())
    return sorted(forms)


def seed_secrets(env: Env, ctx: dict, **where) -> None:
    key_file = os.path.join(env.work, "endpoint.txt")
    with open(key_file, "w") as f:
        f.write(ctx["endpoint"])
    os.chmod(key_file, 0o600)
    env.cli(["secret", "create", "my_api_secret", "--type", "flights", "--set", "API_KEY=-",
             "--set", f"ENDPOINT=@{key_file}"], stdin=ctx["api_key"], **where)
    env.cli(["secret", "create", "s3_main", "--type", "s3", "--scope", "s3://bucket-mcp/",
             "--set", "key_id=AKIAMCPCLIENTS", "--set", "secret=-", "--set", "region=eu-west-1"],
            stdin=ctx["s3_secret"], **where)


async def run(args, checks: Checks, env: Env) -> None:
    ctx = {
        "api_key": "mcpkey-" + secrets.token_urlsafe(36),
        "endpoint": "https://api-" + secrets.token_hex(20) + ".example.com/v1",
        "s3_secret": "mcps3-" + secrets.token_urlsafe(36),
        "markers": [],  # values of wrongly typed arguments, shared by the transports' tours
    }
    record: list[str] = []

    # ---- stdio: the local owner over an embedded store ------------------------------------
    local = env.init("local-home")
    seed_secrets(env, ctx, home=local)
    ctx["cli_missing"] = env.cli_error(["flight", "show", "no-such-flight"], home=local)
    async with stdio_session(env, local, [], checks, record, "stdio") as (m, init):
        await check_listing(m, "stdio: tools", EXPECTED_TOOLS, init)
        # The CLI's wording for an override of a new key, once the flight exists.
        ctx_local = dict(ctx)
        await tool_tour_with_cli(m, "stdio", env, ctx_local, args.skip_pending, home=local)
    async with stdio_session(env, local, ["--read-only"], checks, record, "stdio-read-only") as (m, init):
        await read_only_checks(m, "stdio: read-only", init, checks)

    # ---- Streamable HTTP on coffer serve --------------------------------------------------
    home = env.init("server-home")
    url, admin = env.serve(home, [])
    ctx["admin"] = admin
    remote = (url, admin)
    seed_secrets(env, ctx, remote=remote)
    env.cli(["project", "create", "other"], remote=remote)
    tokens = {}
    for user, role, project in [("reader", "read", "default"), ("user", "use", "default"),
                                ("outsider", "admin", "other"), ("gone", "read", "default")]:
        env.cli(["user", "create", user], remote=remote)
        env.cli(["grant", role, user, "--project", project], remote=remote)
        tokens[user] = env.cli(["token", "create", "--name", f"{user}-token", "--for", user],
                               remote=remote).stdout.strip()
    env.cli(["token", "revoke", "gone-token"], remote=remote)
    ctx["cli_missing"] = env.cli_error(["flight", "show", "no-such-flight"], remote=remote)

    g = "http: auth"
    checks.add(g, "POST /mcp without a token: 401", http_status(url, None) == 401)
    checks.add(g, "POST /mcp with a malformed token: 401", http_status(url, "coffer_nope_nope") == 401)
    checks.add(g, "POST /mcp with a revoked token: 401", http_status(url, tokens["gone"]) == 401)
    checks.add(g, "POST /mcp with a valid token: 200", http_status(url, tokens["reader"]) == 200)

    async with http_session(url, admin, checks, record, "http") as (m, init):
        await check_listing(m, "http: tools", EXPECTED_TOOLS, init)
        await tool_tour_with_cli(m, "http", env, ctx, args.skip_pending, remote=remote)
    await role_matrix(env, url, tokens, checks, record)

    ro_home = env.init("read-only-home")
    ro_url, ro_admin = env.serve(ro_home, ["--mcp-read-only"])
    seed_secrets(env, ctx, remote=(ro_url, ro_admin))
    async with http_session(ro_url, ro_admin, checks, record, "http-read-only") as (m, init):
        await read_only_checks(m, "http: read-only", init, checks)

    # ---- every tool called ------------------------------------------------------------------
    missing = [t for t in EXPECTED_TOOLS if t not in checks.tools_called]
    checks.add("coverage", f"every tool called ({len(checks.tools_called)} of {len(EXPECTED_TOOLS)})",
               not missing, f"never called: {missing}")

    # ---- leak scan ----------------------------------------------------------------------------
    env.stop_servers()
    await anyio.sleep(0.2)
    texts = [("MCP answers", "\n".join(record))]
    for path in env.logs:
        with open(path, encoding="utf-8", errors="replace") as f:
            texts.append((os.path.basename(path), f.read()))
    g = "leak scan"
    # Arguments of the wrong type are not echoed, in answers nor in the servers' logs.
    for marker in ctx["markers"]:
        hits = [name for name, text in texts if marker in text]
        checks.add(g, "a wrongly typed argument's value is in no answer and no log", not hits, f"found in {hits}")
    # The scan itself: a value's base64 inside other text, at any alignment, is found.
    for shift in range(3):
        probe = "log: " + base64.b64encode(b"x" * shift + ctx["api_key"].encode() + b"!").decode() + " end"
        checks.add(g, f"self-check: the API key's base64 at offset {shift} is detected",
                   any(form in probe for form in leak_forms(ctx["api_key"])))
    for label, value in (("API_KEY", ctx["api_key"]), ("ENDPOINT", ctx["endpoint"]), ("s3 SECRET", ctx["s3_secret"])):
        for form in leak_forms(value):
            hits = [name for name, text in texts if form in text]
            checks.add(g, f"{label} ({'plaintext' if form == value else 'base64 ' + form[:8] + '...'}) "
                       f"in none of {len(texts)} texts ({sum(len(t) for _, t in texts)} bytes, {len(record)} answers)",
                       not hits, f"found in {hits}")


async def tool_tour_with_cli(m: Mcp, label: str, env: Env, ctx: dict, skip_pending: bool, **where) -> None:
    # The CLI's words for an override of a new key need a flight that exists: ask the CLI
    # about a flight of the same config created with the CLI.
    script = os.path.join(env.work, "probe.py")
    with open(script, "w") as f:
        f.write("print(1)\n")
    env.cli(["flight", "create", "cli-probe", "--kind", "python", "-f", script,
             "-c", "REGION=us-east-1", "-c", "BATCH_SIZE=1000"], **where)
    ctx["cli_new_key"] = env.cli_error(["flight", "run", "cli-probe", "--config", "NEW_KEY=x"], **where)
    env.cli(["flight", "delete", "cli-probe"], **where)
    await tool_tour(m, f"{label}: calls", env, ctx, skip_pending)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--coffer", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.expanduser(
        "~/.cache/coffer-target")), "debug", "coffer"))
    ap.add_argument("--skip-pending", action="store_true",
                    help="skip the checks of parts not merged yet (flight versions, requirements_txt)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--timeout", type=float, default=300, help="seconds for the whole run (default 300)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    # rmcp answers a session's DELETE with 202 Accepted, which the SDK logs as a failed
    # termination (it expects 200 or 204); the spec names no success status.
    logging.getLogger("mcp.client.streamable_http").setLevel(logging.ERROR)
    if not os.access(args.coffer, os.X_OK):
        print(f"mcp_clients.py: no coffer binary at {args.coffer}", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="coffer-mcp-clients.")
    env = Env(os.path.abspath(args.coffer), work)
    checks = Checks(args.verbose)
    start = time.monotonic()
    status = 0

    async def bounded() -> None:
        with anyio.fail_after(args.timeout):
            await run(args, checks, env)

    try:
        anyio.run(bounded)
    except SetupError as e:
        print(f"mcp_clients.py: setup failed: {e}", file=sys.stderr)
        status = 2
    except TimeoutError:
        print(f"mcp_clients.py: the run took longer than {args.timeout:.0f}s", file=sys.stderr)
        status = 1
    except BaseException as e:  # a transport or SDK error ends the run; show it whole
        import traceback
        traceback.print_exc()
        print(f"mcp_clients.py: the run failed: {e!r}", file=sys.stderr)
        status = 1
    finally:
        env.stop_servers()
        shutil.rmtree(env.venvs, ignore_errors=True)
        if args.keep or status:
            print(f"   work directory kept: {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    passed, failed, skipped = checks.summary()
    print(f"   MCP clients (official Python SDK): {len(checks.tools_called)} of {len(EXPECTED_TOOLS)} tools called; "
          f"{passed} checks passed, {failed} failed, {skipped} skipped ({time.monotonic() - start:.0f}s)")
    for f in checks.failed():
        print(f"   FAILED {f}")
    return 1 if failed else status


if __name__ == "__main__":
    sys.exit(main())
