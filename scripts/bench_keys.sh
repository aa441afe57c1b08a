#!/usr/bin/env bash
# Keyring benchmark: envelope seal/open per second with the local key file and with the AWS KMS
# keyring (moto's server on 127.0.0.1, with and without the data-key cache), side by side in one
# run; and the AES-256-GCM throughput of the `aes-gcm` crate coffer seals with, against
# `openssl speed -evp aes-256-gcm` on the same machine (the limit).
#   bash scripts/bench_keys.sh
#
# Runs `cargo bench -p coffer-kms --bench keyring` (crates/coffer-kms/benches/keyring.rs), then
# openssl (its default block sizes and 1 MiB), and prints a markdown table from criterion's
# estimates (mean time per iteration).
# Needs moto[server] in the test venv (installed here, as scripts/test.sh does) and Debian's
# openssl (installed if missing). About 2 minutes once built.
#
# Knobs (environment): BENCH_WARMUP (1, seconds), BENCH_MEASURE (3, seconds per case),
# BENCH_OPENSSL_SECONDS (2, per block size), COFFER_TEST_VENV, CARGO_TARGET_DIR.
#
# Caveats: moto is a Python server on the same machine, so the KMS figures measure coffer's
# client plus moto's request handling on loopback, not AWS KMS (real KMS calls take a network
# round trip, typically some milliseconds). openssl's `speed -evp` measures encryption only,
# so it is compared with coffer's encryption (`aes-256-gcm/encrypt/16KiB`).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/coffer-target}"
export CARGO_TERM_COLOR=never
warmup=${BENCH_WARMUP:-1}
measure=${BENCH_MEASURE:-3}
ossl_seconds=${BENCH_OPENSSL_SECONDS:-2}

say() { echo "bench_keys: $*" >&2; }
die() {
    say "error: $*"
    exit 1
}

# --- tools ------------------------------------------------------------------------------------
VENV="${COFFER_TEST_VENV:-$HOME/.cache/coffer-venv}"
MOTO_VERSION=5.2.5
if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null)" \
    != "$MOTO_VERSION" ] || [ ! -x "$VENV/bin/moto_server" ]; then
    say "installing moto[server]==$MOTO_VERSION into $VENV"
    [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
fi
export COFFER_TEST_MOTO="$VENV/bin/moto_server"

if ! command -v openssl >/dev/null 2>&1; then
    say "installing openssl from Debian"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    apt=("${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
    "${apt[@]}" install -y openssl >&2 || { "${apt[@]}" update >&2 && "${apt[@]}" install -y openssl >&2; } ||
        die "cannot install openssl"
fi
command -v python3 >/dev/null 2>&1 || die "python3 is needed (to read criterion's estimates)"

# --- coffer -----------------------------------------------------------------------------------
# coffer-kms does not depend on DuckDB: nothing here builds it.
crit="$CARGO_TARGET_DIR/criterion"
rm -rf "$crit/keyring" "$crit/aes-256-gcm" # no stale results in the table
say "cargo bench -p coffer-kms --bench keyring (warm-up ${warmup}s, ${measure}s per case)"
cargo bench -p coffer-kms --bench keyring -- --warm-up-time "$warmup" --measurement-time "$measure" >&2

# --- openssl ----------------------------------------------------------------------------------
say "openssl speed -evp aes-256-gcm (${ossl_seconds}s per block size)"
ossl_out=$(openssl speed -mr -seconds "$ossl_seconds" -evp aes-256-gcm 2>/dev/null)
# and 1 MiB blocks, like coffer's larger buffer
ossl_out="$ossl_out
$(openssl speed -mr -seconds "$ossl_seconds" -bytes 1048576 -evp aes-256-gcm 2>/dev/null)"
ossl_version=$(openssl version | awk '{print $1, $2}')

# --- table ------------------------------------------------------------------------------------
CRIT="$crit" OSSL_OUT="$ossl_out" OSSL_VERSION="$ossl_version" python3 - <<'EOF'
import json, os, platform

crit = os.environ["CRIT"]

def mean_ns(*parts):
    path = os.path.join(crit, *parts, "new", "estimates.json")
    try:
        with open(path) as f:
            return json.load(f)["mean"]["point_estimate"]
    except FileNotFoundError:
        return None

def fmt_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
print(f"\n### coffer keyrings ({cpu}, {os.cpu_count()} cores)\n")
print("Envelope seal/open of a 64-byte secret with a 101-byte AAD; mean of criterion's samples.\n")
print("| operation | keyring | time per op | ops/s |")
print("|---|---|---:|---:|")
names = {
    "local": "local key file",
    "kms-cache": "AWS KMS (moto), data-key cache 5 min",
    "kms-nocache": "AWS KMS (moto), no cache (TTL 0)",
}
skipped = []
for case, label in names.items():
    for op in ("seal", "open"):
        ns = mean_ns("keyring", op, case)
        if ns is None:
            skipped.append(f"{op}/{case}")
            continue
        print(f"| {op} | {label} | {fmt_time(ns)} | {1e9 / ns:,.0f} |")
if skipped:
    print(f"\nNot measured: {', '.join(skipped)} (COFFER_TEST_MOTO unset?)")

# openssl -mr: "+H:16:64:...:16384" then "+F:n:AES-256-GCM:<bytes/s per size>..."
# (two runs: the default block sizes, then -bytes 1048576)
ossl, sizes = {}, []
for line in os.environ["OSSL_OUT"].splitlines():
    if line.startswith("+H:"):
        sizes = [int(x) for x in line.split(":")[1:]]
    elif line.startswith("+F:") and "AES-256-GCM" in line.upper():
        ossl.update(zip(sizes, (float(x) for x in line.split(":")[3:])))

print(f"\n### AES-256-GCM throughput, coffer (`aes-gcm` crate) vs {os.environ['OSSL_VERSION']}\n")
print("| buffer | coffer encrypt | coffer decrypt | openssl encrypt (`speed -evp`) | coffer / openssl |")
print("|---|---:|---:|---:|---:|")
for label, size in (("16KiB", 16384), ("1MiB", 1 << 20)):
    enc = mean_ns("aes-256-gcm", "encrypt", label)
    dec = mean_ns("aes-256-gcm", "decrypt", label)
    gbs = lambda ns: size / ns if ns else None  # bytes per ns = GB/s
    e, d = gbs(enc), gbs(dec)
    o = ossl.get(size)
    o_gbs = o / 1e9 if o else None
    show = lambda v: f"{v:.2f} GB/s" if v else "n/a"
    ratio = f"{e / o_gbs:.2f}" if e and o_gbs else "n/a"
    print(f"| {label} | {show(e)} | {show(d)} | {show(o_gbs)} | {ratio} |")
print("\nGB/s = 10^9 bytes per second, one core. openssl at every block size (bytes: GB/s): "
      + ", ".join(f"{s}: {r / 1e9:.2f}" for s, r in sorted(ossl.items())))
EOF
