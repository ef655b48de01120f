"""Production: secrets have no defaults, cookies are secure, logs are JSON.

Refuses to start (ImproperlyConfigured naming the variable) without SECRET_KEY, ALLOWED_HOSTS
and DATABASE_URL, on a sandbox nobody asked for, and on sandbox payments in front of the real
upstream. What merely degrades the shop (no Redis, a SITE_URL that is not https) or an unsafe
mix of sandbox settings is reported by `manage.py check --deploy` (apps/core/checks.py).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    PROXIES_SX_API_KEY,
    PROXIES_SX_SANDBOX,
    PROXIES_SX_SANDBOX_API_KEY,
    STRIPE_SANDBOX,
    X402_ENABLED,
    X402_PAY_TO,
    X402_SANDBOX,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    logging_config,
)


def _required(name: str) -> str:
    value = env_str(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production (see .env.example).")
    return value


if env_bool("DEBUG", False):
    raise ImproperlyConfigured("DEBUG=true is not allowed with production settings; use storefront.settings.local.")
DEBUG = False

SECRET_KEY = _required("SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "SECRET_KEY must be a random string of at least 50 characters "
        '(python3 -c "import secrets; print(secrets.token_urlsafe(64))").'
    )
_required("ALLOWED_HOSTS")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
_required("DATABASE_URL")

# A sandbox must never be silently on in production: it needs an explicit opt-in.
SANDBOX_ALLOWED = env_bool("SANDBOX_ALLOWED", False)
if (PROXIES_SX_SANDBOX or STRIPE_SANDBOX) and not SANDBOX_ALLOWED:
    _missing = [
        n for n, off in (("PROXIES_SX_API_KEY", PROXIES_SX_SANDBOX), ("STRIPE_SECRET_KEY", STRIPE_SANDBOX)) if off
    ]
    raise ImproperlyConfigured(
        f"{' and '.join(_missing)} not set: the shop would run on its sandbox. "
        "Set the keys, or SANDBOX_ALLOWED=true for a demo deployment."
    )
# Sandbox payments in front of the real upstream would hand out real proxy keys for a click on
# "Pay". (The published sandbox key is the simulator over HTTP: nothing real to give away.)
if STRIPE_SANDBOX and PROXIES_SX_API_KEY and PROXIES_SX_API_KEY != PROXIES_SX_SANDBOX_API_KEY:
    raise ImproperlyConfigured(
        "PROXIES_SX_API_KEY is set but STRIPE_SECRET_KEY is not: sandbox payments would give away real "
        "proxy keys. Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or unset PROXIES_SX_API_KEY for a demo."
    )

# USDC over x402: the money must have somewhere to go, and test USDC must not buy real keys.
if X402_ENABLED and not X402_PAY_TO:
    raise ImproperlyConfigured("X402_ENABLED is true but X402_PAY_TO is not set: the wallet that receives the USDC.")
if X402_ENABLED and X402_SANDBOX and not SANDBOX_ALLOWED:
    raise ImproperlyConfigured(
        "X402_ENABLED with X402_SANDBOX: agents would pay in test USDC. Set X402_SANDBOX=false, "
        "or SANDBOX_ALLOWED=true for a demo deployment."
    )

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (see README).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# The container HEALTHCHECK talks plain http on loopback.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# __Host- cookies: Secure, Path=/ and no Domain, so no sibling subdomain can plant or read them.
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_PATH = "/"
CSRF_COOKIE_PATH = "/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

STAFF_REQUIRE_MFA = env_bool("STAFF_REQUIRE_MFA", True)
LOG_FORMAT = env_choice("LOG_FORMAT", "json", ["text", "json"])
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
