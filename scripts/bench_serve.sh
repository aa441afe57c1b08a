#!/usr/bin/env bash
# Issue 5: `coffer serve` under load from a second process on loopback, side by side in one run
# with a bare hyper "hello" server (crates/coffer-server/examples/hello.rs) on the same machine.
#
# Measures, one after the other in a single run, with wrk (--latency):
#   1. hello   GET  /                                  (bare hyper 1.x, the baseline)
#   2. read    GET  /v1/projects/bench/secrets/s1      (authenticated metadata read)
#   3. use     POST /v1/projects/bench/env  {"secrets":["s1"]}   (the "use" endpoint)
# both coffer endpoints with a service-account token that has the `use` role.
# Prints a markdown table: req/s, p50, p99 and the ratio to hello's req/s.
# Goal (issue 5): at least half of the bare server's req/s, p99 under 2 ms.
#
# Fairness: both servers run on tokio's default multi-thread runtime (one worker per core), with
# default socket options (axum::serve sets no TCP_NODELAY, so neither does hello), and answer
# the same wrk with the same settings; each endpoint is measured alone (the other server idle).
# Nothing is pinned by default: the kernel shares all cores between wrk and the server under
# test, alike for every endpoint. Pinning wrk to core 0 and the servers to the other cores on a
# 2-core machine would leave each server one core for its tokio workers and, for coffer, its
# blocking pool (every store call runs there). BENCH_PIN=1 does that (taskset), for comparison.
#
# The store lives in a fresh COFFER_HOME under the results' parent dir (on the build's disk,
# not /tmp, which may be a tmpfs where fsync costs nothing); its filesystem is in the summary.
# BENCH_STORE_DIR=/dev/shm puts it on a tmpfs instead, to see what the fsyncs cost.
#
# Besides wrk's numbers the table has the server's CPU time per request and the cores it and
# the whole machine kept busy during each measured run (from /proc), which tell a CPU-bound
# endpoint from one that waits (on the disk, or on a lock).
#
# Knobs (environment): BENCH_DURATION (10s), BENCH_WARMUP (3s), BENCH_CONNECTIONS (16),
# BENCH_THREADS (1), BENCH_PIN (0), BENCH_OUT (results dir, default target/bench-serve/<time>),
# BENCH_STORE_DIR (where the temporary COFFER_HOME goes), BENCH_SKIP_BUILD=1 (reuse the
# release binaries), CARGO_TARGET_DIR, DUCKDB_LIB_DIR (default: scripts/install-libduckdb.sh's).
#
# Fails (exit 1) if a warm-up saw a status other than 200, a measured run a status >= 400 (what
# wrk counts), or either a socket error. Results: summary.md, the wrk outputs and scripts, logs.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

duration=${BENCH_DURATION:-10s}
warmup=${BENCH_WARMUP:-3s}
conns=${BENCH_CONNECTIONS:-16}
threads=${BENCH_THREADS:-1}
pin=${BENCH_PIN:-0}
target_dir=${CARGO_TARGET_DIR:-$root/target}

say() { echo "bench_serve: $*" >&2; }
die() {
    say "error: $*"
    exit 1
}

# --- tools ------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    say "installing wrk from Debian"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    apt=("${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
    "${apt[@]}" install -y wrk >&2 || { "${apt[@]}" update >&2 && "${apt[@]}" install -y wrk >&2; } ||
        die "cannot install wrk"
fi
for tool in curl jq; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is needed"
done

# --- build ------------------------------------------------------------------------------------
# Never the default features: they build DuckDB from C++ (about 25 minutes). Without them coffer
# links DuckDB's official libduckdb.so (as scripts/test.sh does): DUCKDB_LIB_DIR to build,
# LD_LIBRARY_PATH to run.
if [ -z "${DUCKDB_LIB_DIR:-}" ]; then
    DUCKDB_LIB_DIR=${COFFER_LIBDUCKDB_DIR:-$HOME/.cache/coffer-libduckdb/v1.5.5}
    bash scripts/install-libduckdb.sh "$DUCKDB_LIB_DIR" >&2
fi
export DUCKDB_LIB_DIR
export LD_LIBRARY_PATH="$DUCKDB_LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    say "building release binaries (--no-default-features)"
    cargo build --release --no-default-features -p coffer >&2
    cargo build --release --no-default-features -p coffer-server --example hello >&2
fi
coffer_bin=$target_dir/release/coffer
hello_bin=$target_dir/release/examples/hello
[ -x "$coffer_bin" ] || die "no $coffer_bin (set CARGO_TARGET_DIR?)"
[ -x "$hello_bin" ] || die "no $hello_bin (set CARGO_TARGET_DIR?)"

# --- work dirs, cleanup -----------------------------------------------------------------------
out=${BENCH_OUT:-$target_dir/bench-serve/$(date +%Y%m%dT%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
store_dir=${BENCH_STORE_DIR:-$(dirname "$out")}
mkdir -p "$store_dir"
tmp=$(mktemp -d "$store_dir/coffer-bench.XXXXXX")
hello_pid=
coffer_pid=
cleanup() {
    local rc=$?
    for pid in $hello_pid $coffer_pid; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    for pid in $hello_pid $coffer_pid; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    # coffer's log, without the bootstrap token.
    [ ! -f "$tmp/coffer.stderr" ] || sed 's/^    coffer_[^[:space:]]*/    <bootstrap token>/' "$tmp/coffer.stderr" >"$out/coffer.stderr"
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ncpu=$(nproc)
server_pin=()
wrk_pin=()
if [ "$pin" = 1 ] && [ "$ncpu" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
    server_pin=(taskset -c "1-$((ncpu - 1))")
    wrk_pin=(taskset -c 0)
fi

# A free loopback port, chosen by the kernel.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# --- hello server -----------------------------------------------------------------------------
hello_port=$(free_port)
"${server_pin[@]}" "$hello_bin" "127.0.0.1:$hello_port" 2>"$out/hello.stderr" &
hello_pid=$!
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$hello_port/" >/dev/null 2>&1 && break
    kill -0 "$hello_pid" 2>/dev/null || die "the hello server exited: $(cat "$out/hello.stderr")"
    sleep 0.1
done
[ "$(curl -fsS "http://127.0.0.1:$hello_port/")" = hello ] || die "the hello server does not answer"

# --- coffer serve -----------------------------------------------------------------------------
coffer_port=$(free_port)
export COFFER_HOME=$tmp/home
unset COFFER_URL COFFER_TOKEN COFFER_PROJECT COFFER_LISTEN
"${server_pin[@]}" "$coffer_bin" serve --listen "127.0.0.1:$coffer_port" 2>"$tmp/coffer.stderr" &
coffer_pid=$!
for _ in $(seq 300); do
    grep -q "^coffer: serving .* on http://127.0.0.1:$coffer_port" "$tmp/coffer.stderr" && break
    kill -0 "$coffer_pid" 2>/dev/null || die "coffer serve exited: $(cat "$tmp/coffer.stderr")"
    sleep 0.1
done
grep -q "^coffer: serving .* on http://127.0.0.1:$coffer_port" "$tmp/coffer.stderr" ||
    die "coffer serve did not start: $(cat "$tmp/coffer.stderr")"
admin_token=$(sed -n 's/^    \(coffer_[^[:space:]]*\)[[:space:]]*$/\1/p' "$tmp/coffer.stderr" | head -n1)
[ -n "$admin_token" ] || die "no bootstrap token in coffer's stderr"

base=http://127.0.0.1:$coffer_port
# Calls the API as admin; fails on any non-2xx status.
api() {
    local method=$1 path=$2 body=${3:-}
    local args=(-sS -o "$tmp/resp" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $admin_token")
    [ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data "$body")
    local code
    code=$(curl "${args[@]}" "$base$path")
    case $code in
    2??) cat "$tmp/resp" ;;
    *) die "$method $path: HTTP $code: $(cat "$tmp/resp")" ;;
    esac
}

say "setting up project 'bench', secret 's1', service account 'bench-sa' with role 'use'"
api POST /v1/projects '{"name":"bench"}' >/dev/null
api POST /v1/projects/bench/secrets \
    '{"name":"s1","type":"s3","fields":{"key_id":"AKIAEXAMPLE","secret":"wJalrXUtnFEMI","region":"us-east-1"}}' >/dev/null
api POST /v1/projects/bench/service-accounts '{"name":"bench-sa"}' >/dev/null
api PUT /v1/projects/bench/members/bench-sa '{"role":"use"}' >/dev/null
sa_token=$(api POST /v1/tokens '{"name":"bench-token","owner":"bench-sa"}' | jq -er .token) ||
    die "no token in the token creation response"

# Sanity: the service account can do both measured calls.
code=$(curl -sS -o "$tmp/resp" -w '%{http_code}' -H "Authorization: Bearer $sa_token" "$base/v1/projects/bench/secrets/s1")
[ "$code" = 200 ] || die "metadata read as bench-sa: HTTP $code: $(cat "$tmp/resp")"
code=$(curl -sS -o "$tmp/resp" -w '%{http_code}' -H "Authorization: Bearer $sa_token" \
    -H 'Content-Type: application/json' --data '{"secrets":["s1"]}' "$base/v1/projects/bench/env")
[ "$code" = 200 ] || die "use (env) as bench-sa: HTTP $code: $(cat "$tmp/resp")"

# --- wrk scripts (kept in the results dir) ----------------------------------------------------
# The measured runs print one summary line, latencies in microseconds. Their error counts are
# wrk's: a status >= 400 counts as an error ("Non-2xx or 3xx responses"); checking each status
# would need a response() hook, which slows wrk down, and so the fastest server (hello) most.
cp scripts/wrk/measure.lua scripts/wrk/check.lua scripts/wrk/use-request.lua "$out/"
cat "$out/use-request.lua" "$out/measure.lua" >"$tmp/use-measure.lua"
cat "$out/use-request.lua" "$out/check.lua" >"$tmp/use-check.lua"

failed=0
# CPU ticks: of process $1 (all its threads), and of the whole machine (busy, total).
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
machine_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }
clk_tck=$(getconf CLK_TCK)

# run NAME SERVER_PID URL MEASURE_LUA CHECK_LUA [wrk args...]: a warm-up that checks every
# status, then the measured run, into $out/NAME.warmup.txt and $out/NAME.txt, the CPU use of
# the server and the machine during the measured run into $out/NAME.cpu.
run() {
    local name=$1 pid=$2 url=$3 measure=$4 check=$5
    shift 5
    say "$name: $warmup warm-up (every status checked), then $duration measured (-t$threads -c$conns)"
    "${wrk_pin[@]}" wrk -t"$threads" -c"$conns" -d"$warmup" -s "$check" "$@" "$url" >"$out/$name.warmup.txt"
    local line
    line=$(grep '^CHECK ' "$out/$name.warmup.txt") || die "no CHECK line in $out/$name.warmup.txt"
    case $line in
    *" not200=0 connect=0 read=0 write=0 timeout=0") ;;
    *)
        say "$name: the warm-up saw failures: $line"
        failed=1
        ;;
    esac
    local p0 m0 p1 m1
    p0=$(proc_ticks "$pid")
    m0=$(machine_ticks)
    "${wrk_pin[@]}" wrk -t"$threads" -c"$conns" -d"$duration" --latency -s "$measure" "$@" "$url" >"$out/$name.txt"
    p1=$(proc_ticks "$pid")
    m1=$(machine_ticks)
    # server_ticks, machine busy ticks, machine total ticks (over all cores), ticks per second
    echo "CPU server=$((p1 - p0)) busy=$((${m1% *} - ${m0% *})) total=$((${m1#* } - ${m0#* })) hz=$clk_tck ncpu=$ncpu" >"$out/$name.cpu"
}

# Other work on the machine skews everything: measure it for 2 s first (both servers idle).
m0=$(machine_ticks)
sleep 2
m1=$(machine_ticks)
background=$(awk -v b="$((${m1% *} - ${m0% *}))" -v t="$((${m1#* } - ${m0#* }))" -v n="$ncpu" 'BEGIN { printf "%.2f", b / t * n }')
if awk -v x="$background" 'BEGIN { exit !(x > 0.2) }'; then
    say "warning: $background cores were busy with other work just before the runs; the numbers will be noisy"
fi

auth=(-H "Authorization: Bearer $sa_token")
run hello "$hello_pid" "http://127.0.0.1:$hello_port/" "$out/measure.lua" "$out/check.lua"
# shellcheck disable=SC2162 # "read" is the run name, not the builtin
run read "$coffer_pid" "$base/v1/projects/bench/secrets/s1" "$out/measure.lua" "$out/check.lua" "${auth[@]}"
run use "$coffer_pid" "$base/v1/projects/bench/env" "$tmp/use-measure.lua" "$tmp/use-check.lua" "${auth[@]}"

# --- report -----------------------------------------------------------------------------------
field() { sed -n "/^BENCH /s/.*[[:space:]]$2=\([0-9]*\).*/\1/p" "$out/$1.txt"; }
# microseconds -> "1.23 ms" or "567 µs"
fmt_us() { awk -v us="$1" 'BEGIN { if (us >= 1000) printf "%.2f ms", us / 1000; else printf "%d µs", us }'; }
cpu() { sed -n "/^CPU /s/.*[[:space:]]$2=\([0-9]*\).*/\1/p" "$out/$1.cpu"; }
# The server's CPU time per request in µs, the cores it kept busy, the machine's busy cores.
cpu_cols() {
    awk -v s="$(cpu "$1" server)" -v b="$(cpu "$1" busy)" -v t="$(cpu "$1" total)" -v hz="$(cpu "$1" hz)" \
        -v n="$(cpu "$1" ncpu)" -v req="$(field "$1" requests)" -v d="$(field "$1" duration_us)" \
        'BEGIN { printf "%.1f µs | %.2f | %.2f", s / hz * 1e6 / req, s / hz / (d / 1e6), b / t * n }'
}
rps() { awk -v n="$(field "$1" requests)" -v d="$(field "$1" duration_us)" 'BEGIN { printf "%.0f", n / (d / 1e6) }'; }

for name in hello read use; do
    grep -q '^BENCH ' "$out/$name.txt" || die "no BENCH line in $out/$name.txt"
    errs=0
    for k in non2xx connect read write timeout; do
        errs=$((errs + $(field "$name" "$k")))
    done
    if [ "$errs" -ne 0 ]; then
        say "$name: $(field "$name" non2xx) non-2xx responses; socket errors: connect $(field "$name" connect), read $(field "$name" read), write $(field "$name" write), timeout $(field "$name" timeout)"
        failed=1
    fi
    if [ "$(field "$name" requests)" -eq 0 ]; then
        say "$name: no request completed"
        failed=1
    fi
done

if [ ${#wrk_pin[@]} -gt 0 ]; then
    placement="wrk on core 0, servers on cores 1-$((ncpu - 1))"
else
    placement="nothing pinned"
fi
hello_rps=$(rps hello)
{
    echo "coffer serve ($(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')) vs bare hyper on loopback: $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2),"
    echo "-t$threads -c$conns -d$duration --latency after a $warmup warm-up each; $ncpu cores, $placement; store on $(df -T "$COFFER_HOME" | awk 'NR == 2 { print $2 }');"
    echo "other work on the machine just before: $background cores busy (load average $(cut -d' ' -f1-3 /proc/loadavg))."
    echo
    echo "| endpoint | req/s | p50 | p99 | ratio to hello req/s | goal (ratio ≥ 0.5, p99 < 2 ms) | server CPU per request | server cores busy | machine cores busy |"
    echo "|---|---:|---:|---:|---:|---|---:|---:|---:|"
    for row in "hello|GET / (bare hyper)" "read|GET /v1/projects/bench/secrets/s1 (metadata read)" "use|POST /v1/projects/bench/env (use)"; do
        name=${row%%|*}
        label=${row#*|}
        r=$(rps "$name")
        p99=$(field "$name" p99_us)
        ratio=$(awk -v a="$r" -v b="$hello_rps" 'BEGIN { printf "%.2f", a / b }')
        if [ "$name" = hello ]; then
            goal="(baseline)"
        elif awk -v r="$ratio" -v p="$p99" 'BEGIN { exit !(r >= 0.5 && p < 2000) }'; then
            goal="met"
        else
            goal="missed"
        fi
        echo "| $label | $r | $(fmt_us "$(field "$name" p50_us)") | $(fmt_us "$p99") | $ratio | $goal | $(cpu_cols "$name") |"
    done
} | tee "$out/summary.md"
echo
echo "raw wrk outputs: $out"
[ "$failed" = 0 ] || die "some requests failed (a status other than 200, or socket errors); see $out"
