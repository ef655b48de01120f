"""Orders as the customer sees them on their dashboard: plain states, formatted amounts, the
"preparing your proxy" panel. Presentation only: reads go through `apps.billing.selectors`,
which scope every query to the customer; the views nudge provisioning themselves."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from apps.billing import selectors as billing_selectors
from apps.billing.models import Order
from apps.billing.quantity import quantity_text
from apps.core.i18n import money_format


def money_text(amount, currency: str, *, short: bool = False) -> str:
    """$35.00 (`short`: whole amounts without cents, $35); "" for no amount."""
    if amount is None:
        return ""
    return money_format(Decimal(amount), currency, short=short)


# Paid but still not provisioned after this long: tell the customer we are on it.
SLOW_PROVISIONING = timedelta(minutes=5)

_STATES: dict[str, tuple[str | Promise, str]] = {
    Order.Status.PENDING: (gettext_lazy("Awaiting payment"), "neutral"),
    Order.Status.PAID: (gettext_lazy("Preparing"), "info"),
    Order.Status.PROVISIONED: (gettext_lazy("Completed"), "ok"),
    Order.Status.EXPIRED: (gettext_lazy("Not completed"), "neutral"),
    Order.Status.REFUNDED: (gettext_lazy("Refunded"), "neutral"),
    Order.Status.DISPUTED: (gettext_lazy("Disputed"), "warn"),
}


@dataclass(frozen=True)
class OrderView:
    public_id: str
    reference: str
    created_at: datetime
    paid_at: datetime | None
    plan_name: str
    gb: Decimal
    quantity_text: str  # "25 GB", "1 port"
    validity_days: int | None
    amount_display: str
    refunded_display: str
    state_label: str
    state_tone: str
    # Money taken: the page is a receipt. Unpaid, it is an order summary (nothing was charged).
    paid: bool = False
    # Still waiting for its payment: the customer can go back to the checkout while it is open.
    awaiting_payment: bool = False

    @property
    def document_title(self) -> str:
        return gettext("Receipt") if self.paid else gettext("Order summary")


def order_view(order: Order) -> OrderView:
    if order.status == Order.Status.FAILED:
        label, tone = (gettext("Needs attention") if order.paid_at else gettext("Payment failed")), "danger"
    else:
        state, tone = _STATES.get(order.status, (order.get_status_display(), "neutral"))
        label = str(state)
    return OrderView(
        public_id=str(order.public_id),
        reference=order.reference,
        created_at=order.created_at,
        paid_at=order.paid_at,
        plan_name=order.plan_name,
        gb=order.gb,
        quantity_text=quantity_text(order.gb, order.product_kind),
        validity_days=order.validity_days,
        amount_display=money_text(order.amount_shown, order.currency) or "—",
        refunded_display=money_text(order.amount_refunded, order.currency) if order.amount_refunded else "",
        state_label=label,
        state_tone=tone,
        paid=order.paid_at is not None,
        awaiting_payment=order.status == Order.Status.PENDING,
    )


def order_views_for_customer(*, customer, limit: int | None = None) -> list[OrderView]:
    orders = billing_selectors.order_list_for_customer(customer=customer)
    if limit is not None:
        orders = orders[:limit]
    return [order_view(o) for o in orders]


def order_view_for_customer(*, customer, public_id) -> OrderView:
    """Raises NotFound for anyone else's order."""
    return order_view(billing_selectors.order_get_for_customer(customer=customer, public_id=public_id))


@dataclass(frozen=True)
class ProvisioningStatus:
    """The "preparing your proxy" panel: is a paid order still waiting for its key?"""

    waiting: bool  # a paid order is being provisioned
    problem: bool  # it is taking long, or it failed and the operator was alerted
    polling: bool
    order: OrderView | None
    ready: bool = False


# Orders the panel looks at (the newest): a paid order older than these has long been delivered.
PANEL_ORDERS = 20


def provisioning_orders_for_customer(*, customer) -> list[Order]:
    """The orders the panel is built from; the polling view nudges the paid ones first."""
    return list(billing_selectors.order_list_for_customer(customer=customer)[:PANEL_ORDERS])


def _paid_and_stuck(status: str, paid_at, *, has_key: bool) -> bool:
    """Paid, but the key failed to arrive and the customer has none: the panel shows it."""
    return status == Order.Status.FAILED and bool(paid_at) and not has_key


def provisioning_status(*, orders: list[Order], has_key: bool) -> ProvisioningStatus:
    paid = [o for o in orders if o.status == Order.Status.PAID]
    stuck = [o for o in orders if _paid_and_stuck(o.status, o.paid_at, has_key=has_key)]
    if paid:
        oldest = min(paid, key=lambda o: o.paid_at or o.created_at)
        slow = (timezone.now() - (oldest.paid_at or oldest.created_at)) > SLOW_PROVISIONING
        return ProvisioningStatus(waiting=True, problem=slow, polling=True, order=order_view(oldest))
    if stuck:
        return ProvisioningStatus(waiting=True, problem=True, polling=False, order=order_view(stuck[0]))
    return ProvisioningStatus(waiting=False, problem=False, polling=False, order=None, ready=has_key)


def provisioning_status_for_customer(*, customer, has_key: bool) -> ProvisioningStatus:
    # Every dashboard load asks; nearly always nothing is on its way. Two columns of the newest
    # orders say so without building them (and their amounts) first.
    newest = billing_selectors.order_list_for_customer(customer=customer).values_list("status", "paid_at")
    if not any(
        status == Order.Status.PAID or _paid_and_stuck(status, paid_at, has_key=has_key)
        for status, paid_at in newest[:PANEL_ORDERS]
    ):
        return provisioning_status(orders=[], has_key=has_key)
    return provisioning_status(orders=provisioning_orders_for_customer(customer=customer), has_key=has_key)
