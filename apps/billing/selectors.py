"""Billing reads: plans for sale, a customer's orders."""

import uuid

from django.db.models import QuerySet
from django.http import Http404

from .models import Order, Plan


def plan_list_active() -> QuerySet[Plan]:
    return Plan.objects.filter(active=True).order_by("sort_order", "price", "id")


def plan_get_active(*, slug: str) -> Plan:
    plan = Plan.objects.filter(slug=slug, active=True).first()
    if plan is None:
        raise Http404("No such plan.")
    return plan


def order_list_for_customer(*, customer) -> QuerySet[Order]:
    return Order.objects.filter(customer=customer).select_related("plan").order_by("-created_at", "-id")


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
