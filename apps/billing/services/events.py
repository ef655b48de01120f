"""Stripe webhook deliveries: verify, find the order, store, then process exactly once.

Order of work, and why:
1. Verify the signature (official library). Anything unverified gets 400 and touches nothing.
2. Find the order the event is about. An event that names an order we do not have gets 400 with
   nothing written (a forged or misrouted delivery must not leave rows behind). Events that carry
   no storefront order at all (another integration on the same Stripe account) are stored and
   ignored with 200, so Stripe stops resending them.
3. Store the delivery (unique event id; a redelivery only bumps a counter).
4. Re-read the object from Stripe (or the sandbox): the event is a trigger, not the truth.
5. Process under the event's row lock; a processed event returns early. The order changes and
   the provisioning job is enqueued in that one transaction (the job runs after commit).
"""

import logging
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.billing import gateway
from apps.billing.models import ORDER_METADATA_KEY, Order, StripeEvent
from apps.billing.money import from_minor_units
from apps.billing.stripe_client import (
    StripeCallError,
    StripeNotFound,
    WebhookPayloadInvalid,
    WebhookSignatureInvalid,
    webhook_event_construct,
)
from apps.core.logging import mask_secrets

from .adjustments import order_record_dispute, order_record_refund
from .orders import (
    order_expire,
    order_mark_paid,
    order_mark_payment_failed,
    order_mark_underpaid,
    order_note_payment_status,
)

logger = logging.getLogger(__name__)

SESSION_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)
CHARGE_EVENTS = frozenset({"charge.refunded", "charge.dispute.created"})
HANDLED_EVENTS = SESSION_EVENTS | CHARGE_EVENTS


@dataclass(frozen=True)
class WebhookResult:
    status: int
    outcome: str
    detail: str = ""


class UnknownOrder(Exception):
    """The event names a storefront order that does not exist."""


class EventRejected(Exception):
    """A verified event we cannot act on (it contradicts what Stripe now says)."""


class PaymentNotSettled(Exception):
    """Stripe says the delayed payment succeeded, but the session does not read paid yet. The
    event stays unprocessed: Stripe redelivers it and the reconciler re-reads the session."""


# Outcome of an unprocessed async success whose session did not read paid yet (reconciler input).
AWAITING_SETTLEMENT = "awaiting_settlement"


# Finding the order -----------------------------------------------------------------------------


def _order_by_ref(ref: Any) -> Order:
    try:
        public_id = uuid.UUID(str(ref))
    except ValueError:
        raise UnknownOrder(f"malformed order reference {str(ref)[:64]!r}") from None
    order = Order.objects.filter(public_id=public_id).first()
    if order is None:
        raise UnknownOrder(f"unknown order {public_id}")
    return order


def _metadata_ref(obj: dict[str, Any]) -> Any:
    metadata = obj.get("metadata")
    return metadata.get(ORDER_METADATA_KEY) if isinstance(metadata, dict) else None


def _order_for_payment(*, obj: dict[str, Any], payment_intent_id: str, charge_id: str = "") -> Order | None:
    ref = _metadata_ref(obj)
    if ref:
        return _order_by_ref(ref)
    if payment_intent_id:
        order = Order.objects.filter(stripe_payment_intent_id=payment_intent_id).first()
        if order is not None:
            return order
    if not payment_intent_id and charge_id:
        charge = gateway.charge_retrieve(charge_id) or {}
        payment_intent_id = _str(charge.get("payment_intent"))
        if _metadata_ref(charge):
            return _order_by_ref(_metadata_ref(charge))
    # Not seen yet (the refund can outrun the payment event): the payment carries our metadata.
    ref = gateway.payment_intent_metadata(payment_intent_id).get(ORDER_METADATA_KEY)
    return _order_by_ref(ref) if ref else None


def _str(value: Any) -> str:
    if isinstance(value, dict):  # an expanded object
        value = value.get("id")
    return value if isinstance(value, str) else ""


def event_order_resolve(event: dict[str, Any]) -> Order | None:
    """The order an event is about; None when it is not a storefront payment. Raises UnknownOrder."""
    obj = event["data"]["object"]
    if event["type"] in SESSION_EVENTS:
        ref = _metadata_ref(obj)
        return _order_by_ref(ref) if ref else None
    if event["type"] == "charge.refunded":
        return _order_for_payment(
            obj=obj, payment_intent_id=_str(obj.get("payment_intent")), charge_id=_str(obj.get("id"))
        )
    if event["type"] == "charge.dispute.created":
        return _order_for_payment(
            obj=obj, payment_intent_id=_str(obj.get("payment_intent")), charge_id=_str(obj.get("charge"))
        )
    return None


# Handlers (run inside the processing transaction, event row locked) ----------------------------


def _handle_session(event: StripeEvent, order: Order, session: dict[str, Any]) -> str:
    if _metadata_ref(session) != str(order.public_id):
        raise EventRejected("the checkout session does not belong to this order")
    payment_status = session.get("payment_status") or ""
    payment_intent = _str(session.get("payment_intent"))
    if payment_status in ("paid", "no_payment_required"):
        currency = (session.get("currency") or order.currency).lower()
        amount = from_minor_units(int(session.get("amount_total") or 0), currency)
        payment = {
            "payment_intent_id": payment_intent,
            "stripe_customer_id": _str(session.get("customer")),
            "payment_status": payment_status,
            "source": f"stripe {event.type} {event.event_id}",
        }
        if currency != order.currency or amount < order.price:
            # Never provision what was not paid for: flag it for an operator instead.
            logger.warning(
                "order %s: paid %s %s, expected %s %s", order.reference, amount, currency, order.price, order.currency
            )
            changed = order_mark_underpaid(order_id=order.pk, amount_paid=amount, currency=currency, **payment)
            return "underpaid" if changed else "no_change"
        changed = order_mark_paid(order_id=order.pk, amount_paid=amount, **payment)
        return "paid" if changed else "already_paid"
    if event.type == "checkout.session.async_payment_succeeded":
        raise PaymentNotSettled(f"the checkout session still reads {payment_status or 'no payment status'!r}")
    if event.type == "checkout.session.async_payment_failed":
        changed = order_mark_payment_failed(order_id=order.pk, reason="the delayed payment failed")
        return "payment_failed" if changed else "no_change"
    if session.get("status") == "expired" or event.type == "checkout.session.expired":
        return "expired" if order_expire(order_id=order.pk) else "no_change"
    order_note_payment_status(order_id=order.pk, payment_status=payment_status, payment_intent_id=payment_intent)
    return "awaiting_payment"


def _handle_refund(event: StripeEvent, order: Order, charge: dict[str, Any]) -> str:
    currency = (charge.get("currency") or order.currency).lower()
    return order_record_refund(
        order_id=order.pk,
        charge_id=_str(charge.get("id")),
        amount_refunded=from_minor_units(int(charge.get("amount_refunded") or 0), currency),
        fully_refunded=bool(charge.get("refunded")),
        source=f"stripe {event.type} {event.event_id}",
    )


def _handle_dispute(event: StripeEvent, order: Order, dispute: dict[str, Any]) -> str:
    currency = (dispute.get("currency") or order.currency).lower()
    return order_record_dispute(
        order_id=order.pk,
        dispute_id=_str(dispute.get("id")),
        amount=from_minor_units(int(dispute.get("amount") or 0), currency),
        source=f"stripe {event.type} {event.event_id}",
    )


def _reread(event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    """The object as Stripe (or the sandbox) holds it now. Network: called outside any lock."""
    object_id = _str(obj.get("id"))
    if event_type in SESSION_EVENTS:
        return gateway.checkout_session_retrieve(object_id)
    if event_type == "charge.refunded":
        return gateway.charge_retrieve(object_id) or obj
    if event_type == "charge.dispute.created":
        return gateway.dispute_retrieve(object_id) or obj
    return obj


_HANDLERS: dict[str, Callable[[StripeEvent, Order, dict[str, Any]], str]] = {
    **dict.fromkeys(SESSION_EVENTS, _handle_session),
    "charge.refunded": _handle_refund,
    "charge.dispute.created": _handle_dispute,
}


# Storing and processing -------------------------------------------------------------------------


def stripe_event_record(*, event: dict[str, Any], order: Order | None) -> StripeEvent:
    """Stores a verified delivery once per event id (the unique constraint decides, not a prior
    read); a redelivery only counts itself."""
    record, created = StripeEvent.objects.get_or_create(
        event_id=event["id"],
        defaults={"type": event["type"], "livemode": bool(event.get("livemode")), "payload": event, "order": order},
    )
    if not created:
        StripeEvent.objects.filter(pk=record.pk).update(deliveries=F("deliveries") + 1, last_received_at=timezone.now())
    return record


def _record_failure(record: StripeEvent, exc: BaseException, *, outcome: str = "") -> None:
    StripeEvent.objects.filter(pk=record.pk).update(
        attempts=F("attempts") + 1,
        outcome=outcome,
        error=mask_secrets(f"{exc.__class__.__name__}: {exc}")[:2000],
        traceback=mask_secrets(traceback.format_exc())[:20000],
    )


def stripe_event_process(*, record: StripeEvent) -> WebhookResult:
    """Processes a stored event exactly once. Safe to call again (redelivery, admin reprocess)."""
    if record.processed_at is not None:
        return WebhookResult(200, "duplicate")
    handler = _HANDLERS.get(record.type)
    order = record.order if record.order_id else None
    try:
        fresh = None
        if handler is not None and order is not None:
            fresh = _reread(record.type, record.payload["data"]["object"])
        with transaction.atomic():
            locked = StripeEvent.objects.select_for_update().get(pk=record.pk)
            if locked.processed_at is not None:
                return WebhookResult(200, "duplicate")
            outcome = handler(locked, order, fresh) if fresh is not None else "ignored"
            locked.attempts += 1
            locked.processed_at = timezone.now()
            locked.outcome = outcome
            locked.error = locked.traceback = ""
            locked.save(update_fields=["attempts", "processed_at", "outcome", "error", "traceback"])
    except PaymentNotSettled as exc:
        _record_failure(record, exc, outcome=AWAITING_SETTLEMENT)
        logger.warning("stripe event %s: %s; waiting for a redelivery", record.event_id, exc)
        return WebhookResult(503, AWAITING_SETTLEMENT, "payment not confirmed yet; Stripe will redeliver")
    except (EventRejected, StripeNotFound) as exc:
        _record_failure(record, exc)
        logger.warning("stripe event %s rejected: %s", record.event_id, exc)
        return WebhookResult(400, "rejected", str(exc))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        # A signed event whose object does not have the shape Stripe documents.
        _record_failure(record, exc)
        logger.warning("stripe event %s has an unexpected shape: %r", record.event_id, exc)
        return WebhookResult(400, "malformed", f"unexpected {record.type} object")
    except StripeCallError as exc:
        _record_failure(record, exc)
        logger.warning("stripe event %s: Stripe unreachable on re-read: %s", record.event_id, exc)
        return WebhookResult(503, "retry_later", "payment provider unreachable")
    except Exception as exc:
        _record_failure(record, exc)
        logger.exception("stripe event %s failed", record.event_id)
        return WebhookResult(500, "error", "processing failed; Stripe will retry")
    logger.info("stripe event %s %s: %s", record.type, record.event_id, outcome)
    return WebhookResult(200, outcome)


def _well_formed(event: dict[str, Any]) -> bool:
    data = event.get("data")
    return (
        isinstance(event.get("id"), str)
        and bool(event["id"])
        and len(event["id"]) <= 255
        and isinstance(event.get("type"), str)
        and bool(event["type"])
        and len(event["type"]) <= 100
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
    )


def stripe_webhook_receive(*, payload: bytes, signature: str | None) -> WebhookResult:
    """The whole webhook: 400 for anything unverified, malformed or naming an unknown order
    (nothing is written then), otherwise store and process."""
    try:
        event = webhook_event_construct(payload=payload, signature=signature, secret=settings.STRIPE_WEBHOOK_SECRET)
    except WebhookSignatureInvalid:
        return WebhookResult(400, "bad_signature", "signature verification failed")
    except WebhookPayloadInvalid:
        return WebhookResult(400, "malformed", "body is not a Stripe event")
    if not _well_formed(event):
        return WebhookResult(400, "malformed", "body is not a Stripe event")
    try:
        order = event_order_resolve(event) if event["type"] in HANDLED_EVENTS else None
    except UnknownOrder as exc:
        logger.warning("stripe event %s (%s) refused: %s", event["id"], event["type"], exc)
        return WebhookResult(400, "unknown_order", str(exc))
    except StripeCallError as exc:
        logger.warning("stripe event %s: could not look up the payment: %s", event["id"], exc)
        return WebhookResult(503, "retry_later", "payment provider unreachable")
    except (KeyError, TypeError, ValueError) as exc:
        return WebhookResult(400, "malformed", f"unexpected event shape: {exc.__class__.__name__}")
    record = stripe_event_record(event=event, order=order)
    return stripe_event_process(record=record)
