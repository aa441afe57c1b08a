#!/usr/bin/env bash
# Issue 9: `coffer serve` on PostgreSQL, one node vs two nodes on one database, and vs the SQLite
# default, side by side in one run (with the bare hyper "hello" server as the baseline).
#   bash scripts/bench_nodes.sh
#
# Setups, measured one after the other in a single run, each with a fresh store:
#   sqlite      one `coffer serve` on the embedded default (coffer.db in its COFFER_HOME)
#   postgres 1  one `coffer serve` on a fresh PostgreSQL database
#   postgres 2  two `coffer serve` processes on one fresh database (the second COFFER_HOME has a
#               copy of the first's master.key), the load split across both: two wrk at the
#               same time, one per node, each with half the connections; the table has their
#               summed req/s and the worse p50/p99 of the two
# and, once, the bare hyper server (crates/coffer-server/examples/hello.rs) as the baseline.
# In each setup, with wrk (--latency) and a service-account token that has the `use` role:
#   read  GET  /v1/projects/bench/secrets/s1                  (authenticated metadata read)
#   use   POST /v1/projects/bench/env  {"secrets":["s1"]}     (the "use" endpoint)
# The store is set up (bootstrap token from the first node's stderr; project 'bench', secret
# 's1', service account 'bench-sa' with role 'use', its token) once per database, through the
# first node; both nodes then answer both calls (checked before measuring).
#
# PostgreSQL: BENCH_POSTGRES_URL (a role that may CREATE DATABASE; the script creates and at the
# end drops its databases coffer_bench_<pid>_pg1 and _pg2), else a throw-away cluster from
# scripts/postgres.sh on this machine (its defaults: fsync on, synchronous_commit on), stopped
# and deleted at the end. The URL reaches coffer as COFFER_DATABASE_URL (= --database), so that
# its password is not on the command line. A cluster on this machine shares the cores with wrk
# and the servers, as the SQLite store shares them with its server: the summary says so.
#
# As scripts/bench_serve.sh: nothing is pinned by default (BENCH_PIN=1 puts wrk on core 0 and
# the coffer servers on the others; PostgreSQL is never pinned); the SQLite store is on the
# results' disk (BENCH_STORE_DIR to move it); the table has CPU time per request of the coffer
# servers (summed over the nodes) and of PostgreSQL (its postmaster and all its children,
# including the ones that exited during the run; "n/a" when the server is not on this machine)
# and the cores the whole machine kept busy, all from /proc during each measured run.
#
# Knobs (environment): BENCH_DURATION (10s), BENCH_WARMUP (3s), BENCH_CONNECTIONS (16, in
# total: each of the two nodes gets half), BENCH_THREADS (1, per wrk), BENCH_PIN (0),
# BENCH_OUT (results dir, default $CARGO_TARGET_DIR/bench-nodes/<time>), BENCH_STORE_DIR (where
# the temporary COFFER_HOMEs go), BENCH_POSTGRES_URL, BENCH_SKIP_BUILD=1 (reuse the release
# binaries), CARGO_TARGET_DIR, DUCKDB_LIB_DIR (default: scripts/install-libduckdb.sh's).
#
# Fails (exit 1) if a warm-up saw a status other than 200, a measured run a status >= 400 (what
# wrk counts), or either a socket error. Results: summary.md, the wrk outputs and scripts, the
# servers' logs (without the bootstrap token) and PostgreSQL's log.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

duration=${BENCH_DURATION:-10s}
warmup=${BENCH_WARMUP:-3s}
conns=${BENCH_CONNECTIONS:-16}
threads=${BENCH_THREADS:-1}
pin=${BENCH_PIN:-0}
target_dir=${CARGO_TARGET_DIR:-$root/target}

say() { echo "bench_nodes: $*" >&2; }
die() {
    say "error: $*"
    exit 1
}

case $conns in
'' | *[!0-9]*) die "BENCH_CONNECTIONS must be a whole number" ;;
esac
[ "$((conns / 2))" -ge "$threads" ] ||
    die "BENCH_CONNECTIONS ($conns) must be at least twice BENCH_THREADS ($threads): each of two wrk gets half"

# --- tools ------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    say "installing wrk from Debian"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    apt=("${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
    "${apt[@]}" install -y wrk >&2 || { "${apt[@]}" update >&2 && "${apt[@]}" install -y wrk >&2; } ||
        die "cannot install wrk"
fi
for tool in curl jq python3; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is needed"
done
if [ -z "${BENCH_POSTGRES_URL:-}" ] && ! command -v psql >/dev/null 2>&1; then
    # scripts/postgres.sh installs the server (with psql) when no server binaries are found;
    # psql is needed here in any case.
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 ||
        say "no PostgreSQL found: scripts/postgres.sh will install Debian's postgresql"
fi

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
out=${BENCH_OUT:-$target_dir/bench-nodes/$(date +%Y%m%dT%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
store_dir=${BENCH_STORE_DIR:-$(dirname "$out")}
mkdir -p "$store_dir"
tmp=$(mktemp -d "$store_dir/coffer-bench.XXXXXX")
unset COFFER_URL COFFER_TOKEN COFFER_PROJECT COFFER_LISTEN COFFER_DATABASE_URL COFFER_HOME

live_pids=" "   # servers still running (hello and coffer nodes)
pg_dir=         # the throw-away cluster's dir, when this script started one
pg_url=         # a URL of the PostgreSQL server (its own database)
pg_dbs=()       # databases created on BENCH_POSTGRES_URL's server, dropped at the end

# Keeps a server's log in the results, without the bootstrap token.
keep_log() {
    [ ! -f "$tmp/$1.stderr" ] || sed 's/^    coffer_[^[:space:]]*/    <bootstrap token>/' "$tmp/$1.stderr" >"$out/$1.stderr"
}

# stop_pids PID...: SIGTERM, 5 s to finish, then SIGKILL.
stop_pids() {
    local pid
    for pid in "$@"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    for pid in "$@"; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        live_pids=${live_pids/ $pid / }
    done
}

cleanup() {
    local rc=$?
    # shellcheck disable=SC2086 # a list of pids
    stop_pids $live_pids
    local f
    for f in "$tmp"/*.stderr; do
        [ -e "$f" ] || continue
        f=${f##*/}
        [ -e "$out/$f" ] || keep_log "${f%.stderr}"
    done
    if [ -n "$pg_dir" ]; then
        [ ! -f "$pg_dir/server.log" ] || cp "$pg_dir/server.log" "$out/postgres.log" || true
        bash scripts/postgres.sh stop "$pg_dir" || true
    fi
    local db
    for db in "${pg_dbs[@]}"; do
        psql "$pg_url" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 ||
            say "warning: cannot drop the database $db"
    done
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

# --- PostgreSQL -------------------------------------------------------------------------------
# The URL with another database: postgres://USER:PASSWORD@HOST:PORT/DB?PARAMS, DB swapped.
db_url() {
    local url=$1 name=$2 scheme rest authority path query=
    scheme=${url%%://*}
    rest=${url#*://}
    authority=${rest%%/*}
    path=
    [ "$rest" = "$authority" ] || path=${rest#*/}
    case $path in
    *\?*) query="?${path#*\?}" ;;
    esac
    echo "$scheme://$authority/$name$query"
}
# A URL without its password, for the summary.
redact() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"; }

if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
    command -v psql >/dev/null 2>&1 || die "psql is needed (Debian: postgresql-client)"
    pg_url=$BENCH_POSTGRES_URL
    pg_where="BENCH_POSTGRES_URL ($(redact "$pg_url"))"
else
    say "starting a throw-away PostgreSQL cluster (scripts/postgres.sh)"
    pg_dir=$(mktemp -d)
    pg_url=$(bash scripts/postgres.sh start "$pg_dir")
    pg_where="a throw-away cluster from scripts/postgres.sh, data on $(df -T "$pg_dir" | awk 'NR == 2 { print $2 }')"
fi
pg_setting() { psql "$pg_url" -AtqX -v ON_ERROR_STOP=1 -c "SHOW $1"; }
pg_version=$(pg_setting server_version) || die "cannot connect to PostgreSQL"
pg_fsync=$(pg_setting fsync)
pg_sync_commit=$(pg_setting synchronous_commit)
pg_max_conn=$(pg_setting max_connections)

# The postmaster's pid when the server runs on this machine (else empty): from the cluster's
# postmaster.pid, or the parent of its checkpointer (pg_stat_activity shows every pid).
pg_pm=
if [ -n "$pg_dir" ] && [ -r "$pg_dir/data/postmaster.pid" ]; then
    pg_pm=$(head -n1 "$pg_dir/data/postmaster.pid")
else
    ckpt=$(psql "$pg_url" -AtqX -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'" 2>/dev/null || true)
    if [ -n "$ckpt" ] && [ "$(cat "/proc/$ckpt/comm" 2>/dev/null)" = postgres ]; then
        pg_pm=$(sed 's/.*) //' "/proc/$ckpt/stat" | cut -d' ' -f2)
    fi
fi
if [ -n "$pg_pm" ] && [ "$(cat "/proc/$pg_pm/comm" 2>/dev/null)" != postgres ]; then
    pg_pm=
fi
[ -n "$pg_pm" ] || say "PostgreSQL does not run on this machine (or cannot be seen): its CPU is not measured"

# A fresh database: coffer_bench_<pid>_NAME on BENCH_POSTGRES_URL's server, bench_NAME on the
# throw-away cluster. Sets url to its URL.
fresh_db() {
    local name=bench_$1
    if [ -z "$pg_dir" ]; then
        name=coffer_bench_$$_$1
        pg_dbs+=("$name")
    fi
    psql "$pg_url" -qX -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $name" >&2
    psql "$pg_url" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $name" >&2
    url=$(db_url "$pg_url" "$name")
    db_name=$name
}
# How coffer's connections to database $1 are made: "N TLS, M plain".
pg_conns() {
    psql "$pg_url" -AtqX -v ON_ERROR_STOP=1 -c "SELECT count(*) FILTER (WHERE s.ssl) || ' TLS (' || coalesce(max(s.version), '-') || '), ' || count(*) FILTER (WHERE NOT s.ssl) || ' plain'
        FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = '$1' AND a.pid <> pg_backend_pid()" 2>/dev/null || echo '?'
}

# --- hello server -----------------------------------------------------------------------------
hello_port=$(free_port)
"${server_pin[@]}" "$hello_bin" "127.0.0.1:$hello_port" 2>"$tmp/hello.stderr" &
hello_pid=$!
live_pids+="$hello_pid "
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$hello_port/" >/dev/null 2>&1 && break
    kill -0 "$hello_pid" 2>/dev/null || die "the hello server exited: $(cat "$tmp/hello.stderr")"
    sleep 0.1
done
[ "$(curl -fsS "http://127.0.0.1:$hello_port/")" = hello ] || die "the hello server does not answer"

# --- coffer serve -----------------------------------------------------------------------------
# start_node LOG HOME [DATABASE_URL]: a `coffer serve` on a free port, its stderr in
# $tmp/LOG.stderr; sets node_pid and node_base. Waits until it serves.
start_node() {
    local log=$1 home=$2 db=${3:-} port
    port=$(free_port)
    local envs=(COFFER_HOME="$home")
    [ -z "$db" ] || envs+=(COFFER_DATABASE_URL="$db")
    "${server_pin[@]}" env "${envs[@]}" "$coffer_bin" serve --listen "127.0.0.1:$port" 2>"$tmp/$log.stderr" &
    node_pid=$!
    live_pids+="$node_pid "
    for _ in $(seq 300); do
        grep -q "^coffer: serving .* on http://127.0.0.1:$port" "$tmp/$log.stderr" && break
        kill -0 "$node_pid" 2>/dev/null || die "coffer serve ($log) exited: $(cat "$tmp/$log.stderr")"
        sleep 0.1
    done
    grep -q "^coffer: serving .* on http://127.0.0.1:$port" "$tmp/$log.stderr" ||
        die "coffer serve ($log) did not start: $(cat "$tmp/$log.stderr")"
    node_base=http://127.0.0.1:$port
}

# Calls the API of $base as admin; fails on any non-2xx status.
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

# bootstrap LOG BASE: sets up the store through the node whose stderr is $tmp/LOG.stderr (its
# bootstrap token); sets sa_token.
bootstrap() {
    local log=$1
    base=$2
    admin_token=$(sed -n 's/^    \(coffer_[^[:space:]]*\)[[:space:]]*$/\1/p' "$tmp/$log.stderr" | head -n1)
    [ -n "$admin_token" ] || die "no bootstrap token in the stderr of coffer serve ($log)"
    say "$log: setting up project 'bench', secret 's1', service account 'bench-sa' with role 'use'"
    api POST /v1/projects '{"name":"bench"}' >/dev/null
    api POST /v1/projects/bench/secrets \
        '{"name":"s1","type":"s3","fields":{"key_id":"AKIAEXAMPLE","secret":"wJalrXUtnFEMI","region":"us-east-1"}}' >/dev/null
    api POST /v1/projects/bench/service-accounts '{"name":"bench-sa"}' >/dev/null
    api PUT /v1/projects/bench/members/bench-sa '{"role":"use"}' >/dev/null
    sa_token=$(api POST /v1/tokens '{"name":"bench-token","owner":"bench-sa"}' | jq -er .token) ||
        die "no token in the token creation response"
}

# sanity BASE: the service account can do both measured calls on that node.
sanity() {
    local b=$1 code
    code=$(curl -sS -o "$tmp/resp" -w '%{http_code}' -H "Authorization: Bearer $sa_token" "$b/v1/projects/bench/secrets/s1")
    [ "$code" = 200 ] || die "metadata read as bench-sa on $b: HTTP $code: $(cat "$tmp/resp")"
    code=$(curl -sS -o "$tmp/resp" -w '%{http_code}' -H "Authorization: Bearer $sa_token" \
        -H 'Content-Type: application/json' --data '{"secrets":["s1"]}' "$b/v1/projects/bench/env")
    [ "$code" = 200 ] || die "use (env) as bench-sa on $b: HTTP $code: $(cat "$tmp/resp")"
}

# --- wrk scripts (kept in the results dir) ----------------------------------------------------
# The measured runs print one summary line, latencies in microseconds. Their error counts are
# wrk's: a status >= 400 counts as an error ("Non-2xx or 3xx responses"); checking each status
# would need a response() hook, which slows wrk down, and so the fastest server (hello) most.
cp scripts/wrk/measure.lua scripts/wrk/check.lua scripts/wrk/use-request.lua "$out/"
cat "$out/use-request.lua" "$out/measure.lua" >"$tmp/use-measure.lua"
cat "$out/use-request.lua" "$out/check.lua" >"$tmp/use-check.lua"

failed=0
# CPU ticks: of processes $@ (all their threads), of the whole machine (busy, total), and of
# PostgreSQL: its postmaster (with its reaped children) and its live children.
proc_ticks() {
    local pid t=0 v
    for pid in "$@"; do
        v=$(awk '{ print $14 + $15 }' "/proc/$pid/stat") || die "process $pid is gone"
        t=$((t + v))
    done
    echo "$t"
}
machine_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }
pg_ticks() {
    [ -n "$pg_pm" ] || {
        echo -1
        return
    }
    local f pid line t=0
    local -a a
    for f in /proc/[0-9]*/stat; do
        { read -r line <"$f"; } 2>/dev/null || continue
        pid=${f#/proc/}
        pid=${pid%/stat}
        # after the command's ")": state ppid ... utime(11) stime(12) cutime(13) cstime(14)
        read -ra a <<<"${line##*) }"
        if [ "$pid" = "$pg_pm" ]; then
            t=$((t + a[11] + a[12] + a[13] + a[14]))
        elif [ "${a[1]}" = "$pg_pm" ]; then
            t=$((t + a[11] + a[12]))
        fi
    done
    echo "$t"
}
clk_tck=$(getconf CLK_TCK)

# run NAME "PIDS" "URLS" MEASURE_LUA CHECK_LUA [wrk args...]: one wrk per URL, all at the same
# time, the connections split evenly between them: a warm-up that checks every status, then
# the measured run, into $out/NAME[.nodeK].warmup.txt and $out/NAME[.nodeK].txt; the combined
# BENCH line (summed requests and req/s, the worst p50/p99) in $out/NAME.txt; the CPU use of
# the coffer servers PIDS, of PostgreSQL and of the machine during the measured run in
# $out/NAME.cpu.
run() {
    local name=$1 pids=$2 urls=$3 measure=$4 check=$5
    shift 5
    local -a url_list
    read -ra url_list <<<"$urls"
    local n=${#url_list[@]} c k files=()
    c=$((conns / n))
    say "$name: $warmup warm-up (every status checked), then $duration measured ($n × wrk -t$threads -c$c)"
    local -a wpids=()
    for k in $(seq "$n"); do
        files[k]=$out/$name
        [ "$n" -eq 1 ] || files[k]+=.node$k
        "${wrk_pin[@]}" wrk -t"$threads" -c"$c" -d"$warmup" -s "$check" "$@" "${url_list[k - 1]}" >"${files[k]}.warmup.txt" &
        wpids+=($!)
    done
    for k in "${wpids[@]}"; do wait "$k" || die "$name: wrk failed in the warm-up"; done
    local line
    for k in $(seq "$n"); do
        line=$(grep '^CHECK ' "${files[k]}.warmup.txt") || die "no CHECK line in ${files[k]}.warmup.txt"
        case $line in
        *" not200=0 connect=0 read=0 write=0 timeout=0") ;;
        *)
            say "$name: the warm-up saw failures: $line"
            failed=1
            ;;
        esac
    done
    local p0 g0 m0 p1 g1 m1
    # shellcheck disable=SC2086 # a list of pids
    p0=$(proc_ticks $pids)
    g0=$(pg_ticks)
    m0=$(machine_ticks)
    wpids=()
    for k in $(seq "$n"); do
        "${wrk_pin[@]}" wrk -t"$threads" -c"$c" -d"$duration" --latency -s "$measure" "$@" "${url_list[k - 1]}" >"${files[k]}.measured.txt" &
        wpids+=($!)
    done
    for k in "${wpids[@]}"; do wait "$k" || die "$name: wrk failed"; done
    # shellcheck disable=SC2086 # a list of pids
    p1=$(proc_ticks $pids)
    g1=$(pg_ticks)
    m1=$(machine_ticks)
    local pg=-1
    [ "$g0" -lt 0 ] || pg=$((g1 - g0))
    # coffer servers' ticks, PostgreSQL's (-1: not measured), machine busy ticks, machine total
    # ticks (over all cores), ticks per second
    echo "CPU coffer=$((p1 - p0)) pg=$pg busy=$((${m1% *} - ${m0% *})) total=$((${m1#* } - ${m0#* })) hz=$clk_tck ncpu=$ncpu" >"$out/$name.cpu"
    # One BENCH line: requests and errors summed, req/s summed over the wrk processes, the
    # longest duration, the worst p50 and p99.
    for k in $(seq "$n"); do
        grep -q '^BENCH ' "${files[k]}.measured.txt" || die "no BENCH line in ${files[k]}.measured.txt"
    done
    for k in $(seq "$n"); do
        grep '^BENCH ' "${files[k]}.measured.txt"
    done | awk '
        { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
          req += v["requests"]; rps += v["requests"] / (v["duration_us"] / 1e6)
          if (v["duration_us"] > d) d = v["duration_us"]
          if (v["p50_us"] > p50) p50 = v["p50_us"]
          if (v["p99_us"] > p99) p99 = v["p99_us"]
          n2 += v["non2xx"]; c += v["connect"]; r += v["read"]; w += v["write"]; t += v["timeout"] }
        END { printf "BENCH requests=%d rps=%.0f duration_us=%d p50_us=%d p99_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
              req, rps, d, p50, p99, n2, c, r, w, t }' >"$out/$name.txt.new"
    if [ "$n" -eq 1 ]; then
        # keep wrk's own output (its --latency distribution) in NAME.txt
        grep -v '^BENCH ' "${files[1]}.measured.txt" >>"$out/$name.txt.new" || true
        rm -f "${files[1]}.measured.txt"
    fi
    mv "$out/$name.txt.new" "$out/$name.txt"
}

# Other work on the machine skews everything: measure it for 2 s first (the servers idle).
m0=$(machine_ticks)
sleep 2
m1=$(machine_ticks)
background=$(awk -v b="$((${m1% *} - ${m0% *}))" -v t="$((${m1#* } - ${m0#* }))" -v n="$ncpu" 'BEGIN { printf "%.2f", b / t * n }')
if awk -v x="$background" 'BEGIN { exit !(x > 0.2) }'; then
    say "warning: $background cores were busy with other work just before the runs; the numbers will be noisy"
fi

run hello "$hello_pid" "http://127.0.0.1:$hello_port/" "$out/measure.lua" "$out/check.lua"
stop_pids "$hello_pid"
keep_log hello

# measure SETUP "PIDS" "BASES": the read and use endpoints of the nodes BASES, then stops them.
measure() {
    local setup=$1 pids=$2 bases=$3 b
    local read_urls=() use_urls=()
    for b in $bases; do
        sanity "$b"
        read_urls+=("$b/v1/projects/bench/secrets/s1")
        use_urls+=("$b/v1/projects/bench/env")
    done
    local auth=(-H "Authorization: Bearer $sa_token")
    run "$setup-read" "$pids" "${read_urls[*]}" "$out/measure.lua" "$out/check.lua" "${auth[@]}"
    run "$setup-use" "$pids" "${use_urls[*]}" "$tmp/use-measure.lua" "$tmp/use-check.lua" "${auth[@]}"
    [ "$setup" = sqlite ] || conns_used+=" $setup: $(pg_conns "$db_name");"
    # shellcheck disable=SC2086 # a list of pids
    stop_pids $pids
}

conns_used=   # coffer's connections to PostgreSQL at the end of each PostgreSQL setup
# 1. SQLite, the embedded default.
sqlite_home=$tmp/sqlite-home
start_node sqlite "$sqlite_home"
bootstrap sqlite "$node_base"
measure sqlite "$node_pid" "$node_base"
keep_log sqlite

# 2. PostgreSQL, one node.
fresh_db pg1
start_node pg1 "$tmp/pg1-home" "$url"
bootstrap pg1 "$node_base"
measure pg1 "$node_pid" "$node_base"
keep_log pg1

# 3. PostgreSQL, two nodes on one database; the second home has the first's master.key.
fresh_db pg2
start_node pg2-node1 "$tmp/pg2-home1" "$url"
pid1=$node_pid
base1=$node_base
bootstrap pg2-node1 "$base1"
mkdir -m 700 "$tmp/pg2-home2"
cp "$tmp/pg2-home1/master.key" "$tmp/pg2-home2/master.key"
chmod 600 "$tmp/pg2-home2/master.key"
start_node pg2-node2 "$tmp/pg2-home2" "$url"
measure pg2 "$pid1 $node_pid" "$base1 $node_base"
keep_log pg2-node1
keep_log pg2-node2

# --- report -----------------------------------------------------------------------------------
field() { sed -n "/^BENCH /{s/.*[[:space:]]$2=\([0-9]*\).*/\1/p;q}" "$out/$1.txt"; }
# microseconds -> "1.23 ms" or "567 µs"
fmt_us() { awk -v us="$1" 'BEGIN { if (us >= 1000) printf "%.2f ms", us / 1000; else printf "%d µs", us }'; }
cpu() { sed -n "/^CPU /s/.*[[:space:]]$2=\(-\{0,1\}[0-9]*\).*/\1/p" "$out/$1.cpu"; }
# CPU time per request of the coffer servers and of PostgreSQL (µs), the machine's busy cores.
cpu_cols() {
    awk -v s="$(cpu "$1" coffer)" -v g="$(cpu "$1" pg)" -v b="$(cpu "$1" busy)" -v t="$(cpu "$1" total)" \
        -v hz="$(cpu "$1" hz)" -v n="$(cpu "$1" ncpu)" -v req="$(field "$1" requests)" -v pgcol="$2" \
        'BEGIN {
            if (!pgcol) pgs = "—"; else if (g < 0) pgs = "n/a"; else pgs = sprintf("%.1f µs", g / hz * 1e6 / req)
            printf "%.1f µs | %s | %.2f", s / hz * 1e6 / req, pgs, b / t * n
        }'
}

runs=(hello sqlite-read sqlite-use pg1-read pg1-use pg2-read pg2-use)
for name in "${runs[@]}"; do
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
# What the servers logged (warnings and errors: e.g. a request that failed with a 5xx).
log_lines=
for log in sqlite pg1 pg2-node1 pg2-node2; do
    n=$(grep -cE '(ERROR|WARN)' "$out/$log.stderr" || true)
    [ "$n" = 0 ] || log_lines+=" $log.stderr: $n;"
done

if [ -n "$pg_dir" ] && [ -f "$pg_dir/server.log" ]; then
    n=$(grep -cE '(ERROR|FATAL|PANIC):' "$pg_dir/server.log" || true)
    [ "$n" = 0 ] || log_lines+=" postgres.log: $n ERROR/FATAL/PANIC;"
fi
if [ ${#wrk_pin[@]} -gt 0 ]; then
    placement="wrk on core 0, coffer servers on cores 1-$((ncpu - 1)), PostgreSQL not pinned"
else
    placement="nothing pinned"
fi
hello_rps=$(field hello rps)
{
    echo "coffer serve ($(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')) on SQLite vs PostgreSQL (1 and 2 nodes) vs bare hyper, on loopback: $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2),"
    echo "-c$conns in total (-t$threads per wrk) -d$duration --latency after a $warmup warm-up each; $ncpu cores, $placement; SQLite store on $(df -T "$sqlite_home" 2>/dev/null | awk 'NR == 2 { print $2 }' || echo '?')."
    echo "PostgreSQL $pg_version: $pg_where; fsync=$pg_fsync, synchronous_commit=$pg_sync_commit, max_connections=$pg_max_conn."
    echo "coffer's connections to it, at the end of each setup:$conns_used"
    if [ -n "$pg_pm" ]; then
        echo "It runs on this same $ncpu-core machine: wrk, the coffer servers and PostgreSQL share the cores."
    else
        echo "Its CPU is not measured (not on this machine, or not visible here)."
    fi
    echo "Other work on the machine just before: $background cores busy (load average $(cut -d' ' -f1-3 /proc/loadavg))."
    echo
    echo "| setup | endpoint | req/s | p50 | p99 | vs hello | coffer CPU per request | PostgreSQL CPU per request | machine cores busy |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
    for row in "hello|bare hyper|GET /|0" \
        "sqlite-read|sqlite|read: GET /v1/projects/bench/secrets/s1|0" \
        "sqlite-use|sqlite|use: POST /v1/projects/bench/env|0" \
        "pg1-read|postgres, 1 node|read|1" "pg1-use|postgres, 1 node|use|1" \
        "pg2-read|postgres, 2 nodes *|read|1" "pg2-use|postgres, 2 nodes *|use|1"; do
        IFS='|' read -r name setup endpoint pgcol <<<"$row"
        r=$(field "$name" rps)
        ratio=$(awk -v a="$r" -v b="$hello_rps" 'BEGIN { printf "%.2f", a / b }')
        echo "| $setup | $endpoint | $r | $(fmt_us "$(field "$name" p50_us)") | $(fmt_us "$(field "$name" p99_us)") | $ratio | $(cpu_cols "$name" "$pgcol") |"
    done
    echo
    echo "\\* two \`coffer serve\` on one database, two wrk at the same time (one per node, -c$((conns / 2)) each):"
    echo "req/s is their sum, p50 and p99 the worse of the two; coffer CPU is the sum over both nodes."
    echo "CPU per request: CPU time (user + system) during the measured run / requests; PostgreSQL's is"
    echo "its postmaster and all its processes. Machine cores busy: all processes, wrk included."
    if [ -n "$log_lines" ]; then
        echo
        echo "Warnings/errors in the servers' logs:$log_lines see the .stderr files."
    fi
} | tee "$out/summary.md"
echo
echo "raw wrk outputs: $out"
[ "$failed" = 0 ] || die "some requests failed (a status other than 200, or socket errors); see $out"
