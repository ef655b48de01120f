"""Renewing a port, exactly once per renewal order.

The target expiry is fixed the first time a renewal order is seen, under the port's row lock:
max(now, the port's expiry, the targets of renewals still pending) + the days bought. Every
retry sends that same absolute time (contract A4), so a lost reply, a replay or a duplicate
delivery extends once, and two renewals bought back to back extend twice."""

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.errors import ApplicationError
from apps.ports.errors import PortsTerminalError
from apps.ports.models import Port, PortRenewal
from apps.ports.upstream.errors import UpstreamValidationError

from .client import ports_client
from .fulfil import PortDelivery
from .keys import idempotency_key_validate
from .mirror import port_audit, port_mirror_apply
from .upstream import upstream_call

if TYPE_CHECKING:
    from apps.accounts.models import User

SHORTEN_CODES = {"expiry_would_shorten"}


def _renewal(*, port: Port, days: int, order_ref: str, idempotency_key: str) -> PortRenewal:
    existing = PortRenewal.objects.filter(order_ref=order_ref).first()
    if existing is None:
        try:
            with transaction.atomic():
                locked = Port.objects.select_for_update().get(pk=port.pk)
                pending = PortRenewal.objects.filter(port=locked, applied_at__isnull=True).aggregate(
                    latest=Max("target_expires_at")
                )["latest"]
                base = max(t for t in (timezone.now(), locked.expires_at, pending) if t is not None)
                existing = PortRenewal.objects.create(
                    order_ref=order_ref,
                    port=locked,
                    days=days,
                    target_expires_at=base + timedelta(days=days),
                    idempotency_key=idempotency_key,
                )
        except IntegrityError:
            existing = PortRenewal.objects.get(order_ref=order_ref)
    if existing.port_id != port.pk or existing.days != days:
        raise ApplicationError(
            gettext("This renewal order was made for another port or period."), extra={"order_ref": order_ref}
        )
    return existing


def port_renew(
    *, port: Port, days: int, order_ref: str, idempotency_key: str, actor: "User | None" = None, reason: str = ""
) -> PortDelivery:
    """Extends `port` by `days`, once per `order_ref`. Raises PortsRetryableError (try later) or
    PortsTerminalError (released or gone: an operator decides)."""
    idempotency_key_validate(idempotency_key)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
        raise ApplicationError(gettext("days must be a whole number from 1 to 3650."))
    renewal = _renewal(port=port, days=days, order_ref=str(order_ref), idempotency_key=idempotency_key)
    if renewal.applied_at is not None:
        port.refresh_from_db()
        return PortDelivery(port_id=port.pk, upstream_id=port.upstream_id, expires_at=port.expires_at)
    if port.released_at is not None or port.missing_upstream:
        raise PortsTerminalError("This port was released or is gone upstream; it cannot be renewed.")
    client = ports_client()
    with upstream_call(port):
        try:
            record = client.renew_port(
                port.upstream_id, expires_at=renewal.target_expires_at, idempotency_key=renewal.idempotency_key
            )
        except UpstreamValidationError as exc:
            # Already at or past the target (this renewal's lost reply, or a later one applied
            # first): nothing to add.
            if exc.code not in SHORTEN_CODES:
                raise
            record = client.get_port(port.upstream_id)
            if record.expires_at < renewal.target_expires_at:
                raise
    now = timezone.now()
    with transaction.atomic():
        applied = PortRenewal.objects.filter(pk=renewal.pk, applied_at__isnull=True).update(applied_at=now)
        port_mirror_apply(port=port, record=record, now=now)
        Port.objects.filter(pk=port.pk).update(notice_7d_at=None, notice_1d_at=None, notice_expired_at=None)
        port.notice_7d_at = port.notice_1d_at = port.notice_expired_at = None
        if applied:
            port_audit(
                action="port.renew",
                port=port,
                actor=actor,
                reason=reason or f"order {order_ref}",
                idempotency_key=renewal.idempotency_key,
                data={"days": days, "expires_at": port.expires_at.isoformat()},
            )
    return PortDelivery(port_id=port.pk, upstream_id=port.upstream_id, expires_at=port.expires_at)
