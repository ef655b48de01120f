"""Billing reads: plans for sale, a customer's orders, payments by their provider references."""

import uuid
from datetime import timedelta

from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import Order, Payment, Plan


def plan_list_active() -> QuerySet[Plan]:
    return Plan.objects.filter(active=True).order_by("sort_order", "price", "id")


def plan_get_active(*, slug: str) -> Plan:
    plan = Plan.objects.filter(slug=slug, active=True).first()
    if plan is None:
        raise Http404("No such plan.")
    return plan


def order_list_for_customer(*, customer) -> QuerySet[Order]:
    return (
        Order.objects.filter(customer=customer)
        .with_amount_charged()
        .select_related("plan")
        .order_by("-created_at", "-id")
    )


def order_get_for_customer(*, customer, public_id) -> Order:
    """The customer's own order; anyone else's (or none, or a malformed id) is a 404, never a 403."""
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404("No such order.") from None
    order = Order.objects.filter(customer=customer, public_id=public_id).select_related("pool_key").first()
    if order is None:
        raise Http404("No such order.")
    return order


# No Checkout Session lives longer (Stripe's maximum, and the sandbox's lifetime).
CHECKOUT_SESSION_MAX_AGE = timedelta(hours=24)


def payment_open_checkout_for(*, customer, plan: Plan) -> Payment | None:
    """The payment of the customer's newest pending order for `plan` that has a checkout to pay
    through and no payment under way (a bank debit in flight keeps its order pending). Whether the
    checkout is still open is for the provider to say."""
    return (
        Payment.objects.filter(
            order__customer=customer,
            order__plan=plan,
            order__status=Order.Status.PENDING,
            order__created_at__gte=timezone.now() - CHECKOUT_SESSION_MAX_AGE,
            state=Payment.State.PENDING,
            payment_reference="",
        )
        .exclude(reference="")
        .exclude(redirect_url="")
        .select_related("order")
        .order_by("-order__created_at", "-order__id", "-created_at", "-id")
        .first()
    )


def order_find(*, public_id: uuid.UUID) -> Order | None:
    return Order.objects.filter(public_id=public_id).first()


def payment_find(*, provider: str, reference: str = "", payment_reference: str = "") -> Payment | None:
    """A payment by the provider's checkout id or its payment id (whichever is given)."""
    if reference:
        return Payment.objects.select_related("order").filter(provider=provider, reference=reference).first()
    if payment_reference:
        payments = Payment.objects.select_related("order").filter(
            provider=provider, payment_reference=payment_reference
        )
        # The confirmed one first, should a payment id ever be seen on two attempts.
        return payments.order_by(F("confirmed_at").asc(nulls_last=True), "-created_at", "-id").first()
    return None


def order_payment_references(*, order: Order, provider: str) -> list[tuple[str, str]]:
    """(checkout id, payment id) of each of the order's payments through `provider`."""
    return list(
        Payment.objects.filter(order=order, provider=provider)
        .order_by("created_at", "id")
        .values_list("reference", "payment_reference")
    )
