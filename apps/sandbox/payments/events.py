"""The events the payment simulator sends, and how they reach billing: in-process, through
billing's webhook service (`provider_event_ingest`, as the "sandbox" provider). The events are
the sandbox's own, so there is no HTTP hop and no signature to forge; billing still re-reads
every object from the sandbox's records before acting, exactly as it re-reads Stripe's."""

import secrets
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from apps.billing.providers.stripe.client import STRIPE_API_VERSION
from apps.billing.services import provider_event_ingest

# The billing payment provider these events belong to (apps/billing/providers/sandbox/).
PROVIDER = "sandbox"


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(12)}"


def unix(value) -> int:
    return int(value.timestamp())


def sandbox_event(*, type: str, obj: dict[str, Any], created: int | None = None) -> dict[str, Any]:
    """An event envelope like Stripe's (API version pinned like the client)."""
    return {
        "id": new_id("evt_sandbox_"),
        "object": "event",
        "api_version": STRIPE_API_VERSION,
        "created": created or unix(timezone.now()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type,
    }


def sandbox_deliver(event: dict[str, Any]) -> int:
    """Hands the event to billing's webhook service and returns the status the webhook would
    have answered (the outcome is stored on the event row, as for Stripe's deliveries)."""
    return provider_event_ingest(provider=PROVIDER, event=event).status


@dataclass
class SandboxResult:
    ok: bool
    message: str
    deliveries: list[tuple[str, int]] = field(default_factory=list)


def sandbox_deliver_into(result: SandboxResult, *, type: str, obj: dict[str, Any]) -> None:
    """Delivers one event and notes the answer; a refusal makes the whole result a failure."""
    status = sandbox_deliver(sandbox_event(type=type, obj=obj))
    result.deliveries.append((type, status))
    if status >= 300:
        result.ok = False
        result.message = f"The webhook answered {status} to {type}; see the provider events in the admin."
