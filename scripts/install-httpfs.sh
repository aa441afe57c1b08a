#!/usr/bin/env bash
# The test suite's set-up (scripts/test.sh runs it before coffer is built): installs DuckDB's
# httpfs extension for coffer's embedded DuckDB (1.5.5) from PyPI with pip:
#   bash scripts/install-httpfs.sh [EXTENSION_DIR]
# Users need none of this: coffer installs extensions itself on first use, and
# `coffer extension install httpfs` does it by hand (from DuckDB's repository or PyPI).
# EXTENSION_DIR defaults to $COFFER_EXTENSION_DIR, else $COFFER_HOME/extensions, else
# ~/.local/share/coffer/extensions. The file lands in EXTENSION_DIR/v1.5.5/linux_amd64/.
set -euo pipefail
DUCKDB_VERSION=1.5.5
DIR="${1:-${COFFER_EXTENSION_DIR:-${COFFER_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/coffer}/extensions}}"
DEST="$DIR/v$DUCKDB_VERSION/linux_amd64/httpfs.duckdb_extension"
if [ -s "$DEST" ]; then
  echo "httpfs $DUCKDB_VERSION is already installed: $DEST"
  exit 0
fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --dest "$TMP" "duckdb-extension-httpfs==$DUCKDB_VERSION"
WHEEL="$(ls "$TMP"/duckdb_extension_httpfs-*.whl)"
python3 - "$WHEEL" "$DEST" "$DUCKDB_VERSION" <<'PY'
import os, sys, zipfile
wheel, dest, version = sys.argv[1:]
member = f"duckdb_extension_httpfs/extensions/v{version}/httpfs.duckdb_extension"
os.makedirs(os.path.dirname(dest), exist_ok=True)
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(dest + ".tmp", "wb") as out:
    out.write(src.read())
os.replace(dest + ".tmp", dest)
PY
echo "installed httpfs $DUCKDB_VERSION: $DEST"
