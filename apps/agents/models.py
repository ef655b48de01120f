"""Agent commerce over x402: agent accounts (a wallet, no password, no email of their own), the
shop's USDC prices, and one row per payment authorization an agent sent (x402 orders).

A payment authorization (network, payer, nonce) maps to exactly one x402 order: a unique
constraint, so the same payment sent twice, or at once from two connections, buys once."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from apps.core.models import BaseModel

evm_address = RegexValidator(r"^0x[0-9a-f]{40}$", "A lowercase EVM address: 0x and 40 hex digits.")


class AgentAccount(BaseModel):
    """A customer that is an AI agent, created on its first payment and identified by the paying
    wallet. Its user has no usable password and an address in the reserved .invalid domain, so it
    can neither log in nor receive mail; operators see it like any customer."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agent_account")
    wallet = models.CharField(max_length=42, unique=True, validators=[evm_address])
    network = models.CharField(max_length=32, help_text=gettext_lazy("The network of its first payment (CAIP-2)."))
    management_key = models.ForeignKey(
        "accounts.ApiKey",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=gettext_lazy("The read-scope API key last handed to the agent with a purchase."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"agent {self.wallet}"


class X402Pricing(BaseModel):
    """What agents pay in USDC, set by the operator (one row, pk=1): per GB with a minimum charge,
    unless an X402PlanPrice matches the requested GB and days."""

    usdc_per_gb = models.DecimalField(
        gettext_lazy("USDC per GB"),
        max_digits=13,
        decimal_places=2,
        default=Decimal("4.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    minimum_usdc = models.DecimalField(
        gettext_lazy("minimum charge (USDC)"),
        max_digits=13,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    default_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=gettext_lazy("Validity of a key bought without ?days=. Empty: no expiry."),
    )
    max_gb = models.DecimalField(
        gettext_lazy("largest purchase (GB)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("500"),
        validators=[MinValueValidator(Decimal("1"))],
    )

    class Meta:
        verbose_name = gettext_lazy("x402 pricing")
        verbose_name_plural = gettext_lazy("x402 pricing")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="agents_x402_pricing_singleton"),
            models.CheckConstraint(condition=Q(usdc_per_gb__gt=0), name="agents_x402_price_per_gb_positive"),
            models.CheckConstraint(condition=Q(minimum_usdc__gt=0), name="agents_x402_minimum_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.usdc_per_gb} USDC per GB (at least {self.minimum_usdc})"


class X402PlanPrice(BaseModel):
    """A plan's price in USDC: an agent asking for exactly the plan's GB and days pays this."""

    plan = models.OneToOneField("billing.Plan", on_delete=models.PROTECT, related_name="x402_price")
    usdc_price = models.DecimalField(
        gettext_lazy("price (USDC)"), max_digits=13, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )

    class Meta:
        verbose_name = gettext_lazy("x402 plan price")
        constraints = [models.CheckConstraint(condition=Q(usdc_price__gt=0), name="agents_x402_plan_price_positive")]

    def __str__(self) -> str:
        return f"{self.plan} for {self.usdc_price} USDC"


class X402Purchase(BaseModel):
    """One payment authorization an agent sent, and what came of it (an "x402 order")."""

    class Kind(models.TextChoices):
        BUY = "buy", gettext_lazy("New key")
        TOP_UP = "top_up", gettext_lazy("Top-up")

    class State(models.TextChoices):
        PROCESSING = "processing", gettext_lazy("Verifying / settling")
        RETRYABLE = (
            "retryable",
            gettext_lazy("Facilitator unreachable before settlement (the same payment may be sent again)"),
        )
        REFUSED = "refused", gettext_lazy("Refused (no money moved)")
        SETTLE_UNKNOWN = "settle_unknown", gettext_lazy("Settlement outcome unknown (an operator checks)")
        SETTLED = "settled", gettext_lazy("Settled")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PROCESSING, db_index=True)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="x402_purchases")
    order = models.OneToOneField("billing.Order", on_delete=models.PROTECT, related_name="x402_purchase")
    payment = models.OneToOneField("billing.Payment", on_delete=models.PROTECT, related_name="x402_purchase")
    key_id = models.PositiveBigIntegerField(null=True, blank=True, help_text=gettext_lazy("The key a top-up is for."))
    network = models.CharField(max_length=32)
    payer = models.CharField(max_length=42, validators=[evm_address])
    pay_to = models.CharField(max_length=42)
    asset = models.CharField(max_length=42)
    nonce = models.CharField(max_length=66)
    value = models.DecimalField(gettext_lazy("amount (atomic USDC)"), max_digits=40, decimal_places=0)
    header_sha256 = models.CharField(
        max_length=64, help_text=gettext_lazy("SHA-256 of the payment header, to recognise a replay.")
    )
    transaction = models.CharField(gettext_lazy("transaction hash"), max_length=100, blank=True)
    settlement = models.JSONField(
        default=dict, blank=True, help_text=gettext_lazy("The facilitator's settlement answer.")
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    # The first answer (no secrets: a replay fills the key's secret and a token in again).
    answer_status = models.PositiveSmallIntegerField(null=True, blank=True)
    answer = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = gettext_lazy("x402 order")
        constraints = [
            models.UniqueConstraint(fields=["network", "payer", "nonce"], name="agents_x402_authorization_once"),
            models.CheckConstraint(condition=Q(value__gt=0), name="agents_x402_value_positive"),
            models.CheckConstraint(
                condition=~Q(state="settled") | ~Q(transaction=""), name="agents_x402_settled_has_transaction"
            ),
        ]

    def __str__(self) -> str:
        return f"x402 {self.get_kind_display().lower()} by {self.payer} ({self.get_state_display()})"
