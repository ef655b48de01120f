import hashlib
import ipaddress
import re
import secrets
import string
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext

from apps.core.errors import ApplicationError
from apps.core.services import audit_log

from .errors import ApiKeyDenied
from .models import ApiKey, ApiKeyScope, BrandSettings, User
from .selectors import BRAND_CACHE_KEY, brand_get

BRAND_FIELDS = (
    "name",
    "tagline",
    "logo_url",
    "primary_color",
    "accent_color",
    "support_email",
    "terms_url",
    "privacy_url",
)


def brand_update(*, brand: BrandSettings, actor: User | None = None) -> BrandSettings:
    """Validates and saves the brand, then drops the cached copy so every page sees it."""
    brand.pk = 1
    brand.full_clean()
    before = BrandSettings.objects.filter(pk=1).first()
    changed = [f for f in BRAND_FIELDS if before is None or getattr(before, f) != getattr(brand, f)]
    brand.save()
    audit_log(action="brand.updated", actor=actor, target=brand, data={"fields": changed})
    # Drop it now for this process, and again after commit so that a request reading the old
    # row while this transaction was open cannot leave a stale copy in the cache.
    cache.delete(BRAND_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(BRAND_CACHE_KEY))
    return brand


# API keys -----------------------------------------------------------------------------------------

API_KEY_ALPHABET = string.ascii_letters + string.digits  # no "_" or "-": the log masker sees one token
API_KEY_RANDOM_LENGTH = 40  # ~238 bits
API_KEY_LOOKUP_LENGTH = 8
API_KEY_PATTERN = re.compile(rf"^sfk_(live|test)_([A-Za-z0-9]{{{API_KEY_RANDOM_LENGTH}}})$")
API_KEYS_PER_CUSTOMER = 25
API_KEY_ALLOWLIST_MAX = 50
API_KEY_NAME_MAX = 100
# last_used_at/ip are written at most this often per key (one UPDATE, not one per request).
API_KEY_TOUCH_SECONDS = 60


def api_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = set(scopes or [])
    unknown = chosen - set(ApiKeyScope.values)
    if unknown:
        raise ApplicationError(
            gettext("Unknown scope: %(join)s.") % {"join": ", ".join(sorted(unknown))}, extra={"field": "scopes"}
        )
    if not chosen:
        raise ApplicationError(gettext("Choose at least one scope."), extra={"field": "scopes"})
    return [scope for scope in ApiKeyScope.values if scope in chosen]


def api_key_clean_allowlist(entries: Iterable[str]) -> list[str]:
    """Addresses and CIDR ranges, normalised (`10.0.0.7/24` becomes `10.0.0.0/24`)."""
    networks = []
    for entry in entries or []:
        text = str(entry).strip()
        if not text:
            continue
        try:
            networks.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError:
            raise ApplicationError(
                gettext("%(value)s is not an IP address or CIDR range.") % {"value": repr(text[:50])},
                extra={"field": "ip_allowlist"},
            ) from None
    if len(networks) > API_KEY_ALLOWLIST_MAX:
        raise ApplicationError(
            gettext("At most %(API_KEY_ALLOWLIST_MAX)s allowlist entries.")
            % {"API_KEY_ALLOWLIST_MAX": API_KEY_ALLOWLIST_MAX},
            extra={"field": "ip_allowlist"},
        )
    return list(dict.fromkeys(networks))


def _ip_allowed(ip: str | None, allowlist: list[str]) -> bool:
    if not allowlist:
        return True
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(entry) for entry in allowlist)


def api_key_create(
    *,
    customer: User,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime | None = None,
    ip_allowlist: Iterable[str] = (),
    actor: User | None = None,
    ip: str | None = None,
) -> tuple[ApiKey, str]:
    """A new key for `customer`. Returns the row and the raw key, which is shown once and never
    stored. Raises ApplicationError (extra["field"] names the input) for bad input."""
    name = (name or "").strip()
    if not name or len(name) > API_KEY_NAME_MAX:
        raise ApplicationError(
            gettext("Give the key a name of 1 to %(API_KEY_NAME_MAX)s characters.")
            % {"API_KEY_NAME_MAX": API_KEY_NAME_MAX},
            extra={"field": "name"},
        )
    clean_scopes = _clean_scopes(scopes)
    allowlist = api_key_clean_allowlist(ip_allowlist)
    if expires_at is not None and (timezone.is_naive(expires_at) or expires_at <= timezone.now()):
        raise ApplicationError(gettext("The expiry must be in the future."), extra={"field": "expires_at"})
    if ApiKey.objects.filter(customer=customer).active().count() >= API_KEYS_PER_CUSTOMER:
        raise ApplicationError(
            gettext("You have %(API_KEYS_PER_CUSTOMER)s active API keys; revoke one first.")
            % {"API_KEYS_PER_CUSTOMER": API_KEYS_PER_CUSTOMER},
            extra={"field": "name"},
        )
    mode = "test" if settings.SANDBOX_ACTIVE else "live"
    for _attempt in range(3):
        random_part = "".join(secrets.choice(API_KEY_ALPHABET) for _ in range(API_KEY_RANDOM_LENGTH))
        raw_key = f"sfk_{mode}_{random_part}"
        key = ApiKey(
            customer=customer,
            name=name,
            mode=mode,
            lookup=random_part[:API_KEY_LOOKUP_LENGTH],
            secret_hash=api_key_hash(raw_key),
            last4=random_part[-4:],
            scopes=clean_scopes,
            expires_at=expires_at,
            ip_allowlist=allowlist,
        )
        try:
            with transaction.atomic():
                key.save(force_insert=True)
                audit_log(
                    action="api_key.create",
                    actor=actor or customer,
                    customer=customer,
                    target=key,
                    ip=ip,
                    data={
                        "name": name,
                        "hint": key.hint,
                        "scopes": clean_scopes,
                        "expires_at": expires_at.isoformat() if expires_at else None,
                        "ip_allowlist": allowlist,
                    },
                )
            return key, raw_key
        except IntegrityError:  # the lookup prefix clashed (unique): draw again
            continue
    raise ApplicationError(gettext("Could not create the key; please try again."))


def api_key_revoke(*, key: ApiKey, actor: User | None = None, ip: str | None = None, reason: str = "") -> bool:
    """Revokes at once. False when it was already revoked (nothing written)."""
    now = timezone.now()
    if not ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now, updated_at=now):
        return False
    key.revoked_at = now
    audit_log(
        action="api_key.revoke",
        actor=actor,
        customer=key.customer,
        target=key,
        ip=ip,
        reason=reason,
        data={"name": key.name, "hint": key.hint},
    )
    return True


def api_key_audit_denied(*, key: ApiKey, code: str, ip: str | None = None, data: dict | None = None) -> None:
    """One audit entry per refused use of a known key (revoked, expired, wrong address, scope)."""
    audit_log(
        action="api_key.denied",
        customer=key.customer,
        target=key,
        ip=ip,
        reason=code,
        data={"hint": key.hint, "code": code, **(data or {})},
    )


def _deny(key: ApiKey, code: str, message: str, *, ip: str | None, status: int = 401) -> ApiKeyDenied:
    api_key_audit_denied(key=key, code=code, ip=ip)
    return ApiKeyDenied(message, code=code, status=status)


def api_key_authenticate(*, raw_key: str, ip: str | None, now: datetime | None = None) -> ApiKey:
    """The active key `raw_key` names, used from `ip`; raises ApiKeyDenied otherwise. Refusals of
    a key that exists are audited; a malformed or unknown key is not (nothing to attribute it to)."""
    now = now or timezone.now()
    match = API_KEY_PATTERN.fullmatch(raw_key or "")
    key = None
    if match:
        key = ApiKey.objects.select_related("customer").filter(lookup=match.group(2)[:API_KEY_LOOKUP_LENGTH]).first()
    if key is None or not constant_time_compare(api_key_hash(raw_key), key.secret_hash):
        raise ApiKeyDenied(gettext("Invalid API key."), code="invalid_api_key")
    if key.revoked_at is not None:
        raise _deny(key, "api_key_revoked", "This API key has been revoked.", ip=ip)
    if key.is_expired(now):
        raise _deny(key, "api_key_expired", "This API key has expired.", ip=ip)
    if key.mode != ("test" if settings.SANDBOX_ACTIVE else "live"):
        raise _deny(key, "api_key_wrong_mode", f"A {key.mode} key does not work on this shop.", ip=ip)
    if not key.customer.is_active:
        raise _deny(key, "account_disabled", "This account is disabled.", ip=ip)
    if not _ip_allowed(ip, key.ip_allowlist):
        raise _deny(key, "ip_not_allowed", "This API key may not be used from your IP address.", ip=ip, status=403)
    if (
        key.last_used_at is None
        or key.last_used_ip != ip
        or now - key.last_used_at > timedelta(seconds=API_KEY_TOUCH_SECONDS)
    ):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, last_used_ip=ip)
        key.last_used_at, key.last_used_ip = now, ip
    return key


def user_terms_accept(*, user: User, ip: str | None) -> None:
    """Records that the customer accepted the current terms (and acceptable use policy) version."""
    brand = brand_get()
    user.terms_version_accepted = brand.terms_version
    user.terms_accepted_at = timezone.now()
    if user.pk:
        user.save(update_fields=["terms_version_accepted", "terms_accepted_at"])
        audit_log(
            action="account.terms_accepted",
            customer=user,
            target=user,
            ip=ip,
            data={"version": brand.terms_version, "terms_url": brand.terms_url, "aup_url": brand.aup_url},
        )


def user_language_set(*, user: User, language: str) -> None:
    """Saves the customer's language: their pages after sign-in, their emails and alerts."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
