"""Expiry, run by beat: notices 7 days and 1 day before a port expires and when it has expired
(each claimed once per crossing by a conditional update; a renewal clears the claims), and the
release of ports expired longer than PORTS_RELEASE_GRACE_HOURS."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError
from apps.core.i18n import language_of
from apps.core.mail import mail_send
from apps.ports.models import Port

from .lifecycle import port_release
from .mirror import port_audit
from .port_events import port_expiry_event

logger = logging.getLogger(__name__)

# (claim field, window before expiry, fields also claimed by it, subject)
NOTICES = (
    ("notice_expired_at", None, ("notice_1d_at", "notice_7d_at"), _("Your port has expired")),
    ("notice_1d_at", timedelta(days=1), ("notice_7d_at",), _("Your port expires tomorrow")),
    ("notice_7d_at", timedelta(days=7), (), _("Your port expires in a week")),
)


def _send(port: Port, *, kind: str, subject: str, now: datetime) -> None:
    from apps.accounts.selectors import brand_get

    brand = brand_get()
    grace = timedelta(hours=settings.PORTS_RELEASE_GRACE_HOURS)
    context = {
        "port": port,
        "kind": kind,
        "brand": brand,
        "days_left": max(0, (port.expires_at - now).days),
        "release_at": port.expires_at + grace,
        "ports_url": settings.SITE_URL + reverse("ports:detail", args=[port.pk]),
    }
    message = EmailMessage(
        subject=f"[{brand.name}] {subject}",
        body=render_to_string("emails/ports/expiry_notice.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[port.customer.email],
        reply_to=[brand.support_email] if brand.support_email else None,
    )
    mail_send(message=message)


def port_expiry_notices_send(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    sent: list[tuple[int, str]] = []
    failed = 0
    live = Port.objects.live().filter(missing_upstream=False).select_related("customer")
    for field, window, also, subject in NOTICES:
        due = live.filter(**{f"{field}__isnull": True})
        due = (
            due.filter(expires_at__lte=now)
            if window is None
            else due.filter(expires_at__gt=now, expires_at__lte=now + window)
        )
        for port in due:
            claim = {field: now, **dict.fromkeys(also, now)}
            # The conditional update is the claim: a second worker, or a rerun, finds it taken.
            if not Port.objects.filter(pk=port.pk, **{f"{field}__isnull": True}).update(**claim):
                continue
            kind = field.removeprefix("notice_").removesuffix("_at")
            try:
                with language_of(port.customer):
                    _send(port, kind=kind, subject=str(subject), now=now)
            except Exception:
                logger.exception("port %s: the %s notice could not be sent; it will be retried", port.pk, kind)
                Port.objects.filter(pk=port.pk).update(**{field: None})
                failed += 1
                continue
            port_audit(action="port.expiry_notice", port=port, data={"kind": kind})
            port_expiry_event(port, kind)
            sent.append((port.pk, kind))
    return {"sent": sent, "failed": failed}


def ports_release_expired(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.PORTS_RELEASE_GRACE_HOURS)
    released, failed = [], 0
    for port in Port.objects.live().filter(expires_at__lte=cutoff).select_related("customer"):
        key = f"port{port.pk}-release-expired-{int(port.expires_at.timestamp())}"
        try:
            port_release(port=port, idempotency_key=key, reason="expired and not renewed within the grace period")
        except ApplicationError as exc:
            logger.warning("port %s: release after expiry failed: %s", port.pk, exc)
            failed += 1
            continue
        released.append(port.pk)
    return {"released": released, "failed": failed}
