"""What billing calls for a port plan (keyed by the billing plan's slug; ports keeps no foreign
key into billing): can it be sold now, deliver it, renew it, revoke it after a refund. Plain
values in and out; errors are the ports errors (retryable / terminal)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from apps.core.errors import ApplicationError
from apps.ports.errors import PortCapacityError, PortRenewalRefused, PortsRetryableError, PortsTerminalError
from apps.ports.models import Port, PortPlan, PortStatus

from .client import ports_client
from .credentials import port_block
from .fulfil import PortDelivery, port_fulfil, port_location_choose
from .renew import port_renew
from .upstream import capacity_message, upstream_call

if TYPE_CHECKING:
    from apps.accounts.models import User

UNAVAILABLE = "Ports can't be bought right now; please try again in a few minutes."


@dataclass(frozen=True)
class PortAvailability:
    available: bool
    reason: str = ""  # "" | "slots" | "devices" | "unavailable" | "no_plan"
    message: str = ""


def port_plan_get(*, plan_slug: str) -> PortPlan:
    plan = PortPlan.objects.filter(plan_slug=plan_slug).first()
    if plan is None:
        raise ApplicationError(
            gettext("No port plan is defined for the plan %(plan_slug)s.") % {"plan_slug": repr(plan_slug)}
        )
    return plan


def port_plan_availability(*, plan_slug: str) -> PortAvailability:
    """Whether the plan can be delivered right now: a free slot of its type and a free device
    where it asks. Checkout refuses the plan (nothing charged) when not. Two reads upstream."""
    plan = PortPlan.objects.filter(plan_slug=plan_slug).first()
    if plan is None:
        return PortAvailability(False, "no_plan", UNAVAILABLE)
    try:
        with upstream_call():
            summary = ports_client().account_summary()
            if summary.tier(plan.sharing).slots_available <= 0:
                return PortAvailability(False, "slots", capacity_message("slots"))
            port_location_choose(sharing=plan.sharing, country=plan.country_code, carrier=plan.carrier)
    except PortCapacityError as exc:
        return PortAvailability(False, exc.reason, exc.message)
    except (PortsRetryableError, PortsTerminalError):
        return PortAvailability(False, "unavailable", UNAVAILABLE)
    return PortAvailability(True)


def port_plan_fulfil(*, customer: "User", order_ref: str, plan_slug: str, idempotency_key: str) -> PortDelivery:
    """port_fulfil with the options of the port plan keyed by `plan_slug`."""
    plan = port_plan_get(plan_slug=plan_slug)
    return port_fulfil(
        customer=customer,
        order_ref=order_ref,
        sharing=plan.sharing,
        country=plan.country_code,
        carrier=plan.carrier,
        days=plan.period_days,
        idempotency_key=idempotency_key,
    )


def port_plan_renew(
    *, customer: "User", port_id: int, order_ref: str, plan_slug: str, idempotency_key: str
) -> PortDelivery:
    """Renews the customer's port by the period of the port plan keyed by `plan_slug`."""
    plan = port_plan_get(plan_slug=plan_slug)
    port = Port.objects.filter(pk=port_id, customer=customer).first()
    if port is None:
        raise PortsTerminalError("The port to renew does not exist or belongs to someone else.")
    return port_renew(port=port, days=plan.period_days, order_ref=order_ref, idempotency_key=idempotency_key)


NO_SUCH_PORT = "There is no such port on your account to renew."


def port_plan_renewal_check(*, customer_id: int, port_ref: str, plan_slug: str = "") -> Port:
    """Whether the customer may buy a renewal of the port `port_ref` (its id) now, asked by
    checkout before an order is made (nothing charged when refused). Raises PortRenewalRefused
    with a message for the customer: someone else's port reads like a missing one; a released or
    vanished port cannot be renewed; a plan of the other kind (shared vs private) does not fit.
    An expired port can be renewed until it is released. Reads the mirror only."""
    port = Port.objects.filter(pk=int(port_ref), customer_id=customer_id).first() if port_ref.isdigit() else None
    if port is None:
        raise PortRenewalRefused(NO_SUCH_PORT, extra={"target": port_ref[:64]})
    status = port.status
    if status in (PortStatus.RELEASED, PortStatus.MISSING):
        raise PortRenewalRefused(
            gettext("This port was released and cannot be renewed. Buy a new port instead."), extra={"port": port.pk}
        )
    if status == PortStatus.BLOCKED:
        raise PortRenewalRefused(
            gettext("This port is blocked; please contact support before renewing it."), extra={"port": port.pk}
        )
    if plan_slug:
        plan = PortPlan.objects.filter(plan_slug=plan_slug).first()
        if plan is None:
            raise PortRenewalRefused(gettext("This plan does not renew ports."), extra={"plan": plan_slug})
        if plan.sharing != port.sharing:
            raise PortRenewalRefused(
                gettext("This is a %(lower)s port: renew it with a %(lower)s port plan.")
                % {"lower": port.get_sharing_display().lower()},
                extra={"port": port.pk, "plan": plan_slug},
            )
    return port


def port_order_revoke(*, order_ref: str, idempotency_key: str, reason: str = "") -> bool:
    """After a refund or dispute of the order that created a port: blocks the port at once (its
    slot and IP stay until an operator releases it). False when the order delivered no port."""
    port = Port.objects.filter(create_order_ref=order_ref).first()
    if port is None:
        return False
    port_block(port=port, idempotency_key=idempotency_key, reason=reason or f"order {order_ref} refunded or disputed")
    return True
