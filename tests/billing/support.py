"""Helpers shared by the billing tests (their fixtures are in conftest.py)."""

from datetime import timedelta

import time_machine
from django.test import TestCase
from django.utils import timezone

from apps.billing.tasks import reconcile_orders
from apps.sandbox.upstream.models import SandboxAuditEvent, SandboxKey

# Upstream calls, for injecting faults (apps.sandbox.upstream.faults.inject).
MINT = {"path": "/reseller/pool-keys", "method": "POST"}
TOP_UP = {"path": "/reseller/pool-keys/*/topup", "method": "POST"}
UPDATE = {"path": "/reseller/pool-keys/*", "method": "PATCH"}
LIST = {"path": "/reseller/pool-keys", "method": "GET"}


def get(client, url, **kwargs):
    """A GET whose after-commit work (provisioning nudges) runs before it returns."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.get(url, **kwargs)


def post(client, url, data=None, **kwargs):
    """A POST whose after-commit work (provisioning, key adjustments) runs before it returns."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data or {}, **kwargs)


def reconcile_later(minutes: float = 30):
    """Moves time on (past any backoff) and runs the reconciler job, as beat would."""
    traveller = time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)
    traveller.start()
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return reconcile_orders.delay().get()
    finally:
        traveller.stop()


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
