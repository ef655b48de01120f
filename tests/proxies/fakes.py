"""Test doubles at the upstream boundary.

- `sandbox_upstream(monkeypatch)`: the real PoolGatewayClient over the in-process sandbox
  transport (no sockets, no real sleeping between retries), wrapped in a call counter and
  handed to the services. Service and selector tests run against this.
- `FakePoolGatewayClient`: a small in-memory stand-in for what the sandbox cannot cheaply give
  (10,000 keys in one list reply, a record the mirror cannot hold).
"""

import secrets
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from apps.proxies.upstream.errors import UpstreamNotFound, UpstreamValidationError
from apps.proxies.upstream.records import PoolKeyRecord


class CountingClient:
    """Forwards to a client and counts calls per method; `log` keeps (method, args, kwargs)."""

    def __init__(self, client) -> None:
        self.client = client
        self.calls: Counter[str] = Counter()
        self.log: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, name: str):
        attr = getattr(self.client, name)
        if name.startswith("_") or not callable(attr):
            return attr

        def counted(*args, **kwargs):
            self.calls[name] += 1
            self.log.append((name, args, kwargs))
            return attr(*args, **kwargs)

        return counted

    def idempotency_keys(self, method: str) -> list[str]:
        return [kwargs["idempotency_key"] for name, _args, kwargs in self.log if name == method]


def sandbox_client(*, max_attempts: int = 3):
    from django.conf import settings

    from apps.proxies.upstream.client import PoolGatewayClient
    from apps.sandbox.upstream.transport import SandboxTransport

    return PoolGatewayClient(
        base_url=settings.PROXIES_SX_API_URL,
        api_key=settings.PROXIES_SX_SANDBOX_API_KEY,
        transport=SandboxTransport(),
        max_attempts=max_attempts,
        sleep=lambda seconds: None,  # retries happen, without real waiting
    )


def use_upstream(monkeypatch, client) -> CountingClient:
    """Hands `client` (counted) to the services."""
    spy = client if isinstance(client, CountingClient) else CountingClient(client)
    monkeypatch.setattr("apps.proxies.services.client.upstream_client", lambda: spy)
    return spy


def sandbox_upstream(monkeypatch, *, max_attempts: int = 3) -> CountingClient:
    return use_upstream(monkeypatch, sandbox_client(max_attempts=max_attempts))


def key_accepts(secret: str) -> bool:
    """The sandbox gateway's verdict on a proxy password."""
    from apps.sandbox.upstream.services import sandbox_key_accepts

    return sandbox_key_accepts(secret)


def use_traffic(*, mb, seed: int = 7):
    """One repeatable tick of sandbox traffic: every active key uses 0.5-1.5 x `mb` megabytes,
    and keys past their cap are auto-suspended by the sandbox."""
    import random

    from apps.sandbox.upstream.traffic import sandbox_simulate_traffic

    return sandbox_simulate_traffic(mb=mb, rng=random.Random(seed))


def _now() -> datetime:
    return datetime.now(UTC)


def fake_record(**overrides) -> PoolKeyRecord:
    values = {
        "id": "pk_" + secrets.token_hex(8),
        "label": "fake",
        "enabled": True,
        "traffic_cap_gb": Decimal(10),
        "traffic_used_mb": Decimal(0),
        "expires_at": None,
        "last_used_at": None,
        "created_at": _now(),
        "secret": "pak_" + secrets.token_hex(12),
    }
    values.update(overrides)
    return PoolKeyRecord(**values)


class FakePoolGatewayClient:
    """Keeps keys in a dict, replays idempotency keys, does the top-up arithmetic, and counts
    calls per method. `fail_next[method] = exc` raises once on that method."""

    def __init__(self) -> None:
        self.keys: dict[str, PoolKeyRecord] = {}
        self.calls: Counter[str] = Counter()
        self.fail_next: dict[str, Exception] = {}
        self._replies: dict[str, PoolKeyRecord | None] = {}

    def _enter(self, method: str) -> None:
        self.calls[method] += 1
        if method in self.fail_next:
            raise self.fail_next.pop(method)

    def _get(self, key_id: str) -> PoolKeyRecord:
        if key_id not in self.keys:
            raise UpstreamNotFound("pool key not found", status=404, request_id="req_fake")
        return self.keys[key_id]

    def _replay(self, idempotency_key: str, op):
        if idempotency_key in self._replies:
            return self._replies[idempotency_key]
        result = op()
        self._replies[idempotency_key] = result
        return result

    def add(self, **overrides) -> PoolKeyRecord:
        record = fake_record(**overrides)
        self.keys[record.id] = record
        return record

    def create_key(self, *, label, traffic_cap_gb, expires_at, idempotency_key) -> PoolKeyRecord:
        self._enter("create_key")
        return self._replay(
            idempotency_key, lambda: self.add(label=label, traffic_cap_gb=traffic_cap_gb, expires_at=expires_at)
        )

    def list_keys(self) -> list[PoolKeyRecord]:
        self._enter("list_keys")
        return [replace(record, secret=None) for record in self.keys.values()]

    def get_key(self, key_id: str) -> PoolKeyRecord:
        self._enter("get_key")
        return replace(self._get(key_id), secret=None)

    def update_key(self, key_id: str, *, idempotency_key: str, **changes) -> PoolKeyRecord:
        self._enter("update_key")

        def op():
            names = {
                "label": "label",
                "enabled": "enabled",
                "traffic_cap_gb": "traffic_cap_gb",
                "expires_at": "expires_at",
            }
            record = replace(self._get(key_id), **{names[k]: v for k, v in changes.items()})
            self.keys[key_id] = record
            return replace(record, secret=None)

        return self._replay(idempotency_key, op)

    def top_up_key(self, key_id: str, *, add_traffic_gb=None, extend_days=None, idempotency_key) -> PoolKeyRecord:
        self._enter("top_up_key")
        if not add_traffic_gb and not extend_days:
            raise UpstreamValidationError("nothing to top up", status=400, request_id="req_fake")

        def op():
            record = self._get(key_id)
            cap = record.traffic_cap_gb
            if add_traffic_gb and cap is not None:
                cap += add_traffic_gb
            expires = record.expires_at
            if extend_days:
                expires = max(_now(), expires or _now()) + timedelta(days=extend_days)
            record = replace(record, traffic_cap_gb=cap, expires_at=expires)
            self.keys[key_id] = record
            return replace(record, secret=None)

        return self._replay(idempotency_key, op)

    def regenerate_key(self, key_id: str, *, idempotency_key: str) -> PoolKeyRecord:
        self._enter("regenerate_key")

        def op():
            record = replace(self._get(key_id), secret="pak_" + secrets.token_hex(12))
            self.keys[key_id] = record
            return record

        return self._replay(idempotency_key, op)

    def reveal_key(self, key_id: str) -> PoolKeyRecord:
        self._enter("reveal_key")
        return self._get(key_id)

    def delete_key(self, key_id: str, *, idempotency_key: str) -> None:
        self._enter("delete_key")
        self._get(key_id)
        del self.keys[key_id]

    # Test helpers ---------------------------------------------------------------------------

    def use(self, key_id: str, mb) -> PoolKeyRecord:
        """Traffic on a key; auto-suspends at the cap like the platform."""
        record = self.keys[key_id]
        used = record.traffic_used_mb + Decimal(mb)
        enabled = record.enabled
        if record.traffic_cap_gb is not None and used / 1024 >= record.traffic_cap_gb:
            enabled = False
        self.keys[key_id] = replace(record, traffic_used_mb=used, enabled=enabled, last_used_at=_now())
        return self.keys[key_id]
