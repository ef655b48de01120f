"""Shared helpers for the client tests (no tests here): a scripted upstream behind
httpx.MockTransport, and payloads shaped like the contract's replies."""

import json
from datetime import UTC, datetime

import httpx

from apps.proxies.upstream.client import PoolGatewayClient

API_KEY = "psx_live_Q7r2T9x4L1m8N3b6V5c0Z2k7"
PAK = "pak_0123456789abcdef01234567"
BASE_URL = "https://api.example.test/v1"
NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
IDEM = "order_42_mint"


def reply(
    status: int = 200,
    payload=None,
    *,
    headers: dict | None = None,
    content: bytes | None = None,
    request_id: str = "req_test_1",
) -> httpx.Response:
    all_headers = {"X-Request-ID": request_id}
    if payload is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    body = content if content is not None else (json.dumps(payload).encode() if payload is not None else b"")
    return httpx.Response(status, headers=all_headers, content=body)


class ScriptedUpstream:
    """Answers with the scripted replies in order (the last one repeats) and records requests.
    A reply may be an httpx.Response, an exception class/instance to raise, or a callable."""

    def __init__(self, *script) -> None:
        self.script = list(script)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(item, type) and issubclass(item, httpx.RequestError):
            raise item("scripted failure", request=request)
        if isinstance(item, BaseException):
            raise item
        if callable(item):
            return item(request)
        return item

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def body(self, index: int = -1):
        return json.loads(self.requests[index].content)


class Clock:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def now(self) -> datetime:
        return NOW


def make_client(
    upstream: ScriptedUpstream, clock: Clock | None = None, *, max_attempts: int = 3, random_value: float = 0.5
) -> PoolGatewayClient:
    clock = clock or Clock()
    return PoolGatewayClient(
        base_url=BASE_URL,
        api_key=API_KEY,
        transport=httpx.MockTransport(upstream),
        max_attempts=max_attempts,
        sleep=clock.sleep,
        now=clock.now,
        random=lambda: random_value,
    )


def key_payload(**overrides) -> dict:
    payload = {
        "id": "pk_1",
        "key": PAK,
        "label": "sf-u1-order42",
        "enabled": True,
        "trafficCapGB": 10,
        "trafficUsedMB": 512.5,
        "trafficUsedGB": 0.5,
        "expiresAt": "2026-03-01T00:00:00.000Z",
        "isExpired": False,
        "lastUsedAt": None,
        "createdAt": 1767225600000,
        "updatedAt": 1767225600000,
    }
    payload.update(overrides)
    return payload


def audit_payload(**overrides) -> dict:
    payload = {
        "id": "ev_1",
        "pakId": "pk_1",
        "action": "topup",
        "ip": "203.0.113.5",
        "userAgent": "storefront",
        "requestId": "req_a",
        "authMethod": "apiKey",
        "metadata": {"addTrafficGB": 5},
        "createdAt": "2026-01-01T10:00:00.000Z",
    }
    payload.update(overrides)
    return payload


def session_payload(**overrides) -> dict:
    payload = {
        "sessionKey": "gw:session:psx_abc:k7f3_bot07",
        "accountId": "acc_1",
        "sessionId": "k7f3_bot07",
        "pool": "mbl",
        "country": "us",
        "carrier": "att",
        "currentIp": "198.51.100.7",
        "createdAt": 1767268800000,
        "lastActivityAt": 1767269100000,
        "expiresAt": 1767272400000,
        "requestCount": 42,
        "bytesIn": 1024,
        "bytesOut": 2048,
        "endpointId": "ep_9",
        "rotation": "sticky",
        "ttl": 3300,
        "proxyUrl": "http://psx_abc-mbl-us-sid-k7f3_bot07:<PASSWORD>@gw.proxies.sx:7000",
        "socks5Url": "socks5://psx_abc-mbl-us-sid-k7f3_bot07:<PASSWORD>@gw.proxies.sx:7001",
        "isSynthesizedSid": False,
    }
    payload.update(overrides)
    return payload
