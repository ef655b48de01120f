"""Housekeeping jobs, scheduled in settings (CELERY_BEAT_SCHEDULE), and mail delivery."""

import logging
import smtplib

from celery import shared_task

from .logging import mask_secrets
from .mail import mail_send_payload, masked_mail_repr
from .services import sessions_clear_expired as _sessions_clear_expired

logger = logging.getLogger(__name__)

# A mail server outage: retried after 30 s, 1, 2, 4, 8 min, then every 10 min (about an hour).
MAIL_MAX_RETRIES = 8
MAIL_RETRY_BASE_SECONDS = 30
MAIL_RETRY_MAX_SECONDS = 600
MAIL_TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


@shared_task
def sessions_clear_expired() -> int:
    deleted = _sessions_clear_expired()
    logger.info("sessions_clear_expired: deleted %d expired sessions", deleted)
    return deleted


def mail_retry_countdown(retries: int) -> int:
    return min(MAIL_RETRY_BASE_SECONDS * 2**retries, MAIL_RETRY_MAX_SECONDS)


def _error_text(exc: BaseException) -> str:
    return mask_secrets(f"{type(exc).__name__}: {exc}")[:300]


def _gave_up(payload: dict, kind: str, attempts: int, exc: BaseException) -> bool:
    # The recipients and the error only: the message carries live links and codes. A traceback
    # only for a bug (not a mail server outage); the log filter masks it like every other line.
    logger.error(
        "gave up on the %s email to %s after %d attempt(s): %s",
        kind,
        ", ".join(payload["to"]),
        attempts,
        _error_text(exc),
        exc_info=None if isinstance(exc, MAIL_TRANSIENT_ERRORS) else exc,
    )
    return False


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAIL_MAX_RETRIES)
def mail_deliver(self, payload: dict, kind: str = "email") -> bool:
    """Sends one queued email (apps.core.mail.mail_enqueue); retries with backoff while the mail
    server is unreachable, then logs that it gave up."""
    try:
        mail_send_payload(payload=payload)
    except MAIL_TRANSIENT_ERRORS as exc:
        if self.request.retries >= MAIL_MAX_RETRIES:
            return _gave_up(payload, kind, self.request.retries + 1, exc)
        logger.warning("the %s email to %s failed (%s); retrying", kind, ", ".join(payload["to"]), _error_text(exc))
        raise self.retry(
            exc=exc,
            countdown=mail_retry_countdown(self.request.retries),
            max_retries=MAIL_MAX_RETRIES,
            kwargsrepr=masked_mail_repr(kind),
        ) from None
    return True


def mail_deliver_inline(*, payload: dict, kind: str) -> bool:
    """Without Redis (jobs inline): one attempt, after the request's commit, that never raises
    into the request. Not through Celery's eager mode, which would log the message; not
    retried, as a retry would hold the web request (the customer can ask for the mail again)."""
    try:
        mail_send_payload(payload=payload)
    except Exception as exc:
        return _gave_up(payload, kind, 1, exc)
    return True
