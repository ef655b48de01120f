"""Settings shared by every environment. Everything comes from the environment
(django-environ); `.env.example` documents each variable."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
_env_file = BASE_DIR / ".env"
if _env_file.is_file():
    environ.Env.read_env(str(_env_file), overwrite=False)


def env_bool(name: str, default: bool) -> bool:
    """Like env.bool, but a value that is not a boolean is an error, not False."""
    raw = env.str(name, default="")
    if raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}.")


def env_secret(name: str, *, prefixes: tuple[str, ...]) -> str:
    """An optional secret; when set it must carry one of the expected prefixes."""
    value = env.str(name, default="").strip()
    if value and not value.startswith(prefixes):
        raise ImproperlyConfigured(
            f"{name} does not look right: it must start with {' or '.join(prefixes)}."
        )
    return value


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("SITE_URL must be an absolute http(s) URL, e.g. https://shop.example.com")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

# Apps -------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "apps.core",
    "apps.accounts",
    "apps.proxies",
    "apps.proxies.sandbox",
    "apps.billing",
]

MIDDLEWARE = [
    "apps.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.accounts.middleware.StaffMfaRequiredMiddleware",
]

ROOT_URLCONF = "storefront.urls"
WSGI_APPLICATION = "storefront.wsgi.application"
ASGI_APPLICATION = "storefront.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.site",
            ],
        },
    },
]

# Database ---------------------------------------------------------------------------------
DATA_DIR = BASE_DIR / "data"
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'storefront.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL and a busy timeout let the dev server and its inline jobs share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and jobs ---------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "storefront",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# No broker configured: jobs run inline, in-process (the embedded default).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {}  # filled by the app sections further down

# Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/"

# Email ------------------------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="consolemail://")
vars().update(environ.Env.email_url_config(EMAIL_URL))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Storefront <shop@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
OPERATOR_EMAILS = env.list("OPERATOR_EMAILS", default=[])
REAL_EMAIL = not EMAIL_URL.startswith(("consolemail", "dummymail", "memorymail", "filemail"))

# django-allauth ---------------------------------------------------------------------------
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# Verification is mandatory once mail can really be delivered.
ACCOUNT_EMAIL_VERIFICATION = env.str(
    "ACCOUNT_EMAIL_VERIFICATION", default="mandatory" if REAL_EMAIL else "optional"
)
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_RATE_LIMITS_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
ACCOUNT_ADAPTER = "apps.accounts.adapters.AccountAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("BRAND_NAME", default="Storefront")
# Staff must enrol in two-factor auth before they can use the admin.
STAFF_REQUIRE_MFA = env_bool("STAFF_REQUIRE_MFA", False)

# Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Security ---------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "https:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF, "https://checkout.stripe.com"],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Brand defaults (editable later in the admin, without a redeploy) -------------------------
BRAND_DEFAULTS = {
    "name": env.str("BRAND_NAME", default="Storefront"),
    "tagline": env.str("BRAND_TAGLINE", default="Mobile and residential proxies, by the gigabyte."),
    "logo_url": env.str("BRAND_LOGO_URL", default=""),
    "primary_color": env.str("BRAND_PRIMARY_COLOR", default="#4f46e5"),
    "accent_color": env.str("BRAND_ACCENT_COLOR", default="#10b981"),
    "support_email": env.str("BRAND_SUPPORT_EMAIL", default="support@example.com"),
    "terms_url": env.str("BRAND_TERMS_URL", default=""),
    "privacy_url": env.str("BRAND_PRIVACY_URL", default=""),
}

# Upstream: Proxies.sx Pool Gateway --------------------------------------------------------
PROXIES_SX_API_KEY = env_secret("PROXIES_SX_API_KEY", prefixes=("psx_",))
PROXIES_SX_USERNAME = env.str("PROXIES_SX_USERNAME", default="psx_sandbox")
PROXIES_SX_API_URL = env.str("PROXIES_SX_API_URL", default="https://api.proxies.sx/v1").rstrip("/")
PROXIES_SX_GATEWAY_HOST = env.str("PROXIES_SX_GATEWAY_HOST", default="gw.proxies.sx")
PROXIES_SX_CONNECT_TIMEOUT = env.float("PROXIES_SX_CONNECT_TIMEOUT", default=5.0)
PROXIES_SX_READ_TIMEOUT = env.float("PROXIES_SX_READ_TIMEOUT", default=30.0)
PROXIES_SX_MAX_ATTEMPTS = env.int("PROXIES_SX_MAX_ATTEMPTS", default=3)
# No reseller key: the in-project simulator answers instead of the real upstream.
PROXIES_SX_SANDBOX = not PROXIES_SX_API_KEY
# Fresh upstream reads for the dashboard: at most one per key per this many seconds.
POOL_KEY_REFRESH_SECONDS = env.int("POOL_KEY_REFRESH_SECONDS", default=60)

# Payments: Stripe -------------------------------------------------------------------------
STRIPE_SECRET_KEY = env_secret("STRIPE_SECRET_KEY", prefixes=("sk_", "rk_"))
STRIPE_WEBHOOK_SECRET = env_secret("STRIPE_WEBHOOK_SECRET", prefixes=("whsec_",))
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="").rstrip("/")
if STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET:
    raise ImproperlyConfigured(
        "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: paid orders could not be confirmed."
    )
# No Stripe key: checkout goes to the local test-payment page, signed with a sandbox secret.
STRIPE_SANDBOX = not STRIPE_SECRET_KEY
SANDBOX_STRIPE_WEBHOOK_SECRET = "whsec_sandbox_" + "0" * 24
if STRIPE_SANDBOX:
    STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET or SANDBOX_STRIPE_WEBHOOK_SECRET
# What a refund or dispute does to the customer's key: "reduce_cap" or "disable".
REFUND_POLICY = env.str("REFUND_POLICY", default="reduce_cap")
if REFUND_POLICY not in {"reduce_cap", "disable"}:
    raise ImproperlyConfigured("REFUND_POLICY must be reduce_cap or disable.")

SANDBOX_ACTIVE = PROXIES_SX_SANDBOX or STRIPE_SANDBOX

# Periodic jobs (Celery beat). Each app adds its own entries in its section below.
# --- proxies settings ---
# --- end proxies settings ---
# --- billing settings ---
# --- end billing settings ---

# Logging ----------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be text or json.")


def logging_config(fmt: str, level: str) -> dict:
    formatters = {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "apps.core.logging.RequestIdFilter"},
            "mask_secrets": {"()": "apps.core.logging.SecretMaskFilter"},
        },
        "formatters": formatters,
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "filters": ["request_id", "mask_secrets"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": ["console"], "level": level, "propagate": False},
            "celery": {"handlers": ["console"], "level": level, "propagate": False},
            "httpx": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        },
    }


LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
