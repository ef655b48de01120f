"""The key's secret: regenerate and reveal. The secret passes through, is never stored, logged
or audited; the audit data carries only the masked hint."""

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext

from apps.core.errors import NotFound
from apps.events.models import EventType
from apps.proxies.models import PoolKey
from apps.proxies.upstream.errors import UpstreamBadResponse

from . import client
from .idempotency import idempotency_key_validate
from .key_events import key_event
from .mirror import marks_missing, pool_key_audit, pool_key_mirror_apply
from .validation import ensure_live

if TYPE_CHECKING:
    from apps.accounts.models import User


def _secret_of(record, call: str) -> str:
    if not record.secret or not record.secret.startswith("pak_"):
        raise UpstreamBadResponse(f"the {call} reply carries no pak_ secret", field="key")
    return record.secret


def pool_key_regenerate(
    *, key: PoolKey, idempotency_key: str, actor: "User | None" = None, reason: str = "", ip: str | None = None
) -> tuple[PoolKey, str]:
    """A new secret for the same key; the old one stops working at once. Returns the key and the
    new secret, to be shown once to its owner (never to staff, never in a URL)."""
    idempotency_key_validate(idempotency_key)
    ensure_live(key)
    with marks_missing(key):
        record = client.upstream_client().regenerate_key(key.upstream_id, idempotency_key=idempotency_key)
    secret = _secret_of(record, "regenerate")
    hint_before = key.secret_hint
    with transaction.atomic():
        pool_key_mirror_apply(key=key, record=record)
        pool_key_audit(
            action="pool_key.regenerate",
            key=key,
            actor=actor,
            reason=reason,
            ip=ip,
            idempotency_key=idempotency_key,
            data={"secret_hint_before": hint_before, "secret_hint": key.secret_hint},
        )
        key_event(key, EventType.KEY_SECRET_REGENERATED)
    return key, secret


def pool_key_reveal(*, key: PoolKey, actor: "User", ip: str | None = None) -> str:
    """The secret, read through the upstream's audited reveal, for the key's owner only: staff
    (even "view as customer") never see a customer's secret: anyone else gets NotFound, as if
    the key did not exist. Audited locally too."""
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.pk != key.customer_id:
        raise NotFound(gettext("No such pool key."))
    ensure_live(key)
    with marks_missing(key):
        record = client.upstream_client().reveal_key(key.upstream_id)
    secret = _secret_of(record, "reveal")
    with transaction.atomic():
        pool_key_mirror_apply(key=key, record=record)
        pool_key_audit(action="pool_key.reveal", key=key, actor=actor, ip=ip, data={"secret_hint": key.secret_hint})
    return secret
