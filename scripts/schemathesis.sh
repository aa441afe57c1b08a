#!/usr/bin/env bash
# Property-based API testing of a real `coffer serve` with schemathesis (from PyPI): every
# operation in the generated /openapi.json gets positive and negative examples, sent with the
# bootstrap superuser's token; no response may be a 5xx, and every response must match the
# documented status codes, content type and schema. Bounded: a fixed number of examples per
# operation and a fixed seed, so a run is reproducible and takes a couple of minutes at most.
#
#   bash scripts/schemathesis.sh [COFFER_BINARY]
#
# Environment:
#   COFFER_BIN                 the coffer binary (default: $CARGO_TARGET_DIR/debug/coffer)
#   COFFER_TEST_VENV           the venv with schemathesis (default: ~/.cache/coffer-venv)
#   COFFER_SCHEMATHESIS_EXAMPLES  examples per operation and phase (default 100)
#   COFFER_SCHEMATHESIS_SEED      the hypothesis seed (default 20240601)
#   COFFER_SCHEMATHESIS_LOG       where the full output goes (default $CARGO_TARGET_DIR/schemathesis.log;
#                                 the server's own log goes beside it, as <log>.server)
#   COFFER_SCHEMATHESIS_CHECKS    other checks, for exploring (e.g. all); CI uses the default
#   COFFER_SCHEMATHESIS_EXTRA     more `schemathesis run` options, for exploring
#                                 (e.g. "--report har --report-har-path /tmp/st.har")
#   COFFER_SCHEMATHESIS_KEEP=1    keep the temporary directory (the server's home)
#
# LD_LIBRARY_PATH must reach libduckdb.so when the binary links it dynamically (scripts/test.sh
# exports it). The server runs in a throw-away home: destructive calls that schemathesis
# generates (DELETE /v1/projects/default, revoking the admin's own token) only touch that home;
# after a revoke the remaining requests get 401, which the schema documents, so they still
# conform.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/coffer-target}"
BIN="${1:-${COFFER_BIN:-$CARGO_TARGET_DIR/debug/coffer}}"
VENV="${COFFER_TEST_VENV:-$HOME/.cache/coffer-venv}"
EXAMPLES="${COFFER_SCHEMATHESIS_EXAMPLES:-100}"
SEED="${COFFER_SCHEMATHESIS_SEED:-20240601}"
LOG="${COFFER_SCHEMATHESIS_LOG:-$CARGO_TARGET_DIR/schemathesis.log}"
ST="$VENV/bin/schemathesis"

[ -x "$BIN" ] || { echo "schemathesis.sh: no coffer binary at $BIN (cargo build -p coffer first)" >&2; exit 2; }
[ -x "$ST" ] || { echo "schemathesis.sh: no schemathesis in $VENV (scripts/test.sh installs it)" >&2; exit 2; }
mkdir -p "$(dirname "$LOG")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/coffer-schemathesis.XXXXXX")"
# The throw-away server's start and stop (shared with the MCP client scripts).
. "$(dirname "${BASH_SOURCE[0]}")/mcp_server.sh"
stop_server() {
  mcp_stop_server || true
}
cleanup() {
  stop_server
  if [ -f "$WORK/server.log" ]; then
    # Beside the log, for a failure's server side; without the (throw-away) admin token.
    sed 's/coffer_[A-Za-z0-9_-]*/coffer_<redacted>/g' "$WORK/server.log" >"$LOG.server" || true
  fi
  if [ -n "${COFFER_SCHEMATHESIS_KEEP:-}" ]; then
    echo "schemathesis.sh: kept $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- start a real server on a free loopback port, in a fresh home -------------------------
mcp_start_server "$BIN" "$WORK" || { echo "schemathesis.sh: cannot start the server" >&2; exit 1; }
URL="$MCP_URL"
TOKEN="$MCP_TOKEN"

# ---- some data, so generated requests hit real objects as well as missing ones ------------
# (Python's urllib rather than curl: the venv's Python is there wherever this script runs.)
api() { # METHOD PATH [JSON]: fails unless 2xx
  COFFER_URL="$URL" COFFER_TOKEN="$TOKEN" "$VENV/bin/python" - "$@" <<'PY'
import os, sys, urllib.error, urllib.request
method, path = sys.argv[1], sys.argv[2]
body = sys.argv[3].encode() if len(sys.argv) > 3 else None
req = urllib.request.Request(os.environ["COFFER_URL"] + path, data=body, method=method)
req.add_header("Authorization", "Bearer " + os.environ["COFFER_TOKEN"])
if body is not None:
    req.add_header("Content-Type", "application/json")
try:
    urllib.request.urlopen(req, timeout=10).read()
except urllib.error.HTTPError as e:
    sys.exit(f"schemathesis.sh: setup call {method} {path} failed: {e.code} {e.read().decode(errors='replace')}")
except OSError as e:
    sys.exit(f"schemathesis.sh: setup call {method} {path} failed: {e}")
PY
}
api POST /v1/projects/default/secrets \
  '{"name":"s1","type":"s3","fields":{"key_id":"AK","secret":"SK","region":"eu"}}'
api POST /v1/projects/default/secrets \
  '{"name":"t1","type":"s3","temporary":true,"scope":["s3://bucket/a"],"fields":{"key_id":"AK2","secret":"SK2","region":"us"}}'
api POST /v1/projects '{"name":"p2"}'
api POST /v1/users '{"name":"alice"}'
api PUT /v1/projects/default/members/alice '{"role":"read"}'
api POST /v1/projects/default/service-accounts '{"name":"svc"}'
api POST /v1/tokens '{"name":"alice-ci","owner":"alice","expires_in":"90d"}'
# A flight with one finished run, so the run and log routes are fuzzed on real data.
api POST /v1/projects/default/flights '{"name":"f1","kind":"command","command":["true"],"config":{"REGION":"us"}}'
api POST /v1/projects/default/flights/f1/runs '{}'

# ---- schemathesis -----------------------------------------------------------------------
# Checks: no 5xx, and every response documented (status code, content type, body schema).
# --generation-database none: no example database in the work tree, so a run depends on the
# seed alone. --workers 1: requests run one at a time, in a deterministic order. Bounded by
# the number of examples (about 2,000 test cases in all, 20-30 s), each request by 10 s, and the
# whole run by `timeout` as a last resort. Nothing is excluded.
CHECKS=${COFFER_SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance}
CMD=("$ST" run "$URL/openapi.json"
  --checks "$CHECKS"
  -H "Authorization: Bearer $TOKEN"
  --max-examples "$EXAMPLES"
  --seed "$SEED"
  --generation-database none
  --workers 1
  --request-timeout 10
  --no-color
  ${COFFER_SCHEMATHESIS_EXTRA:-})
shown="${CMD[*]}"
echo "   ${shown//$TOKEN/<admin token>}"
start=$(date +%s)
set +e
(cd "$WORK" && timeout --kill-after=10 900 "${CMD[@]}") >"$LOG" 2>&1
rc=$?
set -e
elapsed=$(($(date +%s) - start))

# A server that died during the run is a failure whatever schemathesis said.
if ! kill -0 "$MCP_SERVER_PID" 2>/dev/null; then
  echo "schemathesis.sh: the server exited during the run; its log:" >&2
  tail -n 50 "$MCP_SERVER_LOG" >&2
  rc=1
fi
stop_server
# A handler's panic or an internal error (logged at ERROR) fails the run too.
if grep -qE 'panicked|ERROR' "$MCP_SERVER_LOG"; then
  echo "schemathesis.sh: the server logged a panic or an internal error:" >&2
  grep -E 'panicked|ERROR' "$MCP_SERVER_LOG" | head -n 20 >&2
  rc=1
fi

# One line: version, operations, test cases, failures, runtime (from schemathesis's summary).
summary="$("$VENV/bin/python" - "$LOG" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
def find(pattern, default="?"):
    m = re.search(pattern, text)
    return m.group(1) if m else default
version = find(r"Schemathesis v(\S+)")
ops = find(r"Operations:\s+(\d+ selected / \d+ total)")
tested = find(r"Tested:\s+(\d+)")
cases = find(r"Test cases:\s*\n\s*([^\n]+)").strip()
last = find(r"\n=+ ([^\n=]+?) =+\s*$", "no summary line").strip()
failures = find(r"(\d+) failures?", "0") if "failure" in last else "0"
errors = find(r"(\d+) errors?", "0") if "error" in last else "0"
print(f"schemathesis {version}: {tested} of {ops} operations tested; test cases: {cases}; "
      f"{failures} failures, {errors} errors ({last})")
PY
)"
summary="$summary; ${elapsed}s in all"
if [ "$rc" -eq 0 ]; then
  echo "   $summary"
else
  tail -n 150 "$LOG"
  echo "schemathesis FAILED (exit $rc): $summary; full log: $LOG, server log: $LOG.server"
  exit 1
fi
