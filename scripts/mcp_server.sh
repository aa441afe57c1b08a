# Sourced by scripts/mcp_inspector.sh, scripts/mcp_conformance.sh, scripts/schemathesis.sh and
# scripts/web_browser.sh:
# a throw-away `coffer serve` on a free loopback port, and its stop. Not run on its own.
#
#   mcp_start_server BIN WORK [serve options...]
#       starts BIN serve in WORK/home (created), its output in WORK/server.log; sets MCP_URL
#       (http://127.0.0.1:PORT), MCP_TOKEN (the bootstrap superuser's token), MCP_SERVER_PID
#   mcp_stop_server
#       SIGTERM, then SIGKILL after 10s; fails the caller's checks if the log shows a panic
#   mcp_cli ARGS...   the coffer CLI in remote mode against that server

MCP_SERVER_PID=""

mcp_start_server() {
  local bin="$1" work="$2"
  shift 2
  mkdir -p "$work/home" "$work/user-home"
  MCP_BIN="$bin"
  MCP_SERVER_LOG="$work/server.log"
  env -i PATH="$PATH" HOME="$work/user-home" USER=coffer-mcp-test \
    LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}" COFFER_HOME="$work/home/coffer" \
    ${COFFER_PYTHON:+COFFER_PYTHON="$COFFER_PYTHON"} \
    "$bin" serve --listen 127.0.0.1:0 "$@" </dev/null >"$MCP_SERVER_LOG" 2>&1 &
  MCP_SERVER_PID=$!
  MCP_URL=""
  for _ in $(seq 1 600); do
    MCP_URL="$(sed -n 's/^coffer: serving .* on \(http:\/\/127\.0\.0\.1:[0-9]*\) .*/\1/p' "$MCP_SERVER_LOG" 2>/dev/null | head -n 1 || true)"
    [ -n "$MCP_URL" ] && break
    if ! kill -0 "$MCP_SERVER_PID" 2>/dev/null; then
      cat "$MCP_SERVER_LOG" >&2
      echo "the server exited before serving" >&2
      return 1
    fi
    sleep 0.1
  done
  if [ -z "$MCP_URL" ]; then
    cat "$MCP_SERVER_LOG" >&2
    echo "the server did not start within 60s" >&2
    return 1
  fi
  MCP_TOKEN="$(sed -n 's/^    \(coffer_[^[:space:]]*\)$/\1/p' "$MCP_SERVER_LOG" | head -n 1)"
  [ -n "$MCP_TOKEN" ] || { cat "$MCP_SERVER_LOG" >&2; echo "no bootstrap token in the server's output" >&2; return 1; }
}

mcp_cli() {
  env -i PATH="$PATH" HOME="${MCP_SERVER_LOG%/*}/user-home" LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}" \
    COFFER_URL="$MCP_URL" COFFER_TOKEN="$MCP_TOKEN" "$MCP_BIN" "$@"
}

mcp_stop_server() {
  if [ -n "$MCP_SERVER_PID" ] && kill -0 "$MCP_SERVER_PID" 2>/dev/null; then
    kill -TERM "$MCP_SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$MCP_SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$MCP_SERVER_PID" 2>/dev/null; then
      echo "the server did not stop on SIGTERM within 10s; killing it" >&2
      kill -KILL "$MCP_SERVER_PID" 2>/dev/null || true
    fi
    wait "$MCP_SERVER_PID" 2>/dev/null || true
  fi
  MCP_SERVER_PID=""
  if [ -n "${MCP_SERVER_LOG:-}" ] && grep -qE 'panicked|ERROR' "$MCP_SERVER_LOG" 2>/dev/null; then
    echo "the server logged a panic or an internal error:" >&2
    grep -E 'panicked|ERROR' "$MCP_SERVER_LOG" | head -n 20 >&2
    return 1
  fi
}
