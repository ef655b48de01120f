"""Prometheus metrics shared by every process: web workers, Celery workers and beat add to
counters and histograms kept in one Redis hash, so a scrape of any web process sees the whole
deployment ("pushed through Redis"; gunicorn's workers and the worker container share nothing
else). Without Redis (`make run`) they live in this process. Figures that the database already
knows (orders by state, provisioning lag, alerts) are read at scrape time instead
(apps.core.metrics_export).

Recording never fails the caller: a Redis hiccup is logged once and the sample is dropped."""

import json
import logging
import threading
from collections import defaultdict

from django.conf import settings

logger = logging.getLogger(__name__)

HASH_KEY = "storefront:metrics"
# Request and upstream latencies: 5 ms .. 10 s, like the Prometheus client's defaults.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_local: dict[str, float] = defaultdict(float)
_local_lock = threading.Lock()


def _field(name: str, labels: dict[str, str], suffix: str = "", extra: dict[str, str] | None = None) -> str:
    merged = {**labels, **(extra or {})}
    return json.dumps([name + suffix, sorted(merged.items())], separators=(",", ":"))


def _add(increments: dict[str, float]) -> None:
    if not settings.REDIS_URL:
        with _local_lock:
            for field, amount in increments.items():
                _local[field] += amount
        return
    from .heartbeats import redis_client

    try:
        pipe = redis_client().pipeline(transaction=False)
        for field, amount in increments.items():
            pipe.hincrbyfloat(HASH_KEY, field, amount)
        pipe.execute()
    except Exception as exc:
        logger.debug("metrics: sample dropped (%s)", exc.__class__.__name__)


def counter_increments(name: str, *, labels: dict[str, str], amount: float = 1.0) -> dict[str, float]:
    return {_field(name, labels, "_total"): amount}


def histogram_increments(name: str, *, labels: dict[str, str], value: float) -> dict[str, float]:
    increments = {_field(name, labels, "_count"): 1.0, _field(name, labels, "_sum"): value}
    for bound in LATENCY_BUCKETS:
        if value <= bound:
            increments[_field(name, labels, "_bucket", {"le": repr(bound)})] = 1.0
    increments[_field(name, labels, "_bucket", {"le": "+Inf"})] = 1.0
    return increments


def metrics_add(*increments: dict[str, float]) -> None:
    """Adds several samples in one round trip (e.g. a request's counter and its latency)."""
    merged: dict[str, float] = defaultdict(float)
    for part in increments:
        for field, amount in part.items():
            merged[field] += amount
    _add(merged)


def metric_count(name: str, *, labels: dict[str, str], amount: float = 1.0) -> None:
    """Adds to the counter `name` (exported as `name_total`) with these labels."""
    metrics_add(counter_increments(name, labels=labels, amount=amount))


def metric_observe(name: str, *, labels: dict[str, str], value: float) -> None:
    """Records one observation (seconds) in the histogram `name`."""
    metrics_add(histogram_increments(name, labels=labels, value=value))


def shared_samples() -> list[tuple[str, dict[str, str], float]]:
    """Every recorded sample as (sample name, labels, value); empty if Redis is unreachable."""
    if settings.REDIS_URL:
        from .heartbeats import redis_client

        try:
            raw = redis_client().hgetall(HASH_KEY)
        except Exception as exc:
            logger.warning("metrics: shared samples unavailable (%s)", exc.__class__.__name__)
            return []
        items = {k.decode(): float(v) for k, v in raw.items()}
    else:
        with _local_lock:
            items = dict(_local)
    samples = []
    for field, value in items.items():
        try:
            name, labels = json.loads(field)
            samples.append((str(name), {str(k): str(v) for k, v in labels}, value))
        except (ValueError, TypeError):
            continue
    return samples


def local_metrics_reset() -> None:
    """Tests: forget this process's samples."""
    with _local_lock:
        _local.clear()
