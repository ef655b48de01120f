"""The upstream's audit log: writing events and the two audit queries (all keys, one key)."""

from datetime import UTC, datetime, timedelta

from django.db.models import Q

from .models import SandboxAuditEvent
from .validation import parse_datetime
from .wire import ApiError, SandboxRequest, iso, new_id

RETENTION = timedelta(days=90)


def mask_secret(secret: str) -> str:
    """What the upstream shows instead of a secret: the prefix and the last four characters."""
    if not isinstance(secret, str) or len(secret) < 12:
        return "…"
    prefix = "pak_" if secret.startswith("pak_") else ""
    return f"{prefix}{'*' * (len(secret) - len(prefix) - 4)}{secret[-4:]}"


def event_record(
    *,
    action: str,
    now: datetime,
    pak_id: str = "",
    request: SandboxRequest | None = None,
    auth_method: str = "apiKey",
    metadata: dict | None = None,
) -> SandboxAuditEvent:
    assert action in SandboxAuditEvent.ACTIONS, action
    return SandboxAuditEvent.objects.create(
        public_id=new_id("evt_"),
        pak_id=pak_id,
        action=action,
        ip=request.client_ip if request else "",
        user_agent=request.user_agent if request else "",
        request_id=request.request_id if request else "",
        auth_method=auth_method,
        metadata=metadata or {},
        created_at=now,
    )


def event_payload(event: SandboxAuditEvent) -> dict:
    return {
        "id": event.public_id,
        "pakId": event.pak_id or None,
        "action": event.action,
        "ip": event.ip or None,
        "userAgent": event.user_agent or None,
        "requestId": event.request_id or None,
        "authMethod": event.auth_method,
        "metadata": event.metadata,
        "createdAt": iso(event.created_at),
    }


def _before_filter(raw: str) -> Q:
    """`before` is an event id, an ISO datetime or unix milliseconds; only older events match."""
    raw = raw.strip()
    if raw.startswith("evt_"):
        anchor = SandboxAuditEvent.objects.filter(public_id=raw).first()
        if anchor is None:
            raise ApiError(400, "invalid_parameter", "before names an unknown event.", param="before")
        return Q(created_at__lt=anchor.created_at) | Q(created_at=anchor.created_at, id__lt=anchor.id)
    if raw.isdigit():
        try:
            moment = datetime.fromtimestamp(int(raw) / 1000, tz=UTC)
        except (OverflowError, ValueError, OSError):
            moment = None
    else:
        moment = parse_datetime(raw)
    if moment is None:
        raise ApiError(
            400, "invalid_parameter", "before must be an event id, an ISO datetime or unix ms.", param="before"
        )
    return Q(created_at__lt=moment)


def events_query(*, request: SandboxRequest, now: datetime, limit: int, pak_id: str | None = None) -> list[dict]:
    events = SandboxAuditEvent.objects.filter(created_at__gte=now - RETENTION)
    if pak_id is not None:
        events = events.filter(pak_id=pak_id)
    action = request.query.get("action", "")
    if action:
        if action not in SandboxAuditEvent.ACTIONS:
            raise ApiError(
                400,
                "invalid_parameter",
                f"action must be one of: {', '.join(SandboxAuditEvent.ACTIONS)}.",
                param="action",
            )
        events = events.filter(action=action)
    before = request.query.get("before", "")
    if before:
        events = events.filter(_before_filter(before))
    return [event_payload(e) for e in events.order_by("-created_at", "-id")[:limit]]
