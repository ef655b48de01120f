"""The customer's orders on their dashboard: the orders page, a receipt, and the polled
"preparing your proxy" panel. Thin: read through the selectors, nudge provisioning explicitly,
render. Anyone else's order is a 404 (the selectors raise NotFound)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.accounts.http import AuthenticatedHtmxHttpRequest, AuthenticatedHttpRequest
from apps.billing.dashboard import (
    order_view_for_customer,
    order_views_for_customer,
    provisioning_orders_for_customer,
    provisioning_status,
)
from apps.billing.models import Order
from apps.billing.selectors import invoice_exists
from apps.billing.services import order_provisioning_nudge
from apps.proxies.selectors import pool_key_current_for_customer


@login_required
@require_GET
def order_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "billing/orders.html", {"orders": order_views_for_customer(customer=request.user)})


@login_required
@require_GET
def order_receipt(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """One of the caller's orders; anyone else's is a 404."""
    order = order_view_for_customer(customer=request.user, public_id=public_id)
    has_invoice = invoice_exists(public_id=public_id)
    return render(request, "billing/receipt.html", {"order": order, "has_invoice": has_invoice})


@never_cache
@login_required
@require_GET
def provisioning_status_panel(request: AuthenticatedHtmxHttpRequest) -> HttpResponse:
    """The "preparing your proxy" panel, polled by htmx. It re-drives paid orders whose retry is
    due (so an order heals even where no beat process runs). Once nothing is waiting any more
    the whole page reloads (HX-Refresh) so the customer lands on their active key."""
    has_key = pool_key_current_for_customer(customer=request.user) is not None
    orders = provisioning_orders_for_customer(customer=request.user)
    for order in orders:
        if order.status == Order.Status.PAID:
            order_provisioning_nudge(order=order)
    status = provisioning_status(orders=orders, has_key=has_key)
    response = render(request, "billing/partials/provisioning_status.html", {"status": status})
    if not status.waiting and request.htmx:
        response["HX-Refresh"] = "true"
    return response
