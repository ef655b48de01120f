"""The local echo. Every destination that is not on loopback is answered by it (the gateway
never leaves the machine), and it is the sandbox's PROXY_TEST_URL: it reports the exit the
request came through (fake IP, country, carrier, session), like an IP-echo service would.

The gateway registers each of its outgoing connections (by local port) with the exit it
carries, so the echo can tell which exit a connection belongs to. `?bytes=N` answers N bytes
of padding instead, to make traffic on purpose (at most 64 MB). A TLS handshake is refused with
a TLS alert: the sandbox has no certificate for other people's sites."""

import asyncio
import json
from urllib.parse import parse_qs, urlsplit

MAX_PADDING = 64 * 1024 * 1024
TLS_HANDSHAKE = 0x16
# A TLS record: alert, TLS 1.0, length 2, fatal handshake_failure.
TLS_ALERT = bytes([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28])
HEAD_LIMIT = 64 * 1024


class ExitRegistry:
    """Local port of a gateway's outgoing connection -> the exit it carries (a dict)."""

    def __init__(self) -> None:
        self._exits: dict[int, dict] = {}

    def add(self, port: int, exit: dict) -> None:
        self._exits[port] = exit

    def remove(self, port: int) -> None:
        self._exits.pop(port, None)

    def get(self, port: int) -> dict | None:
        return self._exits.get(port)


def echo_answer(*, target: str, exit: dict | None, client_ip: str) -> bytes:
    """The whole HTTP response for one request line target (path or absolute URL)."""
    query = parse_qs(urlsplit(target).query)
    padding = query.get("bytes", [""])[0]
    if padding.isdigit():
        size = min(int(padding), MAX_PADDING)
        return _response(200, b"x" * size, "application/octet-stream")
    body = {"ip": client_ip, "country": None, "sandbox": True}
    if exit is not None:
        body.update(exit)
    body["note"] = "Sandbox echo: no request left this machine."
    return _response(200, json.dumps(body).encode(), "application/json")


def _response(status: int, body: bytes, content_type: str) -> bytes:
    head = (
        f"HTTP/1.1 {status} OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\nCache-Control: no-store\r\n\r\n"
    )
    return head.encode() + body


async def echo_serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, registry: ExitRegistry) -> None:
    peer = writer.get_extra_info("peername") or ("", 0)
    try:
        first = await asyncio.wait_for(reader.read(1), timeout=30)
        if not first:
            return
        if first[0] == TLS_HANDSHAKE:
            writer.write(TLS_ALERT)
            await writer.drain()
            return
        head = first + await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)
        request_line = head[:HEAD_LIMIT].split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split(" ")
        target = parts[1] if len(parts) == 3 else "/"
        writer.write(echo_answer(target=target, exit=registry.get(peer[1]), client_ip=peer[0]))
        await writer.drain()
    except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return
    finally:
        writer.close()
