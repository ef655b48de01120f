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


def delivered_key(order):
    """The pool key an order delivered (its `fulfilment_ref`), fresh from the database."""
    from apps.proxies.models import PoolKey

    return PoolKey.objects.get(pk=order.fulfilment_ref)


def delivery_action(order) -> str:
    """What the pool product decided for an order: "mint", "top_up", or "" (not decided yet)."""
    from apps.proxies.models import PoolKeyFulfilment

    decision = PoolKeyFulfilment.objects.filter(order_ref=order.reference).first()
    return decision.action if decision is not None else ""
