"""Idempotency keys for upstream writes.

A key names the domain event that caused a write (an order, an operator action), never the
moment of the call, so a retry of the same event replays instead of doubling the effect.
The upstream accepts 8-128 characters of [A-Za-z0-9_-] (IDEMPOTENCY_KEY_PATTERN, in the contract's
records module).
"""

import hashlib
import re

from apps.proxies.upstream.records import IDEMPOTENCY_KEY_PATTERN

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_SUFFIX_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,15}$")
# Base keys stay short enough that "<key>-<suffix>" derivations still fit in 128 characters.
_MAX_BASE_LENGTH = 110


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def idempotency_key_validate(key: str) -> str:
    if not isinstance(key, str) or not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
        raise ValueError("An idempotency key must be 8-128 characters of A-Z, a-z, 0-9, '_' or '-'.")
    return key


def idempotency_key_for(*, action: str, obj_ref: str, nonce: str) -> str:
    """A valid key for one operator action on one object, e.g.
    `idempotency_key_for(action="grant", obj_ref="poolkey-42", nonce=form_nonce)`.

    `nonce` identifies the attempt as the operator saw it (a value rendered into the form), so a
    double submit replays while a second, deliberate action gets a new key. Inputs that are not
    already key-safe are slugged and suffixed with a hash of the exact input, so two different
    inputs never share a key.
    """
    if not action or not obj_ref or not nonce:
        raise ValueError("action, obj_ref and nonce are all required for an idempotency key.")
    raw = f"{action}-{obj_ref}-{nonce}"
    if IDEMPOTENCY_KEY_PATTERN.fullmatch(raw) and len(raw) <= _MAX_BASE_LENGTH:
        return raw
    slug = _UNSAFE.sub("_", raw)[:80]
    return f"{slug}-{_digest(raw)}"


def idempotency_key_derive(key: str, suffix: str) -> str:
    """A distinct, stable key for one step of a multi-write operation (`<key>-topup`, `<key>-enable`)."""
    idempotency_key_validate(key)
    if not _SUFFIX_PATTERN.fullmatch(suffix):
        raise ValueError(f"Bad idempotency key suffix {suffix!r}.")
    derived = f"{key}-{suffix}"
    if len(derived) <= 128:
        return derived
    return f"{key[:80]}-{_digest(key)}-{suffix}"
