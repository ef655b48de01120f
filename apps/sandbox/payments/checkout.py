"""Sandbox checkout: a local stand-in for Stripe Checkout, used when STRIPE_SECRET_KEY is unset.

The test-payment page changes the stored session the way Stripe would (a paid session makes a
charge), then hands the event Stripe would send to billing's webhook service in-process
(events.py). Storage, the re-read and processing are the production code path; only the
transport differs, and no secret is involved."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from apps.billing.models import ORDER_METADATA_KEY, Order
from apps.billing.providers.stripe.client import StripeNotFound

from .charges import sandbox_charge_for_session
from .events import SandboxResult, new_id, sandbox_deliver_into, unix
from .models import SandboxCheckoutSession

SESSION_LIFETIME = timedelta(hours=24)


class Outcome(models.TextChoices):
    PAY = "pay", "Pay"
    DECLINE = "decline", "Decline"
    ASYNC_SUCCESS = "async_success", "Pay later, then succeed"
    ASYNC_FAIL = "async_fail", "Pay later, then fail"
    EXPIRE = "expire", "Let the session expire"


def sandbox_customer_create(*, email: str, user_ref: str) -> dict[str, Any]:
    return {
        "id": new_id("cus_sandbox_"),
        "object": "customer",
        "email": email,
        "metadata": {"storefront_user": user_ref},
    }


def sandbox_session_create(*, order: Order, params: dict[str, Any]) -> dict[str, Any]:
    session_id = new_id("cs_test_sandbox_")
    amount = sum(item["price_data"]["unit_amount"] * item.get("quantity", 1) for item in params["line_items"])
    session = SandboxCheckoutSession.objects.create(
        id=session_id,
        order=order,
        payment_intent_id=new_id("pi_sandbox_"),
        customer_id=params.get("customer", ""),
        customer_email=params.get("customer_email") or order.customer.email,
        amount_total=amount,
        currency=params["line_items"][0]["price_data"]["currency"],
        success_url=params["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id),
        cancel_url=params["cancel_url"],
        metadata=dict(params.get("metadata") or {}),
        expires_at=timezone.now() + SESSION_LIFETIME,
    )
    return sandbox_session_dict(session)


def sandbox_session_dict(session: SandboxCheckoutSession) -> dict[str, Any]:
    """The session the way Stripe's API returns a Checkout Session."""
    complete = session.status == SandboxCheckoutSession.Status.COMPLETE
    return {
        "id": session.id,
        "object": "checkout.session",
        "amount_subtotal": session.amount_total,
        "amount_total": session.amount_total,
        "cancel_url": session.cancel_url,
        "client_reference_id": session.metadata.get(ORDER_METADATA_KEY),
        "created": unix(session.created_at),
        "currency": session.currency,
        "customer": session.customer_id or None,
        "customer_details": {"email": session.customer_email} if complete else None,
        "customer_email": session.customer_email,
        "expires_at": unix(session.expires_at),
        "livemode": False,
        "metadata": session.metadata,
        "mode": "payment",
        "payment_intent": session.payment_intent_id if complete else None,
        "payment_method_types": ["card", "sepa_debit"],
        "payment_status": session.payment_status,
        "status": session.status,
        "success_url": session.success_url,
        # Relative: the sandbox page lives on this shop, whatever host serves it.
        "url": reverse("sandbox:checkout", args=[session.id]) if session.status == "open" else None,
    }


def sandbox_session_retrieve(session_id: str) -> dict[str, Any]:
    session = SandboxCheckoutSession.objects.filter(pk=session_id).first()
    if session is None:
        raise StripeNotFound(f"No such checkout.session: {session_id}")
    return sandbox_session_dict(session)


def _set(session_id: str, **fields) -> SandboxCheckoutSession:
    with transaction.atomic():
        session = SandboxCheckoutSession.objects.select_for_update().get(pk=session_id)
        for name, value in fields.items():
            setattr(session, name, value)
        session.save()
        if session.payment_status == SandboxCheckoutSession.PaymentStatus.PAID:
            sandbox_charge_for_session(session=session)  # money moved: Stripe now holds a charge
    return session


def _deliver(session: SandboxCheckoutSession, event_type: str, result: SandboxResult) -> None:
    sandbox_deliver_into(result, type=event_type, obj=sandbox_session_dict(session))


def sandbox_session_act(*, session_id: str, outcome: str) -> SandboxResult:
    """Plays one customer outcome on an open session, delivering the events Stripe would."""
    session = SandboxCheckoutSession.objects.get(pk=session_id)
    if session.status != SandboxCheckoutSession.Status.OPEN:
        return SandboxResult(ok=False, message="This test checkout is already finished.")
    if session.expires_at <= timezone.now() and outcome != Outcome.EXPIRE:
        return SandboxResult(ok=False, message="This test checkout has expired; start a new purchase.")
    S, P = SandboxCheckoutSession.Status, SandboxCheckoutSession.PaymentStatus
    result = SandboxResult(ok=True, message="")
    if outcome == Outcome.DECLINE:
        # Like Stripe Checkout: no event, the customer stays on the page and may try again.
        _set(session_id, last_message="Your card was declined (test card 4000 0000 0000 0002).")
        return SandboxResult(ok=False, message="Your card was declined. Nothing was charged; try again.")
    if outcome == Outcome.PAY:
        session = _set(session_id, status=S.COMPLETE, payment_status=P.PAID, last_message="")
        _deliver(session, "checkout.session.completed", result)
        result.message = result.message or "Payment succeeded."
    elif outcome in (Outcome.ASYNC_SUCCESS, Outcome.ASYNC_FAIL):
        delay = timedelta(seconds=settings.SANDBOX_PAYMENTS_SETTLE_SECONDS)
        session = _set(
            session_id,
            status=S.COMPLETE,
            payment_status=P.UNPAID,
            last_message="",
            settles_at=timezone.now() + delay,
            settle_outcome=outcome,
        )
        _deliver(session, "checkout.session.completed", result)
        if not delay:
            _settle(session, result)
        result.message = result.message or "The payment is on its way."
    elif outcome == Outcome.EXPIRE:
        session = _set(session_id, status=S.EXPIRED, last_message="")
        _deliver(session, "checkout.session.expired", result)
        result.message = result.message or "The checkout session expired."
    else:
        return SandboxResult(ok=False, message="Unknown test outcome.")
    return result


def _settle(session: SandboxCheckoutSession, result: SandboxResult) -> None:
    """The delayed payment clears or fails, with the event Stripe sends for it."""
    P = SandboxCheckoutSession.PaymentStatus
    if session.settle_outcome == Outcome.ASYNC_SUCCESS:
        session = _set(session.pk, payment_status=P.PAID, settles_at=None)
        _deliver(session, "checkout.session.async_payment_succeeded", result)
        result.message = result.message or "The delayed payment succeeded."
    else:
        session = _set(session.pk, settles_at=None)
        _deliver(session, "checkout.session.async_payment_failed", result)
        result.message = result.message or "The delayed payment failed."


def sandbox_payments_settle(*, now: datetime | None = None) -> list[str]:
    """The periodic job: "pay later" payments whose moment has come clear or fail."""
    now = now or timezone.now()
    settled = []
    for session in SandboxCheckoutSession.objects.filter(settles_at__lte=now).order_by("settles_at"):
        # Claimed by a conditional update: two runs at once settle each payment once.
        if SandboxCheckoutSession.objects.filter(pk=session.pk, settles_at__isnull=False).update(settles_at=None):
            _settle(session, SandboxResult(ok=True, message=""))
            settled.append(session.pk)
    return settled
