"""Idempotency keys for ports writes. A key names the domain event that caused a write (an
order, an operator's form, a customer's click), never the moment of the call, so a retry of the
same event replays instead of repeating. The pattern is the contract's (shared with the pool)."""

import hashlib
import re

from django.utils.translation import gettext

from apps.core.errors import ApplicationError
from apps.proxies.upstream.records import IDEMPOTENCY_KEY_PATTERN

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def idempotency_key_validate(key: str) -> str:
    if not isinstance(key, str) or not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
        raise ApplicationError(gettext("An idempotency key must be 8-128 characters of A-Z, a-z, 0-9, '_' or '-'."))
    return key


def port_idempotency_key(*, action: str, port_id: int | str, nonce: str) -> str:
    """`port_idempotency_key(action="rotate", port_id=7, nonce=form_nonce)` -> a valid key; inputs
    that are not key-safe are slugged and suffixed with a hash, so two inputs never share a key."""
    if not action or not nonce:
        raise ApplicationError(gettext("action and nonce are required for an idempotency key."))
    raw = f"port{port_id}-{action}-{nonce}"
    if IDEMPOTENCY_KEY_PATTERN.fullmatch(raw) and len(raw) <= 110:
        return raw
    return f"{_UNSAFE.sub('_', raw)[:80]}-{hashlib.sha256(raw.encode()).hexdigest()[:24]}"
