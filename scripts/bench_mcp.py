#!/usr/bin/env python3
"""Issue 17 point 8: MCP tool-call latency against the same operation on the plain HTTP API.

One run, one store, one client process, calls one after another (latency, not throughput):
  stdio  `coffer mcp`: JSON-RPC lines on its stdin/stdout (tools/call list_secrets, which_secret)
  mcp    `coffer serve` /mcp: Streamable HTTP POSTs on one keep-alive connection, with the session
  api    `coffer serve` /v1: GET .../secrets and GET .../which on one keep-alive connection
The client speaks the protocols directly (no SDK), so each row costs the client alike and the
difference is coffer's. The store holds BENCH_SECRETS s3 secrets with distinct scopes.

  python3 scripts/bench_mcp.py --coffer target/release/coffer [--calls 500]

Prints a markdown table: p50, p90, p99 and mean per call, in microseconds.
"""
import argparse, http.client, json, os, re, statistics, subprocess, sys, tempfile, time


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def row(name, xs):
    us = [x * 1e6 for x in xs]
    return f"| {name} | {percentile(us, 50):.0f} | {percentile(us, 90):.0f} | {percentile(us, 99):.0f} | {statistics.mean(us):.0f} |"


def rpc(i, method, params):
    return json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": params})


INIT = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}
CALLS = {
    "list_secrets": {"name": "list_secrets", "arguments": {}},
    "which_secret": {"name": "which_secret", "arguments": {"path": "s3://bucket-7/data/x.parquet", "type": "s3"}},
}


def bench_stdio(coffer, home, env, n):
    p = subprocess.Popen([coffer, "--home", home, "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env=env, text=True, bufsize=1)
    def call(i, method, params):
        p.stdin.write(rpc(i, method, params) + "\n")
        p.stdin.flush()
        line = p.stdout.readline()
        answer = json.loads(line)
        if "error" in answer or answer.get("result", {}).get("isError"):
            raise SystemExit(f"stdio {method} failed: {line[:300]}")
        return answer
    call(0, "initialize", INIT)
    p.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
    out = {}
    i = 1
    for tool, params in CALLS.items():
        for _ in range(20):
            call(i, "tools/call", params); i += 1
        xs = []
        for _ in range(n):
            t = time.perf_counter(); call(i, "tools/call", params); xs.append(time.perf_counter() - t); i += 1
        out[tool] = xs
    p.stdin.close()
    p.wait(timeout=30)
    return out


def sse_or_json(resp):
    body = resp.read().decode()
    if resp.getheader("content-type", "").startswith("text/event-stream"):
        for line in body.splitlines():
            if line.startswith("data:") and line[5:].strip():
                return json.loads(line[5:])
        raise SystemExit(f"no data in the event stream: {body[:300]}")
    return json.loads(body)


def bench_http_mcp(port, token, n):
    c = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json",
               "accept": "application/json, text/event-stream"}
    c.request("POST", "/mcp", rpc(0, "initialize", INIT), headers)
    r = c.getresponse()
    sid = r.getheader("mcp-session-id")
    sse_or_json(r)
    headers["mcp-session-id"] = sid
    headers["mcp-protocol-version"] = "2025-06-18"
    c.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}), headers)
    c.getresponse().read()
    def call(i, params):
        c.request("POST", "/mcp", rpc(i, "tools/call", params), headers)
        a = sse_or_json(c.getresponse())
        if "error" in a or a.get("result", {}).get("isError"):
            raise SystemExit(f"/mcp call failed: {a}")
    out, i = {}, 1
    for tool, params in CALLS.items():
        for _ in range(20):
            call(i, params); i += 1
        xs = []
        for _ in range(n):
            t = time.perf_counter(); call(i, params); xs.append(time.perf_counter() - t); i += 1
        out[tool] = xs
    return out


def bench_api(port, token, n):
    c = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"authorization": f"Bearer {token}"}
    paths = {"list_secrets": "/v1/projects/default/secrets",
             "which_secret": "/v1/projects/default/which?path=s3%3A%2F%2Fbucket-7%2Fdata%2Fx.parquet&type=s3"}
    out = {}
    for tool, path in paths.items():
        def call():
            c.request("GET", path, headers=headers)
            r = c.getresponse(); r.read()
            if r.status != 200:
                raise SystemExit(f"GET {path}: {r.status}")
        for _ in range(20):
            call()
        xs = []
        for _ in range(n):
            t = time.perf_counter(); call(); xs.append(time.perf_counter() - t)
        out[tool] = xs
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--coffer", required=True)
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--secrets", type=int, default=int(os.environ.get("BENCH_SECRETS", "20")))
    a = ap.parse_args()
    home = tempfile.mkdtemp(prefix="coffer-bench-mcp-")
    env = dict(os.environ, COFFER_HOME=home)
    env.pop("COFFER_URL", None); env.pop("COFFER_TOKEN", None)
    subprocess.run([a.coffer, "init"], env=env, check=True, capture_output=True)
    for k in range(a.secrets):
        subprocess.run([a.coffer, "secret", "create", f"s{k}", "--type", "s3", "--scope", f"s3://bucket-{k}",
                        "--set", "key_id=AKIA" + str(k), "--set", "region=us-east-1", "--set", "secret=-"],
                       env=env, check=True, capture_output=True, input=f"bench-secret-value-{k}-{os.urandom(8).hex()}", text=True)
    stdio = bench_stdio(a.coffer, home, env, a.calls)
    log = open(os.path.join(home, "serve.log"), "w")
    server = subprocess.Popen([a.coffer, "serve", "--listen", "127.0.0.1:0"], env=env, stderr=log, stdout=log)
    try:
        deadline = time.time() + 60
        port = token = None
        while time.time() < deadline and port is None:
            time.sleep(0.2)
            text = open(os.path.join(home, "serve.log")).read()
            m = re.search(r"serving .* on http://127\.0\.0\.1:(\d+)", text)
            t = re.search(r"^\s{4}(\S{20,})$", text, re.M)
            if m and t:
                port, token = int(m.group(1)), t.group(1)
        if port is None:
            raise SystemExit("coffer serve did not start:\n" + open(os.path.join(home, "serve.log")).read())
        mcp = bench_http_mcp(port, token, a.calls)
        api = bench_api(port, token, a.calls)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"{a.calls} sequential calls each, {a.secrets} secrets, one client on loopback; microseconds per call\n")
    print("| operation | p50 | p90 | p99 | mean |")
    print("|---|---|---|---|---|")
    for tool in CALLS:
        print(row(f"{tool}: HTTP API GET /v1", api[tool]))
        print(row(f"{tool}: MCP over HTTP /mcp", mcp[tool]))
        print(row(f"{tool}: MCP over stdio", stdio[tool]))


if __name__ == "__main__":
    main()
