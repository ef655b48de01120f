"""Cached reads of the upstream's shared feeds (stock, incidents, the sessions feed).

Every customer's dashboard shows the same stock and incidents, and the sessions feed is one
reseller-wide list, so one upstream call serves everyone for a few seconds. Pages read with
`fetch=False`: they take whatever is cached (fresh or not) and never wait on the upstream; the
htmx partials read with `fetch=True` and refresh the cache when it is stale. Views call these
and hand the feeds to the dashboard's view-models (apps.proxies.dashboard), which only format. The last good
value is kept for a day so a failing upstream shows old numbers marked "as of", not nothing.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from apps.proxies.upstream.errors import UpstreamError

from . import client

logger = logging.getLogger(__name__)

KEEP_SECONDS = 24 * 3600
# After a failed read, wait this long before trying the upstream again (no hammering).
FAILURE_BACKOFF_SECONDS = 15
FRESH_SECONDS = {"stock": 30, "incidents": 60, "sessions": 10}


@dataclass(frozen=True)
class Feed:
    value: Any
    fetched_at: datetime | None
    stale: bool
    failed: bool = False

    @property
    def available(self) -> bool:
        return self.value is not None


def _cached(name: str, entry: dict | None, *, now: datetime) -> Feed:
    if entry and (now - entry["fetched_at"]).total_seconds() < FRESH_SECONDS[name]:
        return Feed(entry["value"], entry["fetched_at"], stale=False)
    return Feed(entry["value"], entry["fetched_at"], stale=True) if entry else Feed(None, None, stale=True)


def feeds_cached(*names: str) -> dict[str, Feed]:
    """Feeds as cached, never fetched (what a page shows), in one cache round trip."""
    entries = cache.get_many([f"proxies:feed:{name}" for name in names])
    now = timezone.now()
    return {name: _cached(name, entries.get(f"proxies:feed:{name}"), now=now) for name in names}


def _read(name: str, fetch: Callable[[], Any], *, allow_fetch: bool, force: bool = False) -> Feed:
    key = f"proxies:feed:{name}"
    now = timezone.now()
    old = _cached(name, cache.get(key), now=now)
    if not old.stale and not force:
        return old
    old = replace(old, stale=True)
    if not allow_fetch:
        return old
    if not force:
        if cache.get(f"{key}:failed"):
            return Feed(old.value, old.fetched_at, stale=True, failed=True)
        # One refresher at a time; the others show what is cached.
        if not cache.add(f"{key}:lock", 1, timeout=10):
            return old
    try:
        value = fetch()
    except UpstreamError as exc:
        logger.warning("upstream %s feed unavailable: %s", name, exc)
        cache.set(f"{key}:failed", 1, FAILURE_BACKOFF_SECONDS)
        return Feed(old.value, old.fetched_at, stale=True, failed=True)
    finally:
        if not force:
            cache.delete(f"{key}:lock")
    cache.set(key, {"value": value, "fetched_at": now}, KEEP_SECONDS)
    cache.delete(f"{key}:failed")
    return Feed(value, now, stale=False)


def stock_feed(*, fetch: bool) -> Feed:
    """`value` is a StockRecord or None."""
    return _read("stock", lambda: client.upstream_client().stock(), allow_fetch=fetch)


def incidents_feed(*, fetch: bool) -> Feed:
    """`value` is a list of IncidentRecord or None."""
    return _read("incidents", lambda: list(client.upstream_client().incidents()), allow_fetch=fetch)


def sessions_feed(*, fetch: bool, force: bool = False) -> Feed:
    """The reseller-wide sessions feed. Never hand this to a customer as is: scope it first
    (`apps.proxies.selectors.session_list_for_customer`). `force` skips the cache (closing
    needs the truth)."""
    return _read("sessions", lambda: list(client.upstream_client().sessions()), allow_fetch=fetch, force=force)


def sessions_feed_invalidate() -> None:
    cache.delete("proxies:feed:sessions")


def sessions_feed_forget(*, session_keys: Iterable[str]) -> None:
    """Drops closed sessions from the cached feed, which keeps its age: the panel stops listing
    them without another upstream read."""
    entry = cache.get("proxies:feed:sessions")
    if not entry or entry["value"] is None:
        return
    gone = set(session_keys)
    value = [s for s in entry["value"] if s.session_key not in gone]
    cache.set("proxies:feed:sessions", {"value": value, "fetched_at": entry["fetched_at"]}, KEEP_SECONDS)


def live_feeds_refresh() -> dict:
    """Reads the incidents and stock feeds ahead of any page view, so the dashboard renders the
    incident banner and the stock table with the page instead of loading them after it (which
    pushed the page down as the banner appeared)."""
    incidents = incidents_feed(fetch=True)
    stock = stock_feed(fetch=True)
    return {"incidents": not incidents.failed, "stock": not stock.failed}
