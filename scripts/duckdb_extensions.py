"""Finds and loads DuckDB 1.5.5's extensions offline, for the scripts that check coffer against
real DuckDB (verify_scope_table.py, sql_differential.py, bench_duckdb_which.py).

An extension NAME is looked for in
  1. $COFFER_TEST_EXTENSION_DIR/v1.5.5/<platform>/NAME.duckdb_extension (default directory
     ~/.cache/coffer-extensions; scripts/test.sh fills it with
     scripts/install-test-extensions.sh, from PyPI's duckdb-extension-<name> wheels), then
  2. the Python package duckdb_extension_NAME (pip install duckdb-extension-NAME==1.5.5).
A connection from `connect` has autoinstall/autoload off and LOADs each file by its path, so a
missing extension fails at once with a message saying how to install it, never reaches the
network, and unsigned extensions stay refused (allow_unsigned_extensions is never set)."""
import glob
import importlib.util
import os
import sys

DUCKDB_VERSION = "1.5.5"
PLATFORM = "linux_amd64"
# The extensions that bring the secret types and providers coffer takes: s3/r2/gcs/huggingface
# (httpfs), credential_chain for s3/r2/gcs (aws), azure, postgres, mysql.
SECRET_EXTENSIONS = ("httpfs", "aws", "azure", "postgres_scanner", "mysql_scanner")


def _fail(prog: str, msg: str):
    print(f"{prog}: {msg}", file=sys.stderr)
    sys.exit(2)


def extension_dir() -> str:
    return os.environ.get("COFFER_TEST_EXTENSION_DIR") or os.path.expanduser("~/.cache/coffer-extensions")


def extension_path(prog: str, name: str) -> str:
    """The absolute path of NAME.duckdb_extension for DuckDB 1.5.5; exits 2 (a setup error,
    reported as `prog: ...`) when it is nowhere to be found."""
    in_dir = os.path.join(extension_dir(), f"v{DUCKDB_VERSION}", PLATFORM, f"{name}.duckdb_extension")
    if os.path.isfile(in_dir):
        return os.path.abspath(in_dir)
    install = (
        f"bash scripts/install-test-extensions.sh {extension_dir()} {name} "
        f"(or pip install duckdb-extension-{name.replace('_', '-')}=={DUCKDB_VERSION})"
    )
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or not spec.submodule_search_locations:
        _fail(prog, f"the DuckDB {DUCKDB_VERSION} extension {name} is missing ({in_dir} does not exist): {install}")
    for base in spec.submodule_search_locations:
        wanted = os.path.join(base, "extensions", f"v{DUCKDB_VERSION}", f"{name}.duckdb_extension")
        if os.path.isfile(wanted):
            return os.path.abspath(wanted)
        found = glob.glob(os.path.join(base, "**", f"{name}.duckdb_extension"), recursive=True)
        if found:
            _fail(prog, f"{name} extension for another DuckDB version: {found}; want v{DUCKDB_VERSION}")
    _fail(prog, f"{name}.duckdb_extension not found in the duckdb_extension_{name} package: {install}")


def extension_paths(prog: str, names=SECRET_EXTENSIONS) -> list:
    return [extension_path(prog, n) for n in names]


def httpfs_extension_path(prog: str) -> str:
    return extension_path(prog, "httpfs")


def sql_string(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def connect(duckdb_module, paths, config=None):
    """A fresh in-memory DuckDB connection (extra `config` settings added) with the extension
    files `paths` loaded, autoinstall and autoload off."""
    cfg = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    cfg.update(config or {})
    con = duckdb_module.connect(":memory:", config=cfg)
    con.execute("SET autoinstall_known_extensions=false")
    con.execute("SET autoload_known_extensions=false")
    for path in paths:
        con.execute(f"LOAD {sql_string(path)}")
    return con
