"""Issuing invoices for paid orders (apps/billing/models/invoices.py). Called by payment_confirm
inside the transaction that marks the order paid, so an invoice number exists exactly when the
order is paid: a rolled-back payment gives its number back, and numbers have no gaps."""

from decimal import Decimal

from django.utils import timezone

from apps.accounts.selectors import brand_get
from apps.billing.models import Invoice, InvoiceSequence, Order, Payment


def _seller() -> dict[str, str]:
    brand = brand_get()
    return {
        "name": brand.legal_name or brand.name,
        "address": brand.legal_address,
        "tax_id": brand.tax_id,
        "registration_number": brand.registration_number,
        "email": brand.support_email,
    }


def _buyer(order: Order) -> dict:
    details = dict(order.billing_details or {})
    details.setdefault("email", order.customer.email)
    return details


def _next_number(year: int) -> int:
    InvoiceSequence.objects.get_or_create(year=year)
    sequence = InvoiceSequence.objects.select_for_update().get(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


def invoice_issue(*, order: Order, payment: Payment) -> Invoice:
    """The order's invoice (once: a second call returns the first). Stripe's when the provider
    made one, else the shop's next number of the year. Run inside the paying transaction."""
    existing = Invoice.objects.filter(order=order).first()
    if existing is not None:
        return existing
    issued_at = timezone.now()
    total = payment.amount_received if payment.amount_received is not None else order.price
    invoice = Invoice(
        order=order,
        provider=payment.provider,
        issued_at=issued_at,
        currency=order.currency,
        subtotal=order.price,
        discount=payment.discount or Decimal("0.00"),
        tax=payment.tax or Decimal("0.00"),
        total=total,
        seller=_seller(),
        buyer=_buyer(order),
    )
    if payment.invoice_reference:
        invoice.provider_invoice_id = payment.invoice_reference
    else:
        invoice.year = issued_at.year
        invoice.sequence = _next_number(issued_at.year)
        invoice.number = f"{invoice.year}-{invoice.sequence:06d}"
    invoice.full_clean(exclude=["order"])
    invoice.save()
    return invoice
