"""A paid order's invoice: the shop's printable, numbered page, or (Stripe payments) a redirect
to the invoice Stripe issued and hosts. Anyone else's order is a 404."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from apps.accounts.http import AuthenticatedHttpRequest
from apps.billing.providers.registry import provider_get
from apps.billing.selectors import invoice_get_for_customer
from apps.core.errors import RetryableError, TerminalError

logger = logging.getLogger(__name__)


@login_required
@require_GET
def invoice_view(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    invoice = invoice_get_for_customer(customer=request.user, public_id=public_id)
    if invoice.provider_invoice_id:
        provider = provider_get(invoice.provider)
        try:
            return redirect(provider.invoice_url(reference=invoice.provider_invoice_id))
        except (RetryableError, TerminalError) as exc:
            logger.warning("invoice %s: could not read it from %s (%s)", invoice.pk, invoice.provider, exc)
            messages.error(
                request,
                gettext(
                    "The invoice could not be fetched from the payment provider just now. Please try again in a minute."
                ),
            )
            return redirect("orders:receipt", public_id=public_id)
    return render(request, "billing/invoice.html", {"invoice": invoice, "order": invoice.order})
