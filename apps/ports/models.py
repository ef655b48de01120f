"""Dedicated ports: the local mirror of each upstream port, its rotation history, the shop's own
rotation links, the claims that make fulfilment and renewal exactly-once, and the port plans.

The upstream is the source of truth: services write there first and copy the returned record
here. Two secrets are deliberately NOT stored: the port's proxy password (read through an
audited, owner-only reveal, as pool-key secrets are) and the upstream rotation token (the shop
gives customers a link of its own, whose token it keeps only as a hash)."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.models import BaseModel

from .upstream.records import ROTATION_COOLDOWN_SECONDS

country_code_validator = RegexValidator(r"^[A-Z]{2}$", "Use an upper-case ISO 3166 alpha-2 code such as DE.")
ROTATION_LINK_PREFIX = "rl_"


class PortSharing(models.TextChoices):
    SHARED = "shared", gettext_lazy("Shared")
    PRIVATE = "private", gettext_lazy("Private")


class PortStatus(models.TextChoices):
    ACTIVE = "active", gettext_lazy("Active")
    BLOCKED = "blocked", gettext_lazy("Blocked by the shop")
    SUSPENDED = "suspended", gettext_lazy("Suspended upstream")
    EXPIRED = "expired", gettext_lazy("Expired")
    MISSING = "missing", gettext_lazy("Missing upstream")
    RELEASED = "released", gettext_lazy("Released")


class PortQuerySet(models.QuerySet):
    def live(self) -> "PortQuerySet":
        """Ports not released through the shop."""
        return self.filter(released_at__isnull=True)

    def with_status(self, status: str, now=None) -> "PortQuerySet":
        return self.filter(port_status_q(status, now or timezone.now()))


class Port(BaseModel):
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ports")
    upstream_id = models.CharField(gettext_lazy("upstream id"), max_length=64, unique=True)
    name = models.CharField(max_length=64, blank=True, help_text=gettext_lazy("The upstream's own name for the port."))
    display_name = models.CharField(
        max_length=64,
        db_index=True,
        help_text=gettext_lazy("The name the shop gave the port upstream (finds it after a crash)."),
    )
    label = models.CharField(max_length=80, blank=True)
    sharing = models.CharField(max_length=8, choices=PortSharing.choices)
    country_code = models.CharField(max_length=2, blank=True, validators=[country_code_validator])
    country_name = models.CharField(max_length=80, blank=True)
    carrier = models.CharField(max_length=80, blank=True)
    region = models.CharField(max_length=80, blank=True)
    server_ip = models.CharField(max_length=64)
    http_port = models.PositiveIntegerField()
    socks_port = models.PositiveIntegerField()
    login = models.CharField(max_length=64)
    os_fingerprint = models.CharField(gettext_lazy("OS fingerprint"), max_length=16, blank=True)
    expires_at = models.DateTimeField(db_index=True)
    upstream_status = models.CharField(max_length=16, default="active")
    health = models.CharField(max_length=16, blank=True)
    last_ip = models.CharField(gettext_lazy("last public IP"), max_length=64, blank=True)
    last_ip_at = models.DateTimeField(null=True, blank=True)
    auto_rotation_enabled = models.BooleanField(default=False)
    auto_rotation_seconds = models.PositiveIntegerField(null=True, blank=True)
    match_carrier = models.BooleanField(default=False)
    match_city = models.BooleanField(default=False)
    rotation_count = models.PositiveIntegerField(default=0)
    last_rotated_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    missing_upstream = models.BooleanField(default=False, db_index=True)
    # The shop cut access by changing the password to one nobody is shown (contract A5).
    blocked_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The order that created the port, and the idempotency key of that create.
    create_order_ref = models.CharField(max_length=100, unique=True, null=True, blank=True, editable=False)
    create_idempotency_key = models.CharField(max_length=128, unique=True, null=True, blank=True, editable=False)
    # Expiry notices, each claimed once per crossing (a renewal clears them).
    notice_7d_at = models.DateTimeField(null=True, blank=True)
    notice_1d_at = models.DateTimeField(null=True, blank=True)
    notice_expired_at = models.DateTimeField(null=True, blank=True)

    objects = PortQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(upstream_id=""), name="port_upstream_id_not_empty"),
            models.CheckConstraint(condition=Q(sharing__in=PortSharing.values), name="port_sharing_known"),
            models.CheckConstraint(
                condition=Q(http_port__gte=1, http_port__lte=65535, socks_port__gte=1, socks_port__lte=65535),
                name="port_numbers_in_range",
            ),
        ]
        indexes = [models.Index(fields=["customer", "released_at"], name="port_customer_live_idx")]

    def __str__(self) -> str:
        return f"{self.label or self.display_name} ({self.upstream_id})"

    @property
    def cooldown_seconds(self) -> int:
        return ROTATION_COOLDOWN_SECONDS[self.sharing]

    def cooldown_remaining(self, now=None) -> int:
        """Seconds until the next rotation as far as the mirror knows (the upstream's can-rotate
        is the authority: an automatic rotation the mirror has not seen also counts)."""
        if self.last_rotated_at is None:
            return 0
        ready = self.last_rotated_at + timedelta(seconds=self.cooldown_seconds)
        return max(0, int((ready - (now or timezone.now())).total_seconds() + 0.999))

    def status_at(self, now=None) -> str:
        """One status, most important first (port_status_q is the database twin)."""
        now = now or timezone.now()
        if self.released_at is not None:
            return PortStatus.RELEASED
        if self.missing_upstream:
            return PortStatus.MISSING
        if self.blocked_at is not None:
            return PortStatus.BLOCKED
        if self.expires_at <= now:
            return PortStatus.EXPIRED
        if self.upstream_status == "suspended":
            return PortStatus.SUSPENDED
        return PortStatus.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def usable(self) -> bool:
        return self.status == PortStatus.ACTIVE


def port_status_q(status: str, now) -> Q:
    """The rows whose status_at(now) is `status`."""
    released = Q(released_at__isnull=False)
    missing = Q(missing_upstream=True)
    blocked = Q(blocked_at__isnull=False)
    expired = Q(expires_at__lte=now)
    suspended = Q(upstream_status="suspended")
    order = [
        (PortStatus.RELEASED, released),
        (PortStatus.MISSING, missing),
        (PortStatus.BLOCKED, blocked),
        (PortStatus.EXPIRED, expired),
        (PortStatus.SUSPENDED, suspended),
    ]
    condition = Q()
    for name, q in order:
        if name == status:
            return condition & q
        condition &= ~q
    return condition  # ACTIVE: none of the above


class PortRotation(models.Model):
    """One rotation as the upstream's history reports it (mirrored by the sync)."""

    port = models.ForeignKey(Port, on_delete=models.CASCADE, related_name="rotations")
    upstream_id = models.CharField(max_length=64, unique=True)
    trigger = models.CharField(max_length=16)
    success = models.BooleanField(default=True)
    from_ip = models.CharField(max_length=64, blank=True)
    to_ip = models.CharField(max_length=64, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    country = models.CharField(max_length=80, blank=True)
    carrier = models.CharField(max_length=80, blank=True)
    rotated_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-rotated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.port_id} {self.trigger} {self.from_ip} -> {self.to_ip}"


def rotation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_rotation_token() -> str:
    return ROTATION_LINK_PREFIX + secrets.token_urlsafe(24)


class PortRotationLink(models.Model):
    """The shop's public rotation link for a port (`/r/<token>`). Only the token's hash is kept:
    the customer sees the link once, when it is made, and can revoke it or make a new one."""

    port = models.ForeignKey(Port, on_delete=models.CASCADE, related_name="rotation_links")
    token_hash = models.CharField(max_length=64, unique=True)
    token_hint = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    use_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["port"], condition=Q(revoked_at__isnull=True), name="port_one_active_rotation_link"
            )
        ]

    def __str__(self) -> str:
        return f"/r/{ROTATION_LINK_PREFIX}…{self.token_hint}"

    @property
    def hint(self) -> str:
        return f"{ROTATION_LINK_PREFIX}…{self.token_hint}"


class PortFulfilment(BaseModel):
    """The claim on one order's port: created before the upstream is asked, so a retry after a
    crash knows an earlier attempt may have made the port (and looks for it by name)."""

    order_ref = models.CharField(max_length=100, unique=True)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=128)
    display_name = models.CharField(max_length=64, unique=True)
    sharing = models.CharField(max_length=8, choices=PortSharing.choices)
    country_code = models.CharField(max_length=2, blank=True)
    carrier = models.CharField(max_length=80, blank=True)
    days = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    attempts = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    port = models.OneToOneField(Port, on_delete=models.PROTECT, null=True, blank=True, related_name="fulfilment")

    def __str__(self) -> str:
        return f"port for order {self.order_ref}"


class PortRenewal(BaseModel):
    """One renewal, keyed by its order: the target expiry is fixed when the renewal is first
    seen, so every retry sends the same absolute time and the port is extended once."""

    order_ref = models.CharField(max_length=100, unique=True)
    port = models.ForeignKey(Port, on_delete=models.PROTECT, related_name="renewals")
    days = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    target_expires_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=128)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"renewal of port {self.port_id} by order {self.order_ref}"


class PortPlan(BaseModel):
    """What a port plan delivers, keyed by the billing plan's slug (ports sits below billing and
    keeps no foreign key into it). The billing plan holds the name, price and currency."""

    plan_slug = models.SlugField(
        max_length=50, unique=True, help_text=gettext_lazy("The slug of the billing plan this describes.")
    )
    sharing = models.CharField(max_length=8, choices=PortSharing.choices, default=PortSharing.SHARED)
    country_code = models.CharField(
        max_length=2,
        blank=True,
        validators=[country_code_validator],
        help_text=gettext_lazy("Empty: any country with free devices."),
    )
    carrier = models.CharField(
        max_length=80, blank=True, help_text=gettext_lazy("Optional carrier brand, e.g. Vodafone.")
    )
    period_days = models.PositiveIntegerField(default=30, validators=[MinValueValidator(1)])
    traffic_gb = models.DecimalField(
        gettext_lazy("traffic allowance (GB)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=gettext_lazy("Optional."),
    )

    class Meta:
        ordering = ["plan_slug"]
        constraints = [models.CheckConstraint(condition=Q(period_days__gte=1), name="port_plan_period_positive")]

    def __str__(self) -> str:
        where = self.country_code or "any country"
        return f"{self.plan_slug}: {self.get_sharing_display()} port, {where}, {self.period_days} days"


class UpstreamAccountSnapshot(BaseModel):
    """The reseller's own upstream account as last read by the background job (one row): the
    console reads this and never waits for the upstream. The `low_*_since` fields claim each
    crossing below a threshold, so the operators are mailed once per crossing; they clear when
    the account recovers."""

    key = models.CharField(max_length=16, unique=True, default="reseller", editable=False)
    balance = models.DecimalField(max_digits=13, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=8, blank=True)
    shared_slots_total = models.PositiveIntegerField(null=True, blank=True)
    shared_slots_used = models.PositiveIntegerField(null=True, blank=True)
    shared_slots_available = models.PositiveIntegerField(null=True, blank=True)
    private_slots_total = models.PositiveIntegerField(null=True, blank=True)
    private_slots_used = models.PositiveIntegerField(null=True, blank=True)
    private_slots_available = models.PositiveIntegerField(null=True, blank=True)
    shared_traffic_available_gb = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    private_traffic_available_gb = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    shared_days_remaining = models.IntegerField(null=True, blank=True)
    private_days_remaining = models.IntegerField(null=True, blank=True)
    alerts = models.JSONField(
        default=list, blank=True, help_text=gettext_lazy("The upstream's alerts: type, message, severity.")
    )
    # Monthly price of one slot per type, from the tariffs feed: {"shared": "25.00", ...}.
    slot_prices = models.JSONField(default=dict, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    error_at = models.DateTimeField(null=True, blank=True)
    low_balance_since = models.DateTimeField(null=True, blank=True)
    low_shared_slots_since = models.DateTimeField(null=True, blank=True)
    low_private_slots_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("upstream account snapshot")

    def __str__(self) -> str:
        return f"upstream account as of {self.fetched_at or 'never'}"
