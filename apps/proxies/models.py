import secrets
import string
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

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
    ACTIVE = "active", gettext_lazy("Active")
    NEAR_CAP = "near_cap", gettext_lazy("Near cap")
    SUSPENDED_CAP = "suspended_cap", gettext_lazy("Suspended at cap")
    EXPIRED = "expired", gettext_lazy("Expired")
    DISABLED = "disabled", gettext_lazy("Disabled")
    MISSING = "missing", gettext_lazy("Missing upstream")
    DELETED = "deleted", gettext_lazy("Deleted")


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
    upstream_id = models.CharField(gettext_lazy("upstream id"), max_length=64, unique=True)
    label = models.CharField(max_length=200, blank=True)
    cap_gb = models.DecimalField(
        gettext_lazy("cap (GB)"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=gettext_lazy("Empty means unlimited."),
    )
    used_mb = models.DecimalField(
        gettext_lazy("used (MB)"),
        max_digits=15,
        decimal_places=3,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
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

    # The customer's usage alert levels for this key, in % of the cap (the "80 %" and "100 %"
    # alerts, PoolKeyAlertKind.USAGE_80 / USAGE_100, fire at these).
    alert_warn_percent = models.PositiveSmallIntegerField(
        gettext_lazy("first usage alert (%)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    alert_full_percent = models.PositiveSmallIntegerField(
        gettext_lazy("second usage alert (%)"), default=100, validators=[MinValueValidator(2), MaxValueValidator(100)]
    )

    objects = PoolKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = gettext_lazy("pool key")
        constraints = [
            models.CheckConstraint(condition=models.Q(used_mb__gte=0), name="poolkey_used_mb_non_negative"),
            # >= 0 rather than > 0: the mirror must be able to hold whatever the upstream holds
            # (a cap reduced to zero after a refund); the services only ever write positive caps.
            models.CheckConstraint(
                condition=models.Q(cap_gb__isnull=True) | models.Q(cap_gb__gte=0), name="poolkey_cap_gb_non_negative"
            ),
            models.CheckConstraint(condition=~models.Q(upstream_id=""), name="poolkey_upstream_id_not_empty"),
            models.CheckConstraint(
                condition=models.Q(alert_warn_percent__gte=1)
                & models.Q(alert_full_percent__lte=100)
                & models.Q(alert_warn_percent__lt=models.F("alert_full_percent")),
                name="poolkey_alert_levels_ordered",
            ),
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

    def status_at(self, now: datetime | None = None) -> PoolKeyStatus:
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
    def status(self) -> PoolKeyStatus:
        return self.status_at()

    @property
    def secret_hint(self) -> str:
        """The masked secret, safe for any page: `pak_••••1a2b`."""
        return f"pak_••••{self.secret_last4}" if self.secret_last4 else "pak_••••"


# Usage history and alerts (the operator console) ---------------------------------------------


class PoolKeyUsageSample(models.Model):
    """A key's usage counter as the syncs saw it, one row per key and UTC day.

    Every sync writes the day's row (insert, or move `last_used_mb` forward): a day's traffic is
    the difference between its last reading and the previous day's. One row per day rather than
    one per sync keeps 10,000 keys synced every few minutes at 10,000 rows a day, and the
    30-day chart and the CSV export read a few hundred rows per key at most."""

    pool_key = models.ForeignKey(PoolKey, on_delete=models.CASCADE, related_name="usage_samples")
    day = models.DateField()
    first_used_mb = models.DecimalField(gettext_lazy("used at first reading (MB)"), max_digits=15, decimal_places=3)
    last_used_mb = models.DecimalField(gettext_lazy("used at last reading (MB)"), max_digits=15, decimal_places=3)
    first_sampled_at = models.DateTimeField()
    last_sampled_at = models.DateTimeField()

    class Meta:
        ordering = ["pool_key", "day"]
        constraints = [
            models.UniqueConstraint(fields=["pool_key", "day"], name="poolkey_usage_one_sample_per_day"),
            models.CheckConstraint(
                condition=models.Q(first_used_mb__gte=0) & models.Q(last_used_mb__gte=0),
                name="poolkey_usage_sample_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["day"], name="poolkey_usage_day_idx")]

    def __str__(self) -> str:
        return f"{self.pool_key_id} {self.day}: {self.last_used_mb} MB"


class PoolKeyAlertKind(models.TextChoices):
    USAGE_80 = "usage_80", gettext_lazy("80 % of the cap used")
    USAGE_100 = "usage_100", gettext_lazy("Cap reached")
    EXPIRY_7D = "expiry_7d", gettext_lazy("Expires within 7 days")
    EXPIRY_1D = "expiry_1d", gettext_lazy("Expires within 1 day")


class PoolKeyAlert(models.Model):
    """One customer alert per key and threshold. The row is the claim: a job inserts it before it
    sends, and the unique constraint makes a second insert (another worker, a rerun) fail, so the
    email goes out once. A top-up or extension that takes the key back under a threshold deletes
    that row (`pool_key_alerts_rearm`), so the next crossing alerts again."""

    pool_key = models.ForeignKey(PoolKey, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=16, choices=PoolKeyAlertKind.choices)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # Why no email went out for a claimed threshold (e.g. covered by the 100 % alert sent at once).
    skipped = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["pool_key", "kind"], name="poolkey_alert_once_per_threshold")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for key {self.pool_key_id}"


# Selling traffic (billing's "pool_traffic" product, apps/proxies/fulfilment.py) --------------


class PoolKeyFulfilment(BaseModel):
    """How the shop delivers one order's traffic, decided once and kept so every retry sends the
    same request with the same idempotency key: the customer's first order mints a key, later
    ones top up the key they use. Keyed by the order's public reference (billing's order is
    not referenced: products do not know billing)."""

    class Action(models.TextChoices):
        MINT = "mint", gettext_lazy("Mint a new key")
        TOP_UP = "top_up", gettext_lazy("Top up the customer's key")

    order_ref = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    # The key to top up (set with the decision), or the key minted (set on delivery).
    key = models.ForeignKey(PoolKey, null=True, blank=True, on_delete=models.PROTECT, related_name="fulfilments")
    # When the first attempt began: a mint's expiry counts from here, so every retry asks the same.
    started_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "action"], name="poolkey_fulfilment_cust_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} for order {self.order_ref}"


# Moving GB from a key to a new key (services/transfers.py) --------------------------------------


class PoolKeyTransfer(BaseModel):
    """A customer's move of GB from one of their keys to a new key, as a row with states, so a
    failure halfway is finished by the reconciler and never leaves GB created or lost:
    planned → source_reduced (the source's cap lowered upstream) → done (the new key minted with
    the GB). Each step is one upstream write with its own idempotency key derived from
    `idempotency_key`, so a retry replays instead of moving twice."""

    class State(models.TextChoices):
        PLANNED = "planned", gettext_lazy("Planned")
        SOURCE_REDUCED = "source_reduced", gettext_lazy("Taken from the source, new key not made yet")
        DONE = "done", gettext_lazy("Done")
        FAILED = "failed", gettext_lazy("Failed (an operator decides)")

    OPEN_STATES = (State.PLANNED, State.SOURCE_REDUCED)

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(PoolKey, on_delete=models.PROTECT, related_name="transfers_out")
    target = models.ForeignKey(PoolKey, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers_in")
    gb = models.DecimalField(gettext_lazy("GB moved"), max_digits=12, decimal_places=3)
    label = models.CharField(gettext_lazy("new key's label"), max_length=200)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PLANNED, db_index=True)
    source_cap_before = models.DecimalField(max_digits=12, decimal_places=3)
    source_cap_after = models.DecimalField(max_digits=12, decimal_places=3)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text=gettext_lazy("The new key's expiry: the source's.")
    )
    idempotency_key = models.CharField(max_length=100, unique=True, editable=False)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = gettext_lazy("pool key GB move")
        constraints = [
            models.CheckConstraint(condition=models.Q(gb__gt=0), name="poolkey_transfer_gb_positive"),
            models.CheckConstraint(
                condition=models.Q(source_cap_after=models.F("source_cap_before") - models.F("gb")),
                name="poolkey_transfer_conserves_gb",
            ),
            models.CheckConstraint(
                condition=models.Q(source_cap_after__gt=0), name="poolkey_transfer_source_keeps_a_cap"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="done") | models.Q(target__isnull=False),
                name="poolkey_transfer_done_has_target",
            ),
            # One move at a time from a key: the next one plans from the cap this one leaves.
            models.UniqueConstraint(
                fields=["source"],
                condition=models.Q(state__in=["planned", "source_reduced"]),
                name="poolkey_transfer_one_open_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gb} GB from key {self.source_id} ({self.get_state_display()})"


# Statuses as queries ---------------------------------------------------------------------------
# The database twins of PoolKey.status_at(), for list filters and jobs that must not load every
# row: each status here matches exactly the rows whose status_at() returns it (a test checks).


def pool_key_usage_at_least_q(percent: Decimal) -> models.Q:
    """Keys with a cap whose usage is at least `percent` % of it (a zero cap counts as full)."""
    return models.Q(cap_gb__isnull=False) & models.Q(
        used_mb__gte=models.F("cap_gb") * models.Value(MB_PER_GB * Decimal(percent) / 100)
    )


def pool_key_expired_q(now) -> models.Q:
    return models.Q(expires_at__isnull=False, expires_at__lte=now)


def pool_key_status_q(status: str, now=None) -> models.Q:
    now = now or timezone.now()
    live = models.Q(deleted_at__isnull=True)
    present = live & models.Q(missing_upstream=False)
    held = models.Q(disabled_by_operator=True, enabled=False)
    expired = pool_key_expired_q(now)
    at_cap = pool_key_usage_at_least_q(Decimal(100))
    usable = present & ~held & ~expired & ~at_cap
    # Keyed by the enum; `status` may be a plain string (a query param), which hashes the same.
    queries: dict[str, models.Q] = {
        PoolKeyStatus.DELETED: models.Q(deleted_at__isnull=False),
        PoolKeyStatus.MISSING: live & models.Q(missing_upstream=True),
        PoolKeyStatus.EXPIRED: present & ~held & expired,
        PoolKeyStatus.SUSPENDED_CAP: present & ~held & ~expired & at_cap,
        PoolKeyStatus.DISABLED: (present & held) | (usable & models.Q(enabled=False)),
        PoolKeyStatus.NEAR_CAP: usable & models.Q(enabled=True) & pool_key_usage_at_least_q(NEAR_CAP_PERCENT),
        PoolKeyStatus.ACTIVE: usable & models.Q(enabled=True) & ~pool_key_usage_at_least_q(NEAR_CAP_PERCENT),
    }
    try:
        return queries[status]
    except KeyError:
        raise ValueError(f"unknown pool key status {status!r}") from None


PROXY_TEST_STALE_SECONDS = 120


class ProxyTestStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Running")
    PASSED = "passed", gettext_lazy("Passed")
    FAILED = "failed", gettext_lazy("Failed")


class ProxyTest(BaseModel):
    """One "test my proxy" run: a real request through the gateway with the key's own secret
    (never stored), and what came back. The last PROXY_TESTS_KEPT per key are kept."""

    pool_key = models.ForeignKey(PoolKey, on_delete=models.CASCADE, related_name="proxy_tests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    status = models.CharField(max_length=16, choices=ProxyTestStatus.choices, default=ProxyTestStatus.PENDING)
    username = models.CharField(
        max_length=300, help_text=gettext_lazy("The proxy username tested (the secret is never stored).")
    )
    protocol = models.CharField(max_length=8, default="http")
    options = models.JSONField(
        default=dict, blank=True, help_text=gettext_lazy("The options parsed from the username.")
    )
    target_url = models.CharField(max_length=500, blank=True)
    via = models.CharField(
        max_length=16, blank=True, help_text=gettext_lazy("http, connect (HTTPS through the proxy) or socks5.")
    )
    exit_ip = models.CharField(max_length=64, blank=True)
    country = models.CharField(max_length=8, blank=True)
    round_trip_ms = models.PositiveIntegerField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    cause = models.CharField(
        max_length=32, blank=True, help_text=gettext_lazy("Why it failed (a code; empty when it passed).")
    )
    message = models.TextField(blank=True)
    fix = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["pool_key", "-created_at"], name="proxytest_key_recent_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=ProxyTestStatus.FAILED) | ~models.Q(cause=""),
                name="proxytest_failure_has_cause",
            ),
            models.CheckConstraint(
                condition=models.Q(status=ProxyTestStatus.PENDING) | models.Q(finished_at__isnull=False),
                name="proxytest_finished_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"test {self.pk} of {self.pool_key_id}: {self.status}"

    @property
    def finished(self) -> bool:
        return self.status != ProxyTestStatus.PENDING

    @property
    def running(self) -> bool:
        """Pending and recent: the page polls for it (a test the worker never ran stops the polling)."""
        return not self.finished and self.created_at > timezone.now() - timedelta(seconds=PROXY_TEST_STALE_SECONDS)
