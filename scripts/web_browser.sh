#!/usr/bin/env bash
# The web page in a real browser (Debian's Chromium, headless, playwright-core, axe-core):
# starts two throw-away `coffer serve` (the second with a 2 s web idle limit, for the expiry
# test), runs scripts/web_browser.mjs against them, stops them, and scans their logs for the
# test's secret values.
#   bash scripts/web_browser.sh BIN [SCREENSHOT_DIR]
# Needs COFFER_NPM_DIR with playwright-core and axe-core (scripts/test.sh installs them) and
# /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$1"
SHOTS="${2:-}"
source scripts/mcp_server.sh
WORK="$(mktemp -d /tmp/coffer-web.XXXXXX)"
PIDS=()
LOGS=()
cleanup() {
  for i in "${!PIDS[@]}"; do
    MCP_SERVER_PID="${PIDS[$i]}" MCP_SERVER_LOG="${LOGS[$i]}" mcp_stop_server || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
# Python flights run as an unprivileged user when coffer runs as root: Debian's python3.
export COFFER_PYTHON="${COFFER_WEB_PYTHON:-/usr/bin/python3}"
mcp_start_server "$BIN" "$WORK/main"
URL="$MCP_URL" TOKEN="$MCP_TOKEN"
PIDS+=("$MCP_SERVER_PID") LOGS+=("$MCP_SERVER_LOG")
mcp_start_server "$BIN" "$WORK/idle" --web-idle-timeout 2s
IDLE_URL="$MCP_URL" IDLE_TOKEN="$MCP_TOKEN"
PIDS+=("$MCP_SERVER_PID") LOGS+=("$MCP_SERVER_LOG")
status=0
node scripts/web_browser.mjs --url "$URL" --token "$TOKEN" --idle-url "$IDLE_URL" --idle-token "$IDLE_TOKEN" \
  ${SHOTS:+--screenshots "$SHOTS"} || status=$?
# The servers' logs never hold a value the test stored.
for log in "${LOGS[@]}"; do
  for v in "Tr0ub4dor-web-canary-7731" "wJalrXUtnFEMI-web-canary-K7MDENG" "Correct-Horse-web-canary-2"; do
    if grep -q -- "$v" "$log"; then
      echo "  FAIL a server log holds a secret value ($log)"
      status=1
    fi
  done
done
for i in "${!PIDS[@]}"; do
  MCP_SERVER_PID="${PIDS[$i]}" MCP_SERVER_LOG="${LOGS[$i]}" mcp_stop_server || status=1
done
PIDS=()
exit "$status"
