"""The pricing section (landing page and dashboard), money formatting, what an order delivered (as
its product describes it), and the customer's orders on their dashboard (the proxies dashboard renders
them through these tags, as proxies imports nothing of billing)."""

from decimal import Decimal

from django import template
from django.utils.translation import gettext

from apps.billing.dashboard import money_text, order_views_for_customer, provisioning_status_for_customer
from apps.billing.products import UnknownProduct, product_get
from apps.billing.quantity import quantity_text
from apps.billing.selectors import order_delivery_view, plan_list_active, plan_list_on_sale

register = template.Library()

# On the dashboard: the newest few; the orders page lists them all.
DASHBOARD_ORDERS = 5


@register.filter
def money(amount, currency: str = "usd") -> str:
    """`{{ order.price|money:order.currency }}` -> $35.00"""
    return money_text(amount, currency, short=False)


@register.filter
def money_short(amount, currency: str = "usd") -> str:
    """Whole amounts without cents: $35, $7.50."""
    return money_text(amount, currency, short=True)


@register.filter
def quantity(obj) -> str:
    """`{{ order|quantity }}` / `{{ plan|quantity }}`: "25 GB", "1 port" (by the product's unit)."""
    shown = getattr(obj, "quantity_text", None)  # an OrderView carries it already
    return shown if isinstance(shown, str) else quantity_text(obj.gb, obj.product_kind)


@register.simple_tag
def order_delivery(order):
    """`{% order_delivery order as delivery %}`: the order's DeliveryView (apps/core/fulfilment.py),
    e.g. `{{ delivery.summary }}` ("were added to your proxy")."""
    return order_delivery_view(order)


def _unit(kind: str) -> str:
    try:
        return gettext(product_get(kind).unit)
    except UnknownProduct:
        return ""


@register.inclusion_tag("billing/_pricing_cards.html", takes_context=True)
def pricing_section(context, section_id: str = ""):
    """Active plans with the price per unit of their product (GB, port). Uses `plans` from the
    context when a view passed them."""
    plans = context.get("plans")
    plans = plan_list_on_sale() if plans is None else list(plans)
    # Savings compare plans of one product only (a GB of traffic is not a port).
    dearest: dict[str, Decimal] = {}
    for p in plans:
        dearest[p.product_kind] = max(dearest.get(p.product_kind, p.price_per_gb), p.price_per_gb)
    cards = []
    for plan in plans:
        top = dearest[plan.product_kind]
        saving = int((1 - plan.price_per_gb / top) * 100) if top and plan.price_per_gb < top else 0
        cards.append({"plan": plan, "saving": saving, "unit": _unit(plan.product_kind)})
    return {
        "cards": cards,
        "section_id": section_id or context.get("section_id") or "pricing",
        "user": context.get("user"),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
        # The dashboard's choice of where a purchase goes (apps/proxies/dashboard/keys.py
        # PurchaseTargets: kind, choices, default, back); sent as the checkout's `target`.
        "purchase_targets": context.get("purchase_targets"),
    }


@register.inclusion_tag("billing/partials/orders_recent.html")
def customer_orders_panel(customer):
    """`{% customer_orders_panel user %}`: the dashboard's recent orders (nothing without any)."""
    return {"orders": order_views_for_customer(customer=customer, limit=DASHBOARD_ORDERS)}


@register.simple_tag
def customer_provisioning_status(customer, has_key):
    """`{% customer_provisioning_status user key as status %}`: is a paid order still waiting for
    its proxy (the dashboard's "preparing" panel)? Read only: the polling view nudges."""
    return provisioning_status_for_customer(customer=customer, has_key=bool(has_key))


@register.simple_tag
def plans_of_product(kind: str, slugs=None):
    """`{% plans_of_product "dedicated_port" renewal_slugs as plans %}`: the active plans of one
    product, limited to `slugs` when given (a product's page offers its own plans, e.g. renewals)."""
    plans = plan_list_active().filter(product_kind=kind)
    return list(plans if slugs is None else plans.filter(slug__in=list(slugs)))
