"""Housekeeping jobs, scheduled in settings (CELERY_BEAT_SCHEDULE)."""

import logging

from celery import shared_task

from .services import sessions_clear_expired as _sessions_clear_expired

logger = logging.getLogger(__name__)


@shared_task
def sessions_clear_expired() -> int:
    deleted = _sessions_clear_expired()
    logger.info("sessions_clear_expired: deleted %d expired sessions", deleted)
    return deleted
