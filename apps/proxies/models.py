import secrets
import string
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from apps.core.models import BaseModel

MB_PER_GB = Decimal(1024)
# Share of the cap (in %) from which a key counts as "near cap"; the dashboard's warn level.
NEAR_CAP_PERCENT = Decimal(80)

SESSION_TAG_ALPHABET = string.ascii_lowercase + string.digits
SESSION_TAG_LENGTH = 8
session_tag_validator = RegexValidator(r"^[a-z0-9]{8}$", "A session tag is 8 lowercase letters or digits.")


def new_session_tag() -> str:
    """A random per-key slug. 36^8 ≈ 2.8e12 values; the unique constraint catches the rare clash."""
    return "".join(secrets.choice(SESSION_TAG_ALPHABET) for _ in range(SESSION_TAG_LENGTH))


class PoolKeyStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    NEAR_CAP = "near_cap", "Near cap"
    SUSPENDED_CAP = "suspended_cap", "Suspended at cap"
    EXPIRED = "expired", "Expired"
    DISABLED = "disabled", "Disabled"
    MISSING = "missing", "Missing upstream"
    DELETED = "deleted", "Deleted"


class PoolKeyQuerySet(models.QuerySet):
    def live(self) -> "PoolKeyQuerySet":
        """Keys that have not been deleted through the shop."""
        return self.filter(deleted_at__isnull=True)


class PoolKey(BaseModel):
    """The local mirror of one upstream pool access key (`pak_`).

    The upstream is the source of truth: services write there first and copy the returned
    record here; the sync job refreshes usage. Pages read this mirror, never the upstream.

    The `pak_` secret itself is deliberately NOT stored. It is the customer's proxy password:
    a copy at rest (even encrypted, with the encryption key on the same host) would be one more
    place to leak it from, and the upstream already offers an audited `reveal` for the rare
    moments a customer needs to see it. We keep only its last four characters for the masked
    hint (`pak_••••1a2b`) so a customer can tell which secret their tools hold.
    """

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pool_keys")
    upstream_id = models.CharField("upstream id", max_length=64, unique=True)
    label = models.CharField(max_length=200, blank=True)
    cap_gb = models.DecimalField(
        "cap (GB)", max_digits=12, decimal_places=3, null=True, blank=True, help_text="Empty means unlimited."
    )
    used_mb = models.DecimalField(
        "used (MB)", max_digits=15, decimal_places=3, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    enabled = models.BooleanField(default=True)
    # Set when the shop disabled the key on purpose (operator, refund policy). A paid top-up
    # with re-enable must not override that decision; only an explicit enable lifts it.
    disabled_by_operator = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # The upstream answered 404 (or the list no longer carries it). Marked, never deleted:
    # orders and audit entries still point here, and an operator decides what happens next.
    missing_upstream = models.BooleanField(default=False, db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    secret_last4 = models.CharField(max_length=4, blank=True)
    # The idempotency key of the mint that created this key (e.g. derived from the order). The
    # upstream replays a mint for 24 h only; this lets a later retry find the key instead of
    # minting a second one.
    mint_idempotency_key = models.CharField(max_length=128, unique=True, null=True, blank=True, editable=False)
    # Prefix of every session id the shop builds for this key (`sid-<tag>-<part>`), so the
    # reseller-wide sessions feed can be filtered down to one customer.
    session_tag = models.CharField(
        max_length=16, unique=True, default=new_session_tag, editable=False, validators=[session_tag_validator]
    )

    objects = PoolKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "pool key"
        constraints = [
            models.CheckConstraint(condition=models.Q(used_mb__gte=0), name="poolkey_used_mb_non_negative"),
            # >= 0 rather than > 0: the mirror must be able to hold whatever the upstream holds
            # (a cap reduced to zero after a refund); the services only ever write positive caps.
            models.CheckConstraint(
                condition=models.Q(cap_gb__isnull=True) | models.Q(cap_gb__gte=0), name="poolkey_cap_gb_non_negative"
            ),
            models.CheckConstraint(condition=~models.Q(upstream_id=""), name="poolkey_upstream_id_not_empty"),
        ]
        indexes = [models.Index(fields=["customer", "deleted_at"], name="poolkey_customer_live_idx")]

    def __str__(self) -> str:
        return f"{self.label} ({self.upstream_id})"

    # Derived values -------------------------------------------------------------------------

    @property
    def unlimited(self) -> bool:
        return self.cap_gb is None

    @property
    def used_gb(self) -> Decimal:
        return Decimal(self.used_mb) / MB_PER_GB

    @property
    def percent_used(self) -> Decimal | None:
        """Share of the cap used, in % (may exceed 100); None when unlimited."""
        if self.cap_gb is None:
            return None
        if self.cap_gb <= 0:
            return Decimal(100)
        return self.used_gb / Decimal(self.cap_gb) * 100

    @property
    def at_cap(self) -> bool:
        return self.cap_gb is not None and self.used_gb >= self.cap_gb

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def status_at(self, now=None) -> str:
        """One status, most important first: what the customer must do about it differs."""
        if self.deleted_at is not None:
            return PoolKeyStatus.DELETED
        if self.missing_upstream:
            return PoolKeyStatus.MISSING
        if self.disabled_by_operator and not self.enabled:
            return PoolKeyStatus.DISABLED
        if self.is_expired(now):
            return PoolKeyStatus.EXPIRED
        if self.at_cap:
            return PoolKeyStatus.SUSPENDED_CAP
        if not self.enabled:
            return PoolKeyStatus.DISABLED
        percent = self.percent_used
        if percent is not None and percent >= NEAR_CAP_PERCENT:
            return PoolKeyStatus.NEAR_CAP
        return PoolKeyStatus.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def secret_hint(self) -> str:
        """The masked secret, safe for any page: `pak_••••1a2b`."""
        return f"pak_••••{self.secret_last4}" if self.secret_last4 else "pak_••••"
