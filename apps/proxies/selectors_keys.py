"""Reads about a customer's several keys: how many they may hold, which key a purchase tops up
when they did not say, and whether a purchase (or a GB move) may go where they asked.

A purchase's target (billing's `Order.target_ref`, apps/core/fulfilment.py) is "" (the shop
decides: the key the latest delivered order used, else the newest), "new" (mint a new key) or a
key's id. `pool_key_target_check` is the pool-traffic product's `target_check`: it runs before
checkout creates an order, so a refusal charges nothing."""

from decimal import Decimal

from django.conf import settings

from apps.core.models import AuditEntry
from apps.proxies.errors import KeyTargetRefused
from apps.proxies.models import PoolKey, PoolKeyFulfilment

TARGET_NEW = "new"
NOT_YOURS = "This is not one of your proxy keys. Nothing was charged."
HELD = (
    "Key “{label}” is switched off by our team, so traffic can't be added to it. Choose another key or a new "
    "key, or contact support about this one. Nothing was charged."
)
TOO_MANY_KEYS = (
    "You already have {count} keys, the most one account can hold. Top up one of them, or delete a key you no "
    "longer use. Nothing was charged."
)


def pool_key_limit() -> int:
    """The most live keys one customer may hold (settings.POOL_MAX_KEYS_PER_CUSTOMER)."""
    return int(settings.POOL_MAX_KEYS_PER_CUSTOMER)


def pool_key_live_count(*, customer_id: int) -> int:
    return PoolKey.objects.live().filter(customer_id=customer_id).count()


def pool_key_is_held(key: PoolKey) -> bool:
    """The shop keeps this key disabled on purpose (an operator, a refund policy): no traffic is
    sold into it and the dashboard says why."""
    return key.disabled_by_operator and not key.enabled


def pool_key_display_name(key: PoolKey) -> str:
    return key.label or f"Key {key.pk}"


def pool_key_default_target(*, customer_id: int, order_ref: str = "") -> PoolKey | None:
    """The key a purchase without a target tops up: the one the customer's latest delivered order
    used, else their newest live key (None: the purchase mints their first key)."""
    live = PoolKey.objects.live().filter(customer_id=customer_id, missing_upstream=False)
    latest = (
        PoolKeyFulfilment.objects.filter(customer_id=customer_id, key__in=live)
        .exclude(order_ref=order_ref)
        .order_by("-delivered_at", "-pk")
        .values_list("key", flat=True)
        .first()
    )
    if latest is not None:
        return live.get(pk=latest)
    return live.order_by("-created_at", "-pk").first()


def pool_key_new_allowed(*, customer_id: int) -> None:
    """Raises KeyTargetRefused when the customer already holds the most keys allowed."""
    count = pool_key_live_count(customer_id=customer_id)
    if count >= pool_key_limit():
        raise KeyTargetRefused(TOO_MANY_KEYS.format(count=count), extra={"keys": count})


def pool_key_target_key(*, customer_id: int, target_ref: str) -> PoolKey:
    """The customer's live key named by `target_ref` that can take traffic; KeyTargetRefused
    otherwise (someone else's key reads exactly like a missing one)."""
    key = None
    if target_ref.isdigit() and len(target_ref) < 19:
        key = PoolKey.objects.live().filter(customer_id=customer_id, missing_upstream=False, pk=int(target_ref)).first()
    if key is None:
        raise KeyTargetRefused(NOT_YOURS, extra={"target": target_ref})
    if pool_key_is_held(key):
        raise KeyTargetRefused(HELD.format(label=pool_key_display_name(key)), extra={"target": target_ref})
    return key


def pool_key_target_check(*, customer_id: int, target_ref: str) -> None:
    """Whether a purchase of pool traffic may go where the customer asked (see the module doc).
    Raises KeyTargetRefused with a message for the customer."""
    if target_ref == TARGET_NEW:
        pool_key_new_allowed(customer_id=customer_id)
    elif target_ref:
        pool_key_target_key(customer_id=customer_id, target_ref=target_ref)
    else:
        default = pool_key_default_target(customer_id=customer_id)
        if default is not None and pool_key_is_held(default):
            raise KeyTargetRefused(HELD.format(label=pool_key_display_name(default)), extra={"target": ""})


def pool_key_hold_reason(key: PoolKey) -> str:
    """Why the shop holds this key disabled, in words a customer may read: a refund or a payment
    dispute when the latest disable said so ("" otherwise: an operator's own reasons stay theirs)."""
    if not pool_key_is_held(key):
        return ""
    latest = (
        AuditEntry.objects.filter(
            action="pool_key.disable", target_type=PoolKey._meta.label_lower, target_id=str(key.pk)
        )
        .order_by("-id")
        .values_list("reason", flat=True)
        .first()
    )
    text = (latest or "").lower()
    if "dispute" in text:
        return "after a payment dispute"
    if "refund" in text:
        return "after a refund"
    return ""


def pool_key_delete_refusal(key: PoolKey) -> str:
    """Why the customer may not delete this key ("" when they may): only a key with nothing left
    on it (its traffic used up) or an expired one goes; a key the shop holds stays for support."""
    if pool_key_is_held(key):
        return "Our team keeps this key switched off; please contact support about it."
    if key.is_expired() or key.at_cap:
        return ""
    if key.cap_gb is None:
        return "This key has unlimited traffic left. Only a used-up or expired key can be deleted."
    left = max(Decimal(key.cap_gb) - key.used_gb, Decimal(0)).quantize(Decimal("0.01"))
    return (
        f"This key still has {left} GB left. Move its traffic to a new key first, or delete it once it is used up "
        "or expired."
    )
