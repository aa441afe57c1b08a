"""Finds the httpfs extension shipped by PyPI's duckdb-extension-httpfs, for the scripts that
check coffer against real DuckDB (verify_scope_table.py, sql_differential.py,
bench_duckdb_which.py)."""
import glob
import importlib.util
import os
import sys

DUCKDB_VERSION = "1.5.5"


def httpfs_extension_path(prog: str) -> str:
    """The absolute path of httpfs.duckdb_extension for DuckDB 1.5.5; exits 2 (a setup error,
    reported as `prog: ...`) when the package or the file is missing."""

    def fail(msg: str):
        print(f"{prog}: {msg}", file=sys.stderr)
        sys.exit(2)

    spec = importlib.util.find_spec("duckdb_extension_httpfs")
    if spec is None or not spec.submodule_search_locations:
        fail(
            "the duckdb_extension_httpfs package is missing: "
            f"pip install duckdb=={DUCKDB_VERSION} duckdb-extension-httpfs=={DUCKDB_VERSION}"
        )
    for base in spec.submodule_search_locations:
        wanted = os.path.join(base, "extensions", f"v{DUCKDB_VERSION}", "httpfs.duckdb_extension")
        if os.path.isfile(wanted):
            return os.path.abspath(wanted)
        found = glob.glob(os.path.join(base, "**", "httpfs.duckdb_extension"), recursive=True)
        if found:
            fail(f"httpfs extension for another DuckDB version: {found}; want v{DUCKDB_VERSION}")
    fail("httpfs.duckdb_extension not found in the duckdb_extension_httpfs package")
