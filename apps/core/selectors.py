import json
import logging
import time

from django.conf import settings
from django.db import connection

from .heartbeats import heartbeat_ages, heartbeat_state
from .heartbeats import redis_client as heartbeat_redis
from .models import OperatorAlert

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception as exc:
        logger.warning("healthz: database check failed: %s", exc.__class__.__name__)
        return False


def _redis_ok() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        return bool(client.ping())
    except Exception as exc:
        logger.warning("healthz: redis check failed: %s", exc.__class__.__name__)
        return False


def health_check() -> dict:
    """ "down" when the database (or Redis, when configured) does not answer; "degraded" when
    they do but the worker's or beat's heartbeat is stale or missing (jobs are not running)."""
    checks = {"database": "ok" if _database_ok() else "down"}
    report: dict = {"checks": checks}
    if settings.REDIS_URL:
        checks["redis"] = "ok" if _redis_ok() else "down"
        if checks["redis"] == "ok":
            ages = heartbeat_ages()
            for role, age in ages.items():
                checks[role] = heartbeat_state(age)
            report["heartbeat_age_seconds"] = {
                role: None if age is None else round(age, 1) for role, age in ages.items()
            }
    if any(checks[name] != "ok" for name in ("database", "redis") if name in checks):
        status = "down"
    elif any(value != "ok" for value in checks.values()):
        status = "degraded"
    else:
        status = "ok"
    return {"status": status, **report}


def jobs_backlog(*, queue: str | None = None) -> dict:
    """How many jobs wait in the Redis queue and how long the oldest has waited (seconds; None
    when empty or unknown). Without Redis jobs run inline: nothing waits."""
    if not settings.REDIS_URL:
        return {"waiting": 0, "oldest_seconds": None, "inline": True}
    queue = queue or settings.CELERY_TASK_DEFAULT_QUEUE
    try:
        client = heartbeat_redis()
        waiting = int(client.llen(queue))
        # kombu pushes on the left and pops on the right: the oldest job is the last element.
        oldest = client.lindex(queue, -1) if waiting else None
    except Exception as exc:
        logger.warning("jobs backlog: Redis unavailable (%s)", exc.__class__.__name__)
        return {"waiting": None, "oldest_seconds": None, "inline": False}
    return {"waiting": waiting, "oldest_seconds": _waited_seconds(oldest), "inline": False}


def _waited_seconds(message: bytes | None) -> float | None:
    if not message:
        return None
    try:
        sent_at = float(json.loads(message)["headers"]["sent_at"])
    except (ValueError, KeyError, TypeError):
        return None
    return max(0.0, time.time() - sent_at)


def operator_alert_list_recent(*, limit: int = 5) -> list[OperatorAlert]:
    """The newest deduplicated operator alerts (the console's overview shows them)."""
    return list(OperatorAlert.objects.all()[:limit])


def background_jobs_status() -> dict:
    """For the console: the worker's and beat's last heartbeat and the job queue's backlog."""
    if not settings.REDIS_URL:
        return {"inline": True}
    ages = heartbeat_ages()
    return {
        "inline": False,
        "worker": {"age": ages["worker"], "state": heartbeat_state(ages["worker"])},
        "beat": {"age": ages["beat"], "state": heartbeat_state(ages["beat"])},
        "backlog": jobs_backlog(),
    }
