"""Liveness of the background processes: the Celery worker and beat each write a timestamp to
Redis (the worker from a timer in its own event loop, beat whenever it publishes a job), and
/healthz and the console read how old they are. Without Redis there is no worker or beat (jobs
run inline), so there is nothing to report.

Beat also holds a lock while it runs: a second beat refuses to start, because two would send
every periodic job twice (docs/operations.md, "Scaling out")."""

import logging
import time
from typing import Any, Literal

from django.conf import settings

logger = logging.getLogger(__name__)

Role = Literal["worker", "beat"]
ROLES: tuple[Role, ...] = ("worker", "beat")
KEY_PREFIX = "storefront:heartbeat:"  # docker/healthcheck.py reads the same keys
BEAT_LOCK_KEY = "storefront:beat:lock"

_clients: dict[str, Any] = {}  # one connection pool per Redis URL, per process


def redis_client() -> Any:
    """A client for settings.REDIS_URL (short timeouts: callers are probes)."""
    url = settings.REDIS_URL
    if url not in _clients:
        import redis

        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    return _clients[url]


def heartbeat_write(*, role: Role, at: float | None = None) -> None:
    """Records that `role` is alive now. Never raises: a Redis hiccup must not stop a worker."""
    if not settings.REDIS_URL:
        return
    try:
        redis_client().set(KEY_PREFIX + role, f"{time.time() if at is None else at:.3f}", ex=7 * 86400)
    except Exception as exc:
        logger.warning("heartbeat: could not record the %s heartbeat (%s)", role, exc.__class__.__name__)


def heartbeat_ages(*, now: float | None = None) -> dict[str, float | None]:
    """Seconds since each process's last heartbeat (None: never seen, or Redis unreachable)."""
    now = time.time() if now is None else now
    try:
        values = redis_client().mget([KEY_PREFIX + role for role in ROLES])
    except Exception as exc:
        logger.warning("heartbeat: could not read heartbeats (%s)", exc.__class__.__name__)
        return dict.fromkeys(ROLES)
    return {role: (max(0.0, now - float(value)) if value else None) for role, value in zip(ROLES, values, strict=True)}


def heartbeat_state(age: float | None) -> str:
    """ "ok" while fresh, "stale" when older than HEARTBEAT_STALE_SECONDS, "missing" if never seen."""
    if age is None:
        return "missing"
    return "ok" if age <= settings.HEARTBEAT_STALE_SECONDS else "stale"


def beat_lock_acquire(*, owner: str) -> bool:
    """Takes (or renews) the one-beat lock for `owner`; False when another beat holds it."""
    ttl = settings.HEARTBEAT_STALE_SECONDS
    client = redis_client()
    if client.set(BEAT_LOCK_KEY, owner, nx=True, ex=ttl):
        return True
    holder = client.get(BEAT_LOCK_KEY)
    if holder is not None and holder.decode() == owner:
        client.expire(BEAT_LOCK_KEY, ttl)
        return True
    return False


def beat_lock_release(*, owner: str) -> None:
    client = redis_client()
    holder = client.get(BEAT_LOCK_KEY)
    if holder is not None and holder.decode() == owner:
        client.delete(BEAT_LOCK_KEY)
