"""Usage history: the daily readings each sync records, and their pruning.

A reading is the key's cumulative usage counter from the mirror, so it costs no upstream call:
the sync has just refreshed the mirror with one list call. The history is what the 30-day
charts and the CSV export read (apps/proxies/selectors_usage.py)."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.proxies.models import PoolKeyUsageSample
from apps.proxies.upstream.errors import UpstreamAuthError, UpstreamError

from .alerts import pool_key_alerts_run, upstream_auth_alert_check
from .readings import usage_day, usage_samples_record
from .sync import pool_key_sync_all

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PruneResult:
    deleted: int
    before: date


def usage_samples_prune(*, keep_days: int | None = None, today: date | None = None) -> PruneResult:
    """Deletes readings older than the retention (PROXIES_USAGE_HISTORY_DAYS). The newest reading
    before the cut-off of each key is kept too, so the first day in the window still has the
    baseline its traffic is measured from."""
    keep_days = keep_days if keep_days is not None else settings.PROXIES_USAGE_HISTORY_DAYS
    today = today or usage_day(timezone.now())
    cutoff = today - timedelta(days=keep_days)
    newer_old = PoolKeyUsageSample.objects.filter(
        pool_key_id=OuterRef("pool_key_id"), day__gt=OuterRef("day"), day__lt=cutoff
    )
    # One DELETE: every old reading that has a newer old reading of the same key.
    deleted, _ = PoolKeyUsageSample.objects.filter(day__lt=cutoff).filter(Exists(newer_old)).delete()
    if deleted:
        logger.info("usage history: pruned %d readings older than %s", deleted, cutoff)
    return PruneResult(deleted=deleted, before=cutoff)


def usage_sync_run(*, now: datetime | None = None) -> dict:
    """The periodic usage job: mirror every key (one list call), record today's readings, then send
    the alerts now due. An upstream failure skips the readings (the mirror did not move) but not
    the alerts (expiry thresholds pass with time); a 401/403 also alerts the operators."""
    report: dict = {}
    try:
        report["sync"] = pool_key_sync_all().as_dict()
    except UpstreamError as exc:
        level = logging.ERROR if isinstance(exc, UpstreamAuthError) else logging.WARNING
        logger.log(level, "usage sync: the upstream list failed: %s", exc)
        report["sync_error"] = str(exc)
    else:
        report["samples"] = usage_samples_record(now=now)
    report["alerts"] = pool_key_alerts_run(now=now).as_dict()
    report["operator_alerted"] = upstream_auth_alert_check(now=now)
    return report
