"""Billing reads: plans for sale, a customer's orders."""

import uuid
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from apps.core.errors import NotFound
from apps.core.fulfilment import DeliveryView

from .models import Order, Plan
from .products import UnknownProduct, product_get


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
    order = Order.objects.filter(customer=customer, public_id=public_id).first()
    if order is None:
        raise NotFound("No such order.")
    return order


def order_delivery_view(order: Order, *, with_order: bool = True) -> DeliveryView:
    """What the order delivered, as its product describes it (empty parts when not delivered, or
    when its product is no longer sold). `with_order=False`: only what was delivered (its label
    and page), not what this order did to it — one lookup less, for lists."""
    try:
        product = product_get(order.product_kind)
    except UnknownProduct:
        return DeliveryView(label=order.fulfilment_ref)
    return product.describe(ref=order.fulfilment_ref, order_ref=order.reference if with_order else "")


def orders_for_delivery(*, product_kind: str, ref: str) -> QuerySet[Order]:
    """The orders that delivered `ref` (e.g. the orders on one key), newest first."""
    return Order.objects.filter(product_kind=product_kind, fulfilment_ref=ref).order_by("-created_at", "-id")


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
