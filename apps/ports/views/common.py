from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from apps.accounts.http import AuthenticatedHttpRequest
from apps.core.errors import NotFound
from apps.ports.dashboard import port_page_context
from apps.ports.models import Port
from apps.ports.selectors import port_get_for_customer


def own_port(request: AuthenticatedHttpRequest, port_id) -> Port:
    """The caller's port or 404: someone else's port looks exactly like a missing one."""
    try:
        return port_get_for_customer(customer=request.user, port_id=port_id)
    except NotFound:
        raise Http404(gettext("No such port.")) from None


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def port_page(request: AuthenticatedHttpRequest, port: Port, *, status: int = 200, **extra) -> HttpResponse:
    return render(request, "ports/port.html", port_page_context(port=port, **extra), status=status)
