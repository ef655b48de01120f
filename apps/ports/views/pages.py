from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.accounts.http import AuthenticatedHttpRequest
from apps.core.errors import ApplicationError
from apps.ports.dashboard import port_card
from apps.ports.selectors import port_list_for_customer
from apps.ports.services import port_can_rotate, port_refresh_if_stale
from apps.ports.services.upstream import cooldown_text

from .common import own_port, port_page


@never_cache
@login_required
@require_GET
def ports_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    cards = [port_card(port) for port in port_list_for_customer(customer=request.user)]
    return render(request, "ports/list.html", {"cards": cards})


@never_cache
@login_required
@require_GET
def port_detail_view(request: AuthenticatedHttpRequest, port_id: int) -> HttpResponse:
    port = own_port(request, port_id)
    port_refresh_if_stale(port=port)  # automatic rotations happen upstream
    return port_page(request, port)


@never_cache
@login_required
@require_GET
def port_can_rotate_view(request: AuthenticatedHttpRequest, port_id: int) -> HttpResponse:
    """The rotate button's state, answered by the upstream before the click (htmx, on load)."""
    port = own_port(request, port_id)
    context = {"port": port, "can_rotate": False, "remaining": 0, "reason": ""}
    try:
        answer = port_can_rotate(port=port)
    except ApplicationError as exc:
        context["reason"] = exc.message
    else:
        remaining = 0 if answer.can_rotate else answer.cooldown_remaining
        context.update(
            can_rotate=answer.can_rotate,
            remaining=remaining,
            remaining_text=cooldown_text(remaining),
            reason=answer.reason,
        )
    return render(request, "ports/partials/can_rotate.html", context)
