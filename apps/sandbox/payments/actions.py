"""Operator actions on sandbox charges: refund, open a dispute, close it. Each changes the
sandbox's records the way Stripe would, then hands billing the event Stripe would send through
the in-process path, so refunds and disputes can be tried end to end without Stripe. Amounts
are in minor units, as on Stripe's API."""

from django.db import transaction

from apps.billing.providers.stripe.client import StripeNotFound, StripeRequestRejected

from .charges import sandbox_charge_dict, sandbox_charge_for_session, sandbox_dispute_dict
from .events import SandboxResult, new_id, sandbox_deliver_into
from .models import SandboxCharge, SandboxCheckoutSession, SandboxDispute


def _refused(message: str) -> SandboxResult:
    return SandboxResult(ok=False, message=message)


def sandbox_charge_refund(*, charge_id: str, amount: int | None = None) -> SandboxResult:
    """Refunds `amount` (default: all that is left) and sends `charge.refunded`."""
    with transaction.atomic():
        charge = SandboxCharge.objects.select_for_update().filter(pk=charge_id).first()
        if charge is None:
            return _refused(f"No such charge: {charge_id}.")
        if SandboxDispute.objects.filter(charge=charge).exists():
            return _refused("This charge is disputed; Stripe refuses refunds on a disputed charge.")
        remaining = charge.amount - charge.amount_refunded
        if remaining <= 0:
            return _refused("This charge is already fully refunded.")
        amount = remaining if amount is None else amount
        if not 0 < amount <= remaining:
            return _refused(f"A refund must be more than 0 and at most {remaining} (minor units).")
        charge.amount_refunded += amount
        charge.save(update_fields=["amount_refunded", "updated_at"])
    result = SandboxResult(ok=True, message=f"Refunded {amount} of {charge.amount} ({charge.currency}).")
    sandbox_deliver_into(result, type="charge.refunded", obj=sandbox_charge_dict(charge))
    return result


def sandbox_charge_dispute(*, charge_id: str, amount: int | None = None, reason: str = "general") -> SandboxResult:
    """Opens the charge's dispute (default: all that was not refunded) and sends
    `charge.dispute.created`."""
    with transaction.atomic():
        charge = SandboxCharge.objects.select_for_update().filter(pk=charge_id).first()
        if charge is None:
            return _refused(f"No such charge: {charge_id}.")
        if SandboxDispute.objects.filter(charge=charge).exists():
            return _refused("This charge already has a dispute (Stripe allows one per charge).")
        remaining = charge.amount - charge.amount_refunded
        if remaining <= 0:
            return _refused("This charge is fully refunded: there is nothing left to dispute.")
        amount = remaining if amount is None else amount
        if not 0 < amount <= remaining:
            return _refused(f"A dispute must be for more than 0 and at most {remaining} (minor units).")
        dispute = SandboxDispute.objects.create(
            id=new_id("dp_sandbox_"), charge=charge, amount=amount, currency=charge.currency, reason=reason
        )
    result = SandboxResult(ok=True, message=f"Dispute {dispute.id} opened for {amount} ({dispute.currency}).")
    sandbox_deliver_into(result, type="charge.dispute.created", obj=sandbox_dispute_dict(dispute))
    return result


def sandbox_dispute_close(*, dispute_id: str, won: bool) -> SandboxResult:
    """Closes an open dispute as won (the money comes back) or lost, and sends
    `charge.dispute.closed`."""
    with transaction.atomic():
        dispute = SandboxDispute.objects.select_for_update().select_related("charge").filter(pk=dispute_id).first()
        if dispute is None:
            return _refused(f"No such dispute: {dispute_id}.")
        if not dispute.is_open:
            return _refused(f"This dispute is already closed ({dispute.status}).")
        dispute.status = SandboxDispute.Status.WON if won else SandboxDispute.Status.LOST
        dispute.save(update_fields=["status", "updated_at"])
    result = SandboxResult(ok=True, message=f"Dispute {dispute.id} closed: {dispute.status}.")
    sandbox_deliver_into(result, type="charge.dispute.closed", obj=sandbox_dispute_dict(dispute))
    return result


def sandbox_payment_refund(*, payment_intent_id: str, amount: int) -> dict:
    """A refund asked through the API (the shop's provider.refund): refunds the payment's charge as
    the operator action does, and answers the way Stripe's refunds API does."""
    session = SandboxCheckoutSession.objects.filter(
        payment_intent_id=payment_intent_id, payment_status=SandboxCheckoutSession.PaymentStatus.PAID
    ).first()
    if session is None:
        raise StripeNotFound(f"No such payment_intent: '{payment_intent_id}'")
    charge = sandbox_charge_for_session(session=session)
    result = sandbox_charge_refund(charge_id=charge.id, amount=amount)
    if not result.ok:
        raise StripeRequestRejected(result.message)
    return {
        "id": new_id("re_sandbox_"),
        "object": "refund",
        "amount": amount,
        "charge": charge.id,
        "status": "succeeded",
    }
