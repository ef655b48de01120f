"""An httpx transport that answers from the sandbox in-process: no sockets, any base URL (paths
are matched after `/v1`). Injected faults surface as httpx would raise them on a real network:
a dropped connection is httpx.RemoteProtocolError, a reply slower than the client's read timeout
is httpx.ReadTimeout, a refused connection is httpx.ConnectError.

By default the sandbox runs on the caller's thread and database connection, so it works inside
test transactions, and its writes commit or roll back with the caller's transaction. A real
upstream's writes survive the caller's rollback; `isolated=True` (or the setting
PROXIES_SX_SANDBOX_ISOLATED) gives that by running each call on its own thread and connection.
That needs a database that allows two writers (PostgreSQL); on SQLite the caller's open write
transaction would block it."""

import threading
import time
from collections.abc import Callable

import httpx
from django.conf import settings
from django.db import connections

from . import api


def _run_isolated(call: Callable[[], api.Outcome]) -> api.Outcome:
    result: dict = {}

    def target() -> None:
        try:
            result["outcome"] = call()
        except BaseException as exc:  # re-raised on the caller's thread
            result["error"] = exc
        finally:
            connections.close_all()

    worker = threading.Thread(target=target, name="sandbox-upstream-call", daemon=True)
    worker.start()
    worker.join()
    if "error" in result:
        raise result["error"]
    return result["outcome"]


class SandboxTransport(httpx.BaseTransport):
    def __init__(
        self,
        *,
        sleep: Callable[[float], None] = time.sleep,
        isolated: bool | None = None,
        client_ip: str = "127.0.0.1",
    ) -> None:
        self.sleep = sleep
        self.isolated = getattr(settings, "PROXIES_SX_SANDBOX_ISOLATED", False) if isolated is None else isolated
        self.client_ip = client_ip
        # Injected latency of each call, in seconds (what `sleep` was asked to wait).
        self.latencies: list[float] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        timeouts = request.extensions.get("timeout") or {}

        def call() -> api.Outcome:
            return api.serve(
                request.method,
                request.url.raw_path.decode("ascii"),
                "",
                dict(request.headers.items()),
                body,
                client_ip=self.client_ip,
                sleep=self.sleep,
                read_timeout=timeouts.get("read"),
            )

        outcome = _run_isolated(call) if self.isolated else call()
        self.latencies.append(outcome.latency_s)
        if outcome.drop == "timeout":
            raise httpx.ReadTimeout("timed out (sandbox)", request=request)
        if outcome.drop == "refused":
            raise httpx.ConnectError("[Errno 111] Connection refused (sandbox)", request=request)
        if outcome.drop:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response. (sandbox)", request=request
            )
        return httpx.Response(outcome.status, headers=outcome.headers, content=outcome.body, request=request)
