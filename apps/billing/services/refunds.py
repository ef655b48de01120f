"""A refund an operator starts from the console: the payment provider gives the money back, then
the refund is recorded through `order_record_refund`, the same service a provider's
`charge.refunded` event goes through, so the key loses what REFUND_POLICY says exactly as it
would for a refund made at Stripe (one code path). The provider's own event, arriving later,
carries the same cumulative amount and adds nothing.

Idempotent: each refund form carries a token; the provider call's idempotency key is derived
from the order and that token, and the order row stays locked while the provider is asked, so a
double submit (or two operators at once) gives one refund."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext

from apps.billing.errors import PaymentProviderError
from apps.billing.models import Order, Payment
from apps.billing.providers.registry import UnknownProvider, provider_get
from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry
from apps.core.services import audit_log

from .adjustments import order_budget, order_record_refund
from .orders import S, order_lock

REFUND_REQUESTED = "order.refund_requested"
_TOKEN_MAX = 64


class RefundRefused(ApplicationError):
    """The refund cannot be made (nothing left to refund, a dispute holds the money, the provider
    cannot refund or refused). The message says why, for the operator."""


@dataclass(frozen=True)
class RefundResult:
    outcome: str  # refunded | already_refunded
    amount: Decimal
    refund_id: str


def order_refundable(order: Order) -> Decimal:
    """What may still be refunded: the money received less what was refunded already."""
    return max(order.amount_charged - order.amount_refunded, Decimal("0.00"))


def _payment(order: Order) -> Payment | None:
    return order.payments.filter(state=Payment.State.CONFIRMED).exclude(payment_reference="").first()


def order_refund(
    *, order_id: int, amount: Decimal | None, token: str, actor, reason: str, ip: str | None = None
) -> RefundResult:
    """Refunds `amount` of the order's payment (None: all that is left). Raises RefundRefused."""
    token = token.strip()[:_TOKEN_MAX]
    if not token:
        raise RefundRefused(gettext("The refund form has expired: open it again."))
    if not reason.strip():
        raise RefundRefused(gettext("Say why the money goes back (the reason is kept in the audit log)."))
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        done = AuditEntry.objects.filter(
            action=REFUND_REQUESTED, target_type="billing.order", target_id=str(order.pk), data__form_token=token
        ).first()
        if done is not None:  # the same form submitted again
            return RefundResult("already_refunded", Decimal(done.data["amount"]), done.data["refund_id"])
        amount = _check(order, amount)
        payment = _payment(order)
        if payment is None:
            raise RefundRefused(gettext("This order has no confirmed payment to refund."))
        try:
            provider = provider_get(payment.provider)
        except UnknownProvider:
            raise RefundRefused(
                gettext("The payment provider %(provider)s is not configured.") % {"provider": repr(payment.provider)}
            ) from None
        if not provider.supports_refund:
            raise RefundRefused(
                gettext("%(value)s payments cannot be refunded from the shop.")
                % {"value": provider.label or provider.name}
            )
        cumulative = order.amount_refunded + amount
        try:
            refund_id = provider.refund(
                payment=payment, amount=amount, idempotency_key=f"sf-refund-{order.public_id}-{token}"
            )
        except PaymentProviderError as exc:
            raise RefundRefused(
                gettext("The payment provider refused the refund: %(message)s") % {"message": exc.message}
            ) from exc
        audit_log(
            action=REFUND_REQUESTED,
            actor=actor,
            customer=order.customer,
            target=order,
            reason=reason.strip(),
            ip=ip,
            data={"order": order.reference, "amount": str(amount), "refund_id": refund_id, "form_token": token},
        )
        order_record_refund(
            order_id=order.pk,
            charge_id=payment.payment_reference,
            amount_refunded=cumulative,
            fully_refunded=cumulative >= order.amount_charged,
            source=f"console refund {refund_id}",
        )
    return RefundResult("refunded", amount, refund_id)


def _check(order: Order, amount: Decimal | None) -> Decimal:
    if order.paid_at is None:
        raise RefundRefused(gettext("This order was never paid: there is nothing to refund."))
    if order.status == S.DISPUTED and order_budget(order).disputes - order_budget(order).closed:
        raise RefundRefused(gettext("A dispute holds this payment: the provider refuses refunds on a disputed charge."))
    refundable = order_refundable(order)
    if refundable <= 0:
        raise RefundRefused(gettext("This order is refunded in full already."))
    amount = refundable if amount is None else amount
    if not Decimal("0") < amount <= refundable:
        raise RefundRefused(
            gettext("A refund must be more than 0 and at most %(refundable)s %(upper)s.")
            % {"refundable": refundable, "upper": order.currency.upper()}
        )
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise RefundRefused(gettext("A refund is at most two decimal places."))
    return amount
