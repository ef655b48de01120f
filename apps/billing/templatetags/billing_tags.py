"""The pricing section (landing page and dashboard), money formatting, and what an order delivered
(as its product describes it)."""

from decimal import Decimal

from django import template

from apps.billing.selectors import order_delivery_view, plan_list_active

register = template.Library()

SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "inr": "₹", "aud": "A$", "cad": "C$", "chf": "CHF "}


def _money(amount, currency: str, *, short: bool) -> str:
    if amount is None:
        return ""
    amount = Decimal(amount)
    text = f"{amount:,.0f}" if short and amount == amount.to_integral_value() else f"{amount:,.2f}"
    symbol = SYMBOLS.get((currency or "").lower())
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


@register.filter
def money(amount, currency: str = "usd") -> str:
    """`{{ order.price|money:order.currency }}` -> $35.00"""
    return _money(amount, currency, short=False)


@register.filter
def money_short(amount, currency: str = "usd") -> str:
    """Whole amounts without cents: $35, $7.50."""
    return _money(amount, currency, short=True)


@register.simple_tag
def order_delivery(order):
    """`{% order_delivery order as delivery %}`: the order's DeliveryView (apps/core/fulfilment.py),
    e.g. `{{ delivery.summary }}` ("were added to your proxy")."""
    return order_delivery_view(order)


@register.inclusion_tag("billing/_pricing_cards.html", takes_context=True)
def pricing_section(context, section_id: str = ""):
    """Active plans with price per GB. Uses `plans` from the context when a view passed them."""
    plans = context.get("plans")
    plans = list(plan_list_active()) if plans is None else list(plans)
    dearest = max((p.price_per_gb for p in plans), default=None)
    cards = [
        {
            "plan": plan,
            "saving": int((1 - plan.price_per_gb / dearest) * 100) if dearest and plan.price_per_gb < dearest else 0,
        }
        for plan in plans
    ]
    return {
        "cards": cards,
        "section_id": section_id or context.get("section_id") or "pricing",
        "user": context.get("user"),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
