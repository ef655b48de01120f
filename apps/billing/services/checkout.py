"""Starting a purchase: a pending order, a Payment row, then the provider's checkout (Stripe
Checkout, or the sandbox's page) for it."""

import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext

from apps.billing.errors import CheckoutRefused, PaymentProviderError
from apps.billing.models import BillingProfile, Order, Plan, ProviderCustomer
from apps.billing.products import UnknownProduct, product_available, product_target_check
from apps.billing.providers.base import PaymentProvider
from apps.billing.providers.registry import provider_for_checkout, provider_get
from apps.billing.selectors import payment_open_checkout_for
from apps.core.errors import ApplicationError

from .orders import order_create
from .payments import payment_attach_checkout, payment_checkout_failed, payment_create

logger = logging.getLogger(__name__)


# A checkout handed out again must leave the customer time to pay.
CHECKOUT_REUSE_MIN_REMAINING = timedelta(minutes=10)
UNAVAILABLE = "This plan can't be bought right now; please try again later."
PROVIDER_DOWN = "We could not reach the payment provider. Nothing was charged; please try again in a minute."


@dataclass(frozen=True)
class CheckoutStart:
    order: Order
    url: str
    reused: bool = False


def billing_profile_get(*, user) -> BillingProfile:
    return BillingProfile.objects.get_or_create(user=user)[0]


def provider_customer_ensure(*, provider: PaymentProvider, user) -> str:
    """The customer's record at the provider (a Stripe customer), created once and reused for every
    later checkout. No lock is held over the network call: two tabs racing here send the same
    idempotency key, so the provider answers both with the same customer, and the unique
    (provider, user) stores it once."""
    known = ProviderCustomer.objects.filter(provider=provider.name, user=user).values_list("reference", flat=True)
    if reference := known.first():
        return reference
    profile = billing_profile_get(user=user)
    reference = provider.customer_create(user=user, idempotency_key=f"sf-customer-{user.pk}-{profile.pk}")
    with contextlib.suppress(IntegrityError):  # the other tab stored it first
        ProviderCustomer.objects.get_or_create(provider=provider.name, user=user, defaults={"reference": reference})
    return known.first() or reference


# What a customer may send as a purchase's target: "", "new" or a delivery id.
TARGET_MAX_LENGTH = 64


def _same_terms(order: Order, plan: Plan, target_ref: str = "") -> bool:
    """The order's snapshot still is the plan on sale (an edited plan gets a new checkout), and
    it goes where the customer now asks."""
    snapshot = (order.plan_name, order.gb, order.price, order.currency, order.validity_days, order.target_ref)
    return snapshot == (plan.name, plan.gb, plan.price, plan.currency, plan.validity_days, target_ref)


def checkout_target_check(*, customer, plan: Plan, target_ref: str) -> str:
    """The customer's choice of where the purchase goes, checked by the plan's product before any
    order exists. Returns it stripped; raises CheckoutRefused with the product's message."""
    target_ref = (target_ref or "").strip()
    if len(target_ref) > TARGET_MAX_LENGTH:
        raise CheckoutRefused(
            gettext("This is not one of your proxies. Nothing was charged."), extra={"target": "too long"}
        )
    try:
        product_target_check(plan.product_kind, customer_id=customer.pk, target_ref=target_ref, plan_slug=plan.slug)
    except UnknownProduct:
        raise CheckoutRefused(gettext("This plan cannot be bought at the moment.")) from None
    except ApplicationError as exc:
        logger.info("checkout of plan %s refused for target %r: %s", plan.slug, target_ref, exc.message)
        raise CheckoutRefused(exc.message, extra={"plan": plan.slug, "target": target_ref}) from exc
    return target_ref


def checkout_open_find(*, customer, plan: Plan, target_ref: str = "") -> CheckoutStart | None:
    """The customer's checkout for this plan that is still open for a while, re-read from its
    provider: clicking "Buy" again, or coming back from the payment page, goes back to it instead
    of opening one more order and checkout. None when there is none, or the provider can't say."""
    payment = payment_open_checkout_for(customer=customer, plan=plan)
    if payment is None or not _same_terms(payment.order, plan, target_ref):
        return None
    try:
        provider = provider_get(payment.provider)
        if not provider.is_available():
            return None
        reread = provider.payment_reread(payment=payment)
    except (LookupError, PaymentProviderError) as exc:
        logger.info("checkout %s of order %s not re-read: %s", payment.reference, payment.order.reference, exc)
        return None
    if not reread.checkout_open or reread.expires_at is None:
        return None
    if reread.expires_at < timezone.now() + CHECKOUT_REUSE_MIN_REMAINING:
        return None
    return CheckoutStart(order=payment.order, url=reread.url, reused=True)


def checkout_start(*, customer, plan: Plan, target_ref: str = "") -> CheckoutStart:
    """The customer's open checkout for this plan (and target) when there is one; otherwise creates
    the pending order (committed first, so the payment always has an order to land on), its
    payment and the provider's checkout. `target_ref` is where the purchase goes ("" the product
    decides, "new", or one of the customer's delivery ids), checked by the product first.
    Raises CheckoutRefused when the product refuses the target, and ApplicationError with a
    message for the customer when the plan's product cannot be delivered now (no free port slot;
    no order is created either way) or the provider cannot be reached (the order and its payment
    are then marked failed)."""
    target_ref = checkout_target_check(customer=customer, plan=plan, target_ref=target_ref)
    reused = checkout_open_find(customer=customer, plan=plan, target_ref=target_ref)
    if reused is not None:
        logger.info("checkout of order %s reused", reused.order.reference)
        return reused
    # Supply is asked for a new delivery only: a purchase into one the customer has (a port's
    # renewal, a key's top-up) takes no new slot, so a full upstream must not refuse it.
    new_delivery = target_ref in ("", "new")
    sellable, message = product_available(plan.product_kind, plan_slug=plan.slug) if new_delivery else (True, "")
    if not sellable:
        logger.info("checkout of plan %s refused: %s", plan.slug, message)
        raise ApplicationError(
            gettext("%(value)s Nothing was charged.") % {"value": message or UNAVAILABLE}, extra={"plan": plan.slug}
        )
    provider = provider_for_checkout()
    order = order_create(customer=customer, plan=plan, target_ref=target_ref)
    payment = payment_create(order=order, provider=provider.name)
    try:
        customer_reference = (
            provider_customer_ensure(provider=provider, user=customer) if provider.uses_customers else ""
        )
        redirect = provider.checkout_start(order=order, payment=payment, customer_reference=customer_reference)
    except PaymentProviderError as exc:
        logger.warning("checkout for order %s failed: %s (request %s)", order.reference, exc, exc.request_id)
        payment_checkout_failed(payment_id=payment.pk, reason=f"checkout could not start: {exc}")
        raise ApplicationError(PROVIDER_DOWN) from exc
    payment_attach_checkout(payment_id=payment.pk, redirect=redirect)
    return CheckoutStart(order=order, url=redirect.url)
