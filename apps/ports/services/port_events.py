"""A port's changes as webhook events (apps.events), recorded where the change is written."""

from apps.events.models import EventType, ResourceType
from apps.events.services import event_record
from apps.ports.models import Port

EXPIRY_NOTICE_EVENTS = {"7d": (EventType.PORT_EXPIRING, 7), "1d": (EventType.PORT_EXPIRING, 1)}


def port_event(port: Port, event_type: EventType, **extra) -> None:
    event_record(
        type=event_type, customer_id=port.customer_id, resource_type=ResourceType.PORT, resource_id=port.pk, extra=extra
    )


def port_expiry_event(port: Port, kind: str) -> None:
    """The expiry notice `kind` ("7d", "1d", "expired") the customer was mailed, as an event."""
    if kind in EXPIRY_NOTICE_EVENTS:
        event_type, days = EXPIRY_NOTICE_EVENTS[kind]
        port_event(port, event_type, days=days, expires_at=port.expires_at.isoformat())
    else:
        port_event(port, EventType.PORT_EXPIRED)
