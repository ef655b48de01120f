"""Starting a purchase: a pending order, then a Stripe Checkout Session (or a sandbox one)."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.billing import gateway
from apps.billing.models import ORDER_METADATA_KEY, BillingProfile, Order, Plan
from apps.billing.money import to_minor_units
from apps.billing.selectors import order_pending_checkout_for
from apps.billing.stripe_client import StripeCallError
from apps.core.errors import ApplicationError

from .orders import order_attach_checkout_session, order_create, order_mark_checkout_failed

logger = logging.getLogger(__name__)


# A checkout handed out again must leave the customer time to pay.
CHECKOUT_REUSE_MIN_REMAINING = timedelta(minutes=10)


@dataclass(frozen=True)
class CheckoutStart:
    order: Order
    url: str
    reused: bool = False


def billing_profile_get(*, user) -> BillingProfile:
    return BillingProfile.objects.get_or_create(user=user)[0]


def billing_customer_id_ensure(*, user) -> str:
    """The customer's Stripe customer id, created once and reused for every later checkout. No
    lock is held over the network call: two tabs racing here send the same idempotency key, so
    Stripe answers both with the same customer, and the conditional UPDATE stores it once."""
    profile = billing_profile_get(user=user)
    if profile.stripe_customer_id:
        return profile.stripe_customer_id
    customer = gateway.customer_create(
        email=user.email, user_ref=str(user.pk), idempotency_key=f"sf-customer-{user.pk}-{profile.pk}"
    )
    BillingProfile.objects.filter(pk=profile.pk, stripe_customer_id="").update(stripe_customer_id=customer["id"])
    profile.refresh_from_db(fields=["stripe_customer_id"])
    return profile.stripe_customer_id


def checkout_session_params(*, order: Order, stripe_customer_id: str) -> dict:
    status_path = reverse("billing:order_status", args=[order.public_id])
    cancel_path = reverse("billing:order_cancel", args=[order.public_id])
    description = f"{order.gb.normalize():f} GB of proxy traffic"
    if order.validity_days:
        description += f", valid {order.validity_days} days"
    metadata = {ORDER_METADATA_KEY: str(order.public_id)}
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": order.currency,
                    "unit_amount": to_minor_units(order.price, order.currency),
                    "product_data": {"name": order.plan_name, "description": description},
                },
            }
        ],
        "client_reference_id": str(order.public_id),
        "metadata": metadata,
        # Carried onto the payment, so refunds and disputes can be traced back to the order.
        "payment_intent_data": {"metadata": metadata},
        "success_url": f"{settings.SITE_URL}{status_path}?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{settings.SITE_URL}{cancel_path}",
    }
    if stripe_customer_id:
        params["customer"] = stripe_customer_id
    else:
        params["customer_email"] = order.customer.email
    return params


def _same_terms(order: Order, plan: Plan) -> bool:
    """The order's snapshot still is the plan on sale (an edited plan gets a new checkout)."""
    snapshot = (order.plan_name, order.gb, order.price, order.currency, order.validity_days)
    return snapshot == (plan.name, plan.gb, plan.price, plan.currency, plan.validity_days)


def checkout_open_find(*, customer, plan: Plan) -> CheckoutStart | None:
    """The customer's checkout for this plan that is still open for a while, re-read from Stripe
    (or the sandbox): clicking "Buy" again, or coming back from the payment page, goes back to it
    instead of opening one more order and session. None when there is none, or Stripe can't say."""
    order = order_pending_checkout_for(customer=customer, plan=plan)
    if order is None or not _same_terms(order, plan):
        return None
    try:
        session = gateway.checkout_session_retrieve(order.stripe_checkout_session_id)
    except StripeCallError as exc:
        logger.info("checkout %s of order %s not re-read: %s", order.stripe_checkout_session_id, order.reference, exc)
        return None
    expires_at = session.get("expires_at")
    if session.get("status") != "open" or not session.get("url") or not isinstance(expires_at, int):
        return None
    if datetime.fromtimestamp(expires_at, UTC) < timezone.now() + CHECKOUT_REUSE_MIN_REMAINING:
        return None
    return CheckoutStart(order=order, url=session["url"], reused=True)


def checkout_start(*, customer, plan: Plan) -> CheckoutStart:
    """The customer's open checkout for this plan when there is one; otherwise creates the pending
    order (committed first, so the payment always has an order to land on) and its checkout
    session. Raises ApplicationError with a message for the customer when the payment provider
    cannot be reached; the order is then marked failed."""
    reused = checkout_open_find(customer=customer, plan=plan)
    if reused is not None:
        logger.info("checkout of order %s reused", reused.order.reference)
        return reused
    order = order_create(customer=customer, plan=plan)
    try:
        customer_id = billing_customer_id_ensure(user=customer)
        session = gateway.checkout_session_create(
            order=order,
            params=checkout_session_params(order=order, stripe_customer_id=customer_id),
            idempotency_key=f"{order.idempotency_prefix}-checkout",
        )
    except StripeCallError as exc:
        logger.warning("checkout for order %s failed: %s (request %s)", order.reference, exc, exc.request_id)
        order_mark_checkout_failed(order_id=order.pk, reason=f"checkout could not start: {exc}")
        raise ApplicationError(
            "We could not reach the payment provider. Nothing was charged; please try again in a minute."
        ) from exc
    order_attach_checkout_session(
        order_id=order.pk, session_id=session["id"], url=session["url"], stripe_customer_id=customer_id
    )
    order.stripe_checkout_session_id, order.checkout_url = session["id"], session["url"]
    return CheckoutStart(order=order, url=session["url"])
