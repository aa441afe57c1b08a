#!/usr/bin/env bash
# The whole test suite, runnable on a fresh machine: installs what the tests need first.
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/coffer-target}"
export CARGO_TERM_COLOR=never
# The warm target directory outlives every clone: drop what earlier runs left behind.
python3 scripts/prune_target.py "$CARGO_TARGET_DIR"

# Real DuckDB 1.5.5 (Python) and its httpfs extension, offline-installable from PyPI, used to
# check coffer's scope table against DuckDB's own which_secret.
VENV="${COFFER_TEST_VENV:-$HOME/.cache/coffer-venv}"
if ! "$VENV/bin/python" -c 'import duckdb, duckdb_extension_httpfs' 2>/dev/null; then
  echo "== installing duckdb==1.5.5 and duckdb-extension-httpfs==1.5.5 into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check duckdb==1.5.5 duckdb-extension-httpfs==1.5.5
fi
# schemathesis (PyPI) fuzzes the HTTP API of a real `coffer serve` from its OpenAPI document.
SCHEMATHESIS_VERSION=4.32.5
if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" \
    != "$SCHEMATHESIS_VERSION" ]; then
  echo "== installing schemathesis==$SCHEMATHESIS_VERSION into $VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
# moto's server: a real KMS API on 127.0.0.1 for coffer-kms's tests (crates/coffer-kms/tests).
MOTO_VERSION=5.2.5
if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null)" \
    != "$MOTO_VERSION" ] || [ ! -x "$VENV/bin/moto_server" ]; then
  echo "== installing moto[server]==$MOTO_VERSION into $VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
export COFFER_TEST_MOTO="$VENV/bin/moto_server"
# python-dotenv: coffer's .env parser is checked against it (crates/coffer-model/tests/dotenv.rs).
PYTHON_DOTENV_VERSION=1.2.4
if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("python-dotenv"))' 2>/dev/null)" \
    != "$PYTHON_DOTENV_VERSION" ]; then
  echo "== installing python-dotenv==$PYTHON_DOTENV_VERSION into $VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "python-dotenv==$PYTHON_DOTENV_VERSION"
fi
# The official MCP Python SDK (PyPI `mcp`): scripts/mcp_clients.py drives coffer's MCP server
# with it over stdio and Streamable HTTP.
MCP_SDK_VERSION=2.3.0
if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("mcp"))' 2>/dev/null)" \
    != "$MCP_SDK_VERSION" ]; then
  echo "== installing mcp==$MCP_SDK_VERSION into $VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "mcp==$MCP_SDK_VERSION"
fi
# MCP's Inspector CLI and conformance suite (npm), pinned, in a cache outside the repo, for
# scripts/mcp_inspector.sh and scripts/mcp_conformance.sh. Both are the newest that run on
# Debian's Node 20 (inspector 2.x needs Node >= 22.19; conformance >= 0.1.14 Node 22).
export COFFER_NPM_DIR="${COFFER_NPM_DIR:-$HOME/.cache/coffer-npm}"
MCP_INSPECTOR_CLI_VERSION=1.0.3
MCP_CONFORMANCE_VERSION=0.1.13
npm_version() { node -p "require('$COFFER_NPM_DIR/node_modules/$1/package.json').version" 2>/dev/null || true; }
if [ "$(npm_version @modelcontextprotocol/inspector-cli)" != "$MCP_INSPECTOR_CLI_VERSION" ] \
    || [ "$(npm_version @modelcontextprotocol/conformance)" != "$MCP_CONFORMANCE_VERSION" ]; then
  echo "== installing @modelcontextprotocol/inspector-cli@$MCP_INSPECTOR_CLI_VERSION and" \
    "@modelcontextprotocol/conformance@$MCP_CONFORMANCE_VERSION into $COFFER_NPM_DIR"
  mkdir -p "$COFFER_NPM_DIR"
  [ -f "$COFFER_NPM_DIR/package.json" ] || echo '{"private": true}' >"$COFFER_NPM_DIR/package.json"
  npm install --prefix "$COFFER_NPM_DIR" --save-exact --no-audit --no-fund --loglevel=error \
    "@modelcontextprotocol/inspector-cli@$MCP_INSPECTOR_CLI_VERSION" \
    "@modelcontextprotocol/conformance@$MCP_CONFORMANCE_VERSION"
fi
# playwright-core drives Debian's Chromium (installed by .ci/run) for the web page's browser
# tests (scripts/web_browser.sh); axe-core checks every page's accessibility.
PLAYWRIGHT_CORE_VERSION=1.64.1
AXE_CORE_VERSION=4.14.1
if [ "$(npm_version playwright-core)" != "$PLAYWRIGHT_CORE_VERSION" ] \
    || [ "$(npm_version axe-core)" != "$AXE_CORE_VERSION" ]; then
  echo "== installing playwright-core@$PLAYWRIGHT_CORE_VERSION and axe-core@$AXE_CORE_VERSION into $COFFER_NPM_DIR"
  mkdir -p "$COFFER_NPM_DIR"
  [ -f "$COFFER_NPM_DIR/package.json" ] || echo '{"private": true}' >"$COFFER_NPM_DIR/package.json"
  npm install --prefix "$COFFER_NPM_DIR" --save-exact --no-audit --no-fund --loglevel=error \
    "playwright-core@$PLAYWRIGHT_CORE_VERSION" "axe-core@$AXE_CORE_VERSION"
fi
# Azurite (Microsoft's Azure Storage emulator, npm): its blob service is the Azure of the tests of
# `azure` secrets (crates/coffer/tests/secret_types.rs).
AZURITE_VERSION=3.37.0
if [ "$(npm_version azurite)" != "$AZURITE_VERSION" ]; then
  echo "== installing azurite@$AZURITE_VERSION into $COFFER_NPM_DIR"
  mkdir -p "$COFFER_NPM_DIR"
  [ -f "$COFFER_NPM_DIR/package.json" ] || echo '{"private": true}' >"$COFFER_NPM_DIR/package.json"
  npm install --prefix "$COFFER_NPM_DIR" --save-exact --no-audit --no-fund --loglevel=error \
    "azurite@$AZURITE_VERSION"
fi
export COFFER_TEST_AZURITE="$COFFER_NPM_DIR/node_modules/.bin/azurite-blob"
# Debian's mariadbd (.ci/run installs mariadb-server): the tests start a private one for `mysql`
# secrets.
export COFFER_TEST_MARIADBD="${COFFER_TEST_MARIADBD:-$(command -v mariadbd || echo /usr/sbin/mariadbd)}"
# PostgreSQL drivers for the PostgreSQL endpoint's tests (scripts/pg_clients.py), with psql.
PSYCOPG_VERSION=3.3.9
ASYNCPG_VERSION=0.32.0
if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("psycopg"), m.version("asyncpg"))' 2>/dev/null)" \
    != "$PSYCOPG_VERSION $ASYNCPG_VERSION" ]; then
  echo "== installing psycopg[binary]==$PSYCOPG_VERSION and asyncpg==$ASYNCPG_VERSION into $VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "psycopg[binary]==$PSYCOPG_VERSION" "asyncpg==$ASYNCPG_VERSION"
fi
# The Python of Python flights in tests: the venv has duckdb 1.5.5 (and its httpfs matches).
export COFFER_TEST_PYTHON="$VENV/bin/python"

# DuckDB for the data plane: DuckDB's official libduckdb.so 1.5.5 (npm), so the suite does not
# compile DuckDB from source (the product's default "bundled" build does); the httpfs extension
# (below); s3s-fs, an S3 server that checks SigV4 signatures, from crates.io.
LIBDUCKDB_DIR="${COFFER_LIBDUCKDB_DIR:-$HOME/.cache/coffer-libduckdb/v1.5.5}"
bash scripts/install-libduckdb.sh "$LIBDUCKDB_DIR"
export DUCKDB_LIB_DIR="$LIBDUCKDB_DIR"
export LD_LIBRARY_PATH="$LIBDUCKDB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export COFFER_TEST_EXTENSION_DIR="${COFFER_TEST_EXTENSION_DIR:-$HOME/.cache/coffer-extensions}"

# DuckDB's extensions for the tests, from PyPI's wheels with pip (this runs before coffer is
# built; coffer itself installs a missing one on first use, and some tests check that against a
# local imitation of PyPI).
bash scripts/install-test-extensions.sh "$COFFER_TEST_EXTENSION_DIR" httpfs aws azure postgres_scanner mysql_scanner ducklake
if ! command -v s3s-fs >/dev/null && [ ! -x "$HOME/.cargo/bin/s3s-fs" ]; then
  echo "== installing s3s-fs 0.14.1 (an S3 server that checks signatures, for the tests)"
  cargo install s3s-fs@0.14.1 --features binary --locked --quiet
fi
export COFFER_TEST_S3S_FS="${COFFER_TEST_S3S_FS:-$(command -v s3s-fs || echo "$HOME/.cargo/bin/s3s-fs")}"
# A throw-away PostgreSQL cluster (Debian's postgresql, installed if missing) on 127.0.0.1 and a
# free port, for the PostgreSQL store and the multi-node tests; stopped and deleted on exit,
# also when a test fails. COFFER_TEST_POSTGRES_URL set by the caller is used as it is.
if [ -z "${COFFER_TEST_POSTGRES_URL:-}" ]; then
  PG_DIR="$(mktemp -d /tmp/coffer-pg.XXXXXX)"
  trap 'bash scripts/postgres.sh stop "$PG_DIR"' EXIT
  echo "== starting PostgreSQL for the tests in $PG_DIR"
  COFFER_TEST_POSTGRES_URL="$(bash scripts/postgres.sh start "$PG_DIR")"
  export COFFER_TEST_POSTGRES_URL
fi
# Flight runs and the DuckDB engines of remote callers run as an unprivileged user (`nobody`)
# when coffer runs as root, as CI does. That user must reach what runs execute: the test build's
# coffer-engine, libduckdb.so, the extension directory and the Python venv, all under
# $HOME/.cache. Give others search permission (not read: nothing can be listed) on the two
# directories above them; what lies below is readable and writable by root only.
if [ "$(id -u)" = 0 ]; then
  chmod o+x "$HOME" "$HOME/.cache"
fi
FEATURES=(--no-default-features)

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked "${FEATURES[@]}" -- -D warnings
# No unused dependencies (cargo-machete reads the sources; installed once, about a minute).
if ! command -v cargo-machete >/dev/null; then
  echo "   installing cargo-machete 0.9.2"
  cargo install cargo-machete@0.9.2 --locked --quiet
fi
echo "== cargo machete"
cargo machete
# No dependency cycle between the modules of any crate (scripts/module_cycles.py), and no
# source file over 800 lines.
echo "== module cycles"
for dir in crates/*/; do
  crate=$(basename "$dir")
  python3 scripts/module_cycles.py "crates/$crate" >"$CARGO_TARGET_DIR/module-cycles.txt" \
    || { cat "$CARGO_TARGET_DIR/module-cycles.txt"; echo "module cycle in $crate"; exit 1; }
  echo "   $crate: $(tail -n 1 "$CARGO_TARGET_DIR/module-cycles.txt")"
done
long=$(find crates/*/src -name '*.rs' -exec awk 'END { if (NR > 800) print FILENAME ": " NR " lines" }' {} \;)
[ -z "$long" ] || { echo "$long"; echo "files over 800 lines in src/ (split them by concern)"; exit 1; }
echo "== cargo test"
cargo test --workspace --locked "${FEATURES[@]}"
echo "== scope table against DuckDB 1.5.5"
"$VENV/bin/python" scripts/verify_scope_table.py
"$VENV/bin/python" scripts/sql_differential.py --coffer "$CARGO_TARGET_DIR/debug/coffer"
"$VENV/bin/python" scripts/result_differential.py --coffer "$CARGO_TARGET_DIR/debug/coffer"
echo "== MCP with real clients: the official Python SDK, the MCP Inspector CLI, the conformance suite"
"$VENV/bin/python" scripts/mcp_clients.py --coffer "$CARGO_TARGET_DIR/debug/coffer"
bash scripts/mcp_inspector.sh "$CARGO_TARGET_DIR/debug/coffer"
bash scripts/mcp_conformance.sh "$CARGO_TARGET_DIR/debug/coffer"
echo "== the PostgreSQL endpoint with real clients: psql, psycopg, asyncpg"
"$VENV/bin/python" scripts/pg_clients.py --coffer "$CARGO_TARGET_DIR/debug/coffer"
echo "== the web page in Chromium (playwright-core, axe-core on every page)"
bash scripts/web_browser.sh "$CARGO_TARGET_DIR/debug/coffer" "$CARGO_TARGET_DIR/web-screenshots"
echo "== schemathesis against a real coffer serve (no 5xx; status, content type, schema as documented)"
COFFER_TEST_VENV="$VENV" bash scripts/schemathesis.sh "$CARGO_TARGET_DIR/debug/coffer"
echo "== cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet "${FEATURES[@]}"

# ---- fuzz: the parsers of hostile input must never panic (bounded runs) -------------------
# fuzz/ is its own cargo workspace (cargo-fuzz, libFuzzer); cargo fuzz needs nightly features,
# which RUSTC_BOOTSTRAP=1 enables on the stable toolchain. Targets (fuzz/README.md):
#   sql_parser  coffer-sql's splitter and parser        template   {{ secret(...) }} templates
#   dotenv      .env / .env_encoded, and round trips     flow_yaml  Kestra-style flow files
#   api_json    the HTTP API's JSON request bodies
# COFFER_FUZZ_SECONDS (default 120) is the total, split evenly across the targets. New corpus
# entries go under the target directory; the seeds in fuzz/corpus/<target> are only read.
# -max_len=4096 (libFuzzer's default for small seeds): sql_parser's corpus holds two 450 KB
# deep-nesting regression inputs that would otherwise raise the limit to their size and slow
# the run from ~3000 to ~100 executions a second (they are read truncated here; coffer-sql's
# unit tests and crates/coffer/tests/sql_cli.rs parse inputs as deep in full).
# A crash fails the suite and leaves the input in fuzz/artifacts/<target>/.
# api_json builds coffer-server and its dependencies instrumented (about 17 minutes cold on 2
# cores, incremental afterwards in CARGO_TARGET_DIR): COFFER_FUZZ_API=0 leaves it out.
FUZZ_TARGETS=(sql_parser template dotenv flow_yaml)
if [ "${COFFER_FUZZ_API:-1}" = 1 ]; then FUZZ_TARGETS+=(api_json); fi
FUZZ_SECONDS="${COFFER_FUZZ_SECONDS:-120}"
FUZZ_EACH=$(( FUZZ_SECONDS / ${#FUZZ_TARGETS[@]} ))
[ "$FUZZ_EACH" -ge 1 ] || FUZZ_EACH=1
echo "== fuzz ${FUZZ_TARGETS[*]} for ${FUZZ_EACH}s each"
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "   installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet || true
fi
if cargo fuzz --version >/dev/null 2>&1; then
  for target in "${FUZZ_TARGETS[@]}"; do
    FUZZ_CORPUS="$CARGO_TARGET_DIR/fuzz-corpus/$target"
    mkdir -p "$FUZZ_CORPUS"
    FUZZ_LOG="$CARGO_TARGET_DIR/fuzz-$target.log"
    echo "-- $target"
    if (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "$FUZZ_CORPUS" "corpus/$target" -- \
        -max_total_time="$FUZZ_EACH" -max_len=4096 -print_final_stats=1) >"$FUZZ_LOG" 2>&1; then
      grep -E '^(Done |stat::number_of_executed_units)' "$FUZZ_LOG" || true
    else
      tail -n 80 "$FUZZ_LOG"
      echo "fuzz $target FAILED (full log: $FUZZ_LOG); the crashing input is in fuzz/artifacts/$target/"
      exit 1
    fi
  done
else
  echo "   SKIPPED: cargo-fuzz is not installed and could not be installed (cargo install cargo-fuzz --locked)"
fi
# ---- end fuzz ------------------------------------------------------------------------------

echo "== all tests passed"
