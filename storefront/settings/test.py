"""Settings for the test suite: fast hashing, in-memory mail, inline jobs, sandboxes on.

The suite must not depend on a developer's .env or shell: no .env file is read, and real
keys or a Redis URL in the environment are ignored while the settings load (redis-marked
tests get their server from TEST_REDIS_URL). DATABASE_URL is honoured: `make test` runs on
PostgreSQL when it points at one.
"""

import os

_IGNORED = (
    "PROXIES_SX_API_KEY",
    "PROXIES_SX_USERNAME",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "REDIS_URL",
    "EMAIL_URL",
    "SITE_URL",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "ACCOUNT_EMAIL_VERIFICATION",
    "STAFF_REQUIRE_MFA",
    "LOG_FORMAT",
)
_saved = {name: os.environ.pop(name) for name in _IGNORED if name in os.environ}
_saved_env_file = os.environ.get("STOREFRONT_ENV_FILE")
os.environ["STOREFRONT_ENV_FILE"] = ""
try:
    from .base import *  # noqa: F403
    from .base import DATABASES
finally:
    os.environ.update(_saved)
    if _saved_env_file is None:
        del os.environ["STOREFRONT_ENV_FILE"]
    else:
        os.environ["STOREFRONT_ENV_FILE"] = _saved_env_file

DEBUG = False
# URLs in the suite name the real gateway host (stable vectors); tests of the sandbox gateway
# point the settings at the gateway they start.
PROXIES_SX_GATEWAY_HOST = "gw.proxies.sx"
PROXIES_SX_GATEWAY_PORTS = {"http": 7000, "socks5": 7001}
SECRET_KEY = "test-only-secret-key-not-for-production-use-0123456789"
# A configured endpoint secret, so tests can POST signed deliveries to the public webhook in
# sandbox payments mode (without one it refuses every delivery; tests/billing covers both).
STRIPE_WEBHOOK_SECRET = "whsec_test_suite_0123456789abcdef"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "template_fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments"},
}
CELERY_TASK_ALWAYS_EAGER = True
# Sandbox "pay later" settles at once unless a test asks for the delay (tests/sandbox/payments).
SANDBOX_PAYMENTS_SETTLE_SECONDS = 0
CELERY_BROKER_URL = "memory://"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the app directories without a collectstatic run (and without
# whitenoise warning about a missing STATIC_ROOT).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in memory
