from django.http import HttpRequest

from apps.accounts.http import AuthenticatedHttpRequest
from apps.proxies.dashboard.keys import key_selected
from apps.proxies.dashboard.live import stock_counts
from apps.proxies.dashboard.page import (
    DashboardReads,
    dashboard_context,
    default_builder_initial,
    default_bulk_initial,
)
from apps.proxies.forms import BulkForm, ProxyUrlForm
from apps.proxies.models import PoolKey
from apps.proxies.selectors import (
    pool_key_dashboard,
    pool_key_get_for_customer,
    session_list_for_customer,
)
from apps.proxies.selectors_keys import pool_key_hold_reason, pool_key_limit
from apps.proxies.services import feeds


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def own_key(request: AuthenticatedHttpRequest, key_id) -> PoolKey:
    """The caller's key; anyone else's raises NotFound, a 404 exactly like a missing key."""
    return pool_key_get_for_customer(customer=request.user, key_id=key_id)


def stock_counts_cached() -> dict:
    """Online counts per country from the cached stock feed (the forms' country choices)."""
    return stock_counts(feeds.stock_feed(fetch=False).value)


# A new secret is shown once, on the page the browser is redirected to after the POST (so a
# reload does not post again); it waits in the server-side session for that one GET only.
SECRET_ONCE_SESSION_KEY = "pool_key_secret_once"


def secret_show_once(request: AuthenticatedHttpRequest, *, secret: str, just_regenerated: bool) -> None:
    request.session[SECRET_ONCE_SESSION_KEY] = {"secret": secret, "just_regenerated": just_regenerated}


def secret_shown_once(request: AuthenticatedHttpRequest) -> dict:
    return request.session.pop(SECRET_ONCE_SESSION_KEY, None) or {}


def selected_key_id(request: HttpRequest):
    """The key the page is about: `?key=<id>` (or a form's `key` field); None for the newest."""
    return request.GET.get("key") or request.POST.get("key") or None


def dashboard_page_context(
    request: AuthenticatedHttpRequest, *, builder_form=None, bulk_form=None, key_id=None, **kwargs
) -> dict:
    """The dashboard's context: refreshes the shown key from the upstream when its mirror
    is old (at most once per interval; a failure leaves the mirror, shown "as of"), then reads
    what the page shows, for the selected key (`key_id`, else `?key=`, else the newest; someone
    else's is a 404). Unbound builder and bulk forms unless the view passes bound ones."""
    customer = request.user
    key_id = key_id if key_id is not None else selected_key_id(request)
    # No upstream call on the page's path: the figures come from the mirror the usage sync keeps,
    # and a page whose key is out of date asks for a refresh (views.key_usage) after it rendered.
    keys = pool_key_dashboard(customer=customer)
    selected = key_selected(keys, key_id)  # someone else's key is a 404
    limit = pool_key_limit()
    cached = feeds.feeds_cached("stock", "incidents", "sessions")
    reads = DashboardReads(
        keys=keys,
        stock=cached["stock"],
        incidents=cached["incidents"],
        sessions=session_list_for_customer(
            customer=customer,
            feed=cached["sessions"],
            key=selected.key if selected is not None else None,
        ),
        selected=selected,
        can_add_key=len(keys) < limit,
        key_limit=limit,
        hold_reason=pool_key_hold_reason(selected.key) if selected is not None else "",
    )
    counts = stock_counts(reads.stock.value)
    if builder_form is None:
        builder_form = ProxyUrlForm(initial=default_builder_initial(), stock_counts=counts)
    if bulk_form is None:
        bulk_form = BulkForm(initial=default_bulk_initial(), stock_counts=counts)
    return dashboard_context(reads=reads, builder_form=builder_form, bulk_form=bulk_form, **kwargs)
