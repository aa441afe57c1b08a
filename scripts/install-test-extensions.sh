#!/usr/bin/env bash
# The test suite's set-up (scripts/test.sh runs it before coffer is built): installs DuckDB 1.5.5
# extensions from PyPI's wheels (`duckdb-extension-<name>==1.5.5`) with pip, so the tests of
# secret types (crates/coffer/tests/secret_types.rs) do not download them on first use:
#   bash scripts/install-test-extensions.sh EXTENSION_DIR NAME...
# e.g. NAME = aws azure postgres_scanner mysql_scanner. Each file lands in
# EXTENSION_DIR/v1.5.5/linux_amd64/NAME.duckdb_extension; one already there is kept.
# Users need none of this: coffer installs extensions itself (`coffer extension install NAME`).
set -euo pipefail
DUCKDB_VERSION=1.5.5
DIR="${1:?usage: install-test-extensions.sh EXTENSION_DIR NAME...}"
shift
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
for name in "$@"; do
  dest="$DIR/v$DUCKDB_VERSION/linux_amd64/$name.duckdb_extension"
  if [ -s "$dest" ]; then
    continue
  fi
  # PyPI's names use dashes: duckdb-extension-mysql-scanner; the wheel's folder underscores.
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --dest "$TMP/$name" "duckdb-extension-${name//_/-}==$DUCKDB_VERSION"
  wheel="$(ls "$TMP/$name"/duckdb_extension_*.whl)"
  python3 - "$wheel" "$dest" "$name" "$DUCKDB_VERSION" <<'PY'
import os, sys, zipfile
wheel, dest, name, version = sys.argv[1:]
member = f"duckdb_extension_{name}/extensions/v{version}/{name}.duckdb_extension"
os.makedirs(os.path.dirname(dest), exist_ok=True)
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(dest + ".tmp", "wb") as out:
    out.write(src.read())
os.replace(dest + ".tmp", dest)
PY
  echo "installed $name $DUCKDB_VERSION: $dest"
done
