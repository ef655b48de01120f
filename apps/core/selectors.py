import logging

from django.conf import settings
from django.db import connection

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
    checks = {"database": "ok" if _database_ok() else "down"}
    if settings.REDIS_URL:
        checks["redis"] = "ok" if _redis_ok() else "down"
    healthy = all(v == "ok" for v in checks.values())
    return {"status": "ok" if healthy else "down", "checks": checks}


def operator_alert_list_recent(*, limit: int = 5) -> list[OperatorAlert]:
    """The newest deduplicated operator alerts (the console's overview shows them)."""
    return list(OperatorAlert.objects.all()[:limit])
