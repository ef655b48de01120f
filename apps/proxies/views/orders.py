from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.billing.models import Order
from apps.proxies.dashboard.orders import order_view_for_customer, order_views_for_customer


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    return render(request, "proxies/orders.html", {"orders": order_views_for_customer(customer=request.user)})


@login_required
@require_GET
def order_receipt(request: HttpRequest, public_id: str) -> HttpResponse:
    """One of the caller's orders; anyone else's is a 404."""
    try:
        order = order_view_for_customer(customer=request.user, public_id=public_id)
    except (Order.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such order.") from None
    return render(request, "proxies/receipt.html", {"order": order})
