#!/usr/bin/env bash
# Start-up and isolation figures of the release build, side by side in one run:
#
#  1. hyperfine (-N, 20 warm-ups, 100 runs): bare `true`; `coffer --version`; `coffer run --
#     true` (unsandboxed, the owner's own command); `coffer run --sandbox -- true` (a run's
#     sandbox: the `coffer __sandbox` re-exec, Landlock, the run user); `coffer secret list` of
#     100 secrets; `dotenvx run -- true` (npm @dotenvx/dotenvx) when it installs.
#  2. peak memory (max RSS, /usr/bin/time, median of 20) of `coffer run -- true`.
#  3. `/sql` throughput under wrk (8 connections, 10 s, `SELECT 42`) against `coffer serve`:
#     the engine process of this build, and, with BENCH_BEFORE=BINARY, an older coffer whose
#     DuckDB ran in-process (built from a commit before the engine process, see the README);
#     with it, the first statement of a local `coffer sql` is compared as well.
# BENCH_BIN: the coffer to measure (default: this build's release binary; coffer-engine next to it).
#
# The `coffer` executable links no DuckDB: it is built here with --no-default-features (the
# engine, which the /sql step needs, is linked against DuckDB's libduckdb.so 1.5.5; the product
# build bundles the same DuckDB into coffer-engine only).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/coffer-target}"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }
export DUCKDB_LIB_DIR="${DUCKDB_LIB_DIR:-$HOME/.cache/coffer-libduckdb/v1.5.5}"
bash scripts/install-libduckdb.sh "$DUCKDB_LIB_DIR" >/dev/null
export LD_LIBRARY_PATH="$DUCKDB_LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release --locked --no-default-features -p coffer --bins
fi
bin="${BENCH_BIN:-$CARGO_TARGET_DIR/release/coffer}"
# The run user (nobody, when root) must reach the executables it runs.
if [ "$(id -u)" = 0 ]; then chmod o+x "$HOME" "$HOME/.cache"; fi
npm_dir="$HOME/.cache/coffer-dotenvx"
if [ ! -x "$npm_dir/node_modules/.bin/dotenvx" ]; then
  mkdir -p "$npm_dir"
  (cd "$npm_dir" && npm install --silent --no-audit --no-fund @dotenvx/dotenvx@1 >/dev/null) || true
fi
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export COFFER_HOME="$work/home"
printf 'wJalrXUtnFEMI' | "$bin" secret create my_s3 --type s3 --set key_id=AKIAEXAMPLE --set secret=- \
  --set region=us-east-1 >/dev/null 2>&1
for i in $(seq 1 99); do
  printf 'value-%s' "$i" | "$bin" secret create "g$i" --type flights --set "params.KEY=-" >/dev/null 2>&1
done
printf 'MY_S3_SECRET=wJalrXUtnFEMI\n' > "$work/.env"

echo "## start-up (hyperfine, 100 runs each)"
cmds=(true "$bin --version" "$bin run -- true" "$bin run --sandbox -- true" "$bin secret list")
if [ -x "$npm_dir/node_modules/.bin/dotenvx" ]; then
  cmds+=("$npm_dir/node_modules/.bin/dotenvx run -q -f $work/.env -- true")
fi
hyperfine -N --warmup 20 --runs 100 --export-markdown "$work/run.md" "${cmds[@]}" >/dev/null
cat "$work/run.md"

echo
echo "## first statement of a local coffer sql (hyperfine, 30 runs)"
sqlcmds=("$bin sql -c 'SELECT 42'")
if [ -n "${BENCH_BEFORE:-}" ]; then sqlcmds+=("$BENCH_BEFORE sql -c 'SELECT 42'"); fi
hyperfine -N --warmup 3 --runs 30 --export-markdown "$work/sql.md" "${sqlcmds[@]}" >/dev/null
cat "$work/sql.md"

echo
echo "## peak memory of coffer run -- true (max RSS, median of 20)"
for _ in $(seq 1 20); do
  /usr/bin/time -f %M "$bin" run -- true 2>&1 >/dev/null | tail -n 1
done | sort -n | awk '{a[NR]=$1} END {printf "%.1f MiB\n", (a[10]+a[11])/2/1024}'

echo
echo "## /sql throughput (wrk, 8 connections, 10 s, SELECT 42)"
sql_bench() {
  local label=$1 exe=$2 home="$work/serve-$1"
  COFFER_HOME="$home" "$exe" serve --listen 127.0.0.1:0 >"$work/$label.log" 2>&1 &
  server_pid=$!
  local url="" token=""
  for _ in $(seq 1 100); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/$label.log" | head -n 1 || true)
    token=$(grep -o 'coffer_[A-Za-z0-9_]*' "$work/$label.log" | head -n 1 || true)
    if grep -q serving "$work/$label.log" && [ -n "$url" ] && [ -n "$token" ]; then break; fi
    sleep 0.1
  done
  [ -n "$url" ] && [ -n "$token" ] || { cat "$work/$label.log"; return 1; }
  cat >"$work/sql.lua" <<EOF
wrk.method = "POST"
wrk.body = '{"sql":"SELECT 42 AS answer"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
EOF
  wrk -t 1 -c 8 -d 3s -s "$work/sql.lua" "$url/v1/projects/default/sql" >/dev/null
  wrk -t 1 -c 8 -d 10s --latency -s "$work/sql.lua" "$url/v1/projects/default/sql" >"$work/$label.wrk"
  printf '| %s | %s req/s | p50 %s | p99 %s |\n' "$label" \
    "$(awk '/Requests\/sec/ {print $2}' "$work/$label.wrk")" \
    "$(awk '$1 == "50%" {print $2}' "$work/$label.wrk")" \
    "$(awk '$1 == "99%" {print $2}' "$work/$label.wrk")"
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
echo "| server | throughput | latency | |"
echo "|---|---:|---:|---:|"
sql_bench "engine process (this build)" "$bin"
if [ -n "${BENCH_BEFORE:-}" ]; then
  sql_bench "in-process DuckDB (BENCH_BEFORE)" "$BENCH_BEFORE"
fi
