"""Creating, adopting and deleting pool keys."""

import logging
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.errors import ApplicationError
from apps.events.models import EventType
from apps.proxies.models import PoolKey
from apps.proxies.upstream.errors import UpstreamNotFound
from apps.proxies.upstream.records import PoolKeyRecord

from . import client
from .idempotency import idempotency_key_validate
from .key_events import key_event
from .mirror import jsonable, mirror_fields_from_record, pool_key_audit, secret_last4
from .validation import clean_cap, clean_expiry, clean_label

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

_ORDER_REF_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]+")
# A fresh random session tag per attempt; a clash on 36^8 values is astronomically rare.
_CREATE_ATTEMPTS = 3


def pool_key_label_for(*, customer: "User", order_ref: str) -> str:
    """The label the shop gives the key it mints for an order: stable across retries, so the
    key can be found upstream by label if a mint reply was lost. No e-mail (personal data)."""
    ref = _ORDER_REF_UNSAFE.sub("_", str(order_ref).strip())[:100]
    if not ref:
        raise ApplicationError(gettext("An order reference is required for a key label."))
    return f"sf-u{customer.pk}-{ref}"


def pool_key_find_upstream_by_label(*, label: str) -> PoolKeyRecord | None:
    """One list call. The earliest-created match, when a label was (wrongly) used twice."""
    matches = [record for record in client.upstream_client().list_keys() if record.label == label]
    if not matches:
        return None
    if len(matches) > 1:
        logger.warning("pool keys: %d upstream keys share the label %s", len(matches), label)
    epoch = datetime.min.replace(tzinfo=UTC)
    return min(matches, key=lambda r: (r.created_at or epoch, r.id))


def _check_owner(key: PoolKey, customer: "User") -> PoolKey:
    if key.customer_id != customer.pk:
        # Never hand one customer's key to another, whatever the caller passed.
        raise ApplicationError(
            gettext("This upstream key already belongs to another customer."),
            extra={"pool_key_id": key.pk, "upstream_id": key.upstream_id},
        )
    return key


def _existing(*, upstream_id: str, idempotency_key: str | None) -> PoolKey | None:
    key = PoolKey.objects.filter(upstream_id=upstream_id).first()
    if key is None and idempotency_key:
        key = PoolKey.objects.filter(mint_idempotency_key=idempotency_key).first()
    return key


def pool_key_adopt(
    *,
    customer: "User",
    record: PoolKeyRecord,
    actor: "User | None" = None,
    reason: str = "",
    idempotency_key: str | None = None,
    action: str = "pool_key.adopt",
    data: dict | None = None,
) -> PoolKey:
    """Mirrors an upstream key that already exists (a mint whose reply was lost, a key made by
    hand). Safe to call twice: the unique upstream id returns the existing mirror."""
    existing = _existing(upstream_id=record.id, idempotency_key=None)
    if existing is not None:
        return _check_owner(existing, customer)
    fields = mirror_fields_from_record(record)
    now = timezone.now()
    for _attempt in range(_CREATE_ATTEMPTS):
        key = PoolKey(
            customer=customer,
            upstream_id=record.id,
            secret_last4=secret_last4(record),
            mint_idempotency_key=idempotency_key,
            last_synced_at=now,
            **fields,
        )
        key.full_clean(validate_unique=False)  # uniqueness is the database's job (no check-then-act)
        try:
            with transaction.atomic():
                key.save(force_insert=True)
                pool_key_audit(
                    action=action,
                    key=key,
                    actor=actor,
                    reason=reason,
                    idempotency_key=idempotency_key,
                    data={
                        "label": key.label,
                        "cap_gb": jsonable(key.cap_gb),
                        "expires_at": jsonable(key.expires_at),
                        "secret_hint": key.secret_hint,
                        **(data or {}),
                    },
                )
                key_event(key, EventType.KEY_CREATED)
            return key
        except IntegrityError:
            existing = _existing(upstream_id=record.id, idempotency_key=idempotency_key)
            if existing is not None:  # a concurrent call mirrored it first
                return _check_owner(existing, customer)
            # Otherwise the random session tag clashed: try again with a new one.
    raise ApplicationError(gettext("Could not store the new key; please try again."))


def pool_key_mint(
    *,
    customer: "User",
    label: str,
    cap_gb: Decimal | None,
    expires_at: datetime | None,
    idempotency_key: str,
    actor: "User | None" = None,
    reason: str = "",
) -> PoolKey:
    """Creates a key upstream and its mirror. Exactly once per idempotency key: a key already
    minted with it is returned without a call (beyond the upstream's 24 h replay window too), and
    a replayed upstream reply finds the mirror by its unique upstream id."""
    idempotency_key_validate(idempotency_key)
    label = clean_label(label)
    cap_gb = clean_cap(cap_gb)
    existing = PoolKey.objects.filter(mint_idempotency_key=idempotency_key).first()
    if existing is not None:
        return _check_owner(existing, customer)
    clean_expiry(expires_at)
    record = client.upstream_client().create_key(
        label=label, traffic_cap_gb=cap_gb, expires_at=expires_at, idempotency_key=idempotency_key
    )
    return pool_key_adopt(
        customer=customer,
        record=record,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        action="pool_key.mint",
    )


def pool_key_delete(*, key: PoolKey, idempotency_key: str, actor: "User | None" = None, reason: str = "") -> None:
    """Deletes the key upstream (traffic stops at once) and marks the mirror deleted. The row
    stays: orders and the audit trail point at it. A key already gone upstream counts as deleted."""
    idempotency_key_validate(idempotency_key)
    if key.deleted_at is not None:
        return
    already_gone = False
    try:
        client.upstream_client().delete_key(key.upstream_id, idempotency_key=idempotency_key)
    except UpstreamNotFound:
        already_gone = True
    now = timezone.now()
    with transaction.atomic():
        PoolKey.objects.filter(pk=key.pk).update(deleted_at=now, enabled=False, updated_at=now)
        key.deleted_at, key.enabled, key.updated_at = now, False, now
        pool_key_audit(
            action="pool_key.delete",
            key=key,
            actor=actor,
            reason=reason,
            idempotency_key=idempotency_key,
            data={"already_gone_upstream": already_gone},
        )
