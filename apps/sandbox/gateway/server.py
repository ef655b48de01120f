"""The gateway's servers, on asyncio: HTTP proxying and CONNECT on one port, SOCKS5 (RFC 1928,
username/password per RFC 1929) on another, the echo on a third. Only loopback: the servers
listen on a loopback address, and a destination that is not a loopback address is handed to the
echo instead of being connected to. Decisions and accounting run in one worker thread (the ORM
is synchronous); bytes are counted into the key's usage when a connection ends."""

import asyncio
import base64
import binascii
import contextlib
import ipaddress
import logging
import struct
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import close_old_connections, connections

from .decisions import Exit, Refusal, gateway_account, gateway_admit
from .echo import ExitRegistry, echo_answer, echo_serve

logger = logging.getLogger(__name__)

IDLE_SECONDS = 120.0
HEAD_SECONDS = 30.0
_HOP_HEADERS = {b"proxy-authorization", b"proxy-connection", b"connection", b"keep-alive"}
_REASONS = {400: "Bad Request", 405: "Method Not Allowed", 407: "Proxy Authentication Required", 502: "Bad Gateway"}


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: never resolved, answered by the echo


def must_be_loopback(host: str) -> None:
    if not is_loopback(host) or host.lower() == "localhost":
        raise ValueError(f"the sandbox gateway listens on a loopback address only (127.0.0.1, ::1); got {host!r}")


def proxy_reply(status: int, message: str, reason: str = "") -> bytes:
    body = (message + "\n").encode()
    headers = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}", "Content-Type: text/plain; charset=utf-8"]
    if status == 407:
        headers.append('Proxy-Authenticate: Basic realm="sandbox gateway"')
    if reason:
        headers.append(f"X-Gateway-Reason: {reason}")
    headers += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(headers).encode() + body


def basic_credentials(value: str) -> tuple[str, str]:
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        user, _, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    return user, password


@dataclass(frozen=True)
class Ports:
    http: int
    socks5: int
    echo: int


class SandboxGateway:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        http_port: int = 7000,
        socks_port: int = 7001,
        echo_port: int = 7002,
        admit: Callable[..., Exit | Refusal] = gateway_admit,
        account: Callable[..., bool] = gateway_account,
    ) -> None:
        must_be_loopback(host)
        self.host = host
        self._wanted = (http_port, socks_port, echo_port)
        self._admit, self._account = admit, account
        self.registry = ExitRegistry()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-gateway-db")
        self._servers: list[asyncio.Server] = []
        self.ports = Ports(0, 0, 0)
        self._open = 0  # connections not yet accounted for
        self._idle = threading.Condition()

    async def start(self) -> Ports:
        http, socks, echo = self._wanted
        echo_server = await asyncio.start_server(lambda r, w: echo_serve(r, w, self.registry), self.host, echo)
        http_server = await asyncio.start_server(self._http, self.host, http)
        socks_server = await asyncio.start_server(self._socks, self.host, socks)
        self._servers = [http_server, socks_server, echo_server]
        bound = [server.sockets[0].getsockname()[1] for server in self._servers]
        self.ports = Ports(*bound)
        return self.ports

    async def serve_forever(self) -> None:
        await asyncio.gather(*(server.serve_forever() for server in self._servers))

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for server in self._servers:
            with contextlib.suppress(Exception):
                await server.wait_closed()
        await asyncio.get_running_loop().run_in_executor(self._executor, connections.close_all)
        self._executor.shutdown(wait=True)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Blocks (in another thread) until every connection has ended and been counted."""
        with self._idle:
            return self._idle.wait_for(lambda: self._open == 0, timeout)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[None]:
        with self._idle:
            self._open += 1
        try:
            yield
        finally:
            with self._idle:
                self._open -= 1
                self._idle.notify_all()

    async def _db(self, fn: Callable, **kwargs):
        def call():
            close_old_connections()
            return fn(**kwargs)

        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    # HTTP and CONNECT ----------------------------------------------------------------------

    async def _http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_SECONDS)
            with self._connection():
                await self._http_request(head, reader, writer)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        except Exception:
            logger.exception("sandbox gateway: HTTP connection failed")
        finally:
            writer.close()

    async def _http_request(self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        lines = head.split(b"\r\n")
        parts = lines[0].decode("latin-1").split(" ")
        if len(parts) != 3:
            writer.write(proxy_reply(400, "Malformed request line."))
            return
        method, target, version = parts
        headers = [line for line in lines[1:] if line]
        auth = next((h.split(b":", 1)[1] for h in headers if h.lower().startswith(b"proxy-authorization:")), b"")
        user, password = basic_credentials(auth.decode("latin-1"))
        decision = await self._db(self._admit, username=user, password=password)
        if isinstance(decision, Refusal):
            writer.write(proxy_reply(decision.status, decision.message, decision.reason))
            return
        if method.upper() == "CONNECT":
            host, _, port = target.rpartition(":")
            if not host or not port.isdigit():
                writer.write(proxy_reply(400, "CONNECT needs host:port."))
                return
            await self._tunnel(decision, host, int(port), reader, writer, established=b"")
            return
        url = urlsplit(target)
        if url.scheme.lower() != "http" or not url.hostname:
            writer.write(proxy_reply(400, "A proxy request needs an absolute http:// URL (use CONNECT for https)."))
            return
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        kept = [h for h in headers if h.split(b":", 1)[0].strip().lower() not in _HOP_HEADERS]
        forwarded = b"\r\n".join([f"{method} {path} {version}".encode("latin-1"), *kept, b"Connection: close"])
        forwarded += b"\r\n\r\n"
        if not is_loopback(url.hostname):
            answer = echo_answer(target=target, exit=decision.describe(), client_ip="127.0.0.1")
            writer.write(answer)
            await writer.drain()
            await self._db(self._account, exit=decision, bytes_up=len(head), bytes_down=len(answer))
            return
        await self._tunnel(decision, url.hostname, url.port or 80, reader, writer, established=None, first=forwarded)

    # SOCKS5 ---------------------------------------------------------------------------------

    async def _socks(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            with self._connection():
                agreed = await asyncio.wait_for(self._socks_handshake(reader, writer), HEAD_SECONDS)
                if agreed is not None:
                    exit, host, port = agreed
                    await self._tunnel(exit, host, port, reader, writer, established=_socks_reply(0))
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError, UnicodeError):
            pass
        except Exception:
            logger.exception("sandbox gateway: SOCKS5 connection failed")
        finally:
            writer.close()

    async def _socks_handshake(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[Exit, str, int] | None:
        """Greeting, auth and the CONNECT request (within HEAD_SECONDS); None when refused."""
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        if version != 5 or 2 not in methods:
            writer.write(b"\x05\xff")  # only username/password
            return None
        writer.write(b"\x05\x02")
        await reader.readexactly(1)  # subnegotiation version 1
        user = (await reader.readexactly((await reader.readexactly(1))[0])).decode("utf-8")
        password = (await reader.readexactly((await reader.readexactly(1))[0])).decode("utf-8")
        decision = await self._db(self._admit, username=user, password=password)
        if isinstance(decision, Refusal) and decision.status == 407:
            writer.write(b"\x01\x01")
            return None
        writer.write(b"\x01\x00")
        _, command, _, kind = await reader.readexactly(4)
        if kind == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif kind == 4:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        elif kind == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode("idna")
        else:
            writer.write(_socks_reply(8))
            return None
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if isinstance(decision, Refusal):
            writer.write(_socks_reply(3))  # network unreachable: no endpoint for this routing
            return None
        if command != 1:
            writer.write(_socks_reply(7))  # only CONNECT
            return None
        return decision, host, port

    # The pipe ------------------------------------------------------------------------------

    async def _tunnel(
        self,
        exit: Exit,
        host: str,
        port: int,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        established: bytes | None,
        first: bytes = b"",
    ) -> None:
        """Connects to host:port when it is on loopback, to the echo otherwise, and pipes both
        ways. `established` is what to tell the client once connected (None: nothing)."""
        if is_loopback(host):
            address = ("127.0.0.1" if host.lower() == "localhost" else host.strip("[]"), port)
        else:
            address = (self.host, self.ports.echo)
        try:
            up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(*address), HEAD_SECONDS)
        except (OSError, TimeoutError):
            if established is not None and established.startswith(b"\x05"):
                writer.write(_socks_reply(5))
            else:
                writer.write(proxy_reply(502, f"Could not connect to {host}:{port} on this machine.", "connect_failed"))
            return
        local_port = up_writer.get_extra_info("sockname")[1]
        self.registry.add(local_port, exit.describe())
        counts = [0, 0]
        try:
            if established is None:
                up_writer.write(first)
                counts[0] += len(first)
            else:
                writer.write(established if established else b"HTTP/1.1 200 Connection established\r\n\r\n")
            await asyncio.gather(
                _pipe(reader, up_writer, counts, 0), _pipe(up_reader, writer, counts, 1), return_exceptions=True
            )
        finally:
            self.registry.remove(local_port)
            up_writer.close()
            await self._db(self._account, exit=exit, bytes_up=counts[0], bytes_down=counts[1])


def _socks_reply(code: int) -> bytes:
    return bytes([5, code, 0, 1, 0, 0, 0, 0, 0, 0])


async def _pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter, counts: list[int], index: int) -> None:
    try:
        while data := await asyncio.wait_for(source.read(65536), IDLE_SECONDS):
            counts[index] += len(data)
            target.write(data)
            await target.drain()
    except (TimeoutError, ConnectionError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if target.can_write_eof():
                target.write_eof()


@contextlib.contextmanager
def gateway_in_thread(**kwargs) -> Iterator[SandboxGateway]:
    """Runs a gateway on its own event loop in a background thread (tests, scripts); ports 0
    pick free ones, read them from `.ports`."""
    kwargs = {"http_port": 0, "socks_port": 0, "echo_port": 0, **kwargs}
    gateway = SandboxGateway(**kwargs)
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(gateway.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="sandbox-gateway", daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("the sandbox gateway did not start")
    try:
        yield gateway
    finally:
        asyncio.run_coroutine_threadsafe(gateway.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
