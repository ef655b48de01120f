"""The ports simulator's API core: (method, path, headers, body) in, an Outcome out, with the
pool simulator's request parsing, authentication, idempotency replay and fault injection (the
same fault rules and settings: a rule's path glob such as `/ports*` picks ports calls).

Before every call the sandbox clock drives auto-rotation: ports whose interval is due rotate
first (`automatic` in their history), so a test that moves the clock sees the schedule."""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import transaction

from apps.sandbox.upstream import clock, faults, idempotency, validation
from apps.sandbox.upstream.api import WRITE_METHODS, Outcome, authenticate, build_request
from apps.sandbox.upstream.wire import JSON_CONTENT_TYPE, ApiError, Reply, SandboxRequest, error_payload, error_reply

from . import account, ports, rotation
from .inventory import inventory_ensure

logger = logging.getLogger(__name__)

VAR = None


@dataclass(frozen=True)
class Route:
    method: str
    pattern: tuple[str | None, ...]
    handler: Callable[..., Reply]
    param: str = "port_id"
    public: bool = False


_PORT = ("ports", VAR)
ROUTES = (
    Route("GET", ("countries", "with-devices"), account.countries),
    Route("GET", ("carriers", "country", VAR), account.carriers, param="country_id"),
    Route("GET", ("tariffs",), account.tariffs),
    Route("GET", ("ports",), ports.port_list),
    Route("POST", ("ports",), ports.port_create),
    Route("GET", _PORT, ports.port_read),
    Route("DELETE", _PORT, ports.port_delete),
    Route("POST", (*_PORT, "renew"), ports.port_renew),
    Route("GET", (*_PORT, "status"), ports.port_status_read),
    Route("GET", (*_PORT, "ping"), ports.port_ping),
    Route("GET", (*_PORT, "ip"), ports.port_ip),
    Route("GET", (*_PORT, "os-fingerprints"), ports.port_fingerprints),
    Route("PATCH", (*_PORT, "reconfigure"), ports.port_reconfigure),
    Route("PATCH", (*_PORT, "credentials"), ports.port_credentials),
    Route("PATCH", (*_PORT, "os-fingerprint"), ports.port_fingerprint_set),
    Route("POST", (*_PORT, "rotate"), rotation.port_rotate),
    Route("GET", (*_PORT, "can-rotate"), rotation.port_can_rotate),
    Route("PATCH", (*_PORT, "rotation-settings"), rotation.port_rotation_settings),
    Route("GET", (*_PORT, "rotation-history"), rotation.port_rotation_history),
    Route("GET", ("account",), account.account_full),
    Route("GET", ("account", "summary"), account.summary),
    Route("GET", ("account", "usage"), account.usage),
    Route("GET", ("traffic", "balance-breakdown"), account.balance_breakdown),
)
# Outside /v1: the public rotation link.
TOKEN_ROUTE = Route("GET", ("rotate", VAR), rotation.token_rotate, param="token", public=True)


def _match(request: SandboxRequest, routes: tuple[Route, ...]) -> tuple[Route, dict[str, str]]:
    allowed = []
    for route in routes:
        if len(route.pattern) != len(request.segments):
            continue
        if any(p is not None and p != s for p, s in zip(route.pattern, request.segments, strict=True)):
            continue
        if route.method != request.method:
            allowed.append(route.method)
            continue
        params = [s for p, s in zip(route.pattern, request.segments, strict=True) if p is None]
        return route, ({route.param: params[0]} if params else {})
    if allowed:
        raise ApiError(
            405, "method_not_allowed", f"{request.method} is not allowed here.", headers={"Allow": ", ".join(allowed)}
        )
    raise ApiError(404, "route_not_found", f"No route for {request.method} {request.path}.")


def _run(route: Route, request: SandboxRequest, params: dict[str, str]) -> Reply:
    now = clock.now()
    inventory_ensure()
    rotation.auto_rotate_due(now=now)
    key = validation.idempotency_key(request) if request.method in WRITE_METHODS else None
    for _ in range(2):
        try:
            with transaction.atomic():
                if key:
                    cached = idempotency.replay(key=key, request=request, now=now)
                    if cached is not None:
                        return cached
                reply = route.handler(request, now, **params)
                if key and 200 <= reply.status < 300:
                    idempotency.store(key=key, request=request, reply=reply, now=now)
                return reply
        except idempotency.ConcurrentUse:
            continue
    raise ApiError(409, "idempotency_conflict", "A request with this Idempotency-Key is in progress; retry later.")


def handle(request: SandboxRequest, *, under_v1: bool) -> Reply:
    """Routes, authenticates and runs one request (no faults)."""
    try:
        route, params = _match(request, ROUTES if under_v1 else (TOKEN_ROUTE,))
        if not route.public:
            authenticate(request)
        return _run(route, request, params)
    except ApiError as error:
        return error_reply(error, request_id=request.request_id)
    except Exception:
        logger.exception("sandbox ports: unhandled error in %s %s", request.method, request.path[:60])
        return Reply(500, error_payload(500, "internal_error", "The sandbox failed.", request_id=request.request_id))


def _finish(reply: Reply, request: SandboxRequest, latency_s: float = 0.0) -> Outcome:
    body = reply.body_bytes()
    headers = dict(reply.headers)
    if body:
        headers["Content-Type"] = JSON_CONTENT_TYPE
    headers["X-Request-ID"] = request.request_id
    return Outcome(reply.status, headers, body, latency_s=latency_s)


def _fault_reply(decision: faults.FaultDecision, request: SandboxRequest) -> Reply:
    status = decision.status or 503
    headers = {"Retry-After": decision.retry_after} if decision.retry_after else {}
    error = ApiError(
        status, f"simulated_{status}", f"Simulated {status} from the sandbox fault injector.", headers=headers
    )
    return error_reply(error, request_id=request.request_id)


def serve(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    client_ip: str = "127.0.0.1",
    sleep: Callable[[float], None],
    read_timeout: float | None = None,
) -> Outcome:
    """One request with the injected faults applied (as apps.sandbox.upstream.api.serve)."""
    request, under_v1 = build_request(method, path, "", headers, body, client_ip)
    decision = faults.decide(request.method, request.path)
    before = decision.active and decision.phase == "before"
    if decision.latency_s:
        if read_timeout is not None and decision.latency_s >= read_timeout:
            sleep(read_timeout)
            if not before:
                handle(request, under_v1=under_v1)  # the server carries on although the client gave up
            return Outcome(drop="timeout", latency_s=read_timeout)
        sleep(decision.latency_s)
    if before:
        if decision.drop:
            return Outcome(drop=decision.drop, latency_s=decision.latency_s)
        return _finish(_fault_reply(decision, request), request, decision.latency_s)
    reply = handle(request, under_v1=under_v1)
    if decision.active:  # phase "after": the call took effect, the reply is lost or replaced
        if decision.drop:
            return Outcome(drop=decision.drop, latency_s=decision.latency_s)
        reply = _fault_reply(decision, request)
    return _finish(reply, request, decision.latency_s)
