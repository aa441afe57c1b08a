#!/usr/bin/env python3
"""coffer's PostgreSQL endpoint with real clients: psql 15 (Debian), psycopg 3.3 and asyncpg 0.32.

    $VENV/bin/python scripts/pg_clients.py --coffer PATH [--s3s-fs PATH] [-v]

Starts throw-away `coffer serve --pg-listen 127.0.0.1:0` servers (one plaintext on loopback, one
with TLS from a CA made here with openssl, one with a 2 s idle limit), and checks:

  * seed 000's INSERT INTO duckdb.secrets verbatim through psql, then SELECT * FROM duckdb.secrets
    (the secret redacted); `\\dt` and `\\conninfo`; `\\q`
  * an S3 read through a row inserted the same way (endpoint, use_ssl, url_style, scope) against
    s3s-fs, an S3 server that checks SigV4 signatures
  * psycopg: the same INSERT with bound parameters ($1... as %s), text and binary results
  * asyncpg: binary results of every type (int2/4/8, numeric, float4/8, bool, text, date,
    timestamp, interval, bytea, text[]), a prepared INSERT with bound values
  * SQLSTATEs: 42601 (with its position), 42P01, 42710, 42704, 28P01, 42501, 57014, 25006; the
    connection survives a failed statement
  * roles: a `read` member cannot insert (42501); a bad token and another identity's token fail
    with 28P01; a project without a role is refused
  * TLS: psql with sslmode=verify-full against the CA; sslmode=require with psycopg
  * limits: connections per identity (53300); an idle connection is closed; a revoked token ends
    its connections; temporary secrets end with their connection
  * a differential check: every sequence of tests/sql_sequences through `psql -XAtq` against
    `coffer sql --format jsonl` (rows of every statement, rendered as psql renders them)
  * the leak scan: no bound or inserted secret value in any client's output or the servers' logs
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import asyncpg
import psycopg

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from sql_differential import parse_sequence  # noqa: E402

SEED_000 = """INSERT INTO duckdb.secrets
(type, key_id, secret, session_token, region)
VALUES ('S3', 'access_key_id', 'secret_access_key', 'session_token', 'us-east-1');"""
# Values that must never appear in an output or a log.
VALUES = [
    "secret_access_key",
    "psycopg-bound-secret-4b1c9e",
    "asyncpg-bound-secret-77d0aa",
    "s3s-secret-key-of-the-test-server-0123",
]

checks = 0
failures: list[str] = []
outputs: list[tuple[str, str]] = []
VERBOSE = False


def check(what: str, ok: bool, detail: object = "") -> None:
    global checks
    checks += 1
    if ok:
        if VERBOSE:
            print(f"  ok   {what}")
    else:
        failures.append(what)
        print(f"  FAIL {what}: {str(detail)[:800]}")


def seen(what: str, text: str) -> str:
    outputs.append((what, text))
    return text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary: str, work: str, *args: str):
        self.home = os.path.join(work, "home")
        self.log_path = os.path.join(work, "server.log")
        os.makedirs(os.path.join(work, "user-home"), exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.path.join(work, "user-home"),
            "USER": "coffer-pg-test",
            "LD_LIBRARY_PATH": os.environ.get("LD_LIBRARY_PATH", ""),
            "COFFER_HOME": self.home,
        }
        if os.environ.get("COFFER_TEST_EXTENSION_DIR"):
            env["COFFER_EXTENSION_DIR"] = os.environ["COFFER_TEST_EXTENSION_DIR"]
        self.env = env
        self.binary = binary
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--pg-listen", "127.0.0.1:0", *args],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, env=env,
        )
        deadline = time.time() + 60
        text = ""
        while time.time() < deadline:
            text = open(self.log_path).read()
            if "PostgreSQL endpoint on" in text:
                break
            if self.proc.poll() is not None:
                raise SystemExit(f"coffer serve exited:\n{text}")
            time.sleep(0.1)
        else:
            raise SystemExit(f"coffer serve did not start:\n{text}")
        self.token = re.search(r"^    (coffer_\S+)$", text, re.M).group(1)
        self.url = re.search(r"serving .* on (http://127\.0\.0\.1:\d+)", text).group(1)
        self.port = int(re.search(r"PostgreSQL endpoint on 127\.0\.0\.1:(\d+)", text).group(1))

    def api(self, method: str, path: str, body: object = None, token: str | None = None) -> object:
        req = urllib.request.Request(self.url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
        req.add_header("Authorization", f"Bearer {token or self.token}")
        if body is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read().decode()
        return json.loads(text) if text else None

    def user(self, name: str, project: str | None, role: str | None) -> str:
        self.api("POST", "/v1/users", {"name": name})
        if project and role:
            self.api("PUT", f"/v1/projects/{project}/members/{name}", {"role": role})
        return self.api("POST", "/v1/tokens", {"name": f"{name}-pg", "owner": name})["token"]

    def dsn(self, user: str = "admin", db: str = "default", **kw: str) -> str:
        parts = {"host": "127.0.0.1", "port": str(self.port), "user": user, "dbname": db, "sslmode": "disable"}
        parts.update(kw)
        return " ".join(f"{k}={v}" for k, v in parts.items())

    def psql(self, *args: str, password: str | None = None, dsn: str | None = None,
             stdin: str | None = None) -> subprocess.CompletedProcess:
        env = dict(os.environ, PGPASSWORD=password or self.token, PGCONNECT_TIMEOUT="10")
        p = subprocess.run(["psql", "-X", dsn or self.dsn(), *args], input=stdin, capture_output=True,
                           text=True, env=env, timeout=120)
        seen("psql stdout", p.stdout)
        seen("psql stderr", p.stderr)
        return p

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        text = open(self.log_path).read()
        seen(f"server log {self.log_path}", text)
        check(f"the server log has no panic ({self.log_path})", "panicked" not in text, text[-2000:])


def psql_checks(s: Server) -> None:
    print("== psql: seed 000 verbatim, redaction, \\dt, \\conninfo, errors")
    p = s.psql("-c", SEED_000)
    check("seed 000's INSERT through psql", p.returncode == 0 and "INSERT 0 1" in p.stdout, p.stdout + p.stderr)
    p = s.psql("-c", "SELECT * FROM duckdb.secrets")
    check("SELECT * FROM duckdb.secrets shows the row, its secret redacted",
          "access_key_id" in p.stdout and "redacted" in p.stdout and "secret_access_key" not in p.stdout, p.stdout)
    p = s.psql("-c", "\\dt")
    check("\\dt answers on an empty catalog", p.returncode == 0 and "Did not find any relations" in p.stdout + p.stderr,
          p.stdout + p.stderr)
    p = s.psql("-c", "\\conninfo")
    check("\\conninfo", p.returncode == 0 and 'database "default" as user "admin"' in p.stdout, p.stdout + p.stderr)
    p = s.psql(stdin="SELECT 1 AS one;\n\\q\nSELECT 2;\n")
    check("\\q ends the session", p.returncode == 0 and "one" in p.stdout and "2" not in p.stdout.split("one", 1)[1], p.stdout)
    p = s.psql("-At", "-c", "SELECT version()", "-c", "SELECT current_user", "-c", "SELECT current_database()",
               "-c", "SHOW server_version")
    lines = p.stdout.split("\n")
    check("version(), current_user, current_database(), SHOW",
          lines[0].startswith("PostgreSQL 16") and lines[1:4] == ["admin", "default", "16.6"], p.stdout)
    p = s.psql("-v", "ON_ERROR_STOP=0", stdin="SELEC 1;\nSELECT 'still here' AS alive;\n")
    check("a syntax error is 42601 with its position, and the session goes on",
          "syntax error" in p.stderr and "LINE 1: SELEC 1" in p.stderr and "still here" in p.stdout, p.stderr + p.stdout)


def s3_checks(s: Server, s3s_fs: str, work: str) -> None:
    print("== an S3 read through a row inserted with psql, against s3s-fs (SigV4 checked)")
    root = os.path.join(work, "s3")
    os.makedirs(os.path.join(root, "bucket-a"))
    with open(os.path.join(root, "bucket-a", "data.csv"), "w") as f:
        f.write("id,name\n1,a\n2,b\n3,c\n")
    port = free_port()
    key, secret = "AKIAPGENDPOINTTEST01", VALUES[3]
    proc = subprocess.Popen([s3s_fs, "--host", "127.0.0.1", "--port", str(port), "--access-key", key,
                             "--secret-key", secret, root], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                time.sleep(0.1)
        insert = ("INSERT INTO duckdb.secrets (name, type, key_id, secret, region, endpoint, use_ssl, url_style, scope) "
                  f"VALUES ('lake', 'S3', '{key}', '{secret}', 'us-east-1', '127.0.0.1:{port}', false, 'path', "
                  "'s3://bucket-a/')")
        p = s.psql("-c", insert)
        check("the S3 row is inserted", "INSERT 0 1" in p.stdout, p.stdout + p.stderr)
        p = s.psql("-At", "-c", "SELECT name FROM which_secret('s3://bucket-a/data.csv', 's3')",
                   "-c", "SELECT count(*), max(name) FROM read_csv('s3://bucket-a/data.csv')")
        check("which_secret picks it and DuckDB reads through it", p.stdout.split("\n")[:2] == ["lake", "3|c"],
              p.stdout + p.stderr)
        wrong = ("INSERT INTO duckdb.secrets (name, type, key_id, secret, region, endpoint, use_ssl, url_style, scope) "
                 f"VALUES ('wrong', 'S3', '{key}', 'not-the-key', 'us-east-1', '127.0.0.1:{port}', false, 'path', "
                 "'s3://bucket-a/data')")
        p = s.psql("-c", wrong, "-c", "SELECT count(*) FROM read_csv('s3://bucket-a/data.csv')")
        check("a wrong key (longer scope wins) is refused by the S3 server",
              p.returncode != 0 and ("403" in p.stderr or "SignatureDoesNotMatch" in p.stderr or "HTTP" in p.stderr),
              p.stdout + p.stderr)
    finally:
        proc.kill()
        proc.wait()


def psycopg_checks(s: Server) -> None:
    print("== psycopg 3: bound parameters, text and binary results, SQLSTATEs")
    with psycopg.connect(s.dsn(), password=s.token, autocommit=True) as c:
        c.execute("INSERT INTO duckdb.secrets (name, type, key_id, secret, region) VALUES (%s, %s, %s, %s, %s)",
                  ("bound", "S3", "AKIABOUND", VALUES[1], "eu-west-1"))
        rows = c.execute("SELECT name, key_id, secret FROM duckdb.secrets WHERE name = %s", ("bound",)).fetchall()
        check("the INSERT with bound parameters stored the row, the secret redacted",
              rows == [("bound", "AKIABOUND", "redacted")], rows)
        q = ("SELECT 42::INTEGER i, 7::SMALLINT s, 9000000000 b, 12.25::DECIMAL(10,2) n, 1.5::DOUBLE f, true t, "
             "'x' v, DATE '2024-01-02' d, TIMESTAMP '2024-01-02 03:04:05.5' ts, INTERVAL '1 year 3 days 04:00:01' iv, "
             "'abc'::BLOB bl, ['a', 'b c'] l, NULL::INTEGER nu, TIMESTAMPTZ '2024-01-02 03:04:05+00' tz, "
             "'5f3c7a0e-8d2b-4c1a-9e6f-0123456789ab'::UUID u, TIME '03:04:05' tm, {'a': 1, 'b': ['x', NULL]} st, "
             "MAP {'k': 2.5} mp")
        text = c.execute(q).fetchall()
        binary = c.execute(q, binary=True).fetchall()
        check("text and binary results decode to the same values", text == binary, (text, binary))
        import datetime
        import decimal
        import uuid
        want = (42, 7, 9000000000, decimal.Decimal("12.25"), 1.5, True, "x", datetime.date(2024, 1, 2),
                datetime.datetime(2024, 1, 2, 3, 4, 5, 500000), datetime.timedelta(days=368, seconds=14401), b"abc",
                ["a", "b c"], None, datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
                uuid.UUID("5f3c7a0e-8d2b-4c1a-9e6f-0123456789ab"), datetime.time(3, 4, 5),
                "{'a': 1, 'b': [x, NULL]}", "{k=2.5}")
        check("every type decodes as PostgreSQL's", text and text[0] == want, text)
        seen("psycopg rows", repr(text))
        cases = [
            ("SELECT * FROM nope", "42P01"),
            ("SELEC 1", "42601"),
            ("CREATE SECRET dup (TYPE s3, KEY_ID 'a', SECRET 'b', REGION 'r')", None),
            ("CREATE SECRET dup (TYPE s3, KEY_ID 'a', SECRET 'b', REGION 'r')", "42710"),
            ("DROP SECRET nope", "42704"),
            ("SELECT sum(i) FROM range(100000000000) t(i)", "57014"),
        ]
        for sql, code in cases:
            try:
                c.execute(sql)
                check(f"{sql!r} succeeds", code is None)
            except psycopg.Error as e:
                seen("psycopg error", str(e))
                check(f"{sql!r} fails with {code}", e.sqlstate == code, f"{e.sqlstate}: {e}")
                if code == "42601":
                    check("the syntax error has its position", e.diag.statement_position == "1", e.diag.statement_position)
        check("the connection survives failed statements", c.execute("SELECT 1").fetchone() == (1,))
    # psycopg's default (not autocommit) opens a transaction block: reads run, changes are refused.
    with psycopg.connect(s.dsn(), password=s.token) as c:
        check("a read inside a transaction block", len(c.execute("SELECT name FROM duckdb_secrets()").fetchall()) >= 1)
        try:
            c.execute("CREATE SECRET intx (TYPE s3, KEY_ID 'a', SECRET 'b', REGION 'r')")
            check("a secret statement inside a block is refused", False)
        except psycopg.Error as e:
            check("a secret statement inside a block is refused (25006)", e.sqlstate == "25006", e)
        c.rollback()


async def asyncpg_checks(s: Server) -> None:
    print("== asyncpg: binary results, a prepared INSERT")
    conn = await asyncpg.connect(host="127.0.0.1", port=s.port, user="admin", password=s.token, database="default",
                                 ssl=False)
    try:
        rec = await conn.fetchrow("SELECT 42::INTEGER i, 9000000000 b, 12.25::DECIMAL(10,2) n, 1.5::DOUBLE f, "
                                  "true t, 'x' v, DATE '2024-01-02' d, 'abc'::BLOB bl, ['a', NULL] l")
        import datetime
        import decimal
        check("asyncpg decodes binary results", tuple(rec) == (42, 9000000000, decimal.Decimal("12.25"), 1.5, True, "x",
                                                                datetime.date(2024, 1, 2), b"abc", ["a", None]), rec)
        await conn.execute("INSERT INTO duckdb.secrets (name, type, key_id, secret, region) VALUES ($1, $2, $3, $4, $5)",
                           "viaasyncpg", "S3", "AKIAASYNC", VALUES[2], "eu-west-1")
        rows = await conn.fetch("SELECT name, secret FROM duckdb.secrets WHERE name = $1", "viaasyncpg")
        check("asyncpg's prepared INSERT stored the row", [tuple(r) for r in rows] == [("viaasyncpg", "redacted")], rows)
        seen("asyncpg rows", repr(rows))
    finally:
        await conn.close()


def role_checks(s: Server) -> None:
    print("== roles and sign-in")
    s.api("POST", "/v1/projects", {"name": "analytics"})
    reader = s.user("rita", "analytics", "read")
    with psycopg.connect(s.dsn(user="rita", db="analytics"), password=reader, autocommit=True) as c:
        check("a reader lists secrets", c.execute("SELECT name FROM duckdb_secrets()").fetchall() == [])
        try:
            c.execute("INSERT INTO duckdb.secrets (type, key_id, secret, region) VALUES ('S3', 'a', 'b', 'r')")
            check("a reader cannot insert", False)
        except psycopg.Error as e:
            check("a reader cannot insert (42501)", e.sqlstate == "42501", f"{e.sqlstate}: {e}")
    for what, user, password, db in [
        ("a bad token", "admin", "coffer_0000000000000000_nope", "default"),
        ("another identity's token", "admin", reader, "default"),
    ]:
        try:
            psycopg.connect(s.dsn(user=user, db=db), password=password).close()
            check(f"{what} is refused", False)
        except psycopg.OperationalError as e:
            check(f"{what} is refused with 28P01", "password authentication failed" in str(e).lower()
                  and getattr(e, "sqlstate", None) in (None, "28P01"), e)
    try:
        psycopg.connect(s.dsn(user="rita", db="default"), password=reader).close()
        check("a project without a role is refused", False)
    except psycopg.OperationalError as e:
        check("a project without a role is refused", "no role in project 'default'" in str(e), e)
    events = s.api("GET", "/v1/audit?limit=1000")
    signins = [e for e in events if e["action"] == "session.signin" and e["object"] == "pg"]
    check("sign-ins are audited, failures too",
          any(e["result"] == "ok" for e in signins) and sum(e["result"] == "denied" for e in signins) >= 3, signins[-5:])


def limit_checks(s: Server) -> None:
    print("== limits: per identity, temporary secrets, revoked tokens")
    conns = [psycopg.connect(s.dsn(), password=s.token, autocommit=True) for _ in range(3)]
    try:
        psycopg.connect(s.dsn(), password=s.token).close()
        check("a fourth connection of one identity is refused", False)
    except psycopg.OperationalError as e:
        check("a fourth connection of one identity is refused (53300)", "too many connections" in str(e), e)
    conns[0].execute("CREATE TEMPORARY SECRET conn_temp (TYPE s3, KEY_ID 'a', SECRET 'b', REGION 'r')")
    names = [x["name"] for x in s.api("GET", "/v1/projects/default/secrets")]
    check("a temporary secret lives while its connection does", "conn_temp" in names, names)
    conns[0].close()
    time.sleep(1)
    names = [x["name"] for x in s.api("GET", "/v1/projects/default/secrets")]
    check("it ends with its connection", "conn_temp" not in names, names)
    for c in conns[1:]:
        c.close()
    token = s.api("POST", "/v1/tokens", {"name": "short-lived"})["token"]
    c = psycopg.connect(s.dsn(), password=token, autocommit=True)
    s.api("DELETE", "/v1/tokens/short-lived")
    time.sleep(3)
    try:
        c.execute("SELECT 1")
        check("a revoked token ends its connection", False)
    except psycopg.Error as e:
        check("a revoked token ends its connection", True, e)
    c.close()


def idle_checks(binary: str, work: str) -> None:
    s = Server(binary, os.path.join(work, "idle"), "--pg-idle-timeout", "2s")
    try:
        c = psycopg.connect(s.dsn(), password=s.token, autocommit=True)
        c.execute("SELECT 1")
        time.sleep(5)
        try:
            c.execute("SELECT 1")
            check("an idle connection is closed", False)
        except psycopg.Error:
            check("an idle connection is closed", True)
        c.close()
    finally:
        s.stop()


LONG = "SELECT sum(i) FROM range(1000000000000) t(i)"


def cancel_checks(binary: str, work: str) -> None:
    print("== cancel: psycopg's cancel, psql's Ctrl-C, a client gone mid-statement")
    import threading
    s = Server(binary, os.path.join(work, "cancel"), "--sql-timeout", "120s")
    try:
        c = psycopg.connect(s.dsn(), password=s.token, autocommit=True)
        c.execute("SELECT 1 FROM range(1)")  # the engine is up
        result: list[object] = []

        def long() -> None:
            try:
                c.execute(LONG)
                result.append("finished")
            except psycopg.Error as e:
                result.append(e)

        t = threading.Thread(target=long)
        t.start()
        time.sleep(1.5)
        c.cancel_safe()
        t.join(60)
        e = result[0] if result else None
        check("psycopg's cancel stops the statement (57014)", isinstance(e, psycopg.errors.QueryCanceled), e)
        check("the connection goes on after a cancel", c.execute("SELECT 42 FROM range(1)").fetchone() == (42,))
        c.close()
        env = dict(os.environ, PGPASSWORD=s.token)
        p = subprocess.Popen(["psql", "-X", s.dsn(), "-c", LONG], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(2)
        p.send_signal(2)
        out, err = p.communicate(timeout=60)
        seen("psql stderr", err)
        check("psql's Ctrl-C cancels the statement", "canceling statement due to user request" in err, err + out)
        p = subprocess.Popen(["psql", "-X", s.dsn(), "-c", LONG], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        time.sleep(2)
        p.kill()
        p.wait()
        started = time.time()
        with psycopg.connect(s.dsn(), password=s.token, autocommit=True) as c2:
            c2.execute("SELECT 7 FROM range(1)")
        # The same identity's engine would be busy for up to the 120 s timeout otherwise.
        check("a client gone mid-statement stops its statement", time.time() - started < 60, time.time() - started)
    finally:
        s.stop()


def tls_checks(binary: str, work: str) -> None:
    print("== TLS: verify-full with psql, require with psycopg")
    d = os.path.join(work, "tls")
    os.makedirs(d)
    run = lambda *a: subprocess.run(a, cwd=d, check=True, capture_output=True)  # noqa: E731
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=coffer test CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    s = Server(binary, os.path.join(work, "tls-server"), "--pg-tls-cert", os.path.join(d, "server.pem"),
               "--pg-tls-key", os.path.join(d, "server.key"))
    try:
        dsn = s.dsn(host="localhost", sslmode="verify-full", sslrootcert=os.path.join(d, "ca.pem"))
        p = s.psql("-c", "\\conninfo", "-At", "-c", "SELECT current_user", dsn=dsn)
        check("psql with sslmode=verify-full", p.returncode == 0 and "SSL connection" in p.stdout and "admin" in p.stdout,
              p.stdout + p.stderr)
        with psycopg.connect(s.dsn(sslmode="require"), password=s.token) as c:
            check("psycopg with sslmode=require", c.info.pgconn.ssl_in_use, c.info.pgconn.ssl_in_use)
        p = s.psql("-c", "SELECT 1", dsn=s.dsn(host="localhost", sslmode="verify-full",
                                                sslrootcert=os.path.join(work, "nope.pem")))
        check("verify-full without the CA fails", p.returncode != 0, p.stdout + p.stderr)
    finally:
        s.stop()


def render(v: object) -> str:
    """A JSON value of `coffer sql --format jsonl` as `psql -At` prints it."""
    if v is None:
        return ""
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, list):
        items = []
        for i in v:
            t = render(i) if i is not None else "NULL"
            if i is not None and (t == "" or re.search(r'[",{}\\\s]', t) or t.lower() == "null"):
                t = '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'
            items.append(t)
        return "{" + ",".join(items) + "}"
    return str(v)


UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def differential(s: Server, binary: str, work: str) -> None:
    print("== differential: tests/sql_sequences through psql and through coffer sql")
    seq_dir = os.path.join(ROOT, "tests", "sql_sequences")
    files = sorted(f for f in os.listdir(seq_dir) if f.endswith(".sql"))
    compared = differ = 0
    for n, name in enumerate(files):
        seq = parse_sequence(os.path.join(seq_dir, name))
        if any(step.restart_before for step in seq.steps):
            continue  # restarts a process: not one connection's story
        project = f"diff{n}"
        s.api("POST", "/v1/projects", {"name": project})
        marker = "SELECT 'coffer-diff-marker' AS m;"
        script = "\n".join((st.sql if st.sql.endswith(";") else st.sql + ";") + "\n" + marker for st in seq.steps) + "\n"
        p = s.psql("-Atq", "-v", "ON_ERROR_STOP=0", stdin=script, dsn=s.dsn(db=project))
        psql_parts = p.stdout.split("coffer-diff-marker\n")[: len(seq.steps)]
        home = tempfile.mkdtemp(prefix="coffer-pgdiff-", dir=work)
        env = dict(s.env, COFFER_HOME=home)
        q = subprocess.run([binary, "sql", "--format", "jsonl"], input=script, capture_output=True, text=True,
                           env=env, timeout=120)
        seen("coffer sql stdout", q.stdout)
        answers = [json.loads(l) for l in q.stdout.split("\n") if l.strip()]
        coffer_parts = []
        for a in answers[0::2]:
            rows = a.get("rows", []) if a.get("ok") else []
            coffer_parts.append("".join("|".join(render(v) for v in r) + "\n" for r in rows))
        psql_errors = p.stderr.count("ERROR:")
        coffer_errors = sum(1 for a in answers[0::2] if not a.get("ok"))
        for i, (a, b) in enumerate(zip(psql_parts, coffer_parts)):
            compared += 1
            sql = seq.steps[i].sql
            a2, b2 = UUID.sub("<uuid>", a), UUID.sub("<uuid>", b)
            if not re.match(r"\s*(select|from|with)\b", sql, re.I):
                continue  # CREATE/DROP/INSERT: compared by their errors below
            if sorted(a2.splitlines()) != sorted(b2.splitlines()):
                differ += 1
                check(f"{name} statement {i + 1}: psql and coffer sql agree", False,
                      f"{sql}\npsql:\n{a}coffer sql:\n{b}")
        if psql_errors != coffer_errors:
            differ += 1
            check(f"{name}: the same statements fail through psql and coffer sql", False,
                  f"psql {psql_errors} errors, coffer sql {coffer_errors}\n{p.stderr[-1500:]}")
        shutil.rmtree(home, ignore_errors=True)
    print(f"   {len(files)} sequences, {compared} statements compared, {differ} differences")
    check("the differential check finds no difference", differ == 0)


def main() -> int:
    global VERBOSE
    ap = argparse.ArgumentParser()
    ap.add_argument("--coffer", required=True)
    ap.add_argument("--s3s-fs", default=os.environ.get("COFFER_TEST_S3S_FS", ""))
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    VERBOSE = args.v
    work = tempfile.mkdtemp(prefix="coffer-pg-clients-")
    os.chmod(work, 0o755)
    started = time.time()
    s = Server(args.coffer, os.path.join(work, "main"), "--pg-max-connections-per-identity", "3",
               "--sql-timeout", "2s")
    try:
        psql_checks(s)
        if args.s3s_fs:
            s3_checks(s, args.s3s_fs, work)
        else:
            check("s3s-fs is available (COFFER_TEST_S3S_FS)", False)
        psycopg_checks(s)
        asyncio.run(asyncpg_checks(s))
        role_checks(s)
        limit_checks(s)
        differential(s, args.coffer, work)
    finally:
        s.stop()
    idle_checks(args.coffer, work)
    cancel_checks(args.coffer, work)
    tls_checks(args.coffer, work)
    print("== leak scan")
    leaks = [w for w, t in outputs for v in VALUES if v in t]
    check(f"no secret value in {len(outputs)} client outputs and server logs", not leaks, leaks)
    shutil.rmtree(work, ignore_errors=True)
    print(f"PostgreSQL clients (psql, psycopg, asyncpg): {checks - len(failures)}/{checks} checks passed "
          f"({time.time() - started:.0f}s)")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
