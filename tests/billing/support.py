"""Helpers shared by the billing tests."""

from apps.sandbox.upstream.models import SandboxAuditEvent, SandboxKey


def upstream_keys() -> list[SandboxKey]:
    """The keys the (sandbox) upstream holds."""
    return list(SandboxKey.objects.order_by("created_at", "pk"))


def upstream_mints() -> int:
    """Keys the upstream actually created (idempotent replays are not counted)."""
    return SandboxAuditEvent.objects.filter(action="create").count()


def upstream_cap():
    """The cap of the one key the upstream holds."""
    [key] = upstream_keys()
    return key.traffic_cap_gb


def cap_changes() -> int:
    """Changes the upstream applied to keys (cap, enabled); replays are not counted."""
    return SandboxAuditEvent.objects.filter(action="update").count()
