"""Refunds and disputes on the payment simulator's charges, as Stripe's dashboard would make
them; billing hears of each through the event Stripe would send (in-process):

    manage.py sandbox_payments list                              # recent charges
    manage.py sandbox_payments refund ch_sandbox_… --amount 10.00  # partial; omit --amount for all
    manage.py sandbox_payments dispute pi_sandbox_…               # a charge by id, payment intent or session
    manage.py sandbox_payments close-dispute dp_sandbox_… --won   # or --lost
"""

from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from apps.billing.money import from_minor_units, to_minor_units
from apps.sandbox.payments.actions import sandbox_charge_dispute, sandbox_charge_refund, sandbox_dispute_close
from apps.sandbox.payments.charges import sandbox_charge_find
from apps.sandbox.payments.models import SandboxCharge


def _amount(value: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise CommandError(f"--amount must be a number such as 10.00, got {value!r}.") from None
    if not amount.is_finite() or amount <= 0:
        raise CommandError("--amount must be more than 0.")
    return amount


class Command(BaseCommand):
    help = "Refund, dispute or close a dispute on a sandbox charge (sandbox payments only)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="Show the 20 most recent charges.")
        refund = actions.add_parser("refund", help="Refund a charge (all that is left, or --amount).")
        refund.add_argument("charge", help="Charge id, payment intent id or checkout session id.")
        refund.add_argument("--amount", type=_amount, help="In major units (10.00); default: all that is left.")
        dispute = actions.add_parser("dispute", help="Open a dispute on a charge.")
        dispute.add_argument("charge", help="Charge id, payment intent id or checkout session id.")
        dispute.add_argument("--amount", type=_amount, help="In major units; default: all not refunded.")
        dispute.add_argument("--reason", default="general", help="Stripe's dispute reason (default: general).")
        close = actions.add_parser("close-dispute", help="Close an open dispute as won or lost.")
        close.add_argument("dispute", help="Dispute id (dp_sandbox_…).")
        outcome = close.add_mutually_exclusive_group(required=True)
        outcome.add_argument("--won", action="store_true")
        outcome.add_argument("--lost", action="store_true")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "list":
            return self._list()
        if action == "close-dispute":
            result = sandbox_dispute_close(dispute_id=options["dispute"], won=options["won"])
        else:
            charge = sandbox_charge_find(options["charge"])
            if charge is None:
                raise CommandError(f"No sandbox charge matches {options['charge']!r}.")
            amount = options["amount"]
            minor = to_minor_units(amount, charge.currency) if amount is not None else None
            if action == "refund":
                result = sandbox_charge_refund(charge_id=charge.id, amount=minor)
            else:
                result = sandbox_charge_dispute(charge_id=charge.id, amount=minor, reason=options["reason"])
        if not result.ok:
            raise CommandError(result.message)
        self.stdout.write(result.message)
        for event_type, status in result.deliveries:
            self.stdout.write(f"  {event_type}: {status}")

    def _list(self) -> None:
        charges = SandboxCharge.objects.select_related("session__order").order_by("-created_at")[:20]
        for charge in charges:
            money = from_minor_units(charge.amount, charge.currency)
            refunded = from_minor_units(charge.amount_refunded, charge.currency)
            self.stdout.write(
                f"{charge.id}  order {charge.session.order.reference}  {money} {charge.currency.upper()}"
                f"  refunded {refunded}  {charge.payment_intent_id}"
            )
