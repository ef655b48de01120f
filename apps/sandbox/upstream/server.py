"""The sandbox over real HTTP (stdlib ThreadingHTTPServer), serving the same API core as the
in-process transport. Started by `manage.py sandbox_upstream`."""

import contextlib
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast

from django.db import connections

from apps.core.logging import mask_secrets

from . import api

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real API behind a load balancer
    server_version = "PoolGatewaySandbox/1.0"
    server: "SandboxHTTPServer"  # the only server this handler is mounted on

    def version_string(self) -> str:
        return self.server_version

    def _serve(self) -> None:
        length = self.headers.get("Content-Length")
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._plain(
                411, b'{"error":{"type":"invalid_request","code":"length_required","message":"Send a Content-Length."}}'
            )
        if length and (not length.isdigit() or int(length) > MAX_BODY):
            return self._plain(
                413, b'{"error":{"type":"invalid_request","code":"body_too_large","message":"The body is too large."}}'
            )
        body = self.rfile.read(int(length)) if length else b""
        outcome = api.serve(
            self.command,
            self.path,
            "",
            dict(self.headers.items()),
            body,
            client_ip=self.client_address[0],
            sleep=time.sleep,
        )
        if outcome.drop:
            self._drop(outcome.drop)
            return None
        self.send_response(outcome.status)
        for name, value in outcome.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(outcome.body)))
        self.end_headers()
        self.wfile.write(outcome.body)
        return None

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def _plain(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _drop(self, mode: str) -> None:
        """Closes the socket without a reply; for `timeout`, first holds it silent."""
        if mode == "timeout":
            self.server.stopping.wait(self.server.hang_seconds)
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's name
        logger.info("sandbox upstream %s %s", self.address_string(), mask_secrets(format % args))


class SandboxHTTPServer(ThreadingHTTPServer):
    # Request threads are joined on close (after their sockets are shut), so every database
    # connection they opened is closed by the time server_close() returns.
    daemon_threads = False
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], *, hang_seconds: float = 60.0, connections_override: dict | None = None
    ) -> None:
        super().__init__(address, SandboxRequestHandler)
        self.hang_seconds = hang_seconds
        self.stopping = threading.Event()
        self._open_sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        # Tests on in-memory SQLite share their connection with the server's threads (as Django's
        # LiveServerThread does); otherwise each request thread opens and closes its own.
        self.connections_override = connections_override or {}

    def process_request_thread(self, request, client_address) -> None:
        with self._lock:
            self._open_sockets.add(request)
        for alias, connection in self.connections_override.items():
            connections[alias] = connection
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._open_sockets.discard(request)
            for connection in connections.all(initialized_only=True):
                if connection.alias not in self.connections_override:
                    connection.close()

    def shutdown(self) -> None:
        self.stopping.set()
        super().shutdown()

    def server_close(self) -> None:
        self.stopping.set()
        with self._lock:
            for sock in self._open_sockets:  # idle keep-alive connections would hold their threads
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        super().server_close()

    @property
    def base_url(self) -> str:
        # An AF_INET(6) address: the host is text, never bytes.
        host, port = cast(tuple[str, int], self.server_address[:2])
        return f"http://{host}:{port}/v1"
