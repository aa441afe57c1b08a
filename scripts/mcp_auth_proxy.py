#!/usr/bin/env python3
"""A tiny reverse proxy on 127.0.0.1 that adds `Authorization: Bearer $MCP_PROXY_TOKEN` to every
request and forwards it to UPSTREAM (http://127.0.0.1:PORT), for MCP test clients that cannot
send a header of their own (the MCP conformance suite's server scenarios).

    MCP_PROXY_TOKEN=coffer_... python3 scripts/mcp_auth_proxy.py http://127.0.0.1:8477

Prints `listening on http://127.0.0.1:PORT` once it accepts connections, and runs until
killed. One request per connection (it answers with `Connection: close`), so it only rewrites
request heads and then copies bytes both ways: bodies, chunked encoding and SSE streams pass
through untouched. Standard library only.
"""

from __future__ import annotations

import asyncio
import os
import sys
from urllib.parse import urlsplit

DROP = {b"authorization", b"connection", b"keep-alive", b"proxy-connection"}


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def handle(client_r, client_w, host: str, port: int, token: bytes) -> None:
    try:
        head = await client_r.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        client_w.close()
        return
    lines = head[:-4].split(b"\r\n")
    kept = [l for l in lines[1:] if l.split(b":", 1)[0].strip().lower() not in DROP]
    new_head = b"\r\n".join([lines[0], *kept, b"Authorization: Bearer " + token, b"Connection: close"]) + b"\r\n\r\n"
    try:
        up_r, up_w = await asyncio.open_connection(host, port)
    except OSError:
        client_w.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await client_w.drain()
        client_w.close()
        return
    up_w.write(new_head)
    await up_w.drain()
    upload = asyncio.ensure_future(pipe(client_r, up_w))
    await pipe(up_r, client_w)  # until the server has answered and closed
    upload.cancel()


async def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: MCP_PROXY_TOKEN=... mcp_auth_proxy.py http://127.0.0.1:PORT")
    upstream = urlsplit(sys.argv[1])
    token = os.environ.get("MCP_PROXY_TOKEN", "").encode()
    if not token:
        sys.exit("mcp_auth_proxy.py: MCP_PROXY_TOKEN is not set")
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, upstream.hostname, upstream.port, token), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
