from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import ApplicationError
from apps.core.ratelimit import rate_limit_allows, rate_limited_response

from .models import Order
from .selectors import order_get_for_customer, plan_get_active
from .services import checkout_cancel, checkout_resume_url, checkout_start, order_provisioning_nudge

PRICING_URL = "/#pricing"
CHECKOUT_TOO_MANY = "You started many checkouts in a short time. Please wait a few minutes, then try again."


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


@login_required
@transaction.non_atomic_requests  # the order is committed before Stripe is called
@require_http_methods(["GET", "POST"])
def checkout(request, slug: str):
    if request.method == "GET":  # back from sign-up or sign-in ("Sign up to buy"): this plan, one click to pay
        return render(request, "billing/checkout_confirm.html", {"plan": plan_get_active(slug=slug)})
    if not rate_limit_allows(request, action="checkout"):
        return rate_limited_response(request, message=CHECKOUT_TOO_MANY)
    plan = plan_get_active(slug=slug)
    try:
        # `target`: where the purchase goes ("" the product decides, "new", or a delivery id).
        start = checkout_start(customer=request.user, plan=plan, target_ref=request.POST.get("target", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(_back(request))
    return HttpResponseSeeOther(start.url)


def _back(request) -> str:
    """Where a refused checkout returns: the page the form said (e.g. the dashboard of the key it
    came from), when that is a local URL; else the plans."""
    back = request.POST.get("back", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        return back
    return PRICING_URL


@login_required
@never_cache
@require_GET
def order_status(request, public_id):
    order = order_get_for_customer(customer=request.user, public_id=public_id)
    order_provisioning_nudge(order=order)
    context = {"order": order, **_status_view(order)}
    if request.htmx:
        return render(request, "billing/_order_status_panel.html", context)
    return render(request, "billing/order_status.html", context)


def _status_view(order: Order) -> dict:
    S = Order.Status
    if order.status == S.PENDING:
        waiting_async = order.payment_in_flight
        return {
            "tone": "info",
            "poll": "every 5s" if waiting_async else "every 2s",
            "final": False,
            "waiting_async": waiting_async,
        }
    if order.status == S.PAID:
        return {"tone": "info", "poll": "every 2s", "final": False}
    if order.status == S.PROVISIONED:
        return {"tone": "success", "poll": "", "final": True}
    return {"tone": "warning" if order.status == S.EXPIRED else "danger", "poll": "", "final": True}


@login_required
@require_GET
def order_cancel(request, public_id):
    """The provider's cancel return URL: the customer left the payment page, so the unpaid order
    closes (a payment made later on the same checkout still counts)."""
    order = order_get_for_customer(customer=request.user, public_id=public_id)
    if checkout_cancel(order=order):
        messages.info(request, gettext("Checkout cancelled. Nothing was charged."))
    return redirect(PRICING_URL)


@login_required
@transaction.non_atomic_requests  # a provider call; the closing (if any) commits on its own
@require_POST
def order_resume(request, public_id):
    """ "Continue payment": back to the order's checkout while the provider still has it open."""
    order = order_get_for_customer(customer=request.user, public_id=public_id)
    url = checkout_resume_url(order=order)
    if url:
        return HttpResponseSeeOther(url)
    messages.info(
        request, gettext("That checkout can no longer be paid. Nothing was charged; choose a plan to buy again.")
    )
    return HttpResponseSeeOther(reverse("orders:list"))
