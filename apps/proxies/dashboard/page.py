"""Everything the dashboard page renders, assembled from selectors and cached feeds.

A page load reads the local mirror and the feed caches; it never waits on the upstream for
stock, incidents or sessions (the htmx partials refresh those), and the key's usage is
refreshed by `pool_key_dashboard` at most once per interval, falling back to the mirror
("usage as of …") when the upstream fails.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.timesince import timeuntil

from apps.proxies.forms import BulkForm, ProxyUrlForm
from apps.proxies.models import PoolKey, PoolKeyStatus
from apps.proxies.selectors import ExpiryState, PoolKeyUsage, pool_key_dashboard
from apps.proxies.urlgrammar import ProxyOptions, ProxyUrlError, build_proxy_url

from . import feeds, sessions
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
from .countries import country_name
from .formats import builder_config, format_views, proxy_options
from .orders import order_views_for_customer, provisioning_status_for_customer

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


@dataclass(frozen=True)
class IncidentView:
    severity: str
    title: str
    description: str
    started_at: datetime
    affects: list[str]


def _affects_label(entry: str) -> str:
    """ "peer:br" -> "Residential in Brazil"; "mbl" -> "Mobile"; "us" -> "United States"."""
    pools = {code: label for code, label, _ in POOLS}
    pool, _, country = entry.lower().partition(":")
    if country:
        return f"{pools.get(pool, pool)} in {country_name(country)}"
    if pool in pools:
        return pools[pool]
    return country_name(pool) if len(pool) == 2 else entry


def incident_views(feed: feeds.Feed) -> list[IncidentView]:
    return [
        IncidentView(
            severity=i.severity,
            title=i.title,
            description=i.description,
            started_at=i.started_at,
            affects=[_affects_label(a) for a in i.affects if isinstance(a, str)],
        )
        for i in feeds.active_incidents(feed)
    ]


@dataclass(frozen=True)
class StockRow:
    code: str
    name: str
    mbl: int
    peer: int
    mbl_health: dict
    peer_health: dict


def _health(n: int, *, incident: bool = False) -> dict:
    if incident:
        return {"label": "Incident", "tone": "danger"}
    if n <= 0:
        return {"label": "None online", "tone": "danger"}
    if n < 5:
        return {"label": "Low", "tone": "warn"}
    return {"label": "Good", "tone": "ok"}


@dataclass
class StockView:
    rows: list[StockRow]
    totals: dict
    generated_at: datetime | None
    fetched_at: datetime | None
    stale: bool
    failed: bool
    counts: dict = field(default_factory=dict)
    oob: bool = False


def stock_view(feed: feeds.Feed, *, incidents=()) -> StockView:
    """Per-country counts for both pools with a health pill; `incidents` (active ones) mark the
    countries they affect (`affects` entries like "mbl:br")."""
    counts = feeds.stock_counts(feed.value)
    affected = {a.lower() for i in incidents for a in i.affects if isinstance(a, str)}
    rows = [
        StockRow(
            code=c,
            name=country_name(c),
            mbl=n["mbl"],
            peer=n["peer"],
            mbl_health=_health(n["mbl"], incident=f"mbl:{c}" in affected),
            peer_health=_health(n["peer"], incident=f"peer:{c}" in affected),
        )
        for c, n in sorted(counts.items(), key=lambda item: (-(item[1]["mbl"] + item[1]["peer"]), item[0]))
    ]
    totals = {"mbl": sum(r.mbl for r in rows), "peer": sum(r.peer for r in rows)}
    return StockView(
        rows=rows,
        totals=totals,
        generated_at=feed.value.generated_at if feed.value is not None else None,
        fetched_at=feed.fetched_at,
        stale=feed.stale,
        failed=feed.failed,
        counts=counts,
    )


@dataclass(frozen=True)
class SessionRow:
    session_key: str
    sid: str
    country: str
    pool_label: str
    carrier: str
    ip: str
    rotation: str
    ttl_text: str
    expires_at: datetime | None
    bytes_in: int
    bytes_out: int
    request_count: int


@dataclass(frozen=True)
class SessionsView:
    rows: list[SessionRow]
    include_synthesized: bool
    hidden_synthesized: int
    fetched_at: datetime | None
    stale: bool
    failed: bool
    prefix_hint: str

    @property
    def available(self) -> bool:
        return self.fetched_at is not None

    @property
    def sessions(self) -> list[SessionRow]:
        return self.rows


def _ttl_text(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    if seconds >= 86400:
        return f"{seconds // 86400} d {seconds % 86400 // 3600} h"
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    if seconds >= 60:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def sessions_view(*, customer, fetch: bool, include_synthesized: bool = False) -> SessionsView:
    result = sessions.session_list_for_customer(customer=customer, fetch=fetch, include_synthesized=include_synthesized)
    pools = {code: label for code, label, _ in POOLS}
    rows = [
        SessionRow(
            session_key=s.session_key,
            sid=sessions.sid_value(s),
            country=s.country or "",
            pool_label=pools.get(s.pool, s.pool or ""),
            carrier=s.carrier or "",
            ip=s.current_ip or "",
            rotation=s.rotation or "",
            ttl_text=_ttl_text(s.ttl),
            expires_at=s.expires_at,
            bytes_in=s.bytes_in,
            bytes_out=s.bytes_out,
            request_count=s.request_count,
        )
        for s in result.sessions
    ]
    tags = sessions.customer_session_tags(customer=customer)
    return SessionsView(
        rows=rows,
        include_synthesized=include_synthesized,
        hidden_synthesized=result.hidden_synthesized,
        fetched_at=result.fetched_at,
        stale=result.stale,
        failed=result.failed,
        prefix_hint=f"{tags[0]}_" if tags else "",
    )


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
