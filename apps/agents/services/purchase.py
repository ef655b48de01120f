"""Buying and topping up over x402, exactly once per payment authorization.

    no payment header           → 402 with the payment requirements
    a payment header            → the x402 order is opened (unique authorization), then
      facilitator verify        → invalid: refused (402, why), nothing moves
      facilitator settle        → failed: refused (402, why); no answer: outcome unknown (502)
      settled                   → billing confirms the payment (payment_confirm decides), the
                                  provisioning job delivers; 200 with the key, or 202 to poll
    the same header again       → the first answer (no money moves again)
    the same nonce, other header → 409, nothing happens

No lock is held and no transaction is open across a facilitator call. A facilitator that could
not be reached before settlement leaves the order open: the same payment can be sent again."""

import hashlib
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.billing.errors import PaymentProviderUnavailable
from apps.billing.providers.x402 import protocol
from apps.billing.providers.x402.provider import settled_event
from apps.billing.services import order_provision, payment_checkout_failed, provider_event_ingest
from apps.core.services.notifications import operators_notify_on_commit

from ..models import X402Purchase
from ..selectors import Quote
from .accounts import agent_account_ensure
from .answers import Answer, answer_delivery, answer_stored
from .orders import x402_order_open

logger = logging.getLogger(__name__)
S = X402Purchase.State


@dataclass(frozen=True)
class PaidRequest:
    """What an agent asked for and how it pays."""

    quote: Quote
    url: str  # the resource URL (the requirements name it)
    header: str = ""  # the payment header, if any
    kind: str = X402Purchase.Kind.BUY
    customer: object = None  # a top-up's customer (proved by the management token)
    key_id: int | None = None
    poll_url: str = ""  # where GET /x402/v1/orders/{id} lives, with {id} to fill
    extra: dict = field(default_factory=dict)


def _requirements_answer(request: PaidRequest, requirements, *, error: str | None = None, body: dict | None = None):
    required = protocol.payment_required(
        requirements=requirements, url=request.url, description=request.quote.description, error=error
    )
    payload = protocol.payment_required_body(required)
    if body:
        payload = {**payload, **body}
    return Answer(402, payload, {protocol.PAYMENT_REQUIRED_HEADER: protocol.encode_payment_required_header(required)})


def x402_request_handle(*, request: PaidRequest) -> Answer:
    """The whole answer to a paid request (see the module docstring)."""
    try:
        requirements = protocol.requirements_for(amount=request.quote.price)
    except PaymentProviderUnavailable as exc:
        return Answer(503, {"error": "facilitator_unavailable", "detail": exc.message})
    if not request.header:
        return _requirements_answer(request, requirements)
    try:
        payload = protocol.payment_decode(request.header)
        auth = protocol.authorization_of(payload)
    except protocol.PaymentHeaderInvalid as exc:
        return Answer(400, {"error": "invalid_payment", "detail": str(exc)})
    digest = hashlib.sha256(request.header.strip().encode()).hexdigest()
    existing = X402Purchase.objects.filter(network=auth.network, payer=auth.payer, nonce=auth.nonce).first()
    if existing is not None:
        return _again(existing, digest, request, payload, requirements)
    matched = protocol.requirements_matching(requirements, payload)
    if matched is None:
        return _requirements_answer(
            request,
            requirements,
            error="the payment does not match the requirements",
            body={"detail": "The signed payment is for another amount, asset, network or payee; pay what is asked."},
        )
    customer = request.customer or agent_account_ensure(wallet=auth.payer, network=auth.network).user
    try:
        purchase = x402_order_open(
            customer=customer,
            quote=request.quote,
            kind=request.kind,
            auth=auth,
            header_sha256=digest,
            key_id=request.key_id,
        )
    except IntegrityError:  # the same authorization, sent at the same moment: the other one wins
        existing = X402Purchase.objects.get(network=auth.network, payer=auth.payer, nonce=auth.nonce)
        return _again(existing, digest, request, payload, requirements)
    return _pay(purchase, request, payload, matched, requirements)


def _again(purchase: X402Purchase, digest: str, request: PaidRequest, payload, requirements) -> Answer:
    """A payment authorization seen before: the first answer for the same header, a refusal for
    another header reusing its nonce."""
    if purchase.header_sha256 != digest:
        return Answer(
            409,
            {
                "error": "nonce_already_used",
                "detail": "This payment authorization's nonce was already "
                "used for another payment; sign a new payment.",
            },
        )
    matched = protocol.requirements_matching(requirements, payload) if purchase.state == S.RETRYABLE else None
    if matched is not None:
        claimed = X402Purchase.objects.filter(pk=purchase.pk, state=S.RETRYABLE).update(
            state=S.PROCESSING, updated_at=timezone.now()
        )
        purchase.refresh_from_db()
        if claimed:
            return _pay(purchase, request, payload, matched, requirements)
    if purchase.state == S.PROCESSING:
        return Answer(
            409,
            {
                "error": "payment_in_progress",
                "order": str(purchase.order.public_id),
                "detail": "This payment is being verified and settled; poll the order.",
            },
        )
    if purchase.state == S.SETTLED:
        return answer_delivery(purchase, request.poll_url, replay=True)
    return answer_stored(purchase)


def _refuse(purchase: X402Purchase, request: PaidRequest, requirements, reason: str, message: str) -> Answer:
    """No money moved: the order and its payment fail, and the answer says why (kept for replays)."""
    payment_checkout_failed(payment_id=purchase.payment_id, reason=f"x402 payment refused: {reason}")
    answer = _requirements_answer(
        request,
        requirements,
        error=reason,
        body={"detail": message or reason, "order": str(purchase.order.public_id), "status": "refused"},
    )
    X402Purchase.objects.filter(pk=purchase.pk).update(
        state=S.REFUSED,
        failure_reason=f"{reason}: {message}"[:500],
        answer_status=answer.status,
        answer={"body": answer.body, "headers": answer.headers},
        updated_at=timezone.now(),
    )
    return answer


def _pay(purchase: X402Purchase, request: PaidRequest, payload, matched, requirements) -> Answer:
    try:
        verdict = protocol.verify(payload, matched)
    except PaymentProviderUnavailable as exc:
        X402Purchase.objects.filter(pk=purchase.pk).update(
            state=S.RETRYABLE, failure_reason=exc.message[:500], updated_at=timezone.now()
        )
        return Answer(
            503,
            {
                "error": "facilitator_unavailable",
                "detail": exc.message,
                "order": str(purchase.order.public_id),
                "retry": "Nothing was charged. Send the same payment again in a moment.",
            },
        )
    if not verdict.is_valid:
        return _refuse(
            purchase, request, requirements, verdict.invalid_reason or "invalid_payment", verdict.invalid_message or ""
        )
    try:
        settlement = protocol.settle(payload, matched)
    except PaymentProviderUnavailable as exc:
        return _settle_unknown(purchase, exc.message)
    if not settlement.success:
        return _refuse(
            purchase,
            request,
            requirements,
            settlement.error_reason or "settlement_failed",
            settlement.error_message or "",
        )
    _settled(purchase, protocol.settlement_dict(settlement))
    return answer_delivery(purchase, request.poll_url, replay=False, issue_token=request.kind == X402Purchase.Kind.BUY)


def _settle_unknown(purchase: X402Purchase, detail: str) -> Answer:
    body = {
        "error": "settlement_unknown",
        "detail": "The facilitator did not answer the settlement; an operator "
        "checks whether the money moved. Poll the order.",
        "order": str(purchase.order.public_id),
    }
    with transaction.atomic():
        X402Purchase.objects.filter(pk=purchase.pk).update(
            state=S.SETTLE_UNKNOWN,
            failure_reason=detail[:500],
            answer_status=502,
            answer={"body": body, "headers": {}},
            updated_at=timezone.now(),
        )
        operators_notify_on_commit(
            subject=f"x402 settlement of order {purchase.order.reference} is unknown",
            body=f"The facilitator did not answer the settlement of {purchase.payer}'s payment for order "
            f"{purchase.order.reference} ({detail}). Check the payer's USDC transfers on {purchase.network}; "
            "provision or leave the order from the admin.",
            dedup_key=f"x402-settle-unknown-{purchase.pk}",
        )
    return Answer(502, body)


def _settled(purchase: X402Purchase, settlement: dict) -> None:
    """The money moved: recorded here, then confirmed through billing's event pipeline (which
    enqueues provisioning). Delivery is then tried at once; the job and reconciler retry it."""
    X402Purchase.objects.filter(pk=purchase.pk).update(
        state=S.SETTLED,
        transaction=str(settlement.get("transaction", ""))[:100],
        settlement=settlement,
        settled_at=timezone.now(),
        updated_at=timezone.now(),
    )
    purchase.refresh_from_db()
    result = provider_event_ingest(
        provider="x402", event=settled_event(order=purchase.order, payment=purchase.payment, settlement=settlement)
    )
    if result.status != 200:
        logger.error(
            "x402 order %s: settled but not confirmed: %s %s", purchase.order.reference, result.outcome, result.detail
        )
        return
    purchase.order.refresh_from_db()
    if purchase.order.status == purchase.order.Status.PAID:
        order_provision(order_id=purchase.order_id)
