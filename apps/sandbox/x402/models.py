"""The sandbox facilitator's records: test USDC balances, settled authorizations (their nonces,
each usable once) and injected faults."""

from django.db import models
from django.db.models import Q

# USDC has 6 decimals: 1,000 test USDC.
START_BALANCE = 1_000 * 10**6


class SandboxUsdcBalance(models.Model):
    """An address's simulated USDC on one network, in atomic units. A new address starts with
    START_BALANCE, so any fresh wallet can buy."""

    network = models.CharField(max_length=32)
    address = models.CharField(max_length=42)
    balance = models.DecimalField(max_digits=40, decimal_places=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "address"], name="sandbox_usdc_balance_once"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="sandbox_usdc_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.address} on {self.network}: {self.balance} atomic USDC"


class SandboxX402Settlement(models.Model):
    """A settled EIP-3009 authorization: its nonce is spent (unique), the transfer has a fake hash."""

    network = models.CharField(max_length=32)
    asset = models.CharField(max_length=42)
    payer = models.CharField(max_length=42)
    pay_to = models.CharField(max_length=42)
    nonce = models.CharField(max_length=66)
    value = models.DecimalField(max_digits=40, decimal_places=0)
    transaction = models.CharField(max_length=66, unique=True)
    settled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-settled_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["network", "asset", "payer", "nonce"], name="sandbox_x402_nonce_once")
        ]

    def __str__(self) -> str:
        return f"{self.transaction} ({self.value} from {self.payer})"


class SandboxX402Fault(models.Model):
    """The next `remaining` calls to `endpoint` fail: no reply until the client gives up
    (timeout), or an HTTP status (5xx)."""

    class Endpoint(models.TextChoices):
        VERIFY = "verify", "verify"
        SETTLE = "settle", "settle"
        SUPPORTED = "supported", "supported"

    class Mode(models.TextChoices):
        TIMEOUT = "timeout", "Timeout"
        STATUS = "status", "HTTP status"

    endpoint = models.CharField(max_length=16, choices=Endpoint.choices)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.STATUS)
    status = models.PositiveSmallIntegerField(default=500)
    remaining = models.PositiveIntegerField(default=1)
    # Phase "after": the call takes effect (the money moves), then the reply is lost.
    after = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.endpoint}: {self.mode} x{self.remaining}"
