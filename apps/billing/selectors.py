"""Billing reads: plans for sale, a customer's orders, payments by their provider references."""

import uuid
from datetime import timedelta

from django.core.cache import cache
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.errors import NotFound
from apps.core.fulfilment import DeliveryView

from .models import Invoice, Order, Payment, Plan
from .models.plans import PLANS_ON_SALE_CACHE_KEY
from .products import UnknownProduct, product_get


def plan_list_active() -> QuerySet[Plan]:
    return Plan.objects.filter(active=True).order_by("sort_order", "price", "id")


# A minute at most: a plan changed by a bulk update (not through save) shows within that time.
PLANS_ON_SALE_SECONDS = 60


def plan_list_on_sale() -> list[Plan]:
    """The active plans for the pricing cards (landing page, dashboard), from the cache: every
    page that shows prices would otherwise read them. Checkout reads the plan itself."""
    plans = cache.get(PLANS_ON_SALE_CACHE_KEY)
    if plans is None:
        plans = list(plan_list_active())
        cache.set(PLANS_ON_SALE_CACHE_KEY, plans, PLANS_ON_SALE_SECONDS)
    return plans


def plan_get_active(*, slug: str) -> Plan:
    plan = Plan.objects.filter(slug=slug, active=True).first()
    if plan is None:
        raise NotFound(gettext("No such plan."))
    return plan


def order_list_for_customer(*, customer) -> QuerySet[Order]:
    return (
        Order.objects.filter(customer=customer)
        .with_amount_charged()
        .select_related("plan")
        .order_by("-created_at", "-id")
    )


def order_get_for_customer(*, customer, public_id) -> Order:
    """The customer's own order; anyone else's (or none, or a malformed id) raises NotFound (a
    404, never a 403)."""
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound(gettext("No such order.")) from None
    order = Order.objects.filter(customer=customer, public_id=public_id).first()
    if order is None:
        raise NotFound(gettext("No such order."))
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


def order_open_payment(*, order: Order) -> Payment | None:
    """The order's newest payment with a checkout still to pay through (none once paid)."""
    return (
        Payment.objects.filter(order=order, state__in=[Payment.State.CREATED, Payment.State.PENDING])
        .exclude(redirect_url="")
        .order_by("-created_at", "-id")
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


def invoice_get_for_customer(*, customer, public_id) -> Invoice:
    """The invoice of one of the customer's paid orders; anything else is NotFound (a 404)."""
    invoice = (
        Invoice.objects.select_related("order").filter(order__public_id=public_id, order__customer=customer).first()
    )
    if invoice is None:
        raise NotFound(gettext("No such invoice."))
    return invoice


def invoice_exists(*, public_id) -> bool:
    return Invoice.objects.filter(order__public_id=public_id).exists()
