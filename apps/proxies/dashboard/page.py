"""Everything the dashboard page renders, formatted from what the view read.

The view reads the mirror and the feed caches; a page load never waits on the upstream (the
background sync keeps the mirror; an out-of-date usage card, stock, incidents and sessions are
refreshed by htmx partials after the page rendered; the daily chart, the full key list, orders,
pricing and help are loaded the same way, views/lazy.py). The orders and the "preparing your
proxy" panel come from billing's template tags: proxies knows nothing of orders.

The incidents, stock and sessions panels are built in live.py.
"""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from apps.proxies.selectors import (
    CustomerSessions,
    ExpiryState,
    PoolKeyDashboardItem,
    PoolKeyUsage,
    pool_key_mirror_is_fresh,
)
from apps.proxies.selectors_keys import pool_key_is_held
from apps.proxies.upstream.records import POOL_RESIDENTIAL
from apps.proxies.urlgrammar import ProxyOptions, ProxyUrlError, build_proxy_url

from .builder import (
    POOLS,
    PROTOCOLS,
    ROTATION_HELP,
    ROTATIONS,
    TTLS,
    BuilderOptions,
    random_sid_part,
    suggestions_for,
)
from .bulk import BULK_MAX, bulk_seed
from .formats import LIST_FORMATS, builder_config, format_views, proxy_options
from .keys import KEY_STATES, key_switch_rows, purchase_targets
from .live import (
    IncidentView,
    SessionRow,
    SessionsView,
    StockRow,
    StockView,
    active_incidents,
    incident_views,
    sessions_view,
    stock_view,
)

__all__ = [
    "EXPIRY_TONES",
    "KEY_STATES",
    "DashboardReads",
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
    "help_context",
    "incident_views",
    "sessions_view",
    "stock_view",
    "usage_view",
]


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
        text = gettext("no expiry")
    elif usage.expiry_state == ExpiryState.EXPIRED:
        text = gettext("renew to keep using your proxy")
    else:
        text = gettext("in %(time)s") % {"time": timeuntil(usage.expires_at, now)}
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


@dataclass(frozen=True)
class DashboardReads:
    """What the page shows, read by the view before it renders: the caller's keys with usage
    (`selectors.pool_key_dashboard`), the cached stock and incidents feeds and the caller's
    sessions from the cached sessions feed (`services.feeds`, `selectors.session_list_for_customer`)."""

    keys: list[PoolKeyDashboardItem]
    stock: Any  # a services.feeds.Feed
    incidents: Any  # a services.feeds.Feed
    sessions: CustomerSessions  # the selected key's
    selected: PoolKeyDashboardItem | None = None  # the key the page shows (`?key=`), else the newest
    can_add_key: bool = True  # under the customer's key limit
    key_limit: int = 0
    hold_reason: str = ""  # why the shop holds the selected key disabled (selectors_keys.pool_key_hold_reason)


def common_context() -> dict:
    return {
        "pools": POOLS,
        "rotations": ROTATIONS,
        "ttls": TTLS,
        "protocols": PROTOCOLS,
        "bulk_max": BULK_MAX,
        "list_formats": LIST_FORMATS,
    }


def help_context() -> dict:
    """The "Getting started" card: the same for every customer of the shop."""
    example = build_proxy_url(
        secret="pak_YOUR_SECRET", options=ProxyOptions(country="us", sid="example", rotation="sticky")
    )
    return {"rotations": ROTATIONS, "help_username": settings.PROXIES_SX_USERNAME, "help_example_url": example.url}


def dashboard_context(
    *,
    reads: DashboardReads,
    builder_form,
    bulk_form,
    secret: str | None = None,
    bulk_lines: list[str] | None = None,
    notice: dict | None = None,
    just_regenerated: bool = False,
) -> dict:
    """The dashboard's context. The view passes the builder and bulk forms (unbound ones with
    `default_builder_initial` / `default_bulk_initial`, or the bound ones it validated)."""
    current = reads.selected if reads.selected is not None else (reads.keys[0] if reads.keys else None)
    key = current.key if current is not None else None
    stock = stock_view(reads.stock, incidents=active_incidents(reads.incidents))
    ctx: dict[str, Any] = {
        **common_context(),
        "key": key,
        "secret": secret,
        "notice": notice,
        "just_regenerated": just_regenerated,
        "incidents": incident_views(reads.incidents),
        "incidents_lazy": reads.incidents.stale,
        "stock": stock,
        "stock_lazy": stock.stale,
        "stock_counts": stock.counts,
        "plans": None,
        **_key_rows(reads.keys, current),
        "purchase_targets": purchase_targets(reads.keys, current, can_add=reads.can_add_key),
        "can_add_key": reads.can_add_key,
        "key_limit": reads.key_limit,
    }
    ctx.update(help_context())
    if current is None or key is None:
        ctx["state"] = "no_key"  # or billing's "preparing" panel, while a paid order is on its way
        return ctx

    name = key.status
    label, tone = KEY_STATES.get(name, (name, "neutral"))
    ctx.update(
        state="key",
        key_state=KeyState(name=name, label=label, tone=tone),
        key_held=pool_key_is_held(key),
        key_hold_reason=reads.hold_reason,
        key_action_op=uuid.uuid4().hex,  # the rename / move forms' nonce: a double submit acts once
        usage=usage_view(current.usage),
        # The page shows the mirror; an old one is refreshed by an htmx request after render.
        usage_needs_refresh=not pool_key_mirror_is_fresh(key=key, now=timezone.now()),
        builder_config=builder_config(key=key, secret=secret),
    )
    ctx["builder_form"] = builder_form
    ctx["bulk_form"] = bulk_form
    ctx["bulk_lines"] = bulk_lines or []
    ctx["bulk_rotation_help"] = ROTATION_HELP.get(_field_value(bulk_form, "rotation") or "sticky", "")

    options, error = _options_or_default(builder_form)
    if options.pool == POOL_RESIDENTIAL:
        options = replace(options, carrier="")  # the residential pool has no carriers (field hidden)
    try:
        grammar_options = proxy_options(options=options, tag=key.session_tag)
    except ProxyUrlError as exc:
        error = exc.message
        grammar_options = proxy_options(options=replace(options, carrier="", city="", sid_part=""), tag=key.session_tag)
    # Without a script the datalists hold the chosen country's suggestions; the script swaps them
    # as the country changes, from the suggestions file (views.builder_suggestions).
    ctx["suggestions"] = suggestions_for(options.country)
    ctx["builder_error"] = error
    ctx["formats"] = format_views(key=key, options=grammar_options, secret=secret)
    # The code examples are drawn by the builder's script on a first load (a third of the
    # builder's weight); without a script, submitting the builder form renders them here.
    ctx["snippets_deferred"] = not builder_form.is_bound
    ctx["zero_countries"] = {c for c, n in stock.counts.items() if n.get(options.pool, 0) == 0}
    ctx["country_is_empty"] = bool(options.country) and options.country in ctx["zero_countries"]
    ctx["sessions"] = sessions_view(reads.sessions)
    ctx["sessions_lazy"] = ctx["sessions"].stale
    return ctx


# Up to this many keys are listed on the page; beyond, the page lists the shown key and the
# switcher loads the rest after render (views.key_list), so 20 keys don't weigh on every load.
KEY_ROWS_INLINE = 6


def _key_rows(items: list[PoolKeyDashboardItem], current: PoolKeyDashboardItem | None) -> dict:
    lazy = len(items) > KEY_ROWS_INLINE
    shown = [current] if lazy and current is not None else [] if lazy else items
    return {"key_rows": key_switch_rows(shown, current), "key_rows_lazy": lazy, "key_count": len(items)}


def _field_value(form, name: str):
    try:
        return form[name].value()
    except KeyError:
        return None


def _options_or_default(form) -> tuple[BuilderOptions, str]:
    if form.is_bound:
        if form.is_valid():
            return builder_options(form), ""
        return BuilderOptions(), _("Some options need fixing; the URLs appear once they are valid.")
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
