#!/usr/bin/env python3
"""The PostgreSQL endpoint's round trips, in one run, next to its peers:

  which_secret   `SELECT * FROM which_secret('s3://bucket-07/data/x.parquet', 's3')` with psycopg
                 through `coffer serve --pg-listen`, against the same statement as `POST /sql` on
                 one keep-alive HTTP connection (the same SQL front behind both)
  SELECT 1       with psycopg through coffer's endpoint (DuckDB answers it) against a real
                 PostgreSQL 15 on the same machine (scripts/postgres.sh)

One client, statements one after another (latency, not throughput), after 50 warm-up calls;
the store holds 20 s3 secrets with distinct scopes.

  $VENV/bin/python scripts/bench_pg.py --coffer target/release/coffer [--calls 2000]

Prints a markdown table: round trips per second and p50/p99 in microseconds.
"""
import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import psycopg

HERE = os.path.dirname(os.path.abspath(__file__))
WHICH = "SELECT * FROM which_secret('s3://bucket-07/data/x.parquet', 's3')"


def measure(call, n):
    for _ in range(50):
        call()
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        call()
        xs.append(time.perf_counter() - t)
    return xs


def row(name, xs):
    us = sorted(x * 1e6 for x in xs)
    p = lambda q: us[min(len(us) - 1, int(round(q * (len(us) - 1))))]  # noqa: E731
    return f"| {name} | {len(xs) / sum(xs):,.0f} | {p(0.5):.0f} | {p(0.99):.0f} | {statistics.mean(us):.0f} |"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--coffer", required=True)
    ap.add_argument("--calls", type=int, default=2000)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="coffer-bench-pg-")
    os.chmod(work, 0o755)
    log_path = os.path.join(work, "server.log")
    env = {"PATH": os.environ["PATH"], "HOME": work, "LD_LIBRARY_PATH": os.environ.get("LD_LIBRARY_PATH", ""),
           "COFFER_HOME": os.path.join(work, "home")}
    server = subprocess.Popen([args.coffer, "serve", "--listen", "127.0.0.1:0", "--pg-listen", "127.0.0.1:0"],
                              stdout=open(log_path, "w"), stderr=subprocess.STDOUT, env=env)
    pg_dir = tempfile.mkdtemp(prefix="coffer-bench-pg15-")
    try:
        for _ in range(300):
            text = open(log_path).read()
            if "PostgreSQL endpoint on" in text:
                break
            time.sleep(0.1)
        token = re.search(r"^    (coffer_\S+)$", text, re.M).group(1)
        url = re.search(r"serving .* on http://(127\.0\.0\.1:\d+)", text).group(1)
        port = int(re.search(r"PostgreSQL endpoint on 127\.0\.0\.1:(\d+)", text).group(1))
        http_conn = http.client.HTTPConnection(url, timeout=30)

        def api(method, path, body=None):
            http_conn.request(method, path, body=json.dumps(body) if body is not None else None,
                              headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            r = http_conn.getresponse()
            data = r.read()
            if r.status >= 400:
                raise SystemExit(f"{method} {path}: {r.status} {data[:300]!r}")
            return json.loads(data) if data else None

        for i in range(20):
            api("POST", "/v1/projects/default/secrets", {
                "name": f"s3_{i:02}", "type": "s3", "scope": [f"s3://bucket-{i:02}/"],
                "fields": {"key_id": f"AKIA{i:016}", "secret": f"bench-secret-{i}", "region": "us-east-1"}})
        dsn = f"host=127.0.0.1 port={port} user=admin dbname=default sslmode=disable"
        c = psycopg.connect(dsn, password=token, autocommit=True)
        assert c.execute(WHICH).fetchone()[0] == "s3_07"
        rows = [
            row("`which_secret`: psycopg → coffer's PostgreSQL endpoint",
                measure(lambda: c.execute(WHICH).fetchall(), args.calls)),
            row("`which_secret`: `POST /sql` (HTTP keep-alive)",
                measure(lambda: api("POST", "/v1/projects/default/sql", {"sql": WHICH}), args.calls)),
            row("`SELECT 1`: psycopg → coffer's PostgreSQL endpoint (DuckDB)",
                measure(lambda: c.execute("SELECT 1").fetchall(), args.calls)),
        ]
        c.close()
        http_conn.close()
        pg_url = subprocess.run(["bash", os.path.join(HERE, "postgres.sh"), "start", pg_dir], capture_output=True,
                                text=True, check=True).stdout.strip().splitlines()[-1]
        pg = psycopg.connect(pg_url.replace("sslmode=verify-full", "sslmode=disable"), autocommit=True)
        rows.append(row("`SELECT 1`: psycopg → PostgreSQL 15", measure(lambda: pg.execute("SELECT 1").fetchall(),
                                                                      args.calls)))
        pg.close()
        print(f"{args.calls} calls each, after 50 warm-up calls; one client, one connection")
        print("| statement and path | round trips/s | p50 µs | p99 µs | mean µs |")
        print("|---|---:|---:|---:|---:|")
        for r in rows:
            print(r)
    finally:
        server.terminate()
        server.wait(timeout=20)
        subprocess.run(["bash", os.path.join(HERE, "postgres.sh"), "stop", pg_dir], capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
