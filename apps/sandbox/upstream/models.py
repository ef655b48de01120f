"""State of the sandbox upstream. It lives in tables of its own so a dev server keeps its keys
across restarts. Times are written from the sandbox clock (not auto_now) so tests can move time."""

from django.db import models
from django.db.models import Q


class SandboxKey(models.Model):
    """A pool access key as the upstream stores it, secret included (the upstream can reveal it)."""

    public_id = models.CharField(max_length=40, unique=True)
    secret = models.CharField(max_length=40, unique=True)
    label = models.CharField(max_length=200)
    enabled = models.BooleanField(default=True)
    traffic_cap_gb = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    traffic_used_mb = models.DecimalField(max_digits=16, decimal_places=3, default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(traffic_cap_gb__isnull=True) | Q(traffic_cap_gb__gt=0), name="sandbox_key_cap_positive"
            ),
            models.CheckConstraint(condition=Q(traffic_used_mb__gte=0), name="sandbox_key_usage_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.label})"


class SandboxAuditEvent(models.Model):
    ACTIONS = (
        "create",
        "update",
        "topup",
        "regenerate",
        "reveal",
        "delete",
        "gateway_auth_success",
        "gateway_auth_failure",
        "auto_suspended_cap_exceeded",
        "auto_suspended_expired",
    )
    AUTH_METHODS = ("jwt", "apiKey", "gateway", "system")

    public_id = models.CharField(max_length=40, unique=True)
    # A plain string, not a foreign key: events outlive a deleted key (90-day retention).
    pak_id = models.CharField(max_length=40, blank=True, db_index=True)
    action = models.CharField(max_length=40, db_index=True)
    ip = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    auth_method = models.CharField(max_length=16)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.public_id} {self.action} {self.pak_id}"


class SandboxIdempotencyRecord(models.Model):
    """The reply cached for an Idempotency-Key; replayed for 24 h."""

    key = models.CharField(max_length=128)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of the canonical request body")
    status = models.PositiveSmallIntegerField()
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "method", "path"], name="sandbox_idempotency_unique")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class SandboxSession(models.Model):
    """A live gateway session. The feed never says which key a session uses; pak_id is internal."""

    session_key = models.CharField(max_length=200, unique=True)
    session_id = models.CharField(max_length=128)
    pak_id = models.CharField(max_length=40, blank=True, db_index=True)
    pool = models.CharField(max_length=8)
    country = models.CharField(max_length=2)
    carrier = models.CharField(max_length=40, blank=True)
    current_ip = models.CharField(max_length=64)
    endpoint_id = models.CharField(max_length=40)
    rotation = models.CharField(max_length=16, blank=True)
    lifetime_seconds = models.PositiveIntegerField()
    is_synthesized = models.BooleanField(default=False)
    request_count = models.BigIntegerField(default=0)
    bytes_in = models.BigIntegerField(default=0)
    bytes_out = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()
    last_activity_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-last_activity_at", "-id"]

    def __str__(self) -> str:
        return self.session_key


class SandboxIncident(models.Model):
    SEVERITIES = ("info", "minor", "major", "critical")

    public_id = models.CharField(max_length=40, unique=True)
    severity = models.CharField(max_length=10, choices=[(s, s) for s in SEVERITIES])
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    affects = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.severity}: {self.title}"


class SandboxFaultConfig(models.Model):
    """Standing faults (one row, pk=1). Persisted so tests and benchmarks can change a running server."""

    latency_ms = models.PositiveIntegerField(default=0)
    jitter_ms = models.PositiveIntegerField(default=0)
    error_rate = models.FloatField(default=0.0)
    error_statuses = models.JSONField(default=list, blank=True, help_text="Statuses drawn for random errors.")
    drop_rate = models.FloatField(default=0.0)
    drop_mode = models.CharField(max_length=10, default="reset")
    seed = models.BigIntegerField(null=True, blank=True)
    counter = models.BigIntegerField(default=0, help_text="Requests seen; with a seed it makes draws repeatable.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(error_rate__gte=0, error_rate__lte=1), name="sandbox_fault_error_rate"),
            models.CheckConstraint(condition=Q(drop_rate__gte=0, drop_rate__lte=1), name="sandbox_fault_drop_rate"),
        ]

    def __str__(self) -> str:
        return f"latency={self.latency_ms}ms error_rate={self.error_rate} drop_rate={self.drop_rate}"


class SandboxFaultRule(models.Model):
    """A one-off fault: answer with `status` (or drop the connection) for the next `remaining` matching
    requests (null = until removed)."""

    PHASES = ("before", "after")
    DROP_MODES = ("reset", "timeout", "refused")

    status = models.PositiveSmallIntegerField(null=True, blank=True)
    retry_after = models.CharField(max_length=64, blank=True)
    drop_mode = models.CharField(max_length=10, blank=True)
    remaining = models.PositiveIntegerField(null=True, blank=True)
    path_glob = models.CharField(max_length=200, blank=True, help_text="fnmatch pattern on the path after /v1")
    method = models.CharField(max_length=10, blank=True)
    phase = models.CharField(
        max_length=10, default="before", help_text="after: the call takes effect, then the reply is lost"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__isnull=False) | ~Q(drop_mode=""), name="sandbox_fault_rule_has_effect"
            ),
        ]

    def __str__(self) -> str:
        effect = f"status {self.status}" if self.status else f"drop {self.drop_mode}"
        return f"{effect} x{self.remaining if self.remaining is not None else '∞'} {self.method} {self.path_glob}"
