from django.core.cache import cache

from .models import BrandSettings

BRAND_CACHE_KEY = "brand-settings:v1"


def brand_get() -> BrandSettings:
    """The brand row, cached; an unsaved instance with env defaults when none exists yet."""
    brand = cache.get(BRAND_CACHE_KEY)
    if brand is None:
        brand = BrandSettings.objects.filter(pk=1).first() or BrandSettings(pk=1, **BrandSettings.defaults())
        cache.set(BRAND_CACHE_KEY, brand, 300)
    return brand
