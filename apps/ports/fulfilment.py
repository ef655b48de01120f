"""Dedicated ports as a product billing sells (settings.BILLING_PRODUCTS["dedicated_port"]): a thin
object implementing apps.core.fulfilment.Product over the port-plan services. One order delivers
one port (the quantity is 1); a delivery's reference is the Port's id. The plan's options (shared
or private, country, carrier, period) come from the PortPlan keyed by the billing plan's slug.

The ports errors already are the core ones (PortsRetryableError is a RetryableError,
PortsTerminalError and PortCapacityError are TerminalErrors), so billing's retry policy applies
as is."""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from apps.core.fulfilment import (
    Adjusted,
    Delivery,
    DeliveryView,
    FulfilmentRequest,
    GiveBack,
    LimitedProduct,
    Product,
    TakeBack,
)
from apps.ports.errors import PortsTerminalError
from apps.ports.models import Port, PortRenewal
from apps.ports.services import (
    port_order_revoke,
    port_plan_availability,
    port_plan_fulfil,
    port_plan_renew,
    port_plan_renewal_check,
    port_unblock,
)

ONE_PORT = Decimal("1")


def _port(ref: str) -> Port | None:
    return Port.objects.filter(pk=int(ref)).first() if ref.isdigit() else None


class DedicatedPort:
    kind = "dedicated_port"
    label = "Dedicated mobile port"
    unit = gettext_noop("port")  # shown translated on the pricing cards
    min_quantity = ONE_PORT  # a port cannot be delivered in part

    def available(self, plan_slug: str) -> tuple[bool, str]:
        answer = port_plan_availability(plan_slug=plan_slug)
        return answer.available, answer.message

    def prepare(self, request: FulfilmentRequest) -> None:
        # Nothing to decide ahead: ports keeps its own claim (PortFulfilment / PortRenewal) keyed
        # by the order's reference, written by the first fulfil.
        return None

    def target_check(self, *, customer_id: int, target_ref: str, plan_slug: str = "") -> None:
        """Checkout asks before making an order that names a port (a renewal): the port must be
        the customer's and not released (nor blocked), and a plan named must be of the port's
        kind (shared or private). Raises PortRenewalRefused with the customer's message. No target
        ("" or "new") is a new port: nothing to check here (availability is asked separately)."""
        if target_ref in ("", "new"):
            return
        port_plan_renewal_check(customer_id=customer_id, port_ref=str(target_ref), plan_slug=plan_slug)

    def fulfil(self, request: FulfilmentRequest) -> Delivery:
        customer = get_user_model().objects.get(pk=request.customer_id)
        if request.target_ref and request.target_ref != "new":
            # A renewal: it extends the port it names or fails for an operator; it never falls
            # back to creating a port (checkout checked the target before taking the money).
            if not request.target_ref.isdigit():
                raise PortsTerminalError("The port to renew is not a port id.", extra={"target": request.target_ref})
            delivered = port_plan_renew(
                customer=customer,
                port_id=int(request.target_ref),
                order_ref=request.order_ref,
                plan_slug=request.plan_slug,
                idempotency_key=f"{request.idempotency_key}-renew",
            )
            action = "renew"
        else:
            delivered = port_plan_fulfil(
                customer=customer,
                order_ref=request.order_ref,
                plan_slug=request.plan_slug,
                idempotency_key=f"{request.idempotency_key}-port",
            )
            action = "adopt" if delivered.adopted else "create"
        return Delivery(
            ref=str(delivered.port_id),
            label=gettext("%(action)s, port %(upstream_id)s")
            % {"action": action, "upstream_id": delivered.upstream_id},
            audit={"port": delivered.port_id, "action": action, "expires_at": delivered.expires_at.isoformat()},
        )

    def take_back(self, request: TakeBack) -> Adjusted:
        # A port cannot shrink: a refund or dispute of the whole port blocks it (its slot and IP
        # stay until an operator releases it). A partial refund leaves it running.
        if request.quantity < ONE_PORT and not request.suspend:
            return Adjusted(skipped="a port cannot shrink: a partial refund leaves it running")
        blocked = port_order_revoke(
            order_ref=request.order_ref, idempotency_key=request.idempotency_key, reason=request.reason
        )
        if not blocked:
            return Adjusted(skipped="this order created no port (a renewal): an operator decides")
        return Adjusted()

    def give_back(self, request: GiveBack) -> Adjusted:
        port = _port(request.ref)
        if port is None or port.create_order_ref != request.order_ref:
            return Adjusted(skipped="this order created no port to unblock")
        if port.blocked_at is None:
            return Adjusted(skipped="the port is not blocked")
        port_unblock(port=port, idempotency_key=request.idempotency_key, reason=request.reason)
        return Adjusted()

    def describe(self, *, ref: str, order_ref: str = "") -> DeliveryView:
        port = _port(ref)
        renewal = bool(order_ref) and PortRenewal.objects.filter(order_ref=order_ref).exists()
        return DeliveryView(
            label=f"{port.label} ({port.upstream_id})" if port is not None else "",
            name="your port",
            admin_url=reverse("admin:ports_port_change", args=[port.pk]) if port is not None else "",
            summary="renewal extended your port" if renewal else "is ready on your Ports page",
            decision=("Renew the port" if renewal else "Create a port") if order_ref else "",
        )


if TYPE_CHECKING:  # mypy checks that the object keeps the contract
    _contract: Product = DedicatedPort()
    _limited: LimitedProduct = DedicatedPort()
