"""Idempotency-Key handling: a successful write is cached for 24 h under (key, method, path) and
the same request replays it byte for byte with no second effect.

- Same key, same body, within 24 h: the cached reply, with `Idempotent-Replayed: true`.
- Same key, different body: 422 `idempotency_key_reused` (IETF draft
  httpapi-idempotency-key-header; the SDK only promises "cached response"). Nothing happens.
- Two concurrent requests with one key: the unique constraint lets one store its reply; the
  other's effect is rolled back and it replays the winner's reply.
- Errors are not cached, so a corrected retry with the same key can still succeed.
"""

import hashlib
import json
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from .models import SandboxIdempotencyRecord
from .wire import ApiError, Reply, SandboxRequest

WINDOW = timedelta(hours=24)


class ConcurrentUse(Exception):
    """Another request stored a reply for this key first."""


def fingerprint(body: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body.strip()
    if canonical in (b"{}", b""):
        canonical = b""  # no body and an empty object mean the same thing
    return hashlib.sha256(canonical).hexdigest()


def replay(*, key: str, request: SandboxRequest, now: datetime) -> Reply | None:
    record = SandboxIdempotencyRecord.objects.filter(key=key, method=request.method, path=request.path).first()
    if record is None:
        return None
    if record.created_at <= now - WINDOW:
        record.delete()  # expired: the key may be used afresh
        return None
    if record.fingerprint != fingerprint(request.body):
        raise ApiError(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request body.",
            param="Idempotency-Key",
        )
    return Reply(record.status, raw=record.body.encode(), headers={"Idempotent-Replayed": "true"})


def store(*, key: str, request: SandboxRequest, reply: Reply, now: datetime) -> None:
    try:
        with transaction.atomic():
            SandboxIdempotencyRecord.objects.create(
                key=key,
                method=request.method,
                path=request.path,
                fingerprint=fingerprint(request.body),
                status=reply.status,
                body=reply.body_bytes().decode(),
                created_at=now,
            )
    except IntegrityError:
        raise ConcurrentUse(key) from None


def purge(*, now: datetime) -> int:
    return SandboxIdempotencyRecord.objects.filter(created_at__lte=now - WINDOW).delete()[0]
