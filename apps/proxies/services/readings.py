"""Usage readings: the key's cumulative usage counter, one row per key and UTC day, written
whenever the mirror moves (a sync, a dashboard refresh, a top-up), so the 30-day chart never
disagrees with the usage card (apps/proxies/selectors_usage.py reads them)."""

from collections.abc import Iterable
from datetime import UTC, date, datetime

from django.utils import timezone

from apps.proxies.models import PoolKey, PoolKeyUsageSample

SAMPLE_BATCH_SIZE = 1000


def usage_day(moment: datetime) -> date:
    """The UTC day a reading belongs to (charts and exports are in UTC, like the upstream)."""
    return moment.astimezone(UTC).date()


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def usage_samples_record(
    *, now: datetime | None = None, keys: Iterable[PoolKey] | None = None, batch_size: int = SAMPLE_BATCH_SIZE
) -> int:
    """Writes today's reading for every live key that is still upstream (or for `keys`): one
    INSERT ... ON CONFLICT per batch, which creates the day's row or moves its last reading
    forward. Idempotent and safe on several workers: the (key, day) constraint decides."""
    now = now or timezone.now()
    day = usage_day(now)
    if keys is None:
        rows = list(PoolKey.objects.live().filter(missing_upstream=False).values_list("pk", "used_mb"))
    else:
        rows = [(key.pk, key.used_mb) for key in keys if key.deleted_at is None and not key.missing_upstream]
    written = 0
    for batch in _chunks(rows, batch_size):
        PoolKeyUsageSample.objects.bulk_create(
            [
                PoolKeyUsageSample(
                    pool_key_id=pk,
                    day=day,
                    first_used_mb=used,
                    last_used_mb=used,
                    first_sampled_at=now,
                    last_sampled_at=now,
                )
                for pk, used in batch
            ],
            update_conflicts=True,
            unique_fields=["pool_key", "day"],
            update_fields=["last_used_mb", "last_sampled_at"],
        )
        written += len(batch)
    return written
