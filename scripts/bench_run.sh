#!/usr/bin/env bash
# `coffer run -- true` against a bare `true` and `dotenvx run -- true` (npm @dotenvx/dotenvx),
# side by side in one hyperfine run, on the product build: the release binary with DuckDB
# built in (the default "bundled" feature; the first build compiles DuckDB, ~25 minutes on
# 2 cores, then it is cached). With --libduckdb it measures the test suite's build instead,
# linked against libduckdb.so (whose loading costs about 10 ms per start).
# Uses a throw-away COFFER_HOME with one s3 secret.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/coffer-target}"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
if [ "${1:-}" = "--libduckdb" ]; then
  export DUCKDB_LIB_DIR="${DUCKDB_LIB_DIR:-$HOME/.cache/coffer-libduckdb/v1.5.5}"
  bash scripts/install-libduckdb.sh "$DUCKDB_LIB_DIR" >/dev/null
  export LD_LIBRARY_PATH="$DUCKDB_LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  cargo build --release --locked --no-default-features -p coffer
else
  unset DUCKDB_LIB_DIR
  cargo build --release --locked -p coffer
fi
bin="$CARGO_TARGET_DIR/release/coffer"
npm_dir="$HOME/.cache/coffer-dotenvx"
if [ ! -x "$npm_dir/node_modules/.bin/dotenvx" ]; then
  mkdir -p "$npm_dir"
  (cd "$npm_dir" && npm install --silent --no-audit --no-fund @dotenvx/dotenvx@1 >/dev/null) || true
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export COFFER_HOME="$work/home"
printf 'wJalrXUtnFEMI' | "$bin" secret create my_s3 --type s3 --set key_id=AKIAEXAMPLE --set secret=- \
  --set region=us-east-1 >/dev/null 2>&1
printf 'MY_S3_SECRET=wJalrXUtnFEMI\n' > "$work/.env"
cmds=(true "$bin --version" "$bin run -- true" "$bin run --secret my_s3 -- true")
if [ -x "$npm_dir/node_modules/.bin/dotenvx" ]; then
  cmds+=("$npm_dir/node_modules/.bin/dotenvx run -q -f $work/.env -- true")
else
  echo "bench_run: dotenvx did not install; measuring without it"
fi
hyperfine -N --warmup 10 --runs 100 --export-markdown "$work/run.md" "${cmds[@]}" >/dev/null
cat "$work/run.md"
