"""Provisioning a paid order through the pool-keys service layer: the customer's first paid
order mints a key, later orders top up that key (and re-enable it).

Exactly one key, whatever fails where:
- one job per customer at a time (the key lease), and the order claimed under its row lock;
- the upstream is called with no row lock held and no transaction open;
- every upstream write carries an idempotency key derived from the order, so a retry within the
  upstream's 24 h window replays instead of repeating;
- past that window a retried mint first looks for the key by its label (derived from the order)
  and adopts it; a top-up is never blindly repeated after 23 h: the order goes to an operator.

The GB a delivery carries are fixed when it is claimed: the order's GB less what refunds recorded
before then took back (adjustments.py). Refund effects recorded later wait for the key and are
released to their jobs once the delivery completes.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.billing.models import Order
from apps.core.errors import ApplicationError
from apps.proxies.models import PoolKey
from apps.proxies.upstream.errors import RetryableUpstreamError, UpstreamError, UpstreamNotFound

from .adjustments import order_adjustments_release, order_fold_adjustments
from .jobs import PROVISION_ORDER, SEND_OPERATOR_ALERT, SEND_ORDER_EMAIL, failure_text, job_enqueue_on_commit
from .leases import customer_key_lease, customer_key_lease_held
from .orders import S, _transition, order_lock, order_mark_failed
from .results import JobResult, backoff_seconds

logger = logging.getLogger(__name__)

# The upstream replays an idempotency key for 24 h; stay clear of the edge.
TOP_UP_REPLAY_WINDOW = timedelta(hours=23)
BUSY_RETRY_SECONDS = 15


@dataclass(frozen=True)
class Claim:
    order: Order
    action: str
    key: PoolKey | None


def _customer_key(order: Order) -> PoolKey | None:
    """The key later orders top up: the one the customer's latest delivered order used, else
    their newest live key."""
    live = PoolKey.objects.live().filter(customer_id=order.customer_id, missing_upstream=False)
    latest = (
        Order.objects.filter(customer_id=order.customer_id, pool_key__in=live)
        .exclude(pk=order.pk)
        .order_by("-provisioned_at", "-pk")
        .values_list("pool_key", flat=True)
        .first()
    )
    if latest is not None:
        return live.get(pk=latest)
    return live.order_by("-created_at", "-pk").first()


def _later(order_id: int, seconds: int, error: str = "") -> JobResult:
    fields = {"provisioning_next_attempt_at": timezone.now() + timedelta(seconds=seconds)}
    if error:
        fields["provisioning_error"] = failure_text(error, 2000)
    Order.objects.filter(pk=order_id).update(**fields)
    return JobResult("retry", retry_in=seconds)


def _claim(order_id: int) -> Claim | JobResult:
    now = timezone.now()
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.status != S.PAID:
            return JobResult("skipped")
        if not order.provisioning_action:
            other_mint = (
                Order.objects.filter(
                    customer_id=order.customer_id,
                    status=S.PAID,
                    pool_key__isnull=True,
                    provisioning_action=Order.Action.MINT,
                )
                .exclude(pk=order.pk)
                .exists()
            )
            if other_mint:  # this customer's first key is still being minted: top it up afterwards
                return JobResult("waiting")
            key = _customer_key(order)
            order.provisioning_action = Order.Action.TOP_UP if key else Order.Action.MINT
            order.pool_key = key
            order.provisioning_started_at = now
            # Fixed here, once, before the first upstream call: refunds already recorded ride on
            # the delivery, and every retry sends the same GB.
            order.provisioning_gb = order_fold_adjustments(order)
        elif (
            order.provisioning_action == Order.Action.TOP_UP
            and order.provisioning_attempts
            and now - order.provisioning_started_at > TOP_UP_REPLAY_WINDOW
        ):
            order_mark_failed(
                order_id=order.pk,
                reason="top-up not confirmed within 23 h; check the key's audit log before retrying, "
                "the upstream no longer deduplicates it",
            )
            return JobResult("failed")
        order.provisioning_attempts += 1
        order.provisioning_next_attempt_at = None
        order.save(
            update_fields=[
                "provisioning_action",
                "pool_key",
                "provisioning_started_at",
                "provisioning_gb",
                "provisioning_attempts",
                "provisioning_next_attempt_at",
                "updated_at",
            ]
        )
    return Claim(order=order, action=order.provisioning_action, key=order.pool_key)


def _delivery_gb(order: Order):
    # Orders claimed before provisioning_gb existed deliver their full GB.
    return order.provisioning_gb if order.provisioning_gb is not None else order.gb


def _mint_expiry(order: Order):
    if not order.validity_days:
        return None
    validity = timedelta(days=order.validity_days)
    # Counted from the first attempt, so every retry asks for the same expiry.
    expires_at = order.provisioning_started_at + validity
    return expires_at if expires_at > timezone.now() + timedelta(minutes=5) else timezone.now() + validity


def _mint(order: Order) -> PoolKey:
    from apps.proxies.services import (
        pool_key_adopt,
        pool_key_find_upstream_by_label,
        pool_key_label_for,
        pool_key_mint,
    )

    label = pool_key_label_for(customer=order.customer, order_ref=order.reference)
    idempotency_key = f"{order.idempotency_prefix}-mint"
    reason = f"order {order.reference} ({order.plan_name})"
    if order.provisioning_attempts > 1:
        # An earlier attempt may have minted the key and lost the reply (possibly > 24 h ago,
        # when replaying the mint would make a second key): look for it by label first.
        existing = PoolKey.objects.filter(mint_idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
        record = pool_key_find_upstream_by_label(label=label)
        if record is not None:
            logger.info("order %s: adopting key %s minted by an earlier attempt", order.reference, record.id)
            return pool_key_adopt(
                customer=order.customer,
                record=record,
                idempotency_key=idempotency_key,
                reason=f"{reason}: found by label after an interrupted mint",
            )
    return pool_key_mint(
        customer=order.customer,
        label=label,
        cap_gb=_delivery_gb(order),
        expires_at=_mint_expiry(order),
        idempotency_key=idempotency_key,
        reason=reason,
    )


def _switch_to_mint(order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(provisioning_action=Order.Action.MINT, pool_key=None)
    order.provisioning_action, order.pool_key = Order.Action.MINT, None


def _deliver(claim: Claim) -> PoolKey:
    from apps.proxies.services import pool_key_top_up

    order = claim.order
    if claim.action == Order.Action.TOP_UP:
        key = claim.key
        if key is not None and key.deleted_at is None and not key.missing_upstream:
            try:
                return pool_key_top_up(
                    key=key,
                    add_gb=_delivery_gb(order),
                    extend_days=order.validity_days,
                    idempotency_key=order.idempotency_prefix,
                    reenable=True,
                    reason=f"order {order.reference} ({order.plan_name})",
                )
            except UpstreamNotFound:
                logger.warning("order %s: key %s is gone upstream; minting a new key", order.reference, key.upstream_id)
        # The key to top up is gone: the customer gets a fresh key with this order's traffic.
        _switch_to_mint(order)
    return _mint(order)


def _complete(order_id: int, key: PoolKey) -> None:
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        order.pool_key = key
        order.provisioning_error = ""
        order.provisioning_next_attempt_at = None
        if order.status == S.FAILED and order.paid_at is not None:
            _transition(order, S.PAID, reason="a late provisioning attempt succeeded")
        if order.status == S.PAID:
            _transition(order, S.PROVISIONED, data={"pool_key": key.pk, "action": order.provisioning_action})
            job_enqueue_on_commit(SEND_ORDER_EMAIL, order.pk, "ready")
            if not key.enabled and key.disabled_by_operator:
                # The GB landed, but the shop keeps this key disabled (an operator or a refund policy
                # did it): the customer paid for traffic they can't use until someone decides.
                gb = f"{_delivery_gb(order).normalize():f}"
                job_enqueue_on_commit(
                    SEND_OPERATOR_ALERT,
                    f"Order {order.reference} topped up a disabled key",
                    f"{order.customer.email} paid order {order.reference} ({order.plan_name}); its "
                    f"{gb} GB were added to key {key.upstream_id}, which the shop keeps disabled.\n"
                    "Enable the key, or refund the order:\n"
                    f"{settings.SITE_URL}{reverse('admin:billing_order_change', args=[order.pk])}\n",
                )
        else:
            # Refunded or disputed while the key was being made: keep the link and mark the
            # delivery, so the refund policy acts on this key.
            order.provisioned_at = order.provisioned_at or timezone.now()
            order.save(
                update_fields=[
                    "pool_key",
                    "provisioned_at",
                    "provisioning_error",
                    "provisioning_next_attempt_at",
                    "updated_at",
                ]
            )


def order_provision(*, order_id: int) -> JobResult:
    """Delivers a paid order's traffic. Idempotent: call it as often as you like."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.status != S.PAID:
        return JobResult("skipped")
    if order.provisioning_deadline and timezone.now() > order.provisioning_deadline:
        order_mark_failed(order_id=order_id, reason=f"not provisioned within the window: {order.provisioning_error}")
        return JobResult("failed")
    with customer_key_lease(customer_id=order.customer_id) as token:
        if token is None:
            return _later(order_id, BUSY_RETRY_SECONDS)
        claim = _claim(order_id)
        if isinstance(claim, JobResult):
            return _later(order_id, BUSY_RETRY_SECONDS) if claim.outcome == "waiting" else claim
        try:
            key = _deliver(claim)
        except RetryableUpstreamError as exc:
            delay = backoff_seconds(claim.order.provisioning_attempts, exc)
            logger.warning(
                "order %s: provisioning attempt %d failed (%s); retry in %ss",
                claim.order.reference,
                claim.order.provisioning_attempts,
                exc,
                delay,
            )
            return _later(order_id, delay, str(exc))
        except (UpstreamError, ApplicationError) as exc:
            logger.error("order %s: provisioning failed for good: %s", claim.order.reference, exc)
            Order.objects.filter(pk=order_id).update(provisioning_error=failure_text(exc, 2000))
            order_mark_failed(order_id=order_id, reason=f"provisioning failed: {exc}")
            return JobResult("failed")
        _complete(order_id, key)
    # Outside the lease, so the jobs can take it: refund effects that waited for this key.
    order_adjustments_release(order_id=order_id)
    logger.info("order %s provisioned (%s, key %s)", claim.order.reference, claim.action, key.upstream_id)
    return JobResult("provisioned")


def order_provisioning_nudge(*, order: Order) -> bool:
    """Schedules a provisioning attempt for a paid order whose retry is due. Lets the status
    page heal an order even where no beat process runs (the embedded default)."""
    if order.status != S.PAID:
        return False
    if order.provisioning_next_attempt_at and order.provisioning_next_attempt_at > timezone.now():
        return False
    if order.provisioning_attempts == 0 and order.paid_at and timezone.now() - order.paid_at < timedelta(seconds=30):
        return False  # the first attempt was scheduled with the payment
    if customer_key_lease_held(customer_id=order.customer_id):
        return False
    job_enqueue_on_commit(PROVISION_ORDER, order.pk)
    return True
