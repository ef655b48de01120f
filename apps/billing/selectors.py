"""Billing reads: plans for sale, a customer's orders."""

import uuid
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from apps.core.errors import NotFound

from .models import Order, Plan


def plan_list_active() -> QuerySet[Plan]:
    return Plan.objects.filter(active=True).order_by("sort_order", "price", "id")


def plan_get_active(*, slug: str) -> Plan:
    plan = Plan.objects.filter(slug=slug, active=True).first()
    if plan is None:
        raise NotFound("No such plan.")
    return plan


def order_list_for_customer(*, customer) -> QuerySet[Order]:
    return Order.objects.filter(customer=customer).select_related("plan").order_by("-created_at", "-id")


def order_get_for_customer(*, customer, public_id) -> Order:
    """The customer's own order; anyone else's (or none, or a malformed id) raises NotFound (a
    404, never a 403)."""
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound("No such order.") from None
    order = Order.objects.filter(customer=customer, public_id=public_id).select_related("pool_key").first()
    if order is None:
        raise NotFound("No such order.")
    return order


# No Checkout Session lives longer (Stripe's maximum, and the sandbox's lifetime).
CHECKOUT_SESSION_MAX_AGE = timedelta(hours=24)


def order_pending_checkout_for(*, customer, plan: Plan) -> Order | None:
    """The customer's newest pending order for `plan` that has a checkout to pay through and no
    payment under way (a bank debit in flight keeps its order pending). Whether the session is
    still open is for Stripe to say."""
    return (
        Order.objects.filter(
            customer=customer,
            plan=plan,
            status=Order.Status.PENDING,
            stripe_payment_intent_id="",
            created_at__gte=timezone.now() - CHECKOUT_SESSION_MAX_AGE,
        )
        .exclude(stripe_checkout_session_id="")
        .exclude(checkout_url="")
        .order_by("-created_at", "-id")
        .first()
    )
