"""The sandbox API core, free of any web framework: (method, path, query, headers, body) in,
(status, headers, body) out. The in-process transport and the HTTP server both call `serve()`,
which adds the injected faults around `handle()`.

Paths are matched after the first `/v1` segment, so any base URL works
(`https://api.proxies.sx/v1`, `http://127.0.0.1:8765/v1`, `http://sandbox/v1`)."""

import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

from django.conf import settings
from django.db import transaction

from . import clock, control, faults, feeds, idempotency, keys, sessions, validation
from .wire import JSON_CONTENT_TYPE, ApiError, Reply, SandboxRequest, error_payload, error_reply

logger = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
VAR = None  # a path segment that is a parameter


@dataclass(frozen=True)
class Route:
    method: str
    pattern: tuple[str | None, ...]
    handler: Callable[..., Reply]
    public: bool = False


_KEYS = ("reseller", "pool-keys")
_SESSIONS = ("gateway", "pool", "my-sessions")
ROUTES = (
    Route("GET", _KEYS, keys.key_list),
    Route("POST", _KEYS, keys.key_mint),
    Route("GET", (*_KEYS, "audit"), keys.audit_all),
    Route("GET", (*_KEYS, VAR), keys.key_get),
    Route("PATCH", (*_KEYS, VAR), keys.key_update),
    Route("DELETE", (*_KEYS, VAR), keys.key_delete),
    Route("POST", (*_KEYS, VAR, "topup"), keys.key_top_up),
    Route("POST", (*_KEYS, VAR, "regenerate"), keys.key_regenerate),
    Route("POST", (*_KEYS, VAR, "reveal"), keys.key_reveal),
    Route("GET", (*_KEYS, VAR, "audit"), keys.audit_key),
    Route("GET", ("gateway", "pool", "stock"), feeds.stock, public=True),
    Route("GET", ("gateway", "incidents"), feeds.incidents, public=True),
    Route("GET", ("x402", "pricing"), feeds.pricing, public=True),
    Route("GET", _SESSIONS, sessions.sessions_list),
    Route("DELETE", _SESSIONS, sessions.sessions_close_all),
    Route("DELETE", (*_SESSIONS, VAR), sessions.session_close),
)


@dataclass
class Outcome:
    """What the wire should do: send status/headers/body, or drop the connection (`drop`)."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    drop: str = ""
    latency_s: float = 0.0


def build_request(
    method: str, path: str, query: str | Mapping[str, str], headers: Mapping[str, str], body: bytes, client_ip: str
) -> tuple[SandboxRequest, bool]:
    """The request as the core sees it, and whether the path was under /v1."""
    raw_path, _, raw_query = path.partition("?")
    if isinstance(query, str):
        query = {k: v[0] for k, v in parse_qs(query or raw_query, keep_blank_values=True).items()}
    segments = [s for s in raw_path.split("/") if s]
    under_v1 = "v1" in segments
    if under_v1:
        segments = segments[segments.index("v1") + 1 :]
    decoded = tuple(unquote(s) for s in segments)
    request = SandboxRequest(
        method=method.upper(),
        path="/" + "/".join(decoded),
        segments=decoded,
        query=dict(query),
        headers={k.lower(): v for k, v in headers.items()},
        body=body or b"",
        client_ip=client_ip,
    )
    return request, under_v1


def _match(request: SandboxRequest) -> tuple[Route, dict[str, str]]:
    allowed = []
    for route in ROUTES:
        if len(route.pattern) != len(request.segments):
            continue
        if any(p is not None and p != s for p, s in zip(route.pattern, request.segments, strict=True)):
            continue
        if route.method != request.method:
            allowed.append(route.method)
            continue
        params = [s for p, s in zip(route.pattern, request.segments, strict=True) if p is None]
        if params:
            name = "session_key" if route.pattern[0] == "gateway" else "key_id"
            return route, {name: params[0]}
        return route, {}
    if allowed:
        raise ApiError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed here.",
            headers={"Allow": ", ".join(sorted(set(allowed)))},
        )
    raise ApiError(404, "route_not_found", f"No route for {request.method} {request.path}.")


def authenticate(request: SandboxRequest) -> None:
    given = request.headers.get("x-api-key", "")
    if not given:
        raise ApiError(401, "missing_api_key", "Send your reseller API key in the X-API-Key header.")
    if not hmac.compare_digest(given.encode(), settings.PROXIES_SX_SANDBOX_API_KEY.encode()):
        raise ApiError(401, "invalid_api_key", "The API key is invalid or has been revoked.")


def _run(route: Route, request: SandboxRequest, params: dict[str, str]) -> Reply:
    now = clock.now()
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
            continue  # another request with this key won; the next pass replays its reply
    raise ApiError(409, "idempotency_conflict", "A request with this Idempotency-Key is in progress; retry later.")


def handle(request: SandboxRequest) -> Reply:
    """Routes, authenticates and runs one API request (no faults)."""
    try:
        route, params = _match(request)
        if not route.public:
            authenticate(request)
        return _run(route, request, params)
    except ApiError as error:
        return error_reply(error, request_id=request.request_id)
    except Exception:
        logger.exception("sandbox upstream: unhandled error in %s %s", request.method, request.path)
        payload = error_payload(500, "internal_error", "The sandbox failed.", request_id=request.request_id)
        return Reply(500, payload)


def _finish(reply: Reply, request: SandboxRequest, latency_s: float = 0.0) -> Outcome:
    body = reply.body_bytes()
    headers = dict(reply.headers)
    if body:
        headers["Content-Type"] = JSON_CONTENT_TYPE
    headers["X-Request-ID"] = request.request_id
    if latency_s:
        headers["X-Sandbox-Latency-Ms"] = str(round(latency_s * 1000))
    return Outcome(reply.status, headers, body, latency_s=latency_s)


def _fault_reply(decision: faults.FaultDecision, request: SandboxRequest) -> Reply:
    status = decision.status or 503
    message = f"Simulated {status} from the sandbox fault injector."
    headers = {"Retry-After": decision.retry_after} if decision.retry_after else {}
    return error_reply(ApiError(status, f"simulated_{status}", message, headers=headers), request_id=request.request_id)


def handle_request(
    method: str,
    path: str,
    query: str | Mapping[str, str] = "",
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    *,
    client_ip: str = "127.0.0.1",
) -> tuple[int, dict[str, str], bytes]:
    """The core without faults: (status, headers, body)."""
    request, under_v1 = build_request(method, path, query, headers or {}, body, client_ip)
    if not under_v1:
        reply = control.handle(request, authenticate) if request.segments[:1] == ("_sandbox",) else None
        if reply is None:
            not_found = ApiError(404, "route_not_found", "Paths start with /v1.")
            reply = error_reply(not_found, request_id=request.request_id)
        outcome = _finish(reply, request)
    else:
        outcome = _finish(handle(request), request)
    return outcome.status, outcome.headers, outcome.body


def serve(
    method: str,
    path: str,
    query: str | Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
    *,
    client_ip: str = "127.0.0.1",
    sleep: Callable[[float], None],
    read_timeout: float | None = None,
) -> Outcome:
    """One request with the injected faults applied. `read_timeout` (in-process only): when the
    added latency reaches it, the call still takes effect but the caller gets a timeout."""
    request, under_v1 = build_request(method, path, query, headers, body, client_ip)
    if not under_v1:
        status, out_headers, out_body = handle_request(method, path, query, headers, body, client_ip=client_ip)
        return Outcome(status, out_headers, out_body)
    decision = faults.decide(request.method, request.path)
    before = decision.active and decision.phase == "before"
    if decision.latency_s:
        if read_timeout is not None and decision.latency_s >= read_timeout:
            sleep(read_timeout)
            if not before:
                handle(request)  # the server carries on although the client has given up
            return Outcome(drop="timeout", latency_s=read_timeout)
        sleep(decision.latency_s)
    if before:
        if decision.drop:
            return Outcome(drop=decision.drop, latency_s=decision.latency_s)
        return _finish(_fault_reply(decision, request), request, decision.latency_s)
    reply = handle(request)
    if decision.active:  # phase "after": the call took effect, the reply is lost or replaced
        if decision.drop:
            return Outcome(drop=decision.drop, latency_s=decision.latency_s)
        reply = _fault_reply(decision, request)
    return _finish(reply, request, decision.latency_s)
