"""View as customer: a staff member opens the customer's REAL dashboard (every customer page, as
the customer sees it), read-only.

Starting it (a POST from the customer's console page, audited as `staff.view_as_customer`)
stores the customer and the staff member in the staff member's own session for
VIEW_AS_MINUTES. While it lasts, the middleware below serves every page outside the console as
that customer (request.user is the customer), and refuses every request that could change
something (any method but GET, HEAD and OPTIONS) with a clear page, before any view runs; each
refusal is audited as `staff.view_as_write_refused` with the method and path. So revealing or
regenerating a secret, buying, creating an API key, changing the password or signing out are all
refused. The console itself (/admin/) stays the staff member's own, so *Exit* works from any page
(audited as `staff.view_as_ended`), and it ends by itself when the time is up, the staff member
loses the permission, or signs out.

Only customers (non-staff accounts) can be viewed; the staff member needs `accounts.view_user`."""

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from apps.core.http import client_ip
from apps.core.services import audit_log

SESSION_KEY = "console_view_as"
VIEW_AS_MINUTES = 30
VIEW_PERMISSION = "accounts.view_user"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class ViewAs:
    staff: Any
    customer: Any
    until: float  # epoch seconds

    @property
    def minutes_left(self) -> int:
        return max(int((self.until - time.time()) // 60), 0)


def view_as_allowed(*, staff, customer) -> bool:
    return bool(
        staff.is_authenticated
        and staff.is_active
        and staff.is_staff
        and staff.has_perm(VIEW_PERMISSION)
        and not customer.is_staff
        and not customer.is_superuser
    )


def view_as_start(request: HttpRequest, *, customer) -> None:
    """Starts viewing as `customer` in the staff member's session (checked by the caller)."""
    until = time.time() + VIEW_AS_MINUTES * 60
    request.session[SESSION_KEY] = {"customer": customer.pk, "staff": request.user.pk, "until": until}
    audit_log(
        action="staff.view_as_customer",
        actor=request.user,
        customer=customer,
        target=customer,
        ip=client_ip(request),
        data={"mode": "dashboard, read-only", "minutes": VIEW_AS_MINUTES},
    )


def view_as_stop(request: HttpRequest) -> bool:
    """Ends it (audited). False when nothing was going on."""
    state = request.session.pop(SESSION_KEY, None)
    if not state:
        return False
    customer = get_user_model().objects.filter(pk=state.get("customer")).first()
    audit_log(
        action="staff.view_as_ended", actor=request.user, customer=customer, target=customer, ip=client_ip(request)
    )
    return True


def _current(request: HttpRequest) -> ViewAs | None:
    session = request.session
    state = session.get(SESSION_KEY)
    if not state:
        return None
    staff = request.user
    customer = get_user_model().objects.filter(pk=state.get("customer")).first()
    if (
        customer is None
        or staff.pk != state.get("staff")
        or time.time() >= float(state.get("until", 0))
        or not view_as_allowed(staff=staff, customer=customer)
    ):
        session.pop(SESSION_KEY, None)  # over: the staff member browses as themselves again
        return None
    return ViewAs(staff=staff, customer=customer, until=float(state["until"]))


def _outside_the_shop(path: str) -> bool:
    """The console and static files stay the staff member's own."""
    return path.startswith(reverse("admin:index")) or path.startswith(settings.STATIC_URL or "/static/")


class ViewAsCustomerMiddleware:
    """After authentication: serves the shop as the viewed customer, read-only (module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _outside_the_shop(request.path) or not request.session.get(SESSION_KEY):
            return self.get_response(request)
        view_as = _current(request)
        if view_as is None:
            return self.get_response(request)
        request.user = view_as.customer

        async def auser():
            return view_as.customer

        request.auser = auser
        request.view_as = view_as  # type: ignore[attr-defined]
        if request.method not in SAFE_METHODS:
            return _refuse(request, view_as)
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"  # the customer's private pages: never kept
        return response


REFUSED = "Read-only: you are viewing this customer's dashboard as staff, so nothing can be changed here."


def _refuse(request: HttpRequest, view_as: ViewAs) -> HttpResponse:
    audit_log(
        action="staff.view_as_write_refused",
        actor=view_as.staff,
        customer=view_as.customer,
        target=view_as.customer,
        ip=client_ip(request),
        data={"method": request.method, "path": request.path[:200]},
    )
    if "application/json" in request.headers.get("Accept", "") or request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "read_only", "message": REFUSED}}, status=403)
    referer = request.headers.get("Referer", "")
    back = referer if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}) else ""
    context = {"refused_method": request.method, "refused_path": request.path, "back": back}
    response = TemplateResponse(request, "console/view_as_refused.html", context, status=403)
    response["Cache-Control"] = "no-store"
    return response.render()


def view_as_context(request: HttpRequest) -> dict:
    """`view_as` for the banner on every customer page while it lasts."""
    return {"view_as": getattr(request, "view_as", None)}
