"""Production: secrets have no defaults, cookies are secure, logs are JSON."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool, logging_config

DEBUG = False


def _required(name: str) -> str:
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production (see .env.example).")
    return value


SECRET_KEY = _required("SECRET_KEY")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters.")
ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]
_required("DATABASE_URL")

# A sandbox must never be silently on in production: it needs an explicit opt-in.
from .base import PROXIES_SX_SANDBOX, STRIPE_SANDBOX  # noqa: E402

SANDBOX_ALLOWED = env_bool("SANDBOX_ALLOWED", False)
if (PROXIES_SX_SANDBOX or STRIPE_SANDBOX) and not SANDBOX_ALLOWED:
    missing = [n for n, off in (("PROXIES_SX_API_KEY", PROXIES_SX_SANDBOX), ("STRIPE_SECRET_KEY", STRIPE_SANDBOX)) if off]
    raise ImproperlyConfigured(
        f"{', '.join(missing)} not set: the shop would run on its sandbox. "
        "Set the keys, or SANDBOX_ALLOWED=true for a demo deployment."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

STAFF_REQUIRE_MFA = env_bool("STAFF_REQUIRE_MFA", True)
LOGGING = logging_config(env.str("LOG_FORMAT", default="json"), env.str("LOG_LEVEL", default="INFO").upper())
