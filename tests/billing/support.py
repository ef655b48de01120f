"""Helpers shared by the billing tests."""

from apps.sandbox.upstream.models import SandboxAuditEvent, SandboxKey


def upstream_keys() -> list[SandboxKey]:
    """The keys the (sandbox) upstream holds."""
    return list(SandboxKey.objects.order_by("created_at", "pk"))


def upstream_mints() -> int:
    """Keys the upstream actually created (idempotent replays are not counted)."""
    return SandboxAuditEvent.objects.filter(action="create").count()
