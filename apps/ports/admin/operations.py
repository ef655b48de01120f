"""The operator's actions on ports: rotate, reconfigure, extend, change credentials, block,
unblock, sync and release. Each asks for a reason on an intermediate page, goes through the
ports services (upstream write with an idempotency key, local audit entry) and then writes a
console audit entry: who, from where, why and how it went, failures included. The idempotency
key derives from a nonce rendered into the form, so a double submit replays the first write."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from apps.core.admin_operations import OperationForm
from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry
from apps.core.services import audit_log
from apps.ports.models import Port
from apps.ports.services import (
    port_block,
    port_credentials_change,
    port_idempotency_key,
    port_reconfigure,
    port_release,
    port_renew,
    port_rotate,
    port_sync,
    port_unblock,
)

MAX_PORTS_PER_OPERATION = 50


class ExtendForm(OperationForm):
    days = forms.IntegerField(label=gettext_lazy("Days to add"), min_value=1, max_value=3650)
    field_order = ["days", "reason", "nonce"]


class ReconfigureForm(OperationForm):
    country = forms.RegexField(regex=r"^[A-Za-z]{2}$", label=gettext_lazy("Country (ISO code, e.g. DE)"))
    carrier = forms.CharField(required=False, max_length=80, label=gettext_lazy("Carrier brand (optional)"))
    field_order = ["country", "carrier", "reason", "nonce"]


class ReleaseForm(OperationForm):
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand: the port stops at once, its slot is freed and it cannot be restored.")
    )


@dataclass(frozen=True)
class OperationContext:
    actor: Any
    ip: str | None
    reason: str
    nonce: str

    def key(self, name: str, port: Port) -> str:
        return port_idempotency_key(action=f"console-{name}", port_id=port.pk, nonce=self.nonce)


def _rotate(port: Port, data: dict, ctx: OperationContext) -> str:
    outcome = port_rotate(
        port=port, idempotency_key=ctx.key("rotate", port), actor=ctx.actor, ip=ctx.ip, reason=ctx.reason
    )
    return outcome.message


def _reconfigure(port: Port, data: dict, ctx: OperationContext) -> str:
    port_reconfigure(
        port=port,
        country_code=data["country"],
        carrier=data.get("carrier") or "",
        idempotency_key=ctx.key("reconfigure", port),
        actor=ctx.actor,
        reason=ctx.reason,
    )
    return f"now in {port.country_name or port.country_code}{' · ' + port.carrier if port.carrier else ''}"


def _extend(port: Port, data: dict, ctx: OperationContext) -> str:
    delivery = port_renew(
        port=port,
        days=data["days"],
        order_ref=f"console-{port.pk}-{ctx.nonce}",
        idempotency_key=ctx.key("extend", port),
        actor=ctx.actor,
        reason=ctx.reason,
    )
    return f"expires {delivery.expires_at:%Y-%m-%d %H:%M} UTC"


def _credentials(port: Port, data: dict, ctx: OperationContext) -> str:
    # The new password is the customer's alone: dropped here, never shown to staff.
    port_credentials_change(port=port, idempotency_key=ctx.key("credentials", port), actor=ctx.actor, reason=ctx.reason)
    return "new password set; the old one stopped working; the customer reveals the new one on the dashboard"


def _block(port: Port, data: dict, ctx: OperationContext) -> str:
    port_block(port=port, idempotency_key=ctx.key("block", port), actor=ctx.actor, reason=ctx.reason)
    return "blocked: the customer's password no longer works"


def _unblock(port: Port, data: dict, ctx: OperationContext) -> str:
    port_unblock(port=port, idempotency_key=ctx.key("unblock", port), actor=ctx.actor, reason=ctx.reason)
    return "unblocked with new credentials the customer reveals on the dashboard"


def _sync(port: Port, data: dict, ctx: OperationContext) -> str:
    port_sync(port=port)
    return "the upstream no longer has this port: marked missing" if port.missing_upstream else "synced"


def _release(port: Port, data: dict, ctx: OperationContext) -> str:
    port_release(port=port, idempotency_key=ctx.key("release", port), actor=ctx.actor, reason=ctx.reason)
    return "released upstream; the record stays for orders and the audit log"


@dataclass(frozen=True)
class Operation:
    name: str
    title: str
    form_class: type[OperationForm]
    execute: Callable[[Port, dict, OperationContext], str]
    explanation: str
    permission: str = "operate"
    danger: bool = False


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation(
            "rotate_ports", "Rotate now", OperationForm, _rotate, "Gives each port a new IP now (cooldowns apply)."
        ),
        Operation(
            "reconfigure_ports",
            "Reconfigure (move)",
            ReconfigureForm,
            _reconfigure,
            "Moves each port to a free device in another country (and carrier). The customer keeps the port, its "
            "login and password; its server and IP change.",
        ),
        Operation(
            "extend_ports",
            "Extend",
            ExtendForm,
            _extend,
            "Adds days to each port's expiry upstream (from the later of now and its current expiry). No payment "
            "is recorded.",
        ),
        Operation(
            "change_credentials",
            "Change credentials",
            OperationForm,
            _credentials,
            "Sets a new password; the old one stops working at once. Staff never see the new one.",
            danger=True,
        ),
        Operation(
            "block_ports",
            "Block",
            OperationForm,
            _block,
            "Cuts access at once by a password nobody is shown; the port, its IP and its slot stay.",
            danger=True,
        ),
        Operation("unblock_ports", "Unblock", OperationForm, _unblock, "Gives blocked ports new credentials."),
        Operation("sync_ports", "Sync now", OperationForm, _sync, "Reads each port and its history from the upstream."),
        Operation(
            "release_ports",
            "Release",
            ReleaseForm,
            _release,
            "Deletes each port upstream: it stops at once and its slot is freed. The record is kept.",
            permission="remove",
            danger=True,
        ),
    )
}


@dataclass(frozen=True)
class OperationOutcome:
    port: Port
    ok: bool
    message: str


def operation_run(*, operation: Operation, port: Port, data: dict, ctx: OperationContext) -> OperationOutcome:
    """Runs one operation on one port and records the console audit entry (once per nonce)."""
    try:
        ok, message = True, operation.execute(port, data, ctx)
    except ApplicationError as exc:
        ok, message = False, exc.message
    action = f"console.{operation.name}"
    replayed = (
        ok
        and AuditEntry.objects.filter(
            action=action,
            target_type=Port._meta.label_lower,
            target_id=str(port.pk),
            data__nonce=ctx.nonce,
            data__outcome="ok",
        ).exists()
    )
    if not replayed:
        params = {name: value for name, value in data.items() if name not in ("reason", "nonce", "confirm")}
        audit_log(
            action=action,
            actor=ctx.actor,
            customer=port.customer,
            target=port,
            reason=ctx.reason,
            ip=ctx.ip,
            data={
                "upstream_id": port.upstream_id,
                "outcome": "ok" if ok else "failed",
                "detail": message,
                "nonce": ctx.nonce,
                **params,
            },
        )
    return OperationOutcome(port=port, ok=ok, message=message)
