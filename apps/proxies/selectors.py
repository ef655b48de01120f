"""Reads for the customer dashboard and the console. They read the local mirror (and the cache's
word on the latest refresh) and never call the upstream: a view that wants fresh figures calls
`apps.proxies.services.pool_key_refresh_if_stale` first."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.errors import NotFound
from apps.proxies.models import PoolKey, ProxyTest, pool_key_status_q
from apps.proxies.upstream.records import SessionRecord

if TYPE_CHECKING:
    from apps.accounts.models import User

WARN_PERCENT = Decimal(80)
CRITICAL_PERCENT = Decimal(95)
EXPIRY_SOON = timedelta(days=7)
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
    stale: bool  # the mirror is old and its latest refresh failed
    now: datetime

    @cached_property
    def usage(self) -> PoolKeyUsage:
        # Computed when shown: a page with many keys draws one usage card and lists the rest later.
        return pool_key_usage(key=self.key, stale=self.stale, now=self.now)


def pool_key_list_for_customer(*, customer: "User") -> QuerySet[PoolKey]:
    """The customer's keys, newest first; deleted ones left out."""
    return PoolKey.objects.live().filter(customer_id=getattr(customer, "pk", None))


def pool_key_current_for_customer(*, customer: "User") -> PoolKey | None:
    """The key today's flows give a customer: their newest live one."""
    return pool_key_list_for_customer(customer=customer).first()


def pool_key_get_for_customer(*, customer: "User", key_id) -> PoolKey:
    """One of the customer's keys. Someone else's key, a deleted one or a malformed id raise
    NotFound, so views answer 404 and never reveal that a key exists."""
    try:
        pk = int(key_id)
    except (TypeError, ValueError):
        raise NotFound(gettext("No such pool key.")) from None
    key = pool_key_list_for_customer(customer=customer).filter(pk=pk).first()
    if key is None:
        raise NotFound(gettext("No such pool key."))
    return key


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


def pool_key_refresh_interval() -> int:
    """Seconds a mirror counts as fresh on the dashboard (and a failed read is remembered)."""
    return max(1, int(settings.POOL_KEY_REFRESH_SECONDS))


def pool_key_refresh_failed_cache_key(*, key: PoolKey) -> str:
    return _FAILED_KEY.format(pk=key.pk)


def pool_key_mirror_is_fresh(*, key: PoolKey, now: datetime) -> bool:
    """Read from the upstream within the refresh interval (by a sync, a write or a refresh)."""
    return key.last_synced_at is not None and now - key.last_synced_at < timedelta(seconds=pool_key_refresh_interval())


def pool_key_mirror_is_stale(*, key: PoolKey, now: datetime) -> bool:
    """The mirror is old and the latest refresh (within the interval) failed: the page says
    "usage as of"."""
    if pool_key_mirror_is_fresh(key=key, now=now):
        return False
    return bool(cache.get(pool_key_refresh_failed_cache_key(key=key)))


def pool_key_dashboard(*, customer: "User") -> list[PoolKeyDashboardItem]:
    """The customer's keys with usage, from the mirror. Keys whose latest refresh failed come
    back with stale=True and as_of = the last successful read."""
    now = timezone.now()
    keys = list(pool_key_list_for_customer(customer=customer))
    for key in keys:
        key.customer = customer  # the caller's own object: no join, no second copy of the user
    # One cache round trip for all the keys whose mirror is old, not one per key.
    old = {
        key.pk: pool_key_refresh_failed_cache_key(key=key)
        for key in keys
        if not pool_key_mirror_is_fresh(key=key, now=now)
    }
    failed = cache.get_many(list(old.values())) if old else {}
    return [PoolKeyDashboardItem(key=key, stale=bool(failed.get(old.get(key.pk, ""))), now=now) for key in keys]


# Live sessions, scoped to one customer -----------------------------------------------------------
# The upstream's sessions feed is scoped by the reseller's API key: it lists every customer's
# sessions together and a session carries no key id. Every URL the shop builds for a customer
# carries a session id that starts with their key's `session_tag`: `sid-<tag>_<part>` ("_", as
# the grammar keeps "-" for separating tokens). A session belongs to a customer exactly when its
# sid starts with one of their tags (tags are 8 of [a-z0-9], so one never prefixes another).
# Sessions without such a prefix (synthesized ids, hand-written sids, other customers) are never
# shown to, nor closed for, a customer.


def session_tags_for_customer(*, customer: "User", key: PoolKey | None = None) -> list[str]:
    """The customer's session tags; with `key` (one of theirs), that key's only: its sessions."""
    if key is not None and key.customer_id == customer.pk and key.deleted_at is None:
        return [key.session_tag]  # a key the caller read already: no query
    keys = PoolKey.objects.live().filter(customer=customer)
    if key is not None:
        keys = keys.filter(pk=key.pk)
    return list(keys.values_list("session_tag", flat=True))


def session_tag_keys(*, customer: "User") -> dict[str, int]:
    """{session tag: key id} for the customer's live keys: which key a session belongs to."""
    return dict(PoolKey.objects.live().filter(customer=customer).values_list("session_tag", "pk"))


def session_key_id(session: SessionRecord, tag_keys: dict[str, int]) -> int | None:
    """The id of the customer's key whose tag starts this session's sid (None: not theirs)."""
    sid = session_sid(session)
    tag = sid.split("_", 1)[0] if "_" in sid else ""
    return tag_keys.get(tag)


def session_sid(session: SessionRecord) -> str:
    """The sid as the customer wrote it after `sid-` (tolerates a feed that keeps the token)."""
    sid = session.session_id or ""
    return sid[4:] if sid.startswith("sid-") else sid


def session_belongs_to(session: SessionRecord, tags: list[str]) -> bool:
    sid = session_sid(session)
    return any(tag and sid.startswith(f"{tag}_") and len(sid) > len(tag) + 1 for tag in tags)


@dataclass(frozen=True)
class CustomerSessions:
    sessions: list[SessionRecord]
    hidden_synthesized: int
    fetched_at: datetime | None
    stale: bool
    failed: bool
    tags: list[str]

    @property
    def available(self) -> bool:
        return self.fetched_at is not None


def session_list_for_customer(
    *, customer: "User", feed, include_synthesized: bool = False, key: PoolKey | None = None
) -> CustomerSessions:
    """The customer's own sessions in `feed` (the reseller-wide sessions feed the caller read
    through `apps.proxies.services.feeds.sessions_feed`), newest activity first; with `key`, only
    those of that key (each key has its own session tag)."""
    tags = session_tags_for_customer(customer=customer, key=key)
    own = [s for s in (feed.value or []) if session_belongs_to(s, tags)]
    shown = own if include_synthesized else [s for s in own if not s.is_synthesized_sid]
    shown.sort(key=lambda s: s.last_activity_at or s.created_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return CustomerSessions(
        sessions=shown,
        hidden_synthesized=len(own) - len(shown),
        fetched_at=feed.fetched_at,
        stale=feed.stale,
        failed=feed.failed,
        tags=tags,
    )


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


def proxy_tests_for_key(*, key: PoolKey) -> QuerySet[ProxyTest]:
    """The key's "test my proxy" runs, newest first (the service keeps the last 20)."""
    return ProxyTest.objects.filter(pool_key=key).order_by("-created_at", "-id")
