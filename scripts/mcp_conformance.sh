#!/usr/bin/env bash
# The MCP conformance suite (npm @modelcontextprotocol/conformance) against `/mcp` of a real,
# throw-away `coffer serve`: its server scenarios, run as its README says (`conformance server
# --url URL`), every one (--suite all: the active ones and the two pending, server-sse-polling
# and json-schema-2020-12). Those that apply (server-initialize, ping, tools-list,
# server-sse-polling, server-sse-multiple-streams) must pass; the others are listed with why in
# scripts/mcp_conformance_baseline.yml (the suite's --expected-failures format) and must fail:
# one that passes (coffer gained the feature, or the suite changed) or a new scenario fails the
# run until the lists are updated.
#
#   bash scripts/mcp_conformance.sh COFFER_BINARY
#
# The suite's client cannot send an Authorization header, and coffer requires a bearer token
# on every request: scripts/mcp_auth_proxy.py, a reverse proxy on 127.0.0.1, adds the
# bootstrap token's header to every request and passes the rest through (SSE included).
#
# Environment: COFFER_NPM_DIR, where scripts/test.sh installs the npm packages (default
# ~/.cache/coffer-npm); COFFER_MCP_CONFORMANCE_LOG, the full output (default
# $CARGO_TARGET_DIR/mcp-conformance.log; the results' checks.json files go beside it, in
# <log>.results/). Conformance 0.1.13 is the newest that runs on Node 20 (0.1.14 on imports
# fs.globSync, Node 22).
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPTS="$PWD/scripts"
BIN="$(realpath "${1:?usage: mcp_conformance.sh COFFER_BINARY}")"
NPM_DIR="${COFFER_NPM_DIR:-$HOME/.cache/coffer-npm}"
CONFORMANCE="$NPM_DIR/node_modules/.bin/conformance"
[ -x "$CONFORMANCE" ] || { echo "mcp_conformance.sh: no conformance in $NPM_DIR (scripts/test.sh installs it)" >&2; exit 2; }
VERSION="$(node -p "require('$NPM_DIR/node_modules/@modelcontextprotocol/conformance/package.json').version")"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/coffer-target}"
LOG="${COFFER_MCP_CONFORMANCE_LOG:-$CARGO_TARGET_DIR/mcp-conformance.log}"
BASELINE="$SCRIPTS/mcp_conformance_baseline.yml"
mkdir -p "$(dirname "$LOG")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/coffer-mcp-conformance.XXXXXX")"
# shellcheck source=scripts/mcp_server.sh
. "$SCRIPTS/mcp_server.sh"
PROXY_PID=""
cleanup() {
  if [ -n "$PROXY_PID" ]; then kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; fi
  mcp_stop_server >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mcp_start_server "$BIN" "$WORK/server"
MCP_PROXY_TOKEN="$MCP_TOKEN" python3 "$SCRIPTS/mcp_auth_proxy.py" "$MCP_URL" >"$WORK/proxy.out" 2>&1 &
PROXY_PID=$!
PROXY_URL=""
for _ in $(seq 1 100); do
  PROXY_URL="$(sed -n 's/^listening on //p' "$WORK/proxy.out")"
  [ -n "$PROXY_URL" ] && break
  kill -0 "$PROXY_PID" 2>/dev/null || { cat "$WORK/proxy.out" >&2; echo "mcp_conformance.sh: the proxy exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$PROXY_URL" ] || { echo "mcp_conformance.sh: the proxy did not start" >&2; exit 1; }

# The suite's own exit status counts a WARNING as a failure and knows nothing of what applies:
# the run is judged here, from every scenario's checks.json.
CMD=("$CONFORMANCE" server --url "$PROXY_URL/mcp" --suite all -o "$WORK/results")
echo "   conformance server --url http://127.0.0.1:<proxy>/mcp --suite all"
set +e
(cd "$WORK" && timeout --kill-after=10 180 "${CMD[@]}") >"$LOG" 2>&1
suite_rc=$?
set -e
rc=0
[ "$suite_rc" -le 1 ] || { echo "mcp_conformance.sh: the suite exited $suite_rc (timed out or crashed)" >&2; rc=1; }
rm -rf "$LOG.results"
cp -r "$WORK/results" "$LOG.results" 2>/dev/null || true
mcp_stop_server || rc=1

# A scenario that applies passes when none of its checks is a FAILURE and none a WARNING
# (but those of ALLOWED_WARNINGS); a scenario of the baseline must fail (else it is stale).
# ALLOWED_WARNINGS: server-sse-polling's resume check calls the reference server's
# test_reconnection tool; coffer answers that unknown tool with a JSON-RPC error on the
# stream, so there is no tool result to resume (its SSE priming event and retry field pass).
summary="$(python3 - "$WORK/results" "$BASELINE" <<'PY'
import glob, json, os, re, sys
ALLOWED_WARNINGS = {"server-sse-disconnect-resume"}
APPLY = ["server-initialize", "ping", "tools-list", "server-sse-polling", "server-sse-multiple-streams"]
baseline = set(re.findall(r"^\s*-\s*([\w./-]+)", open(sys.argv[2]).read(), re.M))
scenarios = {}
for path in glob.glob(os.path.join(sys.argv[1], "server-*", "checks.json")):
    name = re.sub(r"^server-(.*)-\d{4}-\d\d-\d\dT.*$", r"\1", os.path.basename(os.path.dirname(path)))
    scenarios[name] = json.load(open(path))
ok, bad, expected, stale, unknown = [], [], [], [], []
counts = {"SUCCESS": 0, "FAILURE": 0, "WARNING": 0}
for name, checks in sorted(scenarios.items()):
    for c in checks:
        if c["status"] in counts:
            counts[c["status"]] += 1
    fails = [c for c in checks if c["status"] == "FAILURE"
             or (c["status"] == "WARNING" and c["id"] not in ALLOWED_WARNINGS)]
    if name in baseline:
        (expected if fails or any(c["status"] == "WARNING" for c in checks) else stale).append(name)
    elif name in APPLY:
        (bad if fails else ok).append(name)
        for c in fails:
            print(f"FAILED {name}: {c['id']}: {c.get('errorMessage')}", file=sys.stderr)
    else:
        unknown.append(name)
missing = [s for s in APPLY if s not in scenarios]
print(f"{len(scenarios)} scenarios: {len(ok)} that apply passed ({', '.join(ok)}), {len(bad)} failed"
      f"{' (' + ', '.join(bad) + ')' if bad else ''}; {len(expected)} not applicable, skipped (baseline)"
      f"{'; STALE baseline entries (they pass now): ' + ', '.join(stale) if stale else ''}"
      f"{'; NEW scenarios, neither applicable nor in the baseline: ' + ', '.join(unknown) if unknown else ''}"
      f"{'; MISSING: ' + ', '.join(missing) if missing else ''}"
      f"; checks {counts['SUCCESS']} SUCCESS, {counts['WARNING']} WARNING, {counts['FAILURE']} FAILURE")
sys.exit(0 if not bad and not stale and not unknown and not missing else 1)
PY
)" || rc=1
if [ "$rc" -eq 0 ]; then
  echo "   MCP conformance $VERSION: $summary"
else
  tail -n 60 "$LOG"
  echo "   MCP conformance $VERSION FAILED: $summary (full output: $LOG, checks in $LOG.results/)"
  exit 1
fi
