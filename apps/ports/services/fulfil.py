"""Creating the port a paid order bought, exactly once.

- The order's claim row (PortFulfilment) is written before the upstream is asked; one attempt
  at a time holds its lease (a conditional update, never a lock across a network call).
- The create carries an idempotency key derived from the order and the port is named after the
  order (contract A2, A3).
- A retried attempt (the claim has been tried before) first lists the ports and adopts the one
  carrying the order's name: a create whose reply was lost, or a crash between the create and
  the mirror, never becomes a second port, whether or not the upstream replays the key.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.errors import ApplicationError
from apps.events.models import EventType
from apps.ports.errors import PortCapacityError, PortsRetryableError
from apps.ports.models import Port, PortFulfilment, PortSharing
from apps.ports.upstream.records import CarrierRecord, CountryRecord, PortRecord

from .client import ports_client
from .keys import idempotency_key_validate
from .mirror import port_audit, port_fields_from_record
from .port_events import port_event
from .upstream import capacity_message, upstream_call

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]+")
BUSY_RETRY_SECONDS = 30


@dataclass(frozen=True)
class PortDelivery:
    """What fulfilment and renewal hand back to billing: plain values, no model."""

    port_id: int
    upstream_id: str
    expires_at: datetime
    adopted: bool = False


def port_display_name_for(*, customer: "User", order_ref: str) -> str:
    """The name the shop gives an order's port upstream: stable across retries, at most 64
    characters of the contract's alphabet, and never personal data."""
    raw = str(order_ref).strip()
    ref = _UNSAFE.sub("_", raw)
    if not ref:
        raise ApplicationError(gettext("An order reference is required for a port name."))
    name = f"sf-u{customer.pk}-{ref}"
    if len(name) <= 64:
        return name
    return f"sf-u{customer.pk}-{ref[:30]}-{hashlib.sha256(raw.encode()).hexdigest()[:12]}"


def _label(sharing: str, country_name: str) -> str:
    kind = PortSharing(sharing).label
    return f"{kind} port · {country_name}" if country_name else f"{kind} port"


def _delivery(port: Port, *, adopted: bool = False) -> PortDelivery:
    return PortDelivery(port_id=port.pk, upstream_id=port.upstream_id, expires_at=port.expires_at, adopted=adopted)


def _clean_args(*, sharing: str, country: str | None, carrier: str | None, days: int) -> tuple[str, str, str]:
    if sharing not in PortSharing.values:
        raise ApplicationError(gettext("sharing must be one of %(join)s.") % {"join": ", ".join(PortSharing.values)})
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
        raise ApplicationError(gettext("days must be a whole number from 1 to 3650."))
    code = (country or "").strip().upper()
    if code and not re.fullmatch(r"[A-Z]{2}", code):
        raise ApplicationError(gettext("country must be an ISO alpha-2 code, or empty for any country."))
    return sharing, code, (carrier or "").strip()[:80]


def _claim(
    *, customer: "User", order_ref: str, idempotency_key: str, sharing: str, country: str, carrier: str, days: int
):
    defaults = {
        "customer": customer,
        "idempotency_key": idempotency_key,
        "display_name": port_display_name_for(customer=customer, order_ref=order_ref),
        "sharing": sharing,
        "country_code": country,
        "carrier": carrier,
        "days": days,
    }
    try:
        with transaction.atomic():
            claim, _ = PortFulfilment.objects.get_or_create(order_ref=order_ref, defaults=defaults)
    except IntegrityError:
        claim = PortFulfilment.objects.get(order_ref=order_ref)
    if claim.customer_id != customer.pk:
        raise ApplicationError(
            gettext("This order's port belongs to another customer."), extra={"order_ref": order_ref}
        )
    if (claim.sharing, claim.country_code, claim.carrier, claim.days) != (sharing, country, carrier, days):
        raise ApplicationError(
            gettext("This order's port was asked for with other options."), extra={"order_ref": order_ref}
        )
    return claim


def _lease(claim: PortFulfilment) -> bool:
    now = timezone.now()
    until = now + timedelta(seconds=settings.PORTS_FULFIL_LEASE_SECONDS)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return bool(
        PortFulfilment.objects.filter(free, pk=claim.pk, port__isnull=True).update(
            lease_until=until, attempts=F("attempts") + 1
        )
    )


def _find_by_name(display_name: str) -> PortRecord | None:
    matches = [r for r in ports_client().list_ports() if r.display_name == display_name]
    if len(matches) > 1:
        logger.error("ports: %d upstream ports share the name %s; adopting the oldest", len(matches), display_name)
    if not matches:
        return None
    return min(matches, key=lambda r: (r.created_at or r.expires_at, r.id))


def port_location_choose(*, sharing: str, country: str, carrier: str) -> tuple[CountryRecord, CarrierRecord | None]:
    """The country (the plan's, or the one with the most free devices) and carrier to ask for."""
    client = ports_client()
    countries = [c for c in client.countries() if c.free_devices > 0]
    if country:
        countries = [c for c in countries if c.code == country]
    if not countries:
        raise PortCapacityError(capacity_message("devices"), reason="devices", extra={"country": country or "any"})
    chosen = max(countries, key=lambda c: (c.free_devices, c.code))
    if not carrier:
        return chosen, None
    wanted = carrier.casefold()
    carriers = [
        c
        for c in client.carriers(chosen.id)
        if c.free_devices > 0 and wanted in (c.brand.casefold(), c.name.casefold())
    ]
    if not carriers:
        raise PortCapacityError(capacity_message("devices"), reason="devices", extra={"carrier": carrier})
    return chosen, carriers[0]


def _create(claim: PortFulfilment) -> PortRecord:
    country, carrier = port_location_choose(sharing=claim.sharing, country=claim.country_code, carrier=claim.carrier)
    created = ports_client().create_port(
        country_id=country.id,
        carrier_id=carrier.id if carrier else None,
        lifetime_seconds=claim.days * 86_400,
        slot_type=claim.sharing,
        display_name=claim.display_name,
        idempotency_key=claim.idempotency_key,
    )
    # The create reply is a subset (no device, no settings): read the whole port.
    return ports_client().get_port(created.id)


def _adopt(claim: PortFulfilment, record: PortRecord, *, adopted: bool) -> Port:
    fields = port_fields_from_record(record)
    fields.setdefault("sharing", claim.sharing)
    now = timezone.now()
    with transaction.atomic():
        port, created = Port.objects.get_or_create(
            upstream_id=record.id,
            defaults={
                "customer_id": claim.customer_id,
                "display_name": claim.display_name,
                "label": _label(fields["sharing"], fields.get("country_name", "")),
                "create_order_ref": claim.order_ref,
                "create_idempotency_key": claim.idempotency_key,
                "last_synced_at": now,
                **fields,
            },
        )
        if port.customer_id != claim.customer_id:
            raise ApplicationError(
                gettext("This upstream port already belongs to another customer."), extra={"port": port.pk}
            )
        PortFulfilment.objects.filter(pk=claim.pk).update(port=port, lease_until=None, updated_at=now)
        if created:
            port_audit(
                action="port.adopt" if adopted else "port.create",
                port=port,
                reason=f"order {claim.order_ref}" + (": found by name after an interrupted create" if adopted else ""),
                idempotency_key=claim.idempotency_key,
                data={"sharing": port.sharing, "country": port.country_code, "expires_at": port.expires_at.isoformat()},
            )
            port_event(port, EventType.PORT_CREATED)
    return port


def port_fulfil(
    *,
    customer: "User",
    order_ref: str,
    sharing: str,
    country: str | None,
    carrier: str | None,
    days: int,
    idempotency_key: str,
) -> PortDelivery:
    """The port a paid order bought: created once, whatever fails where. Safe to call again and
    again (each call either returns the port or raises). Raises PortsRetryableError (try later),
    PortCapacityError / PortsTerminalError (an operator decides), ApplicationError (bad input)."""
    idempotency_key_validate(idempotency_key)
    sharing, country, carrier = _clean_args(sharing=sharing, country=country, carrier=carrier, days=days)
    claim = _claim(
        customer=customer,
        order_ref=str(order_ref),
        idempotency_key=idempotency_key,
        sharing=sharing,
        country=country,
        carrier=carrier,
        days=days,
    )
    if claim.port_id:
        return _delivery(claim.port)
    if not _lease(claim):
        claim.refresh_from_db()
        if claim.port_id:
            return _delivery(claim.port)
        raise PortsRetryableError("Another attempt is creating this port right now.", retry_after=BUSY_RETRY_SECONDS)
    claim.refresh_from_db()
    try:
        with upstream_call():
            record = _find_by_name(claim.display_name) if claim.attempts > 1 else None
            adopted = record is not None
            if record is None:
                record = _create(claim)
            else:
                logger.info("order %s: adopting port %s made by an earlier attempt", claim.order_ref, record.id)
        port = _adopt(claim, record, adopted=adopted)
    finally:
        PortFulfilment.objects.filter(pk=claim.pk, port__isnull=True).update(lease_until=None)
    return _delivery(port, adopted=adopted)
