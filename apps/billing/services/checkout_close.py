"""Unpaid orders do not wait forever: they close when their checkout expires (the provider's
`checkout.session.expired` event, or this module's periodic job for checkouts past their
`expires_at`), or when the customer cancels on the payment page; while the checkout is open
the customer can go back to it ("Continue payment").

Closing is `payment_cancel` (the order goes to expired), which a late payment still overrides:
the provider is the authority on money (see orders.TRANSITIONS)."""

import logging
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from apps.billing.errors import PaymentProviderError
from apps.billing.models import Order, Payment
from apps.billing.providers.registry import provider_get

from .payments import OPEN, payment_cancel

logger = logging.getLogger(__name__)

CANCELLED_BY_CUSTOMER = "cancelled by the customer"
# Checkouts opened before their expiry was recorded are looked at once they are this old
# (Stripe's default lifetime is 24 hours).
UNRECORDED_EXPIRY_AGE = timedelta(hours=25)
BATCH = 100


def _open_payment(order: Order) -> Payment | None:
    """The order's checkout that could still be paid through: no money under way on it."""
    return (
        order.payments.filter(state__in=OPEN, payment_reference="")
        .exclude(reference="")
        .order_by("-created_at")
        .first()
    )


def checkout_resume_url(*, order: Order) -> str | None:
    """Where the customer can still pay this pending order, re-read from its provider; None when
    the checkout is gone (an expired one closes the order on the way)."""
    if order.status != Order.Status.PENDING:
        return None
    payment = _open_payment(order)
    if payment is None:
        return None
    try:
        reread = provider_get(payment.provider).payment_reread(payment=payment)
    except (LookupError, PaymentProviderError) as exc:
        logger.info("checkout of order %s not re-read for resuming: %s", order.reference, exc)
        return None
    if reread.checkout_expired:
        payment_cancel(payment_id=payment.pk)
        return None
    return reread.url if reread.checkout_open and reread.url else None


def checkout_cancel(*, order: Order) -> bool:
    """The customer left the payment page with "back" / cancel: the unpaid order closes. A bank
    debit already under way keeps it open. True when the order closed."""
    if order.status != Order.Status.PENDING or order.payment_in_flight:
        return False
    payment = _open_payment(order)
    if payment is None:
        return False
    return payment_cancel(payment_id=payment.pk, reason=CANCELLED_BY_CUSTOMER) == "expired"


def checkouts_expire(*, now: datetime | None = None, batch: int = BATCH) -> list[int]:
    """The periodic job: pending orders whose checkout is past its expiry (recorded when it
    opened, or unknown and old) are re-read from their provider, and those the provider says
    can no longer be paid are closed. Returns the orders closed."""
    now = now or timezone.now()
    due = Q(info__checkout_expires_at__lte=int(now.timestamp())) | (
        ~Q(info__has_key="checkout_expires_at") & Q(created_at__lte=now - UNRECORDED_EXPIRY_AGE)
    )
    payments = (
        Payment.objects.filter(due, state__in=OPEN, payment_reference="", order__status=Order.Status.PENDING)
        .exclude(reference="")
        .order_by("created_at")[:batch]
    )
    closed = []
    for payment in payments:
        try:
            reread = provider_get(payment.provider).payment_reread(payment=payment)
        except (LookupError, PaymentProviderError) as exc:
            logger.info("checkout %s not re-read for expiry: %s", payment.reference, exc)
            continue
        if reread.checkout_expired and payment_cancel(payment_id=payment.pk) == "expired":
            closed.append(payment.order_id)
    if closed:
        logger.info("closed %d unpaid orders whose checkout expired", len(closed))
    return closed
