"""Recording an event: one call inside the service that makes the change, so the event exists if
and only if the change committed. The fan-out job (by name, apps.webhooks) runs after commit."""

from collections.abc import Mapping
from typing import Any

from apps.core.jobs import job_enqueue_on_commit
from apps.core.logging import mask_secrets

from .models import Event, EventType, ResourceType

FAN_OUT_JOB = "webhooks.fan_out"
MAX_EXTRA_VALUE_LENGTH = 200


def event_extra_clean(extra: Mapping[str, Any] | None) -> dict:
    """Scalars only, short, and masked: an event is sent to a customer's server."""
    clean: dict[str, Any] = {}
    for name, value in (extra or {}).items():
        if isinstance(value, str):
            value = mask_secrets(value)[:MAX_EXTRA_VALUE_LENGTH]
        elif not isinstance(value, int | float | bool) and value is not None:
            value = str(value)[:MAX_EXTRA_VALUE_LENGTH]
        clean[str(name)] = value
    return clean


def event_record(
    *,
    type: EventType | str,
    customer_id: int,
    resource_type: ResourceType | str,
    resource_id: int | str,
    extra: Mapping[str, Any] | None = None,
) -> Event:
    event = Event.objects.create(
        type=str(type),
        customer_id=customer_id,
        resource_type=str(resource_type),
        resource_id=str(resource_id),
        extra=event_extra_clean(extra),
    )
    job_enqueue_on_commit(FAN_OUT_JOB, event.pk)
    return event
