from django.core.cache import cache

from .models import BrandSettings
from .selectors import BRAND_CACHE_KEY


def brand_update(*, brand: BrandSettings) -> BrandSettings:
    """Validates and saves the brand, then drops the cached copy so every page sees it."""
    brand.pk = 1
    brand.full_clean()
    brand.save()
    cache.delete(BRAND_CACHE_KEY)
    return brand
