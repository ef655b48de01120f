"""The dashboard's live panels: incidents, stock per country and the customer's sessions, built
from the feeds a view read (`apps.proxies.services.feeds`: a page load reads the caches; the
htmx partials refresh them). Formatting only: these call nothing."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext, gettext_lazy

from apps.proxies.selectors import CustomerSessions, session_sid
from apps.proxies.upstream.records import STOCK_POOLS, IncidentRecord, StockRecord

from .builder import POOLS
from .countries import country_name


def active_incidents(feed) -> list[IncidentRecord]:
    """The incidents feed's active ones, most severe and newest first."""
    order = {"critical": 0, "major": 1, "minor": 2, "info": 3}
    incidents = [i for i in (feed.value or []) if i.active]
    return sorted(incidents, key=lambda i: (order.get(i.severity, 9), -i.started_at.timestamp()))


def stock_counts(stock: StockRecord | None) -> dict[str, dict[str, int]]:
    """{country: {"mbl": n, "peer": n}} over every country either pool reports."""
    if stock is None:
        return {}
    counts: dict[str, dict[str, int]] = {}
    for pool in STOCK_POOLS:
        for country, n in (stock.pools.get(pool) or {}).items():
            counts.setdefault(country.lower(), dict.fromkeys(STOCK_POOLS, 0))[pool] = int(n)
    return counts


@dataclass(frozen=True)
class IncidentView:
    severity: str
    title: str
    description: str
    started_at: datetime
    affects: list[str]

    @property
    def severity_label(self) -> str:
        return str(SEVERITY_LABELS.get(self.severity, self.severity.capitalize()))


# The upstream's severities, in the customer's language (the title and text are the upstream's own).
SEVERITY_LABELS = {"minor": gettext_lazy("Minor"), "major": gettext_lazy("Major"), "critical": gettext_lazy("Critical")}


def _affects_label(entry: str) -> str:
    """ "peer:br" -> "Residential in Brazil"; "mbl" -> "Mobile"; "us" -> "United States"."""
    pools = {code: str(label) for code, label, _ in POOLS}
    pool, _, country = entry.lower().partition(":")
    if country:
        return gettext("%(pool)s in %(country)s") % {"pool": pools.get(pool, pool), "country": country_name(country)}
    if pool in pools:
        return pools[pool]
    return country_name(pool) if len(pool) == 2 else entry


def incident_views(feed) -> list[IncidentView]:
    return [
        IncidentView(
            severity=i.severity,
            title=i.title,
            description=i.description,
            started_at=i.started_at,
            affects=[_affects_label(a) for a in i.affects if isinstance(a, str)],
        )
        for i in active_incidents(feed)
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
        return {"label": gettext("Incident"), "tone": "danger"}
    if n <= 0:
        return {"label": gettext("None online"), "tone": "danger"}
    if n < 5:
        return {"label": gettext("Low"), "tone": "warn"}
    return {"label": gettext("Good"), "tone": "ok"}


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


def stock_view(feed, *, incidents=()) -> StockView:
    """Per-country counts for both pools with a health pill; `incidents` (active ones) mark the
    countries they affect (`affects` entries like "mbl:br")."""
    counts = stock_counts(feed.value)
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


def sessions_view(result: CustomerSessions, *, include_synthesized: bool = False) -> SessionsView:
    """The sessions panel from the customer's scoped sessions (`selectors.session_list_for_customer`)."""
    pools = {code: str(label) for code, label, _ in POOLS}
    rows = [
        SessionRow(
            session_key=s.session_key,
            sid=session_sid(s),
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
    return SessionsView(
        rows=rows,
        include_synthesized=include_synthesized,
        hidden_synthesized=result.hidden_synthesized,
        fetched_at=result.fetched_at,
        stale=result.stale,
        failed=result.failed,
        prefix_hint=f"{result.tags[0]}_" if result.tags else "",
    )
