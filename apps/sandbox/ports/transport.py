"""An httpx transport that answers from the ports simulator in-process (no sockets, any base
URL), as apps.sandbox.upstream.transport does for the pool API: injected faults surface as httpx
would raise them on a real network, and `isolated=True` (or PROXIES_SX_SANDBOX_ISOLATED) runs
each call on its own thread and database connection so its writes survive the caller's rollback
(PostgreSQL only)."""

import time
from collections.abc import Callable

import httpx
from django.conf import settings

from apps.sandbox.upstream.transport import _run_isolated

from . import api


class SandboxPortsTransport(httpx.BaseTransport):
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
        self.latencies: list[float] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        timeouts = request.extensions.get("timeout") or {}

        def call() -> api.Outcome:
            return api.serve(
                request.method,
                request.url.raw_path.decode("ascii"),
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
