from django.core.cache import cache
from django.db import transaction

from apps.core.services import audit_log

from .models import BrandSettings, User
from .selectors import BRAND_CACHE_KEY

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
