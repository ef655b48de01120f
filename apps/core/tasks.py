"""Housekeeping jobs, scheduled in settings (CELERY_BEAT_SCHEDULE), mail delivery and operator
alerts. Thin: each calls one service."""

import logging
import smtplib
from typing import Any

from celery import shared_task

from .heartbeats import heartbeat_write
from .mail import (
    MAIL_DELIVER_JOB,
    MAIL_TRANSIENT_ERRORS,
    mail_error_text,
    mail_gave_up,
    mail_send_payload,
    masked_mail_repr,
)
from .services import sessions_clear_expired as _sessions_clear_expired
from .services.notifications import OPERATORS_NOTIFY_JOB, operators_notify

logger = logging.getLogger(__name__)

# A mail server outage: retried after 30 s, 1, 2, 4, 8 min, then every 10 min (about an hour).
MAIL_MAX_RETRIES = 8
MAIL_RETRY_BASE_SECONDS = 30
MAIL_RETRY_MAX_SECONDS = 600


@shared_task
def sessions_clear_expired() -> int:
    deleted = _sessions_clear_expired()
    logger.info("sessions_clear_expired: deleted %d expired sessions", deleted)
    return deleted


def mail_retry_countdown(retries: int) -> int:
    return min(MAIL_RETRY_BASE_SECONDS * 2**retries, MAIL_RETRY_MAX_SECONDS)


@shared_task(bind=True, name=MAIL_DELIVER_JOB, acks_late=True, ignore_result=True, max_retries=MAIL_MAX_RETRIES)
def mail_deliver(self, payload: dict, kind: str = "email") -> bool:
    """Sends one queued email (apps.core.mail.mail_enqueue); retries with backoff while the mail
    server is unreachable, then logs that it gave up."""
    try:
        mail_send_payload(payload=payload)
    except MAIL_TRANSIENT_ERRORS as exc:
        if self.request.retries >= MAIL_MAX_RETRIES:
            return mail_gave_up(payload, kind, self.request.retries + 1, exc)
        logger.warning("the %s email to %s failed (%s); retrying", kind, ", ".join(payload["to"]), mail_error_text(exc))
        raise self.retry(
            exc=exc,
            countdown=mail_retry_countdown(self.request.retries),
            max_retries=MAIL_MAX_RETRIES,
            kwargsrepr=masked_mail_repr(kind),
        ) from None
    return True


# A mail job retried while the mail server is unreachable: after 30 s, doubling up to 10 min, 6 times.
MAIL_JOB_RETRIES: dict[str, Any] = {
    "acks_late": True,
    "ignore_result": True,
    "autoretry_for": (OSError, smtplib.SMTPException),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 6,
}


@shared_task(name=OPERATORS_NOTIFY_JOB, **MAIL_JOB_RETRIES)
def operators_notify_job(subject: str, body: str, kind: str = "", dedup_key: str = "") -> bool:
    """Mails the operators (apps.core.services.notifications.operators_notify_on_commit);
    retried with backoff while the mail server is unreachable."""
    return operators_notify(subject=subject, body=body, kind=kind, dedup_key=dedup_key)


@shared_task(name="core.heartbeat", ignore_result=True, expires=60)
def heartbeat() -> None:
    """Sent by beat every HEARTBEAT_SECONDS (publishing it is beat's heartbeat); running it is one
    more sign of a live worker, besides the worker's own timer."""
    heartbeat_write(role="worker")
