from django.conf import settings

from apps.accounts.selectors import brand_get


def site(request) -> dict:
    return {
        "brand": brand_get(),
        "site_url": settings.SITE_URL,
        "sandbox": {
            "active": settings.SANDBOX_ACTIVE,
            "upstream": settings.PROXIES_SX_SANDBOX,
            "payments": settings.STRIPE_SANDBOX,
        },
    }
