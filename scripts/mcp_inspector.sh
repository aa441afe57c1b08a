#!/usr/bin/env bash
# coffer's MCP server driven by the MCP Inspector's CLI (npm @modelcontextprotocol/inspector-cli,
# the official TypeScript SDK's client): tools/list, and tools/call of list_secret_types and
# which_secret, over stdio (`coffer mcp` on a throw-away home) and over Streamable HTTP (`/mcp`
# on a throw-away `coffer serve`, with --header "Authorization: Bearer ...").
#
#   bash scripts/mcp_inspector.sh COFFER_BINARY
#
# Environment: COFFER_NPM_DIR, where scripts/test.sh installs the npm packages (default
# ~/.cache/coffer-npm). LD_LIBRARY_PATH must reach libduckdb.so when the binary links it
# dynamically.
#
# inspector-cli 1.0.3 (the last of the v1 CLI; v2, @modelcontextprotocol/inspector 2.x, needs
# Node >= 22.19, Debian's is 20) looks for its package.json relative to the working directory
# but imports it relative to its module: it runs here from its own build/ directory, where both
# agree.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPTS="$PWD/scripts"
BIN="$(realpath "${1:?usage: mcp_inspector.sh COFFER_BINARY}")"
NPM_DIR="${COFFER_NPM_DIR:-$HOME/.cache/coffer-npm}"
PKG="$NPM_DIR/node_modules/@modelcontextprotocol/inspector-cli"
[ -f "$PKG/build/index.js" ] || { echo "mcp_inspector.sh: no inspector-cli in $NPM_DIR (scripts/test.sh installs it)" >&2; exit 2; }
VERSION="$(node -p "require('$PKG/package.json').version")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/coffer-mcp-inspector.XXXXXX")"
# shellcheck source=scripts/mcp_server.sh
. "$SCRIPTS/mcp_server.sh"
cleanup() { mcp_stop_server >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0
failed=0
inspect() { # OUT_FILE INSPECTOR_ARGS...: the CLI's JSON answer in OUT_FILE
  local out="$1"
  shift
  (cd "$PKG/build" && timeout 60 node index.js "$@") >"$out" 2>"$out.err"
}
check() { # NAME OUT_FILE PYTHON_EXPRESSION_ON_j: one check of the JSON answer
  local name="$1" out="$2" expr="$3"
  if python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($expr) else 1)" "$out" 2>/dev/null; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "   FAILED: $name" >&2
    head -c 2000 "$out" >&2
    tail -n 20 "$out.err" >&2
  fi
}
run_checks() { # LABEL TARGET_ARGS...
  local label="$1"
  shift
  inspect "$WORK/$label-list.json" "$@" --method tools/list || true
  check "$label: tools/list lists the 16 tools" "$WORK/$label-list.json" \
    "len(j['tools']) == 16 and {'query', 'which_secret', 'run_flight'} <= {t['name'] for t in j['tools']}"
  check "$label: which_secret is annotated read-only" "$WORK/$label-list.json" \
    "[t for t in j['tools'] if t['name'] == 'which_secret'][0]['annotations']['readOnlyHint'] is True"
  inspect "$WORK/$label-types.json" "$@" --method tools/call --tool-name list_secret_types || true
  check "$label: tools/call list_secret_types" "$WORK/$label-types.json" \
    "j.get('isError') is False and {'s3', 'flights'} <= {t['type'] for t in json.loads(j['content'][0]['text'])}"
  inspect "$WORK/$label-which.json" "$@" --method tools/call --tool-name which_secret \
    --tool-arg path=s3://bucket-inspector/data/x.parquet type=s3 || true
  check "$label: tools/call which_secret names inspector_s3" "$WORK/$label-which.json" \
    "j.get('isError') is False and json.loads(j['content'][0]['text'])['secret']['name'] == 'inspector_s3'"
  inspect "$WORK/$label-missing.json" "$@" --method tools/call --tool-name get_flight --tool-arg id=nope || true
  check "$label: tools/call get_flight of a missing flight: isError" "$WORK/$label-missing.json" \
    "j.get('isError') is True and 'no flight named' in j['content'][0]['text']"
}
create_secret() { # coffer's global options...: an s3 secret scoped to s3://bucket-inspector/
  printf 'inspector-%s' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" | \
    "$@" secret create inspector_s3 --type s3 --scope s3://bucket-inspector/ \
      --set key_id=AKIAINSPECTOR --set secret=- --set region=eu-west-1 >/dev/null
}

# ---- stdio: coffer mcp on an embedded store ----------------------------------------------
LOCAL="$WORK/local"
env -i PATH="$PATH" HOME="$WORK" LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}" "$BIN" --home "$LOCAL" init >/dev/null 2>&1
create_secret env -i PATH="$PATH" HOME="$WORK" LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}" "$BIN" --home "$LOCAL"
run_checks stdio "$BIN" --home "$LOCAL" mcp

# ---- Streamable HTTP: /mcp on coffer serve, with the bearer token as a header ------------
mcp_start_server "$BIN" "$WORK/server"
create_secret mcp_cli
run_checks http "$MCP_URL/mcp" --transport http --header "Authorization: Bearer $MCP_TOKEN"
inspect "$WORK/http-401.json" "$MCP_URL/mcp" --transport http --method tools/list || true
if grep -q '"code":"unauthorized"' "$WORK/http-401.json.err" "$WORK/http-401.json"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "   FAILED: http: tools/list without a token is refused (unauthorized)" >&2
  tail -n 20 "$WORK/http-401.json.err" >&2
fi
mcp_stop_server || failed=$((failed + 1))

echo "   MCP Inspector CLI $VERSION (stdio and Streamable HTTP): $passed checks passed, $failed failed"
[ "$failed" -eq 0 ]
