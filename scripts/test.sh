#!/usr/bin/env bash
# The whole test suite, runnable on a fresh machine: installs what the tests need first.
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/coffer-target}"
export CARGO_TERM_COLOR=never

# Real DuckDB 1.5.5 (Python) and its httpfs extension, offline-installable from PyPI, used to
# check coffer's scope table against DuckDB's own which_secret.
VENV="${COFFER_TEST_VENV:-$HOME/.cache/coffer-venv}"
if ! "$VENV/bin/python" -c 'import duckdb, duckdb_extension_httpfs' 2>/dev/null; then
  echo "== installing duckdb==1.5.5 and duckdb-extension-httpfs==1.5.5 into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check duckdb==1.5.5 duckdb-extension-httpfs==1.5.5
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
echo "== scope table against DuckDB 1.5.5"
"$VENV/bin/python" scripts/verify_scope_table.py
echo "== cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
echo "== all tests passed"
