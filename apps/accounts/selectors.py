from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import gettext

from .models import ApiKey, BrandSettings, User

BRAND_CACHE_KEY = "brand-settings:v1"
# Short, so that even a per-process cache (no Redis) picks up an admin edit within a minute.
BRAND_CACHE_SECONDS = 60


def brand_get() -> BrandSettings:
    """The brand row, cached; an unsaved instance with env defaults when none exists yet."""
    brand = cache.get(BRAND_CACHE_KEY)
    if brand is None:
        brand = BrandSettings.objects.filter(pk=1).first() or BrandSettings(pk=1, **BrandSettings.defaults())
        cache.set(BRAND_CACHE_KEY, brand, BRAND_CACHE_SECONDS)
    return brand


@dataclass(frozen=True)
class AccountSecurity:
    email: str
    email_verified: bool
    other_emails: int
    has_password: bool
    totp_enabled: bool
    recovery_codes_left: int | None
    mfa_blocked_by_unverified_email: bool


def account_security_get(*, user: User) -> AccountSecurity:
    """What the account page shows: email status, password, two-factor state."""
    addresses = list(EmailAddress.objects.filter(user=user))
    primary = next((a for a in addresses if a.primary), None)
    authenticators = {a.type: a for a in Authenticator.objects.filter(user=user)}
    recovery = authenticators.get(Authenticator.Type.RECOVERY_CODES)
    recovery_left = len(recovery.wrap().get_unused_codes()) if recovery else None
    return AccountSecurity(
        email=primary.email if primary else user.email,
        email_verified=bool(primary and primary.verified),
        other_emails=max(len(addresses) - 1, 0),
        has_password=user.has_usable_password(),
        totp_enabled=Authenticator.Type.TOTP in authenticators,
        recovery_codes_left=recovery_left,
        # allauth refuses to add an authenticator while any address is unverified.
        mfa_blocked_by_unverified_email=(
            not mfa_settings.ALLOW_UNVERIFIED_EMAIL and any(not a.verified for a in addresses)
        ),
    )


def api_key_list_for_customer(*, customer: "User") -> QuerySet[ApiKey]:
    """The customer's API keys, newest first, revoked and expired ones included (the page shows them)."""
    return ApiKey.objects.filter(customer_id=getattr(customer, "pk", None))


def api_key_get_for_customer(*, customer: "User", key_id) -> ApiKey:
    """One of the customer's API keys; anyone else's (or a malformed id) raises ApiKey.DoesNotExist."""
    try:
        pk = int(key_id)
    except (TypeError, ValueError):
        raise ApiKey.DoesNotExist(gettext("No such API key.")) from None
    return api_key_list_for_customer(customer=customer).get(pk=pk)


def terms_required() -> bool:
    """Whether the operator published terms or an acceptable use policy to accept."""
    brand = brand_get()
    return bool(brand.terms_url or brand.aup_url)


def user_must_accept_terms(*, user: User) -> bool:
    """A published version this customer has not accepted yet (staff are never held up)."""
    if not user.is_authenticated or user.is_staff:
        return False
    version = brand_get().terms_version
    return bool(version) and terms_required() and user.terms_version_accepted != version
