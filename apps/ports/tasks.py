"""Periodic ports jobs (celery beat, scheduled in the ports settings section). Thin: each takes
a lock (so two workers do not run the same job at once) and calls one service; the services are
idempotent on their own (claims are conditional updates, releases carry idempotency keys)."""

import logging
import uuid

from celery import shared_task
from django.core.cache import cache

from .services import port_expiry_notices_send, ports_account_refresh, ports_release_expired, ports_sync_all

logger = logging.getLogger(__name__)


def _lock(name: str, timeout: int) -> str | None:
    token = uuid.uuid4().hex
    try:
        return token if cache.add(f"ports:job-lock:{name}", token, timeout) else None
    except Exception:  # no cache: run anyway, the services stay correct without the lock
        logger.warning("ports job %s: lock unavailable, running unlocked", name, exc_info=True)
        return token


def _unlock(name: str, token: str) -> None:
    try:
        if cache.get(f"ports:job-lock:{name}") == token:
            cache.delete(f"ports:job-lock:{name}")
    except Exception:
        logger.warning("ports job %s: could not release the lock", name, exc_info=True)


@shared_task(name="ports.expiry", ignore_result=True)
def ports_expiry() -> dict:
    """Expiry notices (7 days, 1 day, expired) and releases after the grace period."""
    token = _lock("expiry", 600)
    if token is None:
        return {"skipped": "another worker is running the ports expiry job"}
    try:
        notices = port_expiry_notices_send()
        releases = ports_release_expired()
    finally:
        _unlock("expiry", token)
    report = {"notices": len(notices["sent"]), "released": len(releases["released"])}
    logger.info("ports expiry: %s", report)
    return report


@shared_task(name="ports.sync", ignore_result=True)
def ports_sync() -> dict:
    from apps.core.errors import ApplicationError

    token = _lock("sync", 600)
    if token is None:
        return {"skipped": "another worker is running the ports sync"}
    try:
        return ports_sync_all()
    except ApplicationError as exc:
        logger.warning("ports sync failed: %s", exc)
        return {"failed": str(exc)}
    finally:
        _unlock("sync", token)


@shared_task(name="ports.account_refresh", ignore_result=True)
def ports_account() -> dict:
    """The reseller's upstream account for the console, and the low balance / slots mails."""
    token = _lock("account", 300)
    if token is None:
        return {"skipped": "another worker is reading the upstream account"}
    try:
        return ports_account_refresh()
    finally:
        _unlock("account", token)
