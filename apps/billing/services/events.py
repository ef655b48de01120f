"""Provider events (webhook deliveries): verify, find the order, store, then process exactly once.
The same pipeline for every payment provider; what is provider-specific (the signature, which
order, the re-read and what it means) is the provider's (apps/billing/providers/).

Order of work, and why:
1. Verify (the provider's signature check). Anything unverified gets 400 and touches nothing,
   and so does a signed body PostgreSQL could not store (NaN, NUL bytes, lone surrogates).
2. Find the order the event is about. An event that names an order we do not have gets 400 with
   nothing written (a forged or misrouted delivery must not leave rows behind). Events that carry
   no storefront order at all (another integration on the same account) are stored and ignored
   with 200, so the provider stops resending them.
3. Store the delivery (unique provider and event id; a redelivery only bumps a counter). A
   webhook answers 200 here and enqueues step 4-5 for after the commit (the provider's delivery
   never waits for the re-read or for provisioning); the in-process callers (sandbox payment
   page, x402) go on inline.
4. Re-read the object from the provider (or the sandbox): the event is a trigger, not the truth.
   The provider turns it into EventFacts.
5. Process under the event's row lock; a processed event returns early. The payment and order
   change and the provisioning job is enqueued in that one transaction (the job runs after commit).
"""

import logging
import math
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, DataError, transaction
from django.db.models import F
from django.utils import timezone

from apps.billing.errors import PaymentProviderError, PaymentProviderNotFound
from apps.billing.models import Order, ProviderEvent
from apps.billing.providers.base import (
    EventHeader,
    EventInvalid,
    EventRejected,
    PaymentNotSettled,
    UnknownOrder,
)
from apps.billing.providers.registry import provider_for_endpoint, provider_get
from apps.core.logging import mask_secrets

from .event_apply import event_facts_apply
from .jobs import PROCESS_PROVIDER_EVENT, job_enqueue_on_commit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookResult:
    status: int
    outcome: str
    detail: str = ""
    event_id: str = ""  # the provider's id of an acknowledged delivery


# Outcome of an unprocessed async success whose payment did not read paid yet (reconciler input).
AWAITING_SETTLEMENT = "awaiting_settlement"
# Outcomes of unprocessed events a retry cannot mend (the reconciler leaves them to an operator).
TERMINAL_FAILURES = ("rejected", "malformed")


# Storing and processing -------------------------------------------------------------------------


def provider_event_record(*, provider: str, header: EventHeader, event: dict[str, Any], order: Order | None):
    """Stores a verified delivery once per provider and event id (the unique constraint decides,
    not a prior read); a redelivery only counts itself."""
    record, created = ProviderEvent.objects.get_or_create(
        provider=provider,
        event_id=header.event_id,
        defaults={"type": header.type, "livemode": header.livemode, "payload": event, "order": order},
    )
    if not created:
        ProviderEvent.objects.filter(pk=record.pk).update(
            deliveries=F("deliveries") + 1, last_received_at=timezone.now()
        )
    return record


def _record_failure(record: ProviderEvent, exc: BaseException, *, outcome: str = "") -> None:
    ProviderEvent.objects.filter(pk=record.pk).update(
        attempts=F("attempts") + 1,
        outcome=outcome,
        error=mask_secrets(f"{exc.__class__.__name__}: {exc}")[:2000],
        traceback=mask_secrets(traceback.format_exc())[:20000],
    )


def provider_event_process(*, record: ProviderEvent) -> WebhookResult:
    """Processes a stored event exactly once. Safe to call again (redelivery, admin reprocess)."""
    if record.processed_at is not None:
        return WebhookResult(200, "duplicate")
    order = record.order if record.order_id else None
    label = f"{record.provider} event {record.event_id}"
    try:
        facts = None
        if order is not None:
            facts = provider_get(record.provider).event_facts(event=record.payload, order=order)
        with transaction.atomic():
            locked = ProviderEvent.objects.select_for_update().get(pk=record.pk)
            if locked.processed_at is not None:
                return WebhookResult(200, "duplicate")
            outcome = (
                event_facts_apply(record=locked, order=order, facts=facts)
                if facts is not None and order is not None
                else "ignored"
            )
            locked.attempts += 1
            locked.processed_at = timezone.now()
            locked.outcome = outcome
            locked.error = locked.traceback = ""
            locked.save(update_fields=["attempts", "processed_at", "outcome", "error", "traceback", "payment"])
    except PaymentNotSettled as exc:
        _record_failure(record, exc, outcome=AWAITING_SETTLEMENT)
        logger.warning("%s: %s; waiting for a redelivery", label, exc)
        return WebhookResult(503, AWAITING_SETTLEMENT, "payment not confirmed yet; the provider will redeliver")
    except (EventRejected, PaymentProviderNotFound) as exc:
        _record_failure(record, exc, outcome="rejected")
        logger.warning("%s rejected: %s", label, exc)
        return WebhookResult(400, "rejected", str(exc))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        # A signed event whose object does not have the shape the provider documents.
        _record_failure(record, exc, outcome="malformed")
        logger.warning("%s has an unexpected shape: %r", label, exc)
        return WebhookResult(400, "malformed", f"unexpected {record.type} object")
    except PaymentProviderError as exc:
        _record_failure(record, exc, outcome="retry_later")
        logger.warning("%s: the provider is unreachable on re-read: %s", label, exc)
        return WebhookResult(503, "retry_later", "payment provider unreachable")
    except Exception as exc:
        _record_failure(record, exc, outcome="error")
        logger.exception("%s failed", label)
        return WebhookResult(500, "error", "processing failed; the provider will retry")
    logger.info("%s %s: %s", label, record.type, outcome)
    return WebhookResult(200, outcome)


# Provider objects nest a few levels (expanded lists included); anything far deeper is not theirs.
MAX_PAYLOAD_DEPTH = 64


def _storable(event: dict[str, Any]) -> bool:
    """False for values PostgreSQL cannot store and no provider sends: NaN or Infinity (JSONB has
    no such numbers), NUL bytes (text cannot hold them), lone surrogates (not UTF-8), or a
    structure nested far deeper than any provider's object. Iterative, so depth costs no recursion."""
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


def _record_or_result(
    *, provider: str, header: EventHeader, event: dict[str, Any], order: Order | None
) -> ProviderEvent | WebhookResult:
    """Stores the delivery; a value the database still refuses is the sender's fault (400), a
    database outage is worth a redelivery (503). Never an error page: the provider reads only the
    status."""
    try:
        return provider_event_record(provider=provider, header=header, event=event, order=order)
    except (DataError, ValueError, UnicodeError) as exc:
        logger.warning("%s event could not be stored: %s", provider, exc.__class__.__name__)
        return WebhookResult(400, "malformed", "event values cannot be stored")
    except DatabaseError:
        logger.exception("%s event could not be stored", provider)
        return WebhookResult(503, "retry_later", "could not store the event; the provider will retry")


def provider_event_receive(*, provider: str, payload: bytes, headers: Mapping[str, str]) -> WebhookResult:
    """The whole webhook of one provider's endpoint (/billing/webhooks/<provider>/): 400 for
    anything unverified, malformed or naming an unknown order (nothing is written then), otherwise
    store and process. An endpoint no available provider answers takes nothing (404). (Stripe's
    endpoint is answered by the sandbox provider while sandbox payments are on.)"""
    receiver = provider_for_endpoint(provider)
    if receiver is None:
        return WebhookResult(404, "unknown_provider", "no payment provider takes deliveries here")
    try:
        event = receiver.event_verify(payload=payload, headers=headers)
    except EventInvalid as exc:
        return WebhookResult(400, exc.outcome, exc.detail)
    return provider_event_accept(provider=receiver.name, event=event)


def provider_event_store(*, provider: str, event: dict[str, Any]) -> ProviderEvent | WebhookResult:
    """Finds a verified event's order and stores the delivery; a WebhookResult when it is refused
    (nothing written then) or could not be stored."""
    payments = provider_get(provider)
    try:
        header = payments.event_header(event)
    except EventInvalid as exc:
        return WebhookResult(400, exc.outcome, exc.detail)
    if not _storable(event):
        return WebhookResult(400, "malformed", "values no provider sends (NaN, NUL, bad unicode, deep nesting)")
    try:
        order = payments.event_order(event)
    except UnknownOrder as exc:
        logger.warning("%s event %s (%s) refused: %s", provider, header.event_id, header.type, exc)
        return WebhookResult(400, "unknown_order", str(exc))
    except PaymentProviderError as exc:
        logger.warning("%s event %s: could not look up the payment: %s", provider, header.event_id, exc)
        return WebhookResult(503, "retry_later", "payment provider unreachable")
    except (KeyError, TypeError, ValueError) as exc:
        return WebhookResult(400, "malformed", f"unexpected event shape: {exc.__class__.__name__}")
    return _record_or_result(provider=provider, header=header, event=event, order=order)


def provider_event_ingest(*, provider: str, event: dict[str, Any]) -> WebhookResult:
    """A verified event, or one the sandbox's payment page made in-process (trusted as is: no
    HTTP, no signature): find its order, store it, process it now. The object is still re-read
    from the provider before anything changes."""
    record = provider_event_store(provider=provider, event=event)
    if isinstance(record, WebhookResult):
        return record
    return provider_event_process(record=record)


def provider_event_accept(*, provider: str, event: dict[str, Any]) -> WebhookResult:
    """A verified webhook delivery is only acknowledged: stored, its processing enqueued for after
    the commit (the re-read and the order change run in the job, under the same locks), 200.
    A redelivery of an unprocessed event enqueues it again, which is harmless: processing is
    once-only under the event's row lock. Without a broker the job runs inline after the commit."""
    record = provider_event_store(provider=provider, event=event)
    if isinstance(record, WebhookResult):
        return record
    if record.processed_at is not None:
        return WebhookResult(200, "duplicate", event_id=record.event_id)
    job_enqueue_on_commit(PROCESS_PROVIDER_EVENT, record.pk)
    return WebhookResult(200, "queued", event_id=record.event_id)
