"""Stripe webhook deliveries: verify, find the order, store, then process exactly once.

Order of work, and why:
1. Verify the signature (official library). Anything unverified gets 400 and touches nothing,
   and so does a signed body PostgreSQL could not store (NaN, NUL bytes, lone surrogates).
2. Find the order the event is about. An event that names an order we do not have gets 400 with
   nothing written (a forged or misrouted delivery must not leave rows behind). Events that carry
   no storefront order at all (another integration on the same Stripe account) are stored and
   ignored with 200, so Stripe stops resending them.
3. Store the delivery (unique event id; a redelivery only bumps a counter).
4. Re-read the object from Stripe (or the sandbox): the event is a trigger, not the truth.
5. Process under the event's row lock; a processed event returns early. The order changes and
   the provisioning job is enqueued in that one transaction (the job runs after commit).

Step 2 lives in event_orders.py, steps 4-5's per-type handlers in event_handlers.py; this module
keeps the pipeline and the public entry points.
"""

import logging
import math
import traceback
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, DataError, transaction
from django.db.models import F
from django.utils import timezone

from apps.billing.models import Order, StripeEvent
from apps.billing.stripe_client import (
    StripeCallError,
    StripeNotFound,
    WebhookPayloadInvalid,
    WebhookSignatureInvalid,
    webhook_event_construct,
)
from apps.core.logging import mask_secrets

# _HANDLERS is the one registry dict; the admin tests patch it here as events._HANDLERS.
from .event_handlers import _HANDLERS, EventRejected, PaymentNotSettled, _reread
from .event_orders import HANDLED_EVENTS, UnknownOrder, event_order_resolve

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookResult:
    status: int
    outcome: str
    detail: str = ""


# Outcome of an unprocessed async success whose session did not read paid yet (reconciler input).
AWAITING_SETTLEMENT = "awaiting_settlement"


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


# Stripe's objects nest a few levels (expanded lists included); anything far deeper is not Stripe.
MAX_PAYLOAD_DEPTH = 64


def _storable(event: dict[str, Any]) -> bool:
    """False for values PostgreSQL cannot store and Stripe never sends: NaN or Infinity (JSONB
    has no such numbers), NUL bytes (text cannot hold them), lone surrogates (not UTF-8), or a
    structure nested far deeper than any Stripe object. Iterative, so depth costs no recursion."""
    stack: list[tuple[Any, int]] = [(event, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, float):
            if not math.isfinite(value):
                return False
        elif isinstance(value, str):
            if not _storable_text(value):
                return False
        elif isinstance(value, dict | list):
            if depth > MAX_PAYLOAD_DEPTH:
                return False
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and not _storable_text(key):
                    return False
                stack.append((item, depth + 1))
    return True


def _storable_text(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800"
        return False
    return True


def _record_or_result(*, event: dict[str, Any], order: Order | None) -> StripeEvent | WebhookResult:
    """Stores the delivery; a value the database still refuses is the sender's fault (400), a
    database outage is worth a redelivery (503). Never an error page: Stripe reads only the status."""
    try:
        return stripe_event_record(event=event, order=order)
    except (DataError, ValueError, UnicodeError) as exc:
        logger.warning("stripe event could not be stored: %s", exc.__class__.__name__)
        return WebhookResult(400, "malformed", "event values cannot be stored")
    except DatabaseError:
        logger.exception("stripe event could not be stored")
        return WebhookResult(503, "retry_later", "could not store the event; Stripe will retry")


def stripe_webhook_receive(*, payload: bytes, signature: str | None) -> WebhookResult:
    """The whole webhook: 400 for anything unverified, malformed or naming an unknown order
    (nothing is written then), otherwise store and process. Without a configured secret (sandbox
    payments) every delivery is refused: no published secret is ever accepted."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        return WebhookResult(400, "not_configured", "this shop takes no webhook deliveries (no STRIPE_WEBHOOK_SECRET)")
    try:
        event = webhook_event_construct(payload=payload, signature=signature, secret=settings.STRIPE_WEBHOOK_SECRET)
    except WebhookSignatureInvalid:
        return WebhookResult(400, "bad_signature", "signature verification failed")
    except WebhookPayloadInvalid:
        return WebhookResult(400, "malformed", "body is not a Stripe event")
    return stripe_event_ingest(event=event)


def stripe_event_ingest(*, event: dict[str, Any]) -> WebhookResult:
    """A verified event, or one the sandbox's payment page made in-process (trusted as is: no
    HTTP, no signature): find its order, store it, process it. The object is still re-read from
    the payment side before anything changes."""
    if not _well_formed(event):
        return WebhookResult(400, "malformed", "body is not a Stripe event")
    if not _storable(event):
        return WebhookResult(400, "malformed", "values Stripe never sends (NaN, NUL, bad unicode, deep nesting)")
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
    record = _record_or_result(event=event, order=order)
    if isinstance(record, WebhookResult):
        return record
    return stripe_event_process(record=record)
