"""Selling pool traffic: delivering an order's GB as a key (mint or top-up, decided once).
Called by billing through its product registry (apps/proxies/fulfilment.py); upstream failures
leave here as core RetryableError / TerminalError (apps/proxies/errors.py).

Exactly one key, whatever fails where:
- the decision (mint, or top up which key) is made once per order and stored
  (PoolKeyFulfilment), so every retry sends the same request with the same idempotency key;
- the customer's first order mints; while that mint is unconfirmed a second paid order waits and
  then tops up; later orders top up the key the latest delivered order used;
- past the upstream's 24 h replay window a retried mint first looks for its key by label and
  adopts it; a top-up is never blindly repeated after 23 h: an operator decides;
- a key to top up that is gone upstream (404) gives way to a fresh mint.

Taking traffic back (refunds, disputes) is take_back.py."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext

from apps.core.errors import TerminalError
from apps.core.fulfilment import FulfilmentWait
from apps.proxies.errors import upstream_errors_as_domain
from apps.proxies.models import PoolKey, PoolKeyFulfilment
from apps.proxies.selectors_keys import TARGET_NEW, pool_key_default_target
from apps.proxies.upstream.errors import UpstreamNotFound

from .changes import pool_key_top_up
from .keys import pool_key_adopt, pool_key_find_upstream_by_label, pool_key_label_for, pool_key_mint

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

A = PoolKeyFulfilment.Action
# The upstream replays an idempotency key for 24 h; stay clear of the edge.
TOP_UP_REPLAY_WINDOW = timedelta(hours=23)
TOP_UP_UNCONFIRMED = (
    "top-up not confirmed within 23 h; check the key's audit log before retrying, "
    "the upstream no longer deduplicates it"
)
WAIT_FOR_MINT_SECONDS = 15


@dataclass(frozen=True)
class PoolKeyDelivery:
    key: PoolKey
    action: str


# Deciding -------------------------------------------------------------------------------------


def _chosen_key(*, customer_id: int, target_ref: str) -> PoolKey:
    key = PoolKey.objects.live().filter(customer_id=customer_id, missing_upstream=False)
    found = key.filter(pk=int(target_ref)).first() if target_ref.isdigit() else None
    if found is None:
        raise TerminalError("The key to top up is not one of the customer's live keys.", extra={"key": target_ref})
    return found


def pool_key_fulfilment_prepare(
    *,
    customer_id: int,
    order_ref: str,
    attempt: int,
    first_attempt_at: datetime,
    in_flight_refs=(),
    target_ref: str = "",
) -> PoolKeyFulfilment:
    """Mint or top up, decided once (the caller holds the order's row lock and the customer's
    lease); `target_ref` (a key id) tops up the key the customer chose, "new" mints a new key
    (checkout checked both, `selectors_keys.pool_key_target_check`). Raises FulfilmentWait
    while the customer's first key is still being minted, and TerminalError for a top-up left
    unconfirmed past the replay window."""
    record = PoolKeyFulfilment.objects.filter(order_ref=order_ref).first()
    if record is None and target_ref == TARGET_NEW:
        return PoolKeyFulfilment.objects.create(
            order_ref=order_ref, customer_id=customer_id, action=A.MINT, key=None, started_at=first_attempt_at
        )
    if record is None and target_ref:
        key = _chosen_key(customer_id=customer_id, target_ref=target_ref)
        return PoolKeyFulfilment.objects.create(
            order_ref=order_ref, customer_id=customer_id, action=A.TOP_UP, key=key, started_at=first_attempt_at
        )
    if record is None:
        minting = PoolKeyFulfilment.objects.filter(
            customer_id=customer_id, order_ref__in=list(in_flight_refs), action=A.MINT, key__isnull=True
        ).exclude(order_ref=order_ref)
        if minting.exists():  # this customer's first key is still being minted: top it up afterwards
            raise FulfilmentWait(
                gettext("the customer's first key is still being minted"), retry_after=WAIT_FOR_MINT_SECONDS
            )
        current = pool_key_default_target(customer_id=customer_id, order_ref=order_ref)
        return PoolKeyFulfilment.objects.create(
            order_ref=order_ref,
            customer_id=customer_id,
            action=A.TOP_UP if current else A.MINT,
            key=current,
            started_at=first_attempt_at,
        )
    if record.action == A.TOP_UP and attempt > 1 and timezone.now() - first_attempt_at > TOP_UP_REPLAY_WINDOW:
        raise TerminalError(TOP_UP_UNCONFIRMED)
    return record


# Delivering -----------------------------------------------------------------------------------


def _mint_expiry(record: PoolKeyFulfilment, days: int | None) -> datetime | None:
    if not days:
        return None
    validity = timedelta(days=days)
    # Counted from the first attempt, so every retry asks for the same expiry.
    expires_at = record.started_at + validity
    return expires_at if expires_at > timezone.now() + timedelta(minutes=5) else timezone.now() + validity


def _mint(record, *, customer: "User", quantity, days, idempotency_key, attempt, reason) -> PoolKey:
    label = pool_key_label_for(customer=customer, order_ref=record.order_ref)
    mint_key = f"{idempotency_key}-mint"
    if attempt > 1:
        # An earlier attempt may have minted the key and lost the reply (possibly > 24 h ago,
        # when replaying the mint would make a second key): look for it by label first.
        existing = PoolKey.objects.filter(mint_idempotency_key=mint_key).first()
        if existing is not None:
            return existing
        found = pool_key_find_upstream_by_label(label=label)
        if found is not None:
            logger.info("order %s: adopting key %s minted by an earlier attempt", record.order_ref, found.id)
            return pool_key_adopt(
                customer=customer,
                record=found,
                idempotency_key=mint_key,
                reason=f"{reason}: found by label after an interrupted mint",
            )
    return pool_key_mint(
        customer=customer,
        label=label,
        cap_gb=quantity,
        expires_at=_mint_expiry(record, days),
        idempotency_key=mint_key,
        reason=reason,
    )


def pool_key_fulfil(
    *,
    customer: "User",
    order_ref: str,
    quantity: Decimal,
    days: int | None,
    idempotency_key: str,
    attempt: int,
    reason: str = "",
) -> PoolKeyDelivery:
    """Delivers an order's traffic as decided by `pool_key_fulfilment_prepare`. Idempotent:
    every upstream write carries a key derived from the order's (`<key>-mint`, `<key>-topup`,
    `<key>-enable`)."""
    record = PoolKeyFulfilment.objects.select_related("key").get(order_ref=order_ref)
    with upstream_errors_as_domain():
        key = None
        if record.action == A.TOP_UP:
            key = record.key
            if key is not None and key.deleted_at is None and not key.missing_upstream:
                try:
                    key = pool_key_top_up(
                        key=key,
                        add_gb=quantity,
                        extend_days=days,
                        idempotency_key=idempotency_key,
                        reenable=True,
                        reason=reason,
                    )
                except UpstreamNotFound:
                    logger.warning("order %s: key %s is gone upstream; minting a new key", order_ref, key.upstream_id)
                    key = None
            else:
                key = None
            if key is None:
                # The key to top up is gone: the customer gets a fresh key with this order's traffic.
                PoolKeyFulfilment.objects.filter(pk=record.pk).update(action=A.MINT, key=None)
                record.action, record.key = A.MINT, None
        if key is None:
            key = _mint(
                record,
                customer=customer,
                quantity=quantity,
                days=days,
                idempotency_key=idempotency_key,
                attempt=attempt,
                reason=reason,
            )
    now = timezone.now()
    PoolKeyFulfilment.objects.filter(pk=record.pk).update(
        key=key, delivered_at=record.delivered_at or now, updated_at=now
    )
    return PoolKeyDelivery(key=key, action=record.action)
