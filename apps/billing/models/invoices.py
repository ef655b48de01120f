"""Invoices for paid orders. Stripe payments get Stripe's own invoice (Checkout's
`invoice_creation`: Stripe numbers it and hosts the page and PDF); every other provider
(sandbox, USDC) gets the shop's numbered invoice: `<year>-<000001>`, sequential per year
without gaps, allocated in the transaction that marks the order paid."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from apps.core.models import BaseModel

from .orders import Order


class InvoiceSequence(models.Model):
    """The last number given out in a year; locked (SELECT … FOR UPDATE) to hand out the next."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Invoice(BaseModel):
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="invoice")
    provider = models.CharField(
        max_length=32, help_text=gettext_lazy("The payment provider the order was paid through.")
    )
    # The shop's own number (providers without invoices of their own); empty for Stripe's.
    year = models.PositiveIntegerField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    number = models.CharField(max_length=32, blank=True)
    # Stripe's invoice (its id; the hosted page and PDF are read from Stripe when asked).
    provider_invoice_id = models.CharField(max_length=255, blank=True)
    issued_at = models.DateTimeField()
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=13, decimal_places=2, help_text=gettext_lazy("The order's price."))
    discount = models.DecimalField(max_digits=13, decimal_places=2, default=0)
    tax = models.DecimalField(max_digits=13, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=13, decimal_places=2, help_text=gettext_lazy("What the customer paid."))
    seller = models.JSONField(default=dict, help_text=gettext_lazy("The shop's legal details when issued."))
    buyer = models.JSONField(default=dict, help_text=gettext_lazy("The customer's billing details when issued."))

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="billing_invoice_number_once"),
            models.CheckConstraint(
                condition=(Q(sequence__isnull=True) & Q(number=""))
                | (Q(sequence__isnull=False) & Q(year__isnull=False) & ~Q(number="")),
                name="billing_invoice_number_complete",
            ),
            models.CheckConstraint(
                condition=Q(sequence__isnull=False) | ~Q(provider_invoice_id=""),
                name="billing_invoice_has_a_number",
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.provider_invoice_id
