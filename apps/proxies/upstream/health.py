"""Upstream health for the operator overview: the last success and the last error of any
call, kept in the Django cache. Auth failures (401/403: the reseller key is invalid,
revoked or lacks a scope) are kept apart so they can be told from an outage and alerted on.

Recording never breaks a call: a cache outage is logged and ignored."""

import logging
from datetime import datetime

from django.core.cache import cache

from apps.core.logging import mask_secrets

from .errors import UpstreamAuthError, UpstreamError

logger = logging.getLogger(__name__)

CACHE_PREFIX = "proxies:upstream-health:"
SUCCESS_KEY = CACHE_PREFIX + "last-success"
ERROR_KEY = CACHE_PREFIX + "last-error"
AUTH_ERROR_KEY = CACHE_PREFIX + "last-auth-error"
# Public feeds (stock, incidents, pricing) answer without a valid key, so only a success of a
# call that needs the key proves an earlier auth error is over.
AUTH_SUCCESS_KEY = CACHE_PREFIX + "last-authenticated-success"
# Entries are ordered by a shared counter, not by their clock: two events can share a timestamp.
SEQUENCE_KEY = CACHE_PREFIX + "sequence"
# Long enough to survive a quiet weekend; short enough not to show a stale year-old error.
TTL_SECONDS = 14 * 24 * 3600


def upstream_health_record_success(
    *, at: datetime, method: str, path: str, request_id: str | None, authenticated: bool = True
) -> None:
    entry = {"seq": _next_seq(), "at": at, "method": method, "path": path, "request_id": request_id}
    _set(SUCCESS_KEY, entry)
    if authenticated:
        _set(AUTH_SUCCESS_KEY, entry)


def upstream_health_record_error(*, at: datetime, method: str, path: str, error: UpstreamError) -> None:
    entry = {
        "seq": _next_seq(),
        "at": at,
        "method": method,
        "path": path,
        "status": error.status,
        "request_id": error.request_id,
        "code": error.code,
        "kind": type(error).__name__,
        "retryable": error.retryable,
        "auth": isinstance(error, UpstreamAuthError),
        "message": mask_secrets(error.message),
    }
    _set(ERROR_KEY, entry)
    if entry["auth"]:
        _set(AUTH_ERROR_KEY, entry)


def upstream_health_get() -> dict:
    """{"state": ok | degraded | auth_failed | unknown, "last_success": {...} | None,
    "last_error": {...} | None, "last_auth_error": {...} | None}.

    auth_failed: the newest auth error is newer than the last success of a call that needs the
    reseller key (alert the operator); degraded: another error is newer than the last success."""
    try:
        values = cache.get_many([SUCCESS_KEY, ERROR_KEY, AUTH_ERROR_KEY, AUTH_SUCCESS_KEY])
    except Exception:  # the overview must render even when the cache is down
        logger.warning("upstream health: cache unavailable", exc_info=True)
        values = {}
    success, error, auth_error = values.get(SUCCESS_KEY), values.get(ERROR_KEY), values.get(AUTH_ERROR_KEY)
    auth_success = values.get(AUTH_SUCCESS_KEY)
    if auth_error and (auth_success is None or auth_error["seq"] > auth_success["seq"]):
        state = "auth_failed"
    elif error and (success is None or error["seq"] > success["seq"]):
        state = "degraded"
    elif success:
        state = "ok"
    else:
        state = "unknown"
    return {"state": state, "last_success": success, "last_error": error, "last_auth_error": auth_error}


def upstream_health_clear() -> None:
    try:
        cache.delete_many([SUCCESS_KEY, ERROR_KEY, AUTH_ERROR_KEY, AUTH_SUCCESS_KEY, SEQUENCE_KEY])
    except Exception:
        logger.warning("upstream health: cache unavailable", exc_info=True)


def _next_seq() -> int:
    try:
        cache.add(SEQUENCE_KEY, 0, None)
        return cache.incr(SEQUENCE_KEY)
    except Exception:
        logger.warning("upstream health: cache unavailable", exc_info=True)
        return 0


def _set(key: str, value: dict) -> None:
    try:
        cache.set(key, value, TTL_SECONDS)
    except Exception:
        logger.warning("upstream health: could not record %s", key, exc_info=True)
