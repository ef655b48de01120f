"""Plans on sale, and the small per-customer billing record."""

from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from apps.billing.products import DEFAULT_PRODUCT_KIND, product_kinds
from apps.billing.quantity import quantity_text
from apps.core.models import BaseModel
from apps.core.validators import validate_single_line

# The pricing cards' plan list (selectors.plan_list_on_sale), cleared whenever a plan is saved.
PLANS_ON_SALE_CACHE_KEY = "billing:plans-on-sale"

currency_code = RegexValidator(r"^[a-z]{3}$", "Use a lowercase ISO 4217 code such as usd or eur.")


class Plan(BaseModel):
    """A package of one product on sale. Editing a plan never changes orders already placed: they
    keep a snapshot of kind, quantity, price and currency.

    `product_kind` names the product in billing's registry (settings.BILLING_PRODUCTS); it is
    checked against the registry, not database choices, so a new kind needs no migration. `gb` is
    the quantity the product delivers: GB for pool traffic (the name stays from when it was the
    only product)."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=80, validators=[validate_single_line])  # in receipt subjects
    tagline = models.CharField(max_length=200, blank=True)
    product_kind = models.CharField(
        "product",
        max_length=32,
        default=DEFAULT_PRODUCT_KIND,
        help_text=gettext_lazy("What the plan sells (a registered product)."),
    )
    gb = models.DecimalField(
        gettext_lazy("GB"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=gettext_lazy("The quantity sold: GB for proxy traffic."),
    )
    price = models.DecimalField(max_digits=13, decimal_places=2, validators=[MinValueValidator(Decimal("0.50"))])
    currency = models.CharField(max_length=3, default="usd", validators=[currency_code])
    validity_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=gettext_lazy(
            "The key expires this many days after purchase; a later purchase extends it. Empty: no expiry."
        ),
    )
    active = models.BooleanField(default=True, help_text=gettext_lazy("Only active plans are shown and can be bought."))
    sort_order = models.PositiveIntegerField(default=0)
    highlighted = models.BooleanField(default=False, help_text=gettext_lazy("Shown as the recommended plan."))

    class Meta:
        ordering = ["sort_order", "price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(gb__gt=0), name="billing_plan_gb_positive"),
            models.CheckConstraint(condition=Q(price__gt=0), name="billing_plan_price_positive"),
            models.CheckConstraint(
                condition=Q(validity_days__isnull=True) | Q(validity_days__gt=0), name="billing_plan_validity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({quantity_text(self.gb, self.product_kind)}, {self.price} {self.currency.upper()})"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        cache.delete(PLANS_ON_SALE_CACHE_KEY)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        cache.delete(PLANS_ON_SALE_CACHE_KEY)
        return result

    def clean(self) -> None:
        super().clean()
        if self.product_kind not in product_kinds():
            raise ValidationError({"product_kind": f"No product of kind {self.product_kind!r} is sold here."})

    @property
    def price_per_gb(self) -> Decimal:
        return (self.price / self.gb).quantize(Decimal("0.01"))


class BillingProfile(BaseModel):
    """Per-customer billing state: a short lease that lets only one job at a time change this
    customer's proxy key (mint, top-up, refund effects). Provider customer records (the reusable
    Stripe customer id) are ProviderCustomer rows."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="billing_profile")
    key_lease_until = models.DateTimeField(null=True, blank=True)
    key_lease_owner = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"billing profile of {self.user}"
