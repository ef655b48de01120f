"""Everything the dashboard page renders, assembled from selectors and cached feeds.

A page load reads the local mirror and the feed caches; it never waits on the upstream for
stock, incidents or sessions (the htmx partials refresh those), and the key's usage is
refreshed by `pool_key_dashboard` at most once per interval, falling back to the mirror
("usage as of …") when the upstream fails.

The incidents, stock and sessions panels are built in live.py.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.timesince import timeuntil

from apps.proxies.forms import BulkForm, ProxyUrlForm
from apps.proxies.models import PoolKey, PoolKeyStatus
from apps.proxies.selectors import ExpiryState, PoolKeyUsage, pool_key_dashboard
from apps.proxies.urlgrammar import ProxyOptions, ProxyUrlError, build_proxy_url

from . import feeds
from .builder import (
    CARRIER_SUGGESTIONS,
    CITY_SUGGESTIONS,
    POOLS,
    PROTOCOLS,
    ROTATION_HELP,
    ROTATIONS,
    TTLS,
    BuilderOptions,
    random_sid_part,
)
from .bulk import BULK_MAX, bulk_seed
from .formats import builder_config, format_views, proxy_options
from .live import (
    IncidentView,
    SessionRow,
    SessionsView,
    StockRow,
    StockView,
    incident_views,
    sessions_view,
    stock_view,
)
from .orders import order_views_for_customer, provisioning_status_for_customer

__all__ = [
    "EXPIRY_TONES",
    "KEY_STATES",
    "IncidentView",
    "KeyState",
    "SessionRow",
    "SessionsView",
    "StockRow",
    "StockView",
    "UsageView",
    "builder_options",
    "common_context",
    "dashboard_context",
    "default_builder_initial",
    "default_bulk_initial",
    "incident_views",
    "sessions_view",
    "stock_view",
    "usage_view",
]


KEY_STATES = {
    PoolKeyStatus.ACTIVE: ("Active", "ok"),
    PoolKeyStatus.NEAR_CAP: ("Running low", "warn"),
    PoolKeyStatus.SUSPENDED_CAP: ("Paused: traffic used up", "danger"),
    PoolKeyStatus.EXPIRED: ("Expired", "danger"),
    PoolKeyStatus.DISABLED: ("Disabled", "danger"),
    PoolKeyStatus.MISSING: ("Unavailable", "danger"),
}
EXPIRY_TONES = {ExpiryState.OK: "dim", ExpiryState.SOON: "amber", ExpiryState.EXPIRED: "red", ExpiryState.NONE: "dim"}


@dataclass(frozen=True)
class KeyState:
    name: str
    label: str
    tone: str


@dataclass(frozen=True)
class UsageView:
    """The selector's figures plus what the template draws."""

    usage: PoolKeyUsage
    bar_width: str
    expiry_tone: str
    expiry_text: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.usage, name)


def usage_view(usage: PoolKeyUsage, *, now: datetime | None = None) -> UsageView:
    now = now or timezone.now()
    if usage.expires_at is None:
        text = "no expiry"
    elif usage.expiry_state == ExpiryState.EXPIRED:
        text = "renew to keep using your proxy"
    else:
        text = f"in {timeuntil(usage.expires_at, now)}"
    return UsageView(
        usage=usage,
        bar_width=str(usage.bar_percent),
        expiry_tone=EXPIRY_TONES.get(usage.expiry_state, "dim"),
        expiry_text=text,
    )


def builder_options(form) -> BuilderOptions:
    """Options from a bound, valid ProxyUrlForm or BulkForm (the fields they share)."""
    data = form.cleaned_data
    return BuilderOptions(
        pool=data.get("pool") or "mbl",
        country=data.get("country") or "",
        carrier=data.get("carrier") or "",
        city=data.get("city") or "",
        sid_part=data.get("sid_part") or "",
        rotation=data.get("rotation") or "sticky",
        ttl=data.get("ttl"),
        protocol=data.get("protocol") or "http",
    )


def default_builder_initial() -> dict:
    return {"pool": "mbl", "country": "", "rotation": "sticky", "protocol": "http", "sid_part": random_sid_part()}


def default_bulk_initial() -> dict:
    return {"pool": "mbl", "country": "", "rotation": "sticky", "protocol": "http", "count": 10, "seed": bulk_seed()}


def _current(customer) -> tuple[PoolKey | None, PoolKeyUsage | None]:
    items = pool_key_dashboard(customer=customer)
    if not items:
        return None, None
    return items[0].key, items[0].usage


def common_context() -> dict:
    return {
        "pools": POOLS,
        "rotations": ROTATIONS,
        "ttls": TTLS,
        "protocols": PROTOCOLS,
        "bulk_max": BULK_MAX,
        "carrier_suggestions": CARRIER_SUGGESTIONS,
        "city_suggestions": CITY_SUGGESTIONS,
    }


def dashboard_context(
    *,
    customer,
    secret: str | None = None,
    builder_form=None,
    bulk_form=None,
    bulk_lines: list[str] | None = None,
    notice: dict | None = None,
    just_regenerated: bool = False,
) -> dict:
    """The dashboard's context; unbound builder and bulk forms unless the caller passes bound ones."""
    key, usage = _current(customer)
    incidents = feeds.incidents_feed(fetch=False)
    stock = stock_view(feeds.stock_feed(fetch=False), incidents=feeds.active_incidents(incidents))
    ctx: dict[str, Any] = {
        **common_context(),
        "key": key,
        "secret": secret,
        "notice": notice,
        "just_regenerated": just_regenerated,
        "incidents": incident_views(incidents),
        "incidents_lazy": incidents.stale,
        "stock": stock,
        "stock_lazy": stock.stale,
        "stock_counts": stock.counts,
        "orders": order_views_for_customer(customer=customer, limit=5),
        "plans": None,
    }
    status = provisioning_status_for_customer(customer=customer, has_key=key is not None)
    ctx["order_status"] = status
    ctx["help_username"] = settings.PROXIES_SX_USERNAME
    ctx["help_example_url"] = build_proxy_url(
        secret="pak_YOUR_SECRET", options=ProxyOptions(country="us", sid="example", rotation="sticky")
    ).url
    if key is None:
        ctx["state"] = "preparing" if status.waiting else "no_key"
        return ctx

    name = key.status
    label, tone = KEY_STATES.get(name, (name, "neutral"))
    ctx.update(
        state="key",
        key_state=KeyState(name=name, label=label, tone=tone),
        usage=usage_view(usage),
        pending_topup=status.waiting and status.polling,
        builder_config=builder_config(key=key, secret=secret),
    )
    if builder_form is None:
        builder_form = ProxyUrlForm(initial=default_builder_initial(), stock_counts=stock.counts)
    if bulk_form is None:
        bulk_form = BulkForm(initial=default_bulk_initial(), stock_counts=stock.counts)
    ctx["builder_form"] = builder_form
    ctx["bulk_form"] = bulk_form
    ctx["bulk_lines"] = bulk_lines or []
    ctx["bulk_rotation_help"] = ROTATION_HELP.get(_field_value(bulk_form, "rotation") or "sticky", "")

    options, error = _options_or_default(builder_form)
    try:
        grammar_options = proxy_options(options=options, tag=key.session_tag)
    except ProxyUrlError as exc:
        error = exc.message
        grammar_options = proxy_options(options=replace(options, carrier="", city="", sid_part=""), tag=key.session_tag)
    ctx["builder_error"] = error
    ctx["formats"] = format_views(key=key, options=grammar_options, secret=secret)
    ctx["help_example_url"] = ctx["formats"][0].text
    ctx["zero_countries"] = {c for c, n in stock.counts.items() if n.get(options.pool, 0) == 0}
    ctx["country_is_empty"] = bool(options.country) and options.country in ctx["zero_countries"]
    ctx["sessions"] = sessions_view(customer=customer, fetch=False)
    ctx["sessions_lazy"] = ctx["sessions"].stale
    return ctx


def _field_value(form, name: str):
    try:
        return form[name].value()
    except KeyError:
        return None


def _options_or_default(form) -> tuple[BuilderOptions, str]:
    if form.is_bound:
        if form.is_valid():
            return builder_options(form), ""
        return BuilderOptions(), "Some options need fixing; showing the default URL meanwhile."
    initial = {**form.initial}
    return (
        BuilderOptions(
            pool=initial.get("pool", "mbl"),
            country=initial.get("country", ""),
            sid_part=initial.get("sid_part", ""),
            rotation=initial.get("rotation", "sticky"),
            protocol=initial.get("protocol", "http"),
        ),
        "",
    )
