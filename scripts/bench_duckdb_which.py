#!/usr/bin/env python3
"""DuckDB's own which_secret at 100, 10,000 and 100,000 scoped S3 secrets: the peer of
coffer's scope index (cargo bench -p coffer-model --bench scope_index uses the same scopes).

    ~/.cache/coffer-venv/bin/python scripts/bench_duckdb_which.py
"""
import time

import duckdb

import duckdb_extensions  # scripts/duckdb_extensions.py, beside this script


def httpfs_path():
    return duckdb_extensions.httpfs_extension_path("bench_duckdb_which")


def main():
    print(f"DuckDB {duckdb.__version__} which_secret (temporary s3 secrets, scope s3://bucket-NNNNNN/prefix/)")
    for n in (100, 10_000, 100_000):
        con = duckdb.connect(config={"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"})
        con.execute(f"LOAD '{httpfs_path()}'")
        for i in range(n):
            con.execute(f"CREATE TEMPORARY SECRET s{i} (TYPE s3, KEY_ID 'k', SECRET 'v', SCOPE 's3://bucket-{i:06}/prefix/')")
        path = f"s3://bucket-{n // 2:06}/prefix/year=2024/file.parquet"
        stmt = f"SELECT name FROM which_secret('{path}', 's3')"
        assert con.execute(stmt).fetchone()[0] == f"s{n // 2}"
        reps = max(20, min(2000, 2_000_000 // n))
        t0 = time.perf_counter()
        for _ in range(reps):
            con.execute(stmt).fetchone()
        per = (time.perf_counter() - t0) / reps
        print(f"  {n:>7} secrets: {per * 1e6:10.1f} µs per which_secret query ({reps} queries)")
        con.close()


if __name__ == "__main__":
    main()
