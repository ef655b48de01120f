"""State of the ports simulator: the device inventory (countries, carriers, devices), the
reseller's account (balance, slots, traffic), ports with their credentials and auto-rotation,
and the rotation history. Times come from the sandbox clock (not auto_now) so tests can move
time; secrets are stored in the clear because the upstream hands them out."""

from django.db import models
from django.db.models import Q


class SandboxPortCountry(models.Model):
    public_id = models.CharField(max_length=24, unique=True)
    name = models.CharField(max_length=80)
    code = models.CharField(max_length=2, unique=True)
    iso3 = models.CharField(max_length=3)
    phone_code = models.CharField(max_length=8)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SandboxPortCarrier(models.Model):
    public_id = models.CharField(max_length=24, unique=True)
    country = models.ForeignKey(SandboxPortCountry, on_delete=models.CASCADE, related_name="carriers")
    name = models.CharField(max_length=120)
    brand = models.CharField(max_length=40)
    mcc = models.CharField(max_length=3, blank=True)
    mnc = models.CharField(max_length=3, blank=True)
    technology = models.CharField(max_length=8, default="LTE")

    class Meta:
        ordering = ["country", "brand"]

    def __str__(self) -> str:
        return f"{self.brand} ({self.country.code})"


class SandboxPortDevice(models.Model):
    """A modem. A private port holds its device alone (`exclusive`); shared ports share any
    device that is not held. `free` in the API means: online and not held."""

    public_id = models.CharField(max_length=24, unique=True)
    name = models.CharField(max_length=40)
    country = models.ForeignKey(SandboxPortCountry, on_delete=models.CASCADE, related_name="devices")
    carrier = models.ForeignKey(SandboxPortCarrier, on_delete=models.CASCADE, related_name="devices")
    region = models.CharField(max_length=40)
    ip = models.GenericIPAddressField()
    online = models.BooleanField(default=True)
    exclusive = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class SandboxPortAccount(models.Model):
    """The reseller's account (one row, pk=1): wallet and purchased slots and traffic."""

    balance = models.DecimalField(max_digits=12, decimal_places=2, default=50)
    total_payments = models.DecimalField(max_digits=12, decimal_places=2, default=100)
    currency = models.CharField(max_length=3, default="USD")
    shared_slots = models.PositiveIntegerField(default=5)
    private_slots = models.PositiveIntegerField(default=2)
    shared_traffic_gb = models.DecimalField(max_digits=12, decimal_places=3, default=10)
    private_traffic_gb = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    subscription_expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"balance {self.balance} {self.currency}, slots {self.shared_slots}/{self.private_slots}"


class SandboxPort(models.Model):
    SLOT_TYPES = ("shared", "private")

    public_id = models.CharField(max_length=24, unique=True)
    name = models.CharField(max_length=40, unique=True)
    display_name = models.CharField(max_length=64)
    slot_type = models.CharField(max_length=8, choices=[(s, s) for s in SLOT_TYPES])
    device = models.ForeignKey(SandboxPortDevice, on_delete=models.PROTECT, related_name="ports")
    server_ip = models.GenericIPAddressField()
    http_port = models.PositiveIntegerField(unique=True)
    socks_port = models.PositiveIntegerField(unique=True)
    login = models.CharField(max_length=64)
    password = models.CharField(max_length=64)
    os_fingerprint = models.CharField(max_length=16, blank=True)
    suspended = models.BooleanField(default=False)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField()
    rotation_token = models.CharField(max_length=64, unique=True)
    auto_enabled = models.BooleanField(default=False)
    interval_seconds = models.PositiveIntegerField(null=True, blank=True)
    match_carrier = models.BooleanField(default=False)
    match_city = models.BooleanField(default=False)
    # The auto-rotation schedule counts from the later of this and the last rotation.
    auto_anchor_at = models.DateTimeField(null=True, blank=True)
    last_rotated_at = models.DateTimeField(null=True, blank=True)
    rotation_count = models.PositiveIntegerField(default=0)
    used_traffic_gb = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    settings_public_id = models.CharField(max_length=24)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(slot_type__in=("shared", "private")), name="sandbox_port_slot_type"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.display_name}, {self.slot_type})"


class SandboxPortRotation(models.Model):
    TRIGGERS = ("manual", "automatic", "api_token")

    public_id = models.CharField(max_length=24, unique=True)
    # A plain string: the history outlives a deleted port.
    port_id = models.CharField(max_length=24, db_index=True)
    from_device_id = models.CharField(max_length=24)
    to_device_id = models.CharField(max_length=24)
    from_ip = models.CharField(max_length=45)
    to_ip = models.CharField(max_length=45)
    trigger_type = models.CharField(max_length=16, choices=[(t, t) for t in TRIGGERS])
    success = models.BooleanField(default=True)
    duration_ms = models.PositiveIntegerField(default=0)
    country = models.CharField(max_length=80)
    carrier = models.CharField(max_length=40)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.port_id} {self.trigger_type} {self.from_ip} -> {self.to_ip}"
