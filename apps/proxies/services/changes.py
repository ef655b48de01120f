"""Changing a key: top-up, enable/disable, cap, expiry.

Each service calls the upstream first, with no database lock held, then copies the returned
record into the mirror and writes the audit entry in one short transaction.
"""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext

from apps.core.errors import ApplicationError
from apps.events.models import EventType
from apps.proxies.models import PoolKey
from apps.proxies.upstream.errors import UpstreamError, UpstreamNotFound

from . import client
from .alerts import pool_key_alerts_rearm
from .idempotency import idempotency_key_derive, idempotency_key_validate
from .key_events import key_event
from .mirror import jsonable, marks_missing, pool_key_audit, pool_key_mark_missing, pool_key_mirror_apply
from .validation import clean_add_gb, clean_cap, clean_days, clean_label, ensure_live

if TYPE_CHECKING:
    from apps.accounts.models import User


def pool_key_top_up(
    *,
    key: PoolKey,
    add_gb: Decimal | None,
    extend_days: int | None,
    idempotency_key: str,
    reenable: bool = False,
    actor: "User | None" = None,
    reason: str = "",
) -> PoolKey:
    """Adds traffic and/or days (upstream arithmetic: a null cap stays null, expiry is
    max(now, expiry) + days). The upstream never lifts an auto-suspend on top-up; with
    `reenable=True` (a confirmed payment) the key is then enabled explicitly, unless the shop
    disabled it on purpose. Two writes, two keys derived from the caller's: `<key>-topup`,
    `<key>-enable`; a retry of the whole call replays both and doubles nothing."""
    idempotency_key_validate(idempotency_key)
    ensure_live(key)
    add_gb = clean_add_gb(add_gb)
    extend_days = clean_days(extend_days)
    if add_gb is None and extend_days is None:
        raise ApplicationError(gettext("A top-up adds traffic, days, or both."))
    upstream = client.upstream_client()
    topup_key = idempotency_key_derive(idempotency_key, "topup")
    enable_key = idempotency_key_derive(idempotency_key, "enable")
    cap_before, expires_before = key.cap_gb, key.expires_at

    with marks_missing(key):
        record = upstream.top_up_key(
            key.upstream_id, add_traffic_gb=add_gb, extend_days=extend_days, idempotency_key=topup_key
        )
    final, reenabled, skipped, enable_error = record, False, "", None
    if reenable and not record.enabled:
        if PoolKey.objects.filter(pk=key.pk, disabled_by_operator=True).exists():
            skipped = "disabled_by_operator"
        else:
            try:
                final = upstream.update_key(key.upstream_id, enabled=True, idempotency_key=enable_key)
                reenabled = True
            except UpstreamError as exc:
                # The top-up did happen: record it, then let the caller retry the enable.
                enable_error = exc

    with transaction.atomic():
        pool_key_mirror_apply(key=key, record=final)
        pool_key_audit(
            action="pool_key.top_up",
            key=key,
            actor=actor,
            reason=reason,
            idempotency_key=topup_key,
            data={
                "add_gb": jsonable(add_gb),
                "extend_days": extend_days,
                "cap_gb_before": jsonable(cap_before),
                "cap_gb_after": jsonable(record.traffic_cap_gb),
                "expires_at_before": jsonable(expires_before),
                "expires_at_after": jsonable(record.expires_at),
                "reenable_requested": reenable,
                "reenable_skipped": skipped,
            },
        )
        if reenabled:
            pool_key_audit(
                action="pool_key.enable",
                key=key,
                actor=actor,
                reason=reason or "re-enabled after top-up",
                idempotency_key=enable_key,
                data={"after": "top_up"},
            )
        pool_key_alerts_rearm(key=key)  # back under a threshold: its next crossing alerts again
        key_event(key, EventType.KEY_TOPPED_UP, add_gb=jsonable(add_gb), extend_days=extend_days)
    if enable_error is not None:
        if isinstance(enable_error, UpstreamNotFound):
            pool_key_mark_missing(key=key)
        raise enable_error
    return key


def pool_key_set_enabled(
    *, key: PoolKey, enabled: bool, idempotency_key: str, actor: "User | None" = None, reason: str = ""
) -> PoolKey:
    """Enables or disables a key upstream (disabling cuts traffic at once). A disable through
    the shop is an operator hold: a later paid top-up will not lift it, only an enable will."""
    idempotency_key_validate(idempotency_key)
    ensure_live(key)
    with marks_missing(key):
        record = client.upstream_client().update_key(
            key.upstream_id, enabled=bool(enabled), idempotency_key=idempotency_key
        )
    was_enabled = key.enabled
    with transaction.atomic():
        pool_key_mirror_apply(key=key, record=record, extra={"disabled_by_operator": not enabled})
        pool_key_audit(
            action="pool_key.enable" if enabled else "pool_key.disable",
            key=key,
            actor=actor,
            reason=reason,
            idempotency_key=idempotency_key,
            data={"enabled_before": was_enabled, "enabled_after": record.enabled},
        )
    return key


def pool_key_set_cap(
    *, key: PoolKey, cap_gb: Decimal | None, idempotency_key: str, actor: "User | None" = None, reason: str = ""
) -> PoolKey:
    """Sets the cap to an absolute value (None: unlimited). For adding GB use the top-up, which
    is atomic upstream; this is for corrections such as a refund."""
    idempotency_key_validate(idempotency_key)
    ensure_live(key)
    cap_gb = clean_cap(cap_gb)
    cap_before = key.cap_gb
    with marks_missing(key):
        record = client.upstream_client().update_key(
            key.upstream_id, traffic_cap_gb=cap_gb, idempotency_key=idempotency_key
        )
    with transaction.atomic():
        pool_key_mirror_apply(key=key, record=record)
        pool_key_audit(
            action="pool_key.set_cap",
            key=key,
            actor=actor,
            reason=reason,
            idempotency_key=idempotency_key,
            data={"cap_gb_before": jsonable(cap_before), "cap_gb_after": jsonable(record.traffic_cap_gb)},
        )
    return key


def pool_key_extend(
    *, key: PoolKey, days: int, idempotency_key: str, actor: "User | None" = None, reason: str = ""
) -> PoolKey:
    """Moves the expiry `days` past max(now, expiry), through the upstream's atomic top-up."""
    idempotency_key_validate(idempotency_key)
    ensure_live(key)
    cleaned_days = clean_days(days)
    if cleaned_days is None:
        raise ApplicationError(gettext("Say by how many days to extend the key."))
    days = cleaned_days
    expires_before = key.expires_at
    with marks_missing(key):
        record = client.upstream_client().top_up_key(key.upstream_id, extend_days=days, idempotency_key=idempotency_key)
    with transaction.atomic():
        pool_key_mirror_apply(key=key, record=record)
        pool_key_audit(
            action="pool_key.extend",
            key=key,
            actor=actor,
            reason=reason,
            idempotency_key=idempotency_key,
            data={
                "days": days,
                "expires_at_before": jsonable(expires_before),
                "expires_at_after": jsonable(record.expires_at),
            },
        )
        pool_key_alerts_rearm(key=key)
    return key


def pool_key_relabel(
    *, key: PoolKey, label: str, idempotency_key: str, actor: "User | None" = None, reason: str = ""
) -> PoolKey:
    """Renames the key upstream (the mirror copies the label from there, so a sync keeps it)."""
    idempotency_key_validate(idempotency_key)
    ensure_live(key)
    label = clean_label(label)
    before = key.label
    if label == before:
        return key
    with marks_missing(key):
        record = client.upstream_client().update_key(key.upstream_id, label=label, idempotency_key=idempotency_key)
    with transaction.atomic():
        pool_key_mirror_apply(key=key, record=record)
        pool_key_audit(
            action="pool_key.relabel",
            key=key,
            actor=actor,
            reason=reason,
            idempotency_key=idempotency_key,
            data={"label_before": before, "label_after": key.label},
        )
    return key
