"""The test-payment page: the customer's stand-in for Stripe Checkout. Each button plays one
outcome; billing hears of it through its webhook service, in-process (checkout.py)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .checkout import Outcome, sandbox_session_act
from .models import SandboxCheckoutSession


def _own_session(request, session_id: str) -> SandboxCheckoutSession:
    if not settings.STRIPE_SANDBOX:
        raise Http404("Sandbox payments are off.")
    session = SandboxCheckoutSession.objects.select_related("order").filter(pk=session_id).first()
    if session is None or session.order.customer_id != request.user.pk:
        raise Http404("No such test checkout.")
    return session


def _local_path(url: str) -> str:
    """Where to send the browser after the sandbox: the path of the success/cancel URL, so it
    works on whatever host serves the shop (dev server, test server, SITE_URL)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@login_required
@never_cache
@transaction.non_atomic_requests  # the webhook service it calls runs its own transactions
@require_http_methods(["GET", "POST"])
def checkout(request, session_id: str):
    session = _own_session(request, session_id)
    message, status = "", 200
    if request.method == "POST":
        outcome = request.POST.get("outcome", "")
        if outcome == "cancel":
            return redirect(_local_path(session.cancel_url))
        if outcome not in Outcome.values:
            message, status = "Choose one of the test outcomes.", 400
        else:
            result = sandbox_session_act(session_id=session.pk, outcome=outcome)
            if result.ok:
                return redirect(_local_path(session.success_url))
            message = result.message
        session.refresh_from_db()
    return render(
        request,
        "sandbox/checkout.html",
        {"session": session, "order": session.order, "message": message, "outcomes": Outcome},
        status=status,
    )
