from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel
from apps.core.validators import validate_single_line


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields: Any) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff=True and is_superuser=True.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A customer or an operator. Logs in with an email address; there is no username."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(gettext_lazy("email address"), unique=True)
    name = models.CharField("name", max_length=150, blank=True)
    # The terms (and acceptable use policy) version this customer accepted, and when.
    terms_version_accepted = models.CharField(max_length=32, blank=True, default="", db_default="")
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    # The language of the pages after sign-in, and of every email and job writing to them
    # (a code from settings.SHIPPED_LANGUAGES); empty: the browser's, then the shop's default.
    language = models.CharField(
        _("language"), max_length=16, blank=True, default="", db_default="", choices=settings.SHIPPED_LANGUAGES
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # The stubs pin AbstractUser.objects to auth's username-based UserManager; an email-login
    # model swapping in its own manager is the documented pattern.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email


hex_color = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #4f46e5.")


class BrandSettings(BaseModel):
    """The shop's look, edited by the operator in the admin. One row (pk=1)."""

    # Both reach mail headers (subject, Reply-To): one line, no control characters.
    name = models.CharField(max_length=80, validators=[validate_single_line])
    tagline = models.CharField(max_length=200, blank=True)
    logo_url = models.URLField(blank=True, help_text=gettext_lazy("Optional; leave empty to show the name."))
    primary_color = models.CharField(max_length=7, validators=[hex_color])
    accent_color = models.CharField(max_length=7, validators=[hex_color])
    support_email = models.EmailField(validators=[validate_single_line])
    terms_url = models.URLField(gettext_lazy("terms of service URL"), blank=True)
    privacy_url = models.URLField(gettext_lazy("privacy policy URL"), blank=True)
    aup_url = models.URLField(gettext_lazy("acceptable use policy URL"), blank=True, default="", db_default="")
    terms_version = models.CharField(
        max_length=32,
        blank=True,
        default="",
        db_default="",
        validators=[validate_single_line],
        help_text=gettext_lazy(
            "Publish a new version (e.g. 2026-12) when the terms or the acceptable use policy change: "
            "customers accept it at their next sign-in before using the dashboard. Empty: nothing to accept."
        ),
    )
    # The seller on every invoice.
    legal_name = models.CharField(
        max_length=200, blank=True, default="", db_default="", validators=[validate_single_line]
    )
    legal_address = models.TextField(
        blank=True, default="", db_default="", help_text=gettext_lazy("Postal address, as it should print on invoices.")
    )
    tax_id = models.CharField(
        gettext_lazy("VAT / tax id"),
        max_length=64,
        blank=True,
        default="",
        db_default="",
        validators=[validate_single_line],
    )
    registration_number = models.CharField(
        max_length=64, blank=True, default="", db_default="", validators=[validate_single_line]
    )

    class Meta:
        verbose_name = gettext_lazy("brand settings")
        verbose_name_plural = gettext_lazy("brand settings")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="brandsettings_singleton")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def defaults(cls) -> dict:
        return dict(settings.BRAND_DEFAULTS)

    @property
    def on_primary_color(self) -> str:
        """Text colour for buttons on the primary colour: whichever of near-black or white
        contrasts more, so an operator cannot pick a colour that makes buttons unreadable."""
        return readable_text_on(self.primary_color)

    @property
    def on_accent_color(self) -> str:
        return readable_text_on(self.accent_color)


def _relative_luminance(hex_value: str) -> float:
    channels = [int(hex_value[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def readable_text_on(background: str) -> str:
    """#ffffff or #0f172a, whichever has the higher WCAG contrast ratio on `background`."""
    try:
        lum = _relative_luminance(background)
    except (ValueError, IndexError, TypeError):
        return "#ffffff"
    dark = _relative_luminance("#0f172a")
    on_white = 1.05 / (lum + 0.05)
    on_dark = (lum + 0.05) / (dark + 0.05)
    return "#ffffff" if on_white >= on_dark else "#0f172a"


# API keys (the customer REST API, apps/api) ------------------------------------------------------


class ApiKeyScope(models.TextChoices):
    READ = "read", gettext_lazy("Read everything (keys, usage, sessions, orders, catalogue)")
    KEYS_WRITE = "keys:write", gettext_lazy("Change proxy keys and read their secrets (label, reveal, regenerate)")
    SESSIONS_WRITE = "sessions:write", gettext_lazy("Close live sessions")
    ORDERS_WRITE = "orders:write", gettext_lazy("Start purchases (checkout links)")
    WEBHOOKS_WRITE = "webhooks:write", gettext_lazy("Manage webhook endpoints")
    PORTS_WRITE = (
        "ports:write",
        gettext_lazy("Change dedicated ports (rotate, rotation settings, OS fingerprint, credentials)"),
    )


class ApiKeyQuerySet(models.QuerySet):
    def active(self, now=None) -> "ApiKeyQuerySet":
        """Neither revoked nor expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiKey(BaseModel):
    """A customer's key for the REST API: `sfk_live_<40 random>` (`sfk_test_` on a sandbox shop).

    Only a SHA-256 of the whole key is stored: the random part carries ~238 bits, so a plain
    hash cannot be brute-forced, and unlike a hash keyed with SECRET_KEY it survives a rotation
    of that key. `lookup` (the first characters of the random part, unique) finds the row; the
    hash is then compared in constant time. `last4` and `lookup` are for display only."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    mode = models.CharField(max_length=4, choices=[("live", gettext_lazy("Live")), ("test", gettext_lazy("Test"))])
    lookup = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    last4 = models.CharField(max_length=4, editable=False)
    scopes = models.JSONField(default=list, help_text="Any of: " + ", ".join(ApiKeyScope.values))
    expires_at = models.DateTimeField(null=True, blank=True, help_text=gettext_lazy("Empty: never expires."))
    ip_allowlist = models.JSONField(
        default=list,
        blank=True,
        help_text=gettext_lazy("IPv4/IPv6 addresses or CIDR ranges; empty allows any address."),
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = gettext_lazy("API key")
        indexes = [models.Index(fields=["customer", "revoked_at"], name="apikey_customer_live_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint})"

    @property
    def prefix(self) -> str:
        return f"sfk_{self.mode}_"

    @property
    def hint(self) -> str:
        """Safe to show anywhere: `sfk_live_Ab3dE9xQ…7f2a`."""
        return f"{self.prefix}{self.lookup}…{self.last4}"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired()

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.is_expired() else "active"

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])
