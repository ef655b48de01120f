"""Periodic pool-key jobs (celery beat, scheduled in the proxies settings section). Thin: each
takes a lock and calls one service.

Safe on several workers at once: the lock (cache.add, atomic on a shared Redis cache) keeps a
second worker from doing the same sync in parallel, and the services are idempotent on their
own (the sync skips rows written after its list call, readings are upserts per key and day,
alert claims are unique rows), so a lock lost to a cache outage costs work, never correctness."""

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from .services import (
    feeds,
    pool_key_alerts_run,
    pool_key_transfers_reconcile,
    proxy_test_run,
    upstream_auth_alert_check,
    usage_samples_prune,
    usage_sync_run,
)

logger = logging.getLogger(__name__)

LOCK_PREFIX = "proxies:job-lock:"


@contextmanager
def job_lock(name: str, *, timeout: int) -> Iterator[bool]:
    """Yields True for the one worker holding `name`; others get False and should skip. The lock
    expires after `timeout` seconds, so a crashed worker cannot block the job for good."""
    key, token = LOCK_PREFIX + name, uuid.uuid4().hex
    try:
        held = cache.add(key, token, timeout)
    except Exception:  # no cache: run anyway, the services stay correct without the lock
        logger.warning("job %s: lock unavailable, running unlocked", name, exc_info=True)
        held = True
    try:
        yield held
    finally:
        if held:
            try:
                if cache.get(key) == token:  # never release a lock that expired and passed on
                    cache.delete(key)
            except Exception:
                logger.warning("job %s: could not release the lock", name, exc_info=True)


def _lock_timeout(every_seconds: int) -> int:
    return max(60, int(every_seconds) * 2)


@shared_task(ignore_result=True)
def usage_sync() -> dict:
    """Every PROXIES_USAGE_SYNC_SECONDS: mirror every key, record readings, send due alerts."""
    with job_lock("usage-sync", timeout=_lock_timeout(settings.PROXIES_USAGE_SYNC_SECONDS)) as held:
        if not held:
            return {"skipped": "another worker is running the usage sync"}
        report = usage_sync_run()
    logger.info("usage sync: %s", report)
    return report


@shared_task(ignore_result=True)
def alerts_run() -> dict:
    """Every PROXIES_ALERTS_SECONDS: expiry and usage alerts from the mirror, and the operator
    alert when the upstream rejects the reseller key."""
    with job_lock("alerts", timeout=_lock_timeout(settings.PROXIES_ALERTS_SECONDS)) as held:
        if not held:
            return {"skipped": "another worker is sending alerts"}
        report = pool_key_alerts_run().as_dict()
        report["operator_alerted"] = upstream_auth_alert_check()
    return report


@shared_task(ignore_result=True)
def live_feeds_refresh() -> dict:
    """Every 50 s (inside the feeds' freshness): keeps the cached incidents and stock current."""
    return feeds.live_feeds_refresh()


@shared_task(ignore_result=True)
def usage_history_prune() -> dict:
    """Daily: drop readings past PROXIES_USAGE_HISTORY_DAYS."""
    result = usage_samples_prune()
    return {"deleted": result.deleted, "before": result.before.isoformat()}


@shared_task(ignore_result=True)
def key_transfers_reconcile() -> dict:
    """Every PROXIES_TRANSFERS_RECONCILE_SECONDS: finish GB moves a failure left halfway."""
    with job_lock("key-transfers", timeout=_lock_timeout(settings.PROXIES_TRANSFERS_RECONCILE_SECONDS)) as held:
        if not held:
            return {"skipped": "another worker is finishing GB moves"}
        return pool_key_transfers_reconcile()


@shared_task(name="proxies.proxy_test_run", ignore_result=True, soft_time_limit=120, time_limit=150)
def proxy_test_run_task(test_id: int) -> None:
    """One "test my proxy" run (enqueued by proxy_test_start)."""
    proxy_test_run(test_id=test_id)
