"""The operator's actions on pool keys.

Each asks for a reason on an intermediate page, goes through the pool-key services (which make
the upstream write with an idempotency key and record the effect in the audit log) and then
writes a console audit entry: who asked, from which address, why, and how it went, failures
included. The idempotency key derives from a nonce rendered into the form, so a double submit
replays the first write instead of repeating it, while a second, deliberate action gets a new key.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from apps.core.admin_helpers import gb_text
from apps.core.admin_operations import OperationForm
from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry
from apps.core.services import audit_log
from apps.proxies.models import PoolKey
from apps.proxies.services import (
    idempotency_key_for,
    pool_key_delete,
    pool_key_extend,
    pool_key_regenerate,
    pool_key_set_enabled,
    pool_key_sync,
    pool_key_top_up,
    usage_samples_record,
)
from apps.proxies.services.mirror import jsonable
from apps.proxies.upstream.errors import UpstreamAuthError, UpstreamError

# Each key is one upstream call made inside the operator's request: keep a bulk action short.
MAX_KEYS_PER_OPERATION = 100


class ReadOnlyOperationForm(OperationForm):
    """For an action that changes nothing (Sync): a note is welcome, not required."""

    reason = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 70}),
        help_text=gettext_lazy("Optional: this action changes nothing; it is recorded in the audit log all the same."),
    )


class GrantForm(OperationForm):
    gb = forms.DecimalField(
        label=gettext_lazy("GB to add"),
        min_value=Decimal("0.001"),
        max_value=Decimal(1_000_000),
        max_digits=12,
        decimal_places=3,
    )
    days = forms.IntegerField(
        label=gettext_lazy("Also extend the expiry by (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=gettext_lazy("Optional."),
    )
    reenable = forms.BooleanField(
        label=gettext_lazy("Re-enable keys suspended at their cap"),
        required=False,
        initial=True,
        help_text=gettext_lazy(
            "The upstream never lifts an auto-suspend by itself. Keys an operator disabled stay disabled."
        ),
    )
    field_order = ["gb", "days", "reenable", "reason", "nonce"]


class ExtendForm(OperationForm):
    days = forms.IntegerField(label=gettext_lazy("Days to add"), min_value=1, max_value=3650)
    field_order = ["days", "reason", "nonce"]


class DeleteForm(OperationForm):
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand: traffic stops at once, the customer loses the key and it cannot be restored.")
    )


@dataclass(frozen=True)
class OperationContext:
    actor: Any
    ip: str | None
    reason: str
    nonce: str

    def idempotency_key(self, name: str, key: PoolKey) -> str:
        return idempotency_key_for(action=f"console-{name}", obj_ref=f"poolkey-{key.pk}", nonce=self.nonce)


def _grant(key: PoolKey, data: dict, ctx: OperationContext) -> str:
    pool_key_top_up(
        key=key,
        add_gb=data["gb"],
        extend_days=data.get("days"),
        idempotency_key=ctx.idempotency_key("grant", key),
        reenable=bool(data.get("reenable")),
        actor=ctx.actor,
        reason=ctx.reason,
    )
    return f"cap now {gb_text(key.cap_gb)}" + (
        f", expires {key.expires_at:%Y-%m-%d %H:%M} UTC" if key.expires_at else ""
    )


def _extend(key: PoolKey, data: dict, ctx: OperationContext) -> str:
    pool_key_extend(
        key=key,
        days=data["days"],
        idempotency_key=ctx.idempotency_key("extend", key),
        actor=ctx.actor,
        reason=ctx.reason,
    )
    return f"expires {key.expires_at:%Y-%m-%d %H:%M} UTC"


def _set_enabled(enabled: bool) -> Callable[[PoolKey, dict, OperationContext], str]:
    def run(key: PoolKey, data: dict, ctx: OperationContext) -> str:
        name = "enable" if enabled else "disable"
        pool_key_set_enabled(
            key=key, enabled=enabled, idempotency_key=ctx.idempotency_key(name, key), actor=ctx.actor, reason=ctx.reason
        )
        return "enabled" if key.enabled else "still disabled upstream"

    return run


def _regenerate(key: PoolKey, data: dict, ctx: OperationContext) -> str:
    # The new secret is the customer's alone: it is dropped here and never shown to staff.
    key, _secret = pool_key_regenerate(
        key=key, idempotency_key=ctx.idempotency_key("regenerate", key), actor=ctx.actor, reason=ctx.reason, ip=ctx.ip
    )
    return f"new secret {key.secret_hint}; the old one stopped working; the customer sees the new one on the dashboard"


def _sync(key: PoolKey, data: dict, ctx: OperationContext) -> str:
    pool_key_sync(key=key, actor=ctx.actor, reason=ctx.reason)
    if key.missing_upstream:
        return "the upstream no longer has this key: marked missing"
    usage_samples_record(keys=[key])
    return f"{gb_text(key.used_gb)} used of {gb_text(key.cap_gb)}"


def _delete(key: PoolKey, data: dict, ctx: OperationContext) -> str:
    pool_key_delete(key=key, idempotency_key=ctx.idempotency_key("delete", key), actor=ctx.actor, reason=ctx.reason)
    return "deleted upstream; the record stays for orders and the audit log"


def _live(key: PoolKey) -> bool:
    return key.deleted_at is None


def _can_enable(key: PoolKey) -> bool:
    return _live(key) and (not key.enabled or key.disabled_by_operator)


def _can_disable(key: PoolKey) -> bool:
    return _live(key) and key.enabled and not key.disabled_by_operator


@dataclass(frozen=True)
class Operation:
    name: str
    title: str
    form_class: type[OperationForm]
    execute: Callable[[PoolKey, dict, OperationContext], str]
    explanation: str
    permission: str = "operate"  # ModelAdmin.has_<permission>_permission
    danger: bool = False
    applies_to: Callable[[PoolKey], bool] = _live  # the key's state allows it
    not_applicable: str = "deleted"  # what the keys it skips are


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation(
            "grant_gb",
            "Grant GB (manual top-up)",
            GrantForm,
            _grant,
            "Adds traffic to each key's cap upstream (an unlimited key stays unlimited), optionally extends the "
            "expiry, and re-enables keys that were suspended at their cap. No payment is recorded.",
        ),
        Operation(
            "extend_expiry",
            "Extend expiry",
            ExtendForm,
            _extend,
            "Moves each key's expiry the given number of days past the later of now and its current expiry. "
            "An expired key works again once the new expiry is in the future.",
        ),
        Operation(
            "enable_keys",
            "Enable",
            OperationForm,
            _set_enabled(True),
            "Lets traffic through again and lifts an operator hold. A key still at its cap is suspended again by "
            "the upstream at its next request: grant GB instead.",
            applies_to=_can_enable,
            not_applicable="enabled already, or deleted",
        ),
        Operation(
            "disable_keys",
            "Disable",
            OperationForm,
            _set_enabled(False),
            "Cuts traffic at once and puts the key on hold: a later paid top-up will not re-enable it, only an "
            "operator's Enable will. The customer's dashboard says to contact support.",
            danger=True,
            applies_to=_can_disable,
            not_applicable="disabled already, or deleted",
        ),
        Operation(
            "regenerate_secret",
            "Regenerate secret",
            OperationForm,
            _regenerate,
            "Issues a new proxy password; the old one stops working at once, so the customer's tools fail until "
            "they copy the new one from their dashboard. Staff never see it.",
            danger=True,
        ),
        Operation(
            "sync_now",
            "Sync now",
            ReadOnlyOperationForm,
            _sync,
            "Reads each key from the upstream now and refreshes usage, status and expiry (and today's reading).",
        ),
        Operation(
            "delete_keys",
            "Delete",
            DeleteForm,
            _delete,
            "Deletes each key upstream: traffic stops at once and the key cannot be restored. The local record is "
            "kept (marked deleted) for orders and the audit log.",
            permission="remove",
            danger=True,
        ),
    )
}


@dataclass(frozen=True)
class OperationOutcome:
    key: PoolKey
    ok: bool
    message: str


def describe_upstream_error(exc: UpstreamError) -> str:
    parts = (f"HTTP {exc.status}" if exc.status else "", f"request id {exc.request_id}" if exc.request_id else "")
    where = ", ".join(part for part in parts if part)
    if isinstance(exc, UpstreamAuthError):
        text = "the upstream rejected the reseller API key (check PROXIES_SX_API_KEY)"
    elif exc.retryable:
        text = f"the upstream is not answering right now ({exc.message}); try again in a minute"
    else:
        text = f"the upstream refused: {exc.message}"
    return f"{text} ({where})" if where else text


def operation_run(*, operation: Operation, key: PoolKey, data: dict, ctx: OperationContext) -> OperationOutcome:
    """Runs one operation on one key and records the console audit entry (once per nonce)."""
    try:
        ok, message = True, operation.execute(key, data, ctx)
    except ApplicationError as exc:
        ok, message = False, exc.message
    except UpstreamError as exc:
        ok, message = False, describe_upstream_error(exc)
    action = f"console.{operation.name}"
    # A double submit replays the upstream write; record the success once.
    replayed = (
        ok
        and AuditEntry.objects.filter(
            action=action,
            target_type=PoolKey._meta.label_lower,
            target_id=str(key.pk),
            data__nonce=ctx.nonce,
            data__outcome="ok",
        ).exists()
    )
    if not replayed:
        params = {name: jsonable(value) for name, value in data.items() if name not in ("reason", "nonce", "confirm")}
        audit_log(
            action=action,
            actor=ctx.actor,
            customer=key.customer,
            target=key,
            reason=ctx.reason,
            ip=ctx.ip,
            data={
                "upstream_id": key.upstream_id,
                "outcome": "ok" if ok else "failed",
                "detail": message,
                "nonce": ctx.nonce,
                **params,
            },
        )
    return OperationOutcome(key=key, ok=ok, message=message)
