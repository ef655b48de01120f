"""What a customer does to their own keys from the dashboard: rename one, delete one that is
used up or expired. Each is one upstream write through the key services (idempotency key,
mirror, audit entry); the views pass the customer's own key (someone else's was a 404)."""

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.errors import ApplicationError
from apps.proxies.errors import KeyTargetRefused
from apps.proxies.models import PoolKey
from apps.proxies.selectors_keys import pool_key_delete_refusal

from .alerts import pool_key_alerts_rearm
from .changes import pool_key_relabel
from .idempotency import idempotency_key_for
from .keys import pool_key_delete
from .mirror import pool_key_audit

if TYPE_CHECKING:
    from apps.accounts.models import User


def pool_key_customer_rename(*, key: PoolKey, label: str, nonce: str, actor: "User") -> PoolKey:
    """The customer's new name for their key (kept upstream as its label). `nonce` is the form's,
    so a double submit renames once."""
    return pool_key_relabel(
        key=key,
        label=label,
        idempotency_key=idempotency_key_for(action="rename", obj_ref=f"pk{key.pk}", nonce=nonce),
        actor=actor,
        reason="customer renamed the key from the dashboard",
    )


def pool_key_customer_delete(*, key: PoolKey, actor: "User") -> None:
    """Deletes a used-up or expired key (KeyTargetRefused says why another cannot go). Once per
    key: the idempotency key names the key, so a double submit replays."""
    refusal = pool_key_delete_refusal(key)
    if refusal:
        raise KeyTargetRefused(refusal, extra={"key": key.pk})
    pool_key_delete(
        key=key,
        idempotency_key=idempotency_key_for(action="delete", obj_ref=f"pk{key.pk}", nonce="customer"),
        actor=actor,
        reason="customer deleted the key from the dashboard",
    )


def pool_key_alert_levels_set(*, key: PoolKey, warn_percent: int, full_percent: int, actor: "User") -> PoolKey:
    """The customer's usage alert levels for one key (the shop's own data: no upstream call).
    Levels the key is now under are re-armed, so the next crossing alerts."""
    if not 1 <= warn_percent < full_percent <= 100:
        raise ApplicationError(gettext("Choose a first warning below the second, between 1 and 100 %."))
    before = (key.alert_warn_percent, key.alert_full_percent)
    with transaction.atomic():
        PoolKey.objects.filter(pk=key.pk).update(
            alert_warn_percent=warn_percent, alert_full_percent=full_percent, updated_at=timezone.now()
        )
        key.alert_warn_percent, key.alert_full_percent = warn_percent, full_percent
        pool_key_audit(
            action="pool_key.alert_levels",
            key=key,
            actor=actor,
            reason="customer changed the usage alerts",
            data={"before": list(before), "after": [warn_percent, full_percent]},
        )
        pool_key_alerts_rearm(key=key)
    return key
