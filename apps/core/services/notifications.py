"""Mail to the operators: one service for every app.

`operators_notify` sends now and raises on mail trouble, so the caller's retry (a job's retry,
the next run of a beat job) tries again. With a `dedup_key` it sends at most once per key: an
OperatorAlert row is inserted (the claim) before the mail goes out, its unique key turns a second
claim into an IntegrityError instead of a second mail, and a failed send releases the claim.
With a `dedup_window` too, the key holds for that window only (an outage that lasts is reported
once per window, not on every failing call).

`operators_notify_on_commit` hands the same to a job (`core.operators_notify`) that runs after
the caller's transaction commits and retries while the mail server is unreachable."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mail_admins
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from apps.core.jobs import job_enqueue_on_commit
from apps.core.logging import mask_secrets
from apps.core.mail import header_text, mail_send
from apps.core.models import OperatorAlert

logger = logging.getLogger(__name__)

OPERATORS_NOTIFY_JOB = "core.operators_notify"


def _dedup_key(dedup_key: str, window: timedelta | None, now: datetime | None) -> str:
    if window is None:
        return dedup_key[:128]
    seconds = max(1, int(window.total_seconds()))
    bucket = int((now or timezone.now()).timestamp()) // seconds
    return f"{dedup_key}:{bucket}"[:128]


def _mail_operators(subject: str, body: str) -> None:
    """OPERATOR_EMAILS, or failing that ADMINS."""
    recipients = list(settings.OPERATOR_EMAILS)
    if not recipients:
        mail_admins(header_text(subject), body, fail_silently=False)
        return
    # The brand's name as the admin set it, read through a setting: core imports no other app.
    brand = import_string(settings.OPERATOR_MAIL_BRAND)()
    message = EmailMultiAlternatives(
        subject=f"[{brand.name} operator] {subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    mail_send(message=message)


def operators_notify(
    *,
    subject: str,
    body: str,
    kind: str = "",
    dedup_key: str = "",
    dedup_window: timedelta | None = None,
    now: datetime | None = None,
) -> bool:
    """Mails the operators now; the subject is logged as an error too. Secrets are masked first.
    True when mailed now; False when `dedup_key` was claimed already (nothing is sent). Raises
    when the mail cannot be sent (after releasing the claim)."""
    subject, body = mask_secrets(subject), mask_secrets(body)
    claim = None
    if dedup_key:
        try:
            with transaction.atomic():
                claim = OperatorAlert.objects.create(
                    kind=kind[:32],
                    dedup_key=_dedup_key(dedup_key, dedup_window, now),
                    subject=subject[:200],
                    body=body,
                )
        except IntegrityError:
            return False
    logger.error("operator alert: %s", subject)
    try:
        _mail_operators(subject, body)
    except Exception:
        if claim is not None:
            OperatorAlert.objects.filter(pk=claim.pk).delete()
        raise
    if claim is not None:
        OperatorAlert.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
    return True


def operators_notify_on_commit(*, subject: str, body: str, kind: str = "", dedup_key: str = "") -> None:
    """`operators_notify` from a job, once the caller's transaction commits; the job retries
    with backoff while the mail server is unreachable."""
    job_enqueue_on_commit(OPERATORS_NOTIFY_JOB, subject=subject, body=body, kind=kind, dedup_key=dedup_key)
