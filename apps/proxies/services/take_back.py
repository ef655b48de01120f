"""Taking an order's traffic back from its key (a refund or dispute) and giving it back (a won
dispute), for billing's pool-traffic product (apps/proxies/fulfilment.py). Upstream failures leave
here as core RetryableError / TerminalError.

A cap change is computed once from the cap the upstream holds and stored by the caller
(`plan_store`) before the first call, so a retry sends exactly the same change; the upstream
refuses a cap of 0, so the floor is MIN_CAP_GB."""

from collections.abc import Callable
from decimal import Decimal

from apps.core.models import AuditEntry
from apps.proxies.errors import upstream_errors_as_domain
from apps.proxies.models import PoolKey

from .changes import pool_key_set_cap, pool_key_set_enabled
from .sync import pool_key_sync

# The smallest cap the upstream accepts (it refuses 0). A key reduced this far carries ~1 MB and
# is suspended by the upstream at once; a later purchase tops it up and re-enables it.
MIN_CAP_GB = Decimal("0.001")
KEY_GONE = "the key no longer exists upstream"


def _live_key(key_id: str) -> PoolKey | None:
    key = PoolKey.objects.filter(pk=int(key_id)).first() if key_id.isdigit() else None
    if key is None or key.deleted_at is not None or key.missing_upstream:
        return None
    return key


def _target_cap(key: PoolKey, change: Decimal, plan: dict | None, plan_store: Callable[[dict], dict]) -> Decimal | None:
    """The cap after this change, fixed before the first call so retries send the same value."""
    if plan and plan.get("target_cap_gb") is not None:
        return Decimal(plan["target_cap_gb"])
    pool_key_sync(key=key)  # the cap as the upstream holds it now
    if key.cap_gb is None:
        return None
    before = Decimal(key.cap_gb)
    target = max(before + change, MIN_CAP_GB).quantize(Decimal("0.001"))
    stored = plan_store({"cap_before_gb": str(before.quantize(Decimal("0.001"))), "target_cap_gb": str(target)})
    return Decimal(stored["target_cap_gb"])


def pool_key_take_back(
    *,
    key_id: str,
    quantity: Decimal,
    suspend: bool,
    idempotency_key: str,
    reason: str,
    plan: dict | None,
    plan_store: Callable[[dict], dict],
) -> str:
    """Takes refunded traffic back: the cap goes down by `quantity` GB (floor MIN_CAP_GB), or
    with `suspend` the key is disabled (an operator hold). Returns why nothing changed, or ""."""
    key = _live_key(key_id)
    if key is None:
        return KEY_GONE
    with upstream_errors_as_domain():
        if suspend:
            pool_key_set_enabled(key=key, enabled=False, idempotency_key=idempotency_key, reason=reason)
            return ""
        target = _target_cap(key, -quantity, plan, plan_store)
        if target is None:
            return "the key has no cap to change"
        pool_key_set_cap(key=key, cap_gb=target, idempotency_key=idempotency_key, reason=reason)
    return ""


def _gb_to_give_back(quantity: Decimal, taken_gb: Decimal, taken_plan: dict | None) -> Decimal:
    """What comes back, less what the cap floor kept the take-back from taking."""
    shortfall = Decimal("0")
    if taken_plan and taken_plan.get("cap_before_gb") is not None and taken_plan.get("target_cap_gb") is not None:
        moved = Decimal(taken_plan["cap_before_gb"]) - Decimal(taken_plan["target_cap_gb"])
        shortfall = max(taken_gb - moved, Decimal("0"))
    return max(quantity - shortfall, Decimal("0"))


def _held_disabled(key: PoolKey, taken_idempotency_key: str) -> str:
    """Why a key the take-back disabled must stay disabled ("" when nothing else holds it): it
    was already disabled then (an operator, a refund), or something disabled it again since."""
    disables = AuditEntry.objects.filter(
        action="pool_key.disable", target_type=PoolKey._meta.label_lower, target_id=str(key.pk)
    )
    own = disables.filter(data__idempotency_key=taken_idempotency_key).order_by("id").first()
    if own is None or not own.data.get("enabled_before", True):
        return "the key was already disabled before the dispute: it stays disabled"
    if disables.filter(id__gt=own.id).exists():
        return "the key was disabled again since the dispute: it stays disabled"
    return ""


def pool_key_give_back(
    *,
    key_id: str,
    quantity: Decimal,
    resume: bool,
    idempotency_key: str,
    reason: str,
    taken_gb: Decimal,
    taken_plan: dict | None,
    taken_idempotency_key: str,
    plan: dict | None,
    plan_store: Callable[[dict], dict],
) -> str:
    """Undoes a take-back (a won dispute): the cap goes back up, or the key it disabled is
    enabled unless something else holds it disabled. Returns why nothing changed, or ""."""
    key = _live_key(key_id)
    if key is None:
        return KEY_GONE
    with upstream_errors_as_domain():
        if resume:
            held = _held_disabled(key, taken_idempotency_key)
            if held:
                return held
            pool_key_set_enabled(key=key, enabled=True, idempotency_key=idempotency_key, reason=reason)
            return ""
        change = _gb_to_give_back(quantity, taken_gb, taken_plan)
        if change == 0:
            return "nothing to give back: the floor kept the dispute from taking it"
        target = _target_cap(key, change, plan, plan_store)
        if target is None:
            return "the key has no cap to change"
        pool_key_set_cap(key=key, cap_gb=target, idempotency_key=idempotency_key, reason=reason)
    return ""
