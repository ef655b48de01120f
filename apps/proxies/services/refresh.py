"""The dashboard's read-through refresh: a view calls it before it reads the mirror, so a page
shows usage at most POOL_KEY_REFRESH_SECONDS old, and never fails because the upstream did."""

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.utils import timezone

from apps.proxies.models import PoolKey
from apps.proxies.selectors import (
    pool_key_list_for_customer,
    pool_key_mirror_is_fresh,
    pool_key_refresh_failed_cache_key,
    pool_key_refresh_interval,
)
from apps.proxies.upstream.errors import UpstreamError

from .sync import pool_key_sync

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

_REFRESH_KEY = "pool-key:refresh:{pk}"


def pool_key_refresh_if_stale(*, key: PoolKey, now: datetime | None = None) -> bool:
    """Reads the key from the upstream when its mirror is older than the refresh interval; at
    most one read per key per interval, across processes (cache.add is atomic). A failed read
    is logged and remembered for the interval (the selectors then say "usage as of"). True when
    it read the upstream now and the read worked."""
    now = now or timezone.now()
    if key.deleted_at is not None or pool_key_mirror_is_fresh(key=key, now=now):
        return False  # the mirror is fresh (a sync or a write just read the upstream)
    interval = pool_key_refresh_interval()
    if not cache.add(_REFRESH_KEY.format(pk=key.pk), 1, timeout=interval):
        return False  # read within the interval (by this process or another)
    failed_key = pool_key_refresh_failed_cache_key(key=key)
    try:
        pool_key_sync(key=key)
    except Exception as exc:
        # The page shows the mirror with "usage as of"; the operator sees the log line.
        if isinstance(exc, UpstreamError):
            logger.warning("pool key %s: upstream read failed, showing the mirror: %s", key.pk, exc)
        else:  # a bug, not an outage: keep the traceback
            logger.exception("pool key %s: refresh failed unexpectedly", key.pk)
        cache.set(failed_key, 1, timeout=interval)
        return False
    cache.delete(failed_key)
    return True


def pool_key_refresh_for_customer(*, customer: "User", now: datetime | None = None) -> int:
    """`pool_key_refresh_if_stale` for each of the customer's live keys; how many were read."""
    now = now or timezone.now()
    return sum(pool_key_refresh_if_stale(key=key, now=now) for key in pool_key_list_for_customer(customer=customer))
