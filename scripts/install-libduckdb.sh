#!/usr/bin/env bash
# Fetches DuckDB's official libduckdb.so 1.5.5 (from the npm package DuckDB publishes for its
# Node bindings) so coffer can be built and tested without compiling DuckDB from source:
#   bash scripts/install-libduckdb.sh [DIR]      # default ~/.cache/coffer-libduckdb/v1.5.5
# then build with DUCKDB_LIB_DIR=DIR, run with LD_LIBRARY_PATH=DIR, and --no-default-features.
set -euo pipefail
DIR="${1:-${COFFER_LIBDUCKDB_DIR:-$HOME/.cache/coffer-libduckdb/v1.5.5}}"
PKG="@duckdb/node-bindings-linux-x64@1.5.5-r.5"
if [ -s "$DIR/libduckdb.so" ]; then
  echo "libduckdb.so 1.5.5 is already in $DIR"
  exit 0
fi
command -v npm >/dev/null || { echo "npm is needed to fetch $PKG (apt-get install npm)"; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent "$PKG" >/dev/null && tar xzf ./*.tgz)
mkdir -p "$DIR"
cp "$TMP/package/libduckdb.so" "$DIR/libduckdb.so.tmp"
mv "$DIR/libduckdb.so.tmp" "$DIR/libduckdb.so"
echo "installed libduckdb.so 1.5.5: $DIR/libduckdb.so"
