"""Reads for the customer dashboard and the console. They read the local mirror; the dashboard
may refresh it from the upstream, at most once per key per POOL_KEY_REFRESH_SECONDS, and never
fails because the upstream did."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from apps.proxies.models import PoolKey, pool_key_status_q
from apps.proxies.services import pool_key_sync
from apps.proxies.upstream.errors import UpstreamError

logger = logging.getLogger(__name__)

WARN_PERCENT = Decimal(80)
CRITICAL_PERCENT = Decimal(95)
EXPIRY_SOON = timedelta(days=7)
_REFRESH_KEY = "pool-key:refresh:{pk}"
_FAILED_KEY = "pool-key:refresh-failed:{pk}"


class UsageLevel:
    OK = "ok"
    WARN = "warn"
    CRITICAL = "critical"


class ExpiryState:
    NONE = "none"
    OK = "ok"
    SOON = "soon"
    EXPIRED = "expired"


@dataclass(frozen=True)
class PoolKeyUsage:
    used_gb: Decimal
    cap_gb: Decimal | None  # None: unlimited
    remaining_gb: Decimal | None
    percent: Decimal | None  # of the cap, one decimal, rounded down; may exceed 100; None when unlimited
    bar_percent: int  # 0..100, for drawing a bar
    level: str  # UsageLevel
    unlimited: bool
    expires_at: datetime | None
    expiry_state: str  # ExpiryState
    days_left: int | None  # whole days until expiry, 0 when expired, None without expiry
    last_used_at: datetime | None
    status: str  # PoolKeyStatus value
    as_of: datetime | None  # when the figures were read from the upstream
    stale: bool  # the latest upstream read failed: show "usage as of <as_of>"


@dataclass(frozen=True)
class PoolKeyDashboardItem:
    key: PoolKey
    usage: PoolKeyUsage


def pool_key_list_for_customer(*, customer) -> QuerySet[PoolKey]:
    """The customer's keys, newest first; deleted ones left out."""
    return PoolKey.objects.live().filter(customer_id=getattr(customer, "pk", None))


def pool_key_current_for_customer(*, customer) -> PoolKey | None:
    """The key today's flows give a customer: their newest live one."""
    return pool_key_list_for_customer(customer=customer).first()


def pool_key_get_for_customer(*, customer, key_id) -> PoolKey:
    """One of the customer's keys. Someone else's key, a deleted one or a malformed id raise
    PoolKey.DoesNotExist, so views answer 404 and never reveal that a key exists."""
    try:
        pk = int(key_id)
    except (TypeError, ValueError):
        raise PoolKey.DoesNotExist("No such pool key.") from None
    return pool_key_list_for_customer(customer=customer).get(pk=pk)


def _level(percent: Decimal | None) -> str:
    if percent is None:
        return UsageLevel.OK
    if percent >= CRITICAL_PERCENT:
        return UsageLevel.CRITICAL
    if percent >= WARN_PERCENT:
        return UsageLevel.WARN
    return UsageLevel.OK


def _expiry(expires_at: datetime | None, now: datetime) -> tuple[str, int | None]:
    if expires_at is None:
        return ExpiryState.NONE, None
    left = expires_at - now
    if left <= timedelta(0):
        return ExpiryState.EXPIRED, 0
    return (ExpiryState.SOON if left <= EXPIRY_SOON else ExpiryState.OK), left.days


def pool_key_usage(*, key: PoolKey, stale: bool = False, now: datetime | None = None) -> PoolKeyUsage:
    """Usage figures from the mirror. `stale` is the caller's knowledge that the latest upstream
    read failed; a key never read from the upstream is stale too."""
    now = now or timezone.now()
    exact = key.percent_used
    cap = Decimal(key.cap_gb) if key.cap_gb is not None else None
    used = key.used_gb
    expiry_state, days_left = _expiry(key.expires_at, now)
    return PoolKeyUsage(
        used_gb=used.quantize(Decimal("0.01"), rounding=ROUND_DOWN),
        cap_gb=cap,
        remaining_gb=max(cap - used, Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        if cap is not None
        else None,
        percent=exact.quantize(Decimal("0.1"), rounding=ROUND_DOWN) if exact is not None else None,
        bar_percent=min(100, max(0, int(exact))) if exact is not None else 0,
        level=_level(exact),
        unlimited=cap is None,
        expires_at=key.expires_at,
        expiry_state=expiry_state,
        days_left=days_left,
        last_used_at=key.last_used_at,
        status=key.status_at(now),
        as_of=key.last_synced_at,
        stale=stale or key.last_synced_at is None,
    )


def _refresh(key: PoolKey, now: datetime) -> bool:
    """At most one upstream read per key per interval, across processes (cache.add is atomic).
    Returns True when the mirror is stale because the latest read failed."""
    interval = max(1, int(settings.POOL_KEY_REFRESH_SECONDS))
    if key.last_synced_at is not None and now - key.last_synced_at < timedelta(seconds=interval):
        return False  # the mirror is fresh (a sync or a write just read the upstream)
    if not cache.add(_REFRESH_KEY.format(pk=key.pk), 1, timeout=interval):
        return bool(cache.get(_FAILED_KEY.format(pk=key.pk)))
    try:
        pool_key_sync(key=key)
    except Exception as exc:
        # The page shows the mirror with "usage as of"; the operator sees the log line.
        if isinstance(exc, UpstreamError):
            logger.warning("pool key %s: upstream read failed, showing the mirror: %s", key.pk, exc)
        else:  # a bug, not an outage: keep the traceback
            logger.exception("pool key %s: refresh failed unexpectedly", key.pk)
        cache.set(_FAILED_KEY.format(pk=key.pk), 1, timeout=interval)
        return True
    cache.delete(_FAILED_KEY.format(pk=key.pk))
    return False


def pool_key_dashboard(*, customer) -> list[PoolKeyDashboardItem]:
    """The customer's keys with usage, refreshed from the upstream when the mirror is older
    than the refresh interval. A failing upstream never breaks the page: those keys come back
    from the mirror with stale=True and as_of = the last successful read."""
    now = timezone.now()
    items = []
    for key in pool_key_list_for_customer(customer=customer).select_related("customer"):
        stale = _refresh(key, now) if key.deleted_at is None else False
        items.append(PoolKeyDashboardItem(key=key, usage=pool_key_usage(key=key, stale=stale, now=now)))
    return items


# The console's reads ---------------------------------------------------------------------------


def pool_key_list_with_status(*, status: str, now: datetime | None = None, queryset=None) -> QuerySet[PoolKey]:
    """Keys whose PoolKey.status_at(now) is `status`, filtered in the database."""
    base = queryset if queryset is not None else PoolKey.objects.all()
    return base.filter(pool_key_status_q(status, now or timezone.now()))


def pool_key_list_expiring(*, within: timedelta = EXPIRY_SOON, now: datetime | None = None, queryset=None):
    """Live keys that have not expired yet and will within `within` (default 7 days)."""
    now = now or timezone.now()
    base = queryset if queryset is not None else PoolKey.objects.all()
    return base.filter(deleted_at__isnull=True, expires_at__gt=now, expires_at__lte=now + within)
