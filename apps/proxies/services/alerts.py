"""Customer alerts (80 % / 100 % of the cap, 7 days / 1 day before expiry) and the operator alert
for a rejected reseller key (sent through apps.core.services.notifications, deduplicated there).

Exactly once per key and threshold: a PoolKeyAlert row is inserted (the claim) before the email
goes out, and its unique (key, kind) constraint turns a second claim (another worker, a rerun)
into an IntegrityError instead of a second email. A send that fails releases its claim so a
later run retries; a claim whose worker died before sending is taken over after STALE_CLAIM.
A top-up or extension that takes a key back under a threshold deletes that row
(`pool_key_alerts_rearm`, called by the top-up path and by every run), so the next crossing
alerts again.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, Value
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.core.i18n import language_of
from apps.core.mail import mail_from, mail_send
from apps.core.services import audit_log
from apps.core.services.notifications import operators_notify
from apps.proxies.models import (
    MB_PER_GB,
    PoolKey,
    PoolKeyAlert,
    PoolKeyAlertKind,
    pool_key_expired_q,
)
from apps.proxies.upstream.health import upstream_health_get

from .key_events import alert_event
from .mirror import jsonable

logger = logging.getLogger(__name__)

K = PoolKeyAlertKind
# The usage alerts fire at each key's own levels (defaults 80 and 100 %, the customer may change them).
USAGE_THRESHOLDS: dict[str, str] = {K.USAGE_80: "alert_warn_percent", K.USAGE_100: "alert_full_percent"}
EXPIRY_WINDOWS: dict[str, timedelta] = {K.EXPIRY_7D: timedelta(days=7), K.EXPIRY_1D: timedelta(days=1)}
# Within a family only the most urgent threshold crossed is mailed; the others are claimed as covered.
FAMILIES: tuple[tuple[str, ...], ...] = ((K.USAGE_100, K.USAGE_80), (K.EXPIRY_1D, K.EXPIRY_7D))
STALE_CLAIM = timedelta(minutes=15)
SUBJECTS: dict[str, str | Promise] = {  # row.kind comes back from the database as a plain str
    K.USAGE_80: _("You have used 80 % of your proxy traffic"),
    K.USAGE_100: _("Your proxy traffic is used up"),
    K.EXPIRY_7D: _("Your proxy expires in less than 7 days"),
    K.EXPIRY_1D: _("Your proxy expires within a day"),
}


def _usage_at_least_own_level_q(field_name: str) -> Q:
    """Keys with a cap whose usage reached their own alert level `field_name` (a zero cap counts as full)."""
    level = ExpressionWrapper(
        F("cap_gb") * Value(MB_PER_GB / 100) * F(field_name), output_field=DecimalField(max_digits=24, decimal_places=6)
    )
    return Q(cap_gb__isnull=False) & Q(used_mb__gte=level)


def _crossed_q(kind: str, now: datetime) -> Q:
    if kind in USAGE_THRESHOLDS:
        return _usage_at_least_own_level_q(USAGE_THRESHOLDS[kind])
    return Q(expires_at__isnull=False, expires_at__lte=now + EXPIRY_WINDOWS[kind])


def _crossed(key: PoolKey, kind: str, now: datetime) -> bool:
    if kind in USAGE_THRESHOLDS:
        percent = key.percent_used
        return percent is not None and percent >= Decimal(getattr(key, USAGE_THRESHOLDS[kind]))
    return key.expires_at is not None and key.expires_at <= now + EXPIRY_WINDOWS[kind]


def _eligible_q(now: datetime) -> Q:
    """Keys a customer should hear about: live, upstream, not held by the operator (they were told
    why), and not expired (expiry alerts come before the expiry; a dead key needs no usage alert)."""
    return (
        Q(deleted_at__isnull=True, missing_upstream=False)
        & ~Q(disabled_by_operator=True, enabled=False)
        & ~pool_key_expired_q(now)
    )


# Re-arming -------------------------------------------------------------------------------------


def pool_key_alerts_rearm(*, key: PoolKey, now: datetime | None = None) -> list[str]:
    """Deletes the key's alert rows whose threshold it is back under (a top-up raised the cap, an
    extension moved the expiry), so the next crossing alerts again. Returns the kinds re-armed."""
    now = now or timezone.now()
    stale = [kind for kind in K.values if not _crossed(key, kind, now)]
    rows = PoolKeyAlert.objects.filter(pool_key_id=key.pk, kind__in=stale)
    kinds = sorted(rows.values_list("kind", flat=True))
    if kinds:
        rows.delete()
        logger.info("pool key %s: alerts re-armed: %s", key.pk, ", ".join(kinds))
    return kinds


def pool_key_alerts_rearm_all(*, now: datetime | None = None) -> int:
    """The same for every key, in one DELETE per kind: catches changes made outside the top-up
    path (a cap raised upstream, a sync that brought a new expiry)."""
    now = now or timezone.now()
    deleted = 0
    for kind in K.values:
        still = PoolKey.objects.filter(_crossed_q(kind, now)).values("pk")
        count, _ = PoolKeyAlert.objects.filter(kind=kind).exclude(pool_key_id__in=still).delete()
        deleted += count
    return deleted


# Sending -------------------------------------------------------------------------------------


@dataclass
class AlertRunResult:
    rearmed: int = 0
    sent: list[tuple[int, str]] = field(default_factory=list)
    covered: int = 0
    failed: int = 0
    contended: int = 0  # claims another worker won

    def as_dict(self) -> dict:
        return {
            "rearmed": self.rearmed,
            "sent": len(self.sent),
            "covered": self.covered,
            "failed": self.failed,
            "contended": self.contended,
        }


def _alert_data(key: PoolKey) -> dict:
    return {
        "used_mb": jsonable(key.used_mb),
        "cap_gb": jsonable(key.cap_gb),
        "percent": jsonable(key.percent_used.quantize(Decimal("0.1"))) if key.percent_used is not None else None,
        "expires_at": jsonable(key.expires_at),
    }


def _claim(key: PoolKey, kind: str, now: datetime, skipped: str = "") -> PoolKeyAlert | None:
    try:
        with transaction.atomic():
            return PoolKeyAlert.objects.create(
                pool_key=key,
                kind=kind,
                claimed_at=now,
                sent_at=now if skipped else None,
                skipped=skipped,
                data=_alert_data(key),
            )
    except IntegrityError:
        return None  # claimed already: by an earlier run or by another worker right now


def _send_customer_email(key: PoolKey, kind: str, now: datetime) -> None:
    from apps.accounts.selectors import brand_get

    brand = brand_get()
    context = {
        "key": key,
        "kind": kind,
        "brand": brand,
        "used_gb": key.used_gb,
        "percent": key.percent_used,
        "days_left": max(0, (key.expires_at - now).days) if key.expires_at else None,
        "dashboard_url": settings.SITE_URL + reverse("proxies:dashboard"),
        "site_url": settings.SITE_URL,
    }
    family = "usage" if kind in USAGE_THRESHOLDS else "expiry"
    # A key's own levels: the "used up" mail only when its second level is the cap itself.
    used_up = kind == K.USAGE_100 and key.alert_full_percent >= 100
    context["used_up"] = used_up
    subject = SUBJECTS[kind]
    if family == "usage" and not used_up:
        subject = _("You have used %(percent)s %% of your proxy traffic") % {
            "percent": getattr(key, USAGE_THRESHOLDS[kind])
        }
    message = EmailMultiAlternatives(
        subject=f"[{brand.name}] {subject}",
        body=render_to_string(f"emails/proxies/{family}_alert.txt", context),
        from_email=mail_from(brand.name),
        to=[key.customer.email],
        reply_to=[brand.support_email] if brand.support_email else None,
    )
    message.attach_alternative(render_to_string(f"emails/proxies/{family}_alert.html", context), "text/html")
    mail_send(message=message)


def _deliver(key: PoolKey, kind: str, claimed: list[PoolKeyAlert], now: datetime, result: AlertRunResult) -> None:
    """Sends the email for a claimed `kind`; on failure releases every claim made with it."""
    try:
        with language_of(key.customer):
            _send_customer_email(key, kind, now)
    except Exception:
        logger.exception("pool key %s: the %s alert could not be sent; it will be retried", key.pk, kind)
        PoolKeyAlert.objects.filter(pk__in=[row.pk for row in claimed]).delete()
        result.failed += 1
        return
    with transaction.atomic():
        PoolKeyAlert.objects.filter(pk=claimed[0].pk).update(sent_at=timezone.now())
        alert_event(key, kind)
        audit_log(
            action="pool_key.alert_sent",
            customer=key.customer,
            target=key,
            data={"kind": kind, "upstream_id": key.upstream_id, **_alert_data(key)},
        )
    result.sent.append((key.pk, kind))


def _run_for_key(key: PoolKey, kinds: set[str], now: datetime, result: AlertRunResult) -> None:
    for family in FAMILIES:
        due = [kind for kind in family if kind in kinds]
        if not due:
            continue
        urgent, *covered = due
        row = _claim(key, urgent, now)
        if row is None:
            result.contended += 1
            continue
        claimed = [row]
        for kind in covered:
            extra = _claim(key, kind, now, skipped=f"covered by {urgent}")
            if extra is not None:
                claimed.append(extra)
                result.covered += 1
        _deliver(key, urgent, claimed, now, result)


def _retake_stale_claims(now: datetime, result: AlertRunResult) -> None:
    """Claims whose worker died between the insert and the send: taken over with a conditional
    UPDATE (one taker), then sent."""
    stale = PoolKeyAlert.objects.filter(sent_at__isnull=True, skipped="", claimed_at__lt=now - STALE_CLAIM)
    for row in stale.select_related("pool_key__customer")[:500]:
        taken = PoolKeyAlert.objects.filter(pk=row.pk, sent_at__isnull=True, claimed_at=row.claimed_at).update(
            claimed_at=now
        )
        if not taken:
            continue
        key = row.pool_key
        if not _crossed(key, row.kind, now) or key.deleted_at is not None:
            PoolKeyAlert.objects.filter(pk=row.pk).delete()
            continue
        _deliver(key, row.kind, [row], now, result)


def pool_key_alerts_run(*, now: datetime | None = None) -> AlertRunResult:
    """Re-arms what top-ups cleared, then claims and sends every alert now due. Idempotent: a
    second run (or a concurrent one) finds the claims and sends nothing."""
    now = now or timezone.now()
    result = AlertRunResult(rearmed=pool_key_alerts_rearm_all(now=now))
    due: dict[int, set[str]] = {}
    for kind in K.values:
        already = PoolKeyAlert.objects.filter(pool_key_id=OuterRef("pk"), kind=kind)
        candidates = (
            PoolKey.objects.filter(_eligible_q(now) & _crossed_q(kind, now))
            .filter(~Exists(already))
            .values_list("pk", flat=True)
        )
        for pk in candidates:
            due.setdefault(pk, set()).add(kind)
    for key in PoolKey.objects.filter(pk__in=list(due)).select_related("customer").order_by("pk"):
        _run_for_key(key, due[key.pk], now, result)
    _retake_stale_claims(now, result)
    if result.sent or result.failed:
        logger.info("pool key alerts: %s", result.as_dict())
    return result


# Operator alerts -------------------------------------------------------------------------------


def upstream_auth_alert_check(*, now: datetime | None = None) -> bool:
    """When the upstream's latest word on the reseller key is a 401/403 (the key is wrong or was
    revoked: nothing works until an operator fixes it), mails the operators, at most once per
    OPERATOR_ALERT_REPEAT_HOURS while it lasts. True when mailed now."""
    health = upstream_health_get()
    if health["state"] != "auth_failed":
        return False
    now = now or timezone.now()
    window = max(1, int(settings.OPERATOR_ALERT_REPEAT_HOURS)) * 3600
    error = health.get("last_auth_error") or {}
    body = render_to_string(
        "emails/proxies/operator_upstream_auth.txt",
        {
            "error": error,
            "api_url": settings.PROXIES_SX_API_URL,
            "repeat_hours": window // 3600,
            "last_success": (health.get("last_success") or {}).get("at"),
        },
    )
    try:
        return operators_notify(
            kind="upstream_auth",
            dedup_key="upstream_auth",
            dedup_window=timedelta(seconds=window),
            now=now,
            subject=f"The upstream rejects the reseller API key (HTTP {error.get('status') or '401/403'})",
            body=body,
        )
    except Exception:
        # The claim was released: the next run of the alerts job tries again.
        logger.exception("the upstream auth alert could not be mailed; it will be retried")
        return False
