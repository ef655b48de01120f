"""Pool traffic as a product billing sells (settings.BILLING_PRODUCTS["pool_traffic"]): a thin
object implementing apps.core.fulfilment.Product over the pool-key services. The quantity is GB;
a delivery's reference is the PoolKey's id."""

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext

from apps.core.fulfilment import (
    Adjusted,
    Delivery,
    DeliveryView,
    FulfilmentRequest,
    GiveBack,
    OperatorNote,
    Product,
    TakeBack,
    TargetedProduct,
)
from apps.proxies.models import PoolKey, PoolKeyFulfilment
from apps.proxies.selectors_keys import pool_key_target_check
from apps.proxies.services.fulfilment import pool_key_fulfil, pool_key_fulfilment_prepare
from apps.proxies.services.take_back import MIN_CAP_GB, pool_key_give_back, pool_key_take_back

A = PoolKeyFulfilment.Action


def _no_plan_store(plan: dict) -> dict:
    return plan


class PoolTraffic:
    kind = "pool_traffic"
    label = "Proxy traffic"
    unit = "GB"
    min_quantity = MIN_CAP_GB

    def target_check(self, *, customer_id: int, target_ref: str, plan_slug: str = "") -> None:
        """Checkout asks before creating an order: "" (the shop decides), "new" (a new key, up to
        the customer's limit) or one of their live keys the shop does not hold disabled. Any
        traffic plan tops up any key, so the plan does not matter here."""
        pool_key_target_check(customer_id=customer_id, target_ref=target_ref)

    def prepare(self, request: FulfilmentRequest) -> None:
        pool_key_fulfilment_prepare(
            customer_id=request.customer_id,
            order_ref=request.order_ref,
            attempt=request.attempt,
            first_attempt_at=request.first_attempt_at,
            in_flight_refs=request.in_flight_refs,
            target_ref=request.target_ref,
        )

    def fulfil(self, request: FulfilmentRequest) -> Delivery:
        customer = get_user_model().objects.get(pk=request.customer_id)
        delivered = pool_key_fulfil(
            customer=customer,
            order_ref=request.order_ref,
            quantity=request.quantity,
            days=request.days,
            idempotency_key=request.idempotency_key,
            attempt=request.attempt,
            reason=request.reason,
        )
        key = delivered.key
        note = None
        if not key.enabled and key.disabled_by_operator:
            # The GB landed, but the shop keeps this key disabled (an operator or a refund policy
            # did it): the customer paid for traffic they can't use until someone decides.
            note = OperatorNote(
                subject="topped up a disabled key",
                body=f"its {request.quantity.normalize():f} GB were added to key {key.upstream_id}, which the "
                "shop keeps disabled.\nEnable the key, or refund the order:",
            )
        return Delivery(
            ref=str(key.pk),
            label=gettext("%(action)s, key %(upstream_id)s")
            % {"action": delivered.action, "upstream_id": key.upstream_id},
            audit={"pool_key": key.pk, "action": delivered.action},
            needs_operator_note=note,
        )

    def take_back(self, request: TakeBack) -> Adjusted:
        return Adjusted(
            skipped=pool_key_take_back(
                key_id=request.ref,
                quantity=request.quantity,
                suspend=request.suspend,
                idempotency_key=request.idempotency_key,
                reason=request.reason,
                plan=request.plan,
                plan_store=request.plan_store or _no_plan_store,
            )
        )

    def give_back(self, request: GiveBack) -> Adjusted:
        return Adjusted(
            skipped=pool_key_give_back(
                key_id=request.ref,
                quantity=request.quantity,
                resume=request.resume,
                idempotency_key=request.idempotency_key,
                reason=request.reason,
                taken_gb=request.taken.quantity,
                taken_plan=request.taken.plan,
                taken_idempotency_key=request.taken.idempotency_key,
                plan=request.plan,
                plan_store=request.plan_store or _no_plan_store,
            )
        )

    def describe(self, *, ref: str, order_ref: str = "") -> DeliveryView:
        record = PoolKeyFulfilment.objects.filter(order_ref=order_ref).first() if order_ref else None
        key = PoolKey.objects.filter(pk=int(ref)).first() if ref.isdigit() else None
        topped_up = record is not None and record.action == A.TOP_UP
        return DeliveryView(
            label=key.label if key is not None else "",
            name="your proxy",
            admin_url=reverse("admin:proxies_poolkey_change", args=[key.pk]) if key is not None else "",
            summary="were added to your proxy" if topped_up else "are on your new proxy",
            decision=record.get_action_display() if record is not None else "",
        )


if TYPE_CHECKING:  # mypy checks that the object keeps the contract
    _contract: Product = PoolTraffic()
    _targeted: TargetedProduct = PoolTraffic()
