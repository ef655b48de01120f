from django.conf import settings


def site(request) -> dict:
    return {
        "site_url": settings.SITE_URL,
        "sandbox": {
            "active": settings.SANDBOX_ACTIVE,
            "upstream": settings.PROXIES_SX_SANDBOX,
            "payments": settings.STRIPE_SANDBOX,
        },
    }
