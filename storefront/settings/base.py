"""Settings shared by every environment. Everything comes from the environment
(django-environ); `.env.example` documents each variable."""

import contextlib
import ipaddress
import math
import os
import re
from collections.abc import Iterable
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.utils.csp import CSP

from apps.core.logging import logging_config
from apps.core.rates import rates_parse
from apps.core.validators import CONTROL_CHARACTERS

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# .env beside manage.py fills in what the process environment leaves unset.
# STOREFRONT_ENV_FILE names another file; set to empty it reads none (the test settings do).
_env_file = os.environ.get("STOREFRONT_ENV_FILE", str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    environ.Env.read_env(_env_file, overwrite=False)


# Readers that treat an empty value as unset and turn a bad value into an ImproperlyConfigured
# naming the variable, instead of a ValueError from deep inside a library.
def env_str(name: str, default: str = "") -> str:
    value = env.str(name, default="").strip()
    return value or default


def env_bool(name: str, default: bool) -> bool:
    """Like env.bool, but a value that is not a boolean is an error, not False."""
    raw = env_str(name)
    if raw == "":
        return default
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = env_str(name)
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}.") from None
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        if maximum is None:
            bounds = f"at least {minimum}"
        elif minimum is None:
            bounds = f"at most {maximum}"
        else:
            bounds = f"between {minimum} and {maximum}"
        raise ImproperlyConfigured(f"{name} must be {bounds}, got {value}.")
    return value


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = env_str(name)
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}.") from None
    if not math.isfinite(value) or value <= minimum:
        raise ImproperlyConfigured(f"{name} must be a number above {minimum:g}, got {raw!r}.")
    return value


def env_choice(name: str, default: str, choices: Iterable[str]) -> str:
    value = env_str(name, default)
    allowed = list(choices)
    if value not in allowed:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(allowed)}; got {value!r}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env_str(name)
    if raw == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_rate_limit(name: str, default: str) -> str:
    """Rates in allauth's syntax ("10/10m/user,30/10m/ip"), or "off"."""
    value = env_str(name, default)
    try:
        rates_parse(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be rates like 10/10m/user,30/10m/ip or off: {exc}.") from None
    return value


def env_url(name: str, default: str, *, schemes: tuple[str, ...] = ("https", "http")) -> str:
    value = env_str(name, default).rstrip("/")
    if value == "":
        return value
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} must be an absolute URL starting with {' or '.join(s + '://' for s in schemes)}; got {value!r}."
        )
    return value


def check_email(name: str, value: str) -> str:
    """An address, optionally with a display name: `Shop <shop@example.com>`."""
    if CONTROL_CHARACTERS.search(value):  # it goes into From and Reply-To headers
        raise ImproperlyConfigured(f"{name} must be one line without control characters, got {value!r}.")
    try:
        validate_email(parseaddr(value)[1])
    except ValidationError:
        raise ImproperlyConfigured(f"{name} must be an email address, got {value!r}.") from None
    return value


def env_email(name: str, default: str) -> str:
    return check_email(name, env_str(name, default))


def env_line(name: str, default: str) -> str:
    """Text that reaches a mail header (the brand name): one line, no control characters."""
    value = env_str(name, default)
    if CONTROL_CHARACTERS.search(value):
        raise ImproperlyConfigured(f"{name} must be one line without control characters, got {value!r}.")
    return value


def env_color(name: str, default: str) -> str:
    value = env_str(name, default)
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise ImproperlyConfigured(f"{name} must be a colour like #4f46e5, got {value!r}.")
    return value


def env_secret(name: str, *, prefixes: tuple[str, ...]) -> str:
    """An optional secret; when set it must carry one of the expected prefixes."""
    value = env_str(name)
    if value and not value.startswith(prefixes):
        raise ImproperlyConfigured(f"{name} does not look right: it must start with {' or '.join(prefixes)}.")
    return value


def env_database(name: str, default: str) -> dict:
    """A database URL; only PostgreSQL and SQLite are supported."""
    url = env_str(name, default)
    try:
        config = environ.Env.db_url_config(url)
    except (ValueError, ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"{name} is not a valid database URL ({exc}).") from None
    engine = config.get("ENGINE", "")
    if engine not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured(
            f"{name} must be a postgres://user:password@host:5432/name or sqlite:////absolute/path URL."
        )
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} names no database.")
    return config


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
# Canonical base URL, used in emails and redirects.
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"CSRF_TRUSTED_ORIGINS entries need a scheme, e.g. https://{_origin}.")

# Apps -------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "apps.console.apps.ConsoleAdminConfig",  # django.contrib.admin with the console's site
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
    "turnstile",
    "apps.core",
    "apps.events",
    "apps.accounts",
    "apps.proxies",
    "apps.ports",
    "apps.billing",
    "apps.customers",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "apps.api",
    "apps.webhooks",
    "apps.agents",
    "apps.mcp_server",
    "apps.console",
]

MIDDLEWARE = [
    "apps.core.middleware.RequestIdMiddleware",
    "apps.core.metrics_middleware.RequestMetricsMiddleware",
    # Under /api/: every error answer becomes the API's JSON envelope, whoever produced it.
    "apps.api.middleware.ApiErrorEnvelopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "apps.core.query_guard.NulByteGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session, before CommonMiddleware: the language cookie, then Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in customer's saved language wins over the cookie and the browser's.
    "apps.accounts.middleware.UserLanguageMiddleware",
    "apps.core.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.accounts.middleware.StaffMfaRequiredMiddleware",
    "apps.accounts.middleware.TermsAcceptanceMiddleware",
    # Staff viewing the shop as a customer: read-only, every write refused and audited.
    "apps.console.view_as.ViewAsCustomerMiddleware",
    "apps.core.middleware.NotFoundMiddleware",
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
                "apps.accounts.context_processors.brand",
                "apps.console.view_as.view_as_context",
            ],
        },
    },
]

# Database ---------------------------------------------------------------------------------
DATA_DIR = BASE_DIR / "data"
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{DATA_DIR / 'storefront.sqlite3'}")}
if not os.environ.get("DATABASE_URL"):
    # The embedded default: `manage.py` works on a fresh checkout, not only through `make run`.
    # A read-only tree is fine: production refuses to start without DATABASE_URL anyway.
    with contextlib.suppress(OSError):
        DATA_DIR.mkdir(exist_ok=True)
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL and a busy timeout let the dev server and its inline jobs share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and jobs ---------------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", "", schemes=("redis", "rediss", "unix"))
CACHES: dict[str, dict[str, Any]]
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
# `{% cache %}` fragments (the dashboard forms' option lists): rendered once per process and
# language, kept in the process's memory. They hold no customer data, and a network round trip
# would cost about what rendering them again does.
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "TIMEOUT": 3600,
    "OPTIONS": {"MAX_ENTRIES": 500},
}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# No broker configured: jobs run inline, in-process (the embedded default).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_DEFAULT_QUEUE = "celery"  # the console reads its backlog (apps.core.selectors.jobs_backlog)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # keep LOGGING below (JSON, request ids, masking)
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BEAT_SCHEDULE_FILENAME = env_str("CELERY_BEAT_SCHEDULE_FILENAME", str(DATA_DIR / "celerybeat-schedule"))
CELERY_BEAT_SCHEDULE: dict = {}  # filled by the app sections further down
# Liveness (apps/core/heartbeats.py): the worker and beat write a heartbeat to Redis; /healthz
# reports one older than HEARTBEAT_STALE_SECONDS as stale ("degraded"). Beat sends the
# heartbeat job every HEARTBEAT_SECONDS, so a live beat never looks idle.
HEARTBEAT_SECONDS = env_int("HEARTBEAT_SECONDS", 30, minimum=5, maximum=600)
HEARTBEAT_STALE_SECONDS = env_int("HEARTBEAT_STALE_SECONDS", 120, minimum=15, maximum=3600)
if HEARTBEAT_STALE_SECONDS < 2 * HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        f"HEARTBEAT_STALE_SECONDS ({HEARTBEAT_STALE_SECONDS}) must be at least twice HEARTBEAT_SECONDS "
        f"({HEARTBEAT_SECONDS}), or a live worker would look stale between two heartbeats."
    )
CELERY_BEAT_SCHEDULE["core-heartbeat"] = {"task": "core.heartbeat", "schedule": float(HEARTBEAT_SECONDS)}
# Without REDIS_URL there is no beat: `manage.py runserver` runs the schedule in-process
# (apps/core/scheduler.py). Set to false to run the periodic jobs by hand.
RUNSERVER_SCHEDULER = env_bool("RUNSERVER_SCHEDULER", True)
CELERY_BEAT_SCHEDULE["core-clear-expired-sessions"] = {
    "task": "apps.core.tasks.sessions_clear_expired",
    "schedule": 24 * 60 * 60,
}

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
EMAIL_URL = env_str("EMAIL_URL", "consolemail://")


def mailer_from_url(url: str) -> dict:
    """EMAIL_URL as a Django 6.1 MAILERS entry (the EMAIL_* settings are deprecated)."""
    try:
        config = environ.Env.email_url_config(url)
    except (ImproperlyConfigured, ValueError):
        raise ImproperlyConfigured(
            "EMAIL_URL must look like smtp+tls://user:password@smtp.example.com:587 or consolemail://."
        ) from None
    backend = config["EMAIL_BACKEND"]
    if backend != "django.core.mail.backends.smtp.EmailBackend":
        options = {"file_path": config["EMAIL_FILE_PATH"]} if config.get("EMAIL_FILE_PATH") else {}
        return {"BACKEND": backend, "OPTIONS": options}
    if not config.get("EMAIL_HOST"):
        raise ImproperlyConfigured("EMAIL_URL names no mail server host.")
    return {
        "BACKEND": backend,
        "OPTIONS": {
            "host": config["EMAIL_HOST"],
            "port": config.get("EMAIL_PORT") or 25,
            "username": config.get("EMAIL_HOST_USER") or "",
            "password": config.get("EMAIL_HOST_PASSWORD") or "",
            "use_tls": bool(config.get("EMAIL_USE_TLS")),
            "use_ssl": bool(config.get("EMAIL_USE_SSL")),
            "timeout": 10,
        },
    }


MAILERS = {"default": mailer_from_url(EMAIL_URL)}
DEFAULT_FROM_EMAIL = env_email("DEFAULT_FROM_EMAIL", "Storefront <shop@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
OPERATOR_EMAILS = [check_email("OPERATOR_EMAILS", address) for address in env_list("OPERATOR_EMAILS", [])]
# Gives the brand (its `name`) for operator mail subjects (apps/core/services/notifications.py).
OPERATOR_MAIL_BRAND = "apps.accounts.selectors.brand_get"
REAL_EMAIL = not EMAIL_URL.startswith(("consolemail", "dummymail", "memorymail", "filemail"))

# django-allauth ---------------------------------------------------------------------------
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# Sign-up and password reset never say whether an address has an account: the address gets an
# email instead (for sign-up this needs mandatory verification, the default with real email).
ACCOUNT_PREVENT_ENUMERATION = True
# Verification is mandatory once mail can really be delivered.
ACCOUNT_EMAIL_VERIFICATION = env_choice(
    "ACCOUNT_EMAIL_VERIFICATION", "mandatory" if REAL_EMAIL else "optional", ["mandatory", "optional", "none"]
)
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_RATE_LIMITS_ENABLED = True
# Behind a TLS proxy every request comes from the proxy's address: name how many proxies you
# run (or the header your CDN sets) so rate limits and the audit log see the client's address.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER") or None
# The shop's own limits (apps/core/ratelimit.py), on requests that cost a Stripe or upstream call.
RATE_LIMITS = {
    "checkout": env_rate_limit("CHECKOUT_RATE_LIMIT", "10/10m/user,30/10m/ip"),
    "key_reveal": env_rate_limit("KEY_REVEAL_RATE_LIMIT", "30/10m/user"),
    "key_regenerate": env_rate_limit("KEY_REGENERATE_RATE_LIMIT", "5/10m/user"),
    "session_close": env_rate_limit("SESSION_CLOSE_RATE_LIMIT", "30/10m/user"),
    "sessions_close_all": env_rate_limit("SESSIONS_CLOSE_ALL_RATE_LIMIT", "5/10m/user"),
    # Rename, move GB, delete: each is an upstream write.
    "key_actions": env_rate_limit("KEY_ACTIONS_RATE_LIMIT", "20/10m/user"),
}
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Security notices by email: "your password was changed" (or set), "your email was changed".
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
ACCOUNT_ADAPTER = "apps.accounts.adapters.AccountAdapter"
# Sign-up asks to accept the terms and the acceptable use policy (brand settings).
ACCOUNT_SIGNUP_FORM_CLASS = "apps.accounts.forms.SignupForm"
ACCOUNT_FORMS = {"login": "apps.accounts.forms.LoginForm"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_line("BRAND_NAME", "Storefront")
# Staff must enrol in two-factor auth before they can use the admin.
STAFF_REQUIRE_MFA = env_bool("STAFF_REQUIRE_MFA", False)

# Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
# locale/en: the account pages in sentence case ("Sign in", not allauth's "Sign In"); the other
# languages: the shop's own catalogues (compiled by `make install` and the image build).
LOCALE_PATHS = [BASE_DIR / "locale"]
# Every language the shop ships; LANGUAGES_ENABLED (codes, comma-separated) offers a subset.
SHIPPED_LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("pt-br", "Português (Brasil)"),
    ("ru", "Русский"),
    ("zh-hans", "简体中文"),
    ("tr", "Türkçe"),
]
_enabled_languages = [code.lower() for code in env_list("LANGUAGES_ENABLED", [code for code, _ in SHIPPED_LANGUAGES])]
_unknown_languages = set(_enabled_languages) - {code for code, _ in SHIPPED_LANGUAGES}
if _unknown_languages:
    raise ImproperlyConfigured(
        f"LANGUAGES_ENABLED: unknown {sorted(_unknown_languages)}; use {[code for code, _ in SHIPPED_LANGUAGES]}"
    )
# English is the source language (and the fallback): always offered.
LANGUAGES = [(code, name) for code, name in SHIPPED_LANGUAGES if code == "en" or code in _enabled_languages]
LANGUAGE_COOKIE_NAME = "language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_TZ = True

# Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Security ---------------------------------------------------------------------------------
SECURE_CSP: dict[str, list[str]] = {
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
# Optional CAPTCHA on sign-up and sign-in (apps/accounts/forms.py): Cloudflare Turnstile through
# django-turnstile. Off by default; CAPTCHA=turnstile needs TURNSTILE_SITEKEY and TURNSTILE_SECRET.
CAPTCHA = env_choice("CAPTCHA", "off", ["off", "turnstile"])
TURNSTILE_SITEKEY = env_str("TURNSTILE_SITEKEY")
TURNSTILE_SECRET = env_str("TURNSTILE_SECRET")
TURNSTILE_ENABLE = CAPTCHA == "turnstile"
TURNSTILE_TIMEOUT = 5
if TURNSTILE_ENABLE:
    if not (TURNSTILE_SITEKEY and TURNSTILE_SECRET):
        raise ImproperlyConfigured(
            "CAPTCHA=turnstile needs TURNSTILE_SITEKEY and TURNSTILE_SECRET (Cloudflare dashboard)."
        )
    # Turnstile's script and its challenge frame come from Cloudflare.
    SECURE_CSP = {
        **SECURE_CSP,
        "script-src": [*SECURE_CSP["script-src"], "https://challenges.cloudflare.com"],
        "connect-src": [*SECURE_CSP["connect-src"], "https://challenges.cloudflare.com"],
        "frame-src": ["https://challenges.cloudflare.com"],
    }
X_FRAME_OPTIONS = "DENY"
# Error reports mask secrets like the logs do: token-bearing paths, keys, secret-looking locals.
DEFAULT_EXCEPTION_REPORTER = "apps.core.error_reports.MaskingExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "apps.core.error_reports.MaskingExceptionReporterFilter"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Brand defaults (editable later in the admin, without a redeploy) -------------------------
BRAND_DEFAULTS = {
    "name": env_line("BRAND_NAME", "Storefront")[:80],
    "tagline": env_str("BRAND_TAGLINE", "Mobile and residential proxies, by the gigabyte.")[:200],
    "logo_url": env_url("BRAND_LOGO_URL", ""),
    "primary_color": env_color("BRAND_PRIMARY_COLOR", "#4f46e5"),
    "accent_color": env_color("BRAND_ACCENT_COLOR", "#10b981"),
    "support_email": env_email("BRAND_SUPPORT_EMAIL", "support@example.com"),
    "terms_url": env_url("BRAND_TERMS_URL", ""),
    "privacy_url": env_url("BRAND_PRIVACY_URL", ""),
}

# Upstream: Proxies.sx Pool Gateway --------------------------------------------------------
PROXIES_SX_API_KEY = env_secret("PROXIES_SX_API_KEY", prefixes=("psx_",))
PROXIES_SX_USERNAME = env_str("PROXIES_SX_USERNAME")
if PROXIES_SX_API_KEY and not PROXIES_SX_USERNAME:
    raise ImproperlyConfigured(
        "PROXIES_SX_API_KEY is set but PROXIES_SX_USERNAME is not: customers' proxy URLs need your public username."
    )
PROXIES_SX_USERNAME = PROXIES_SX_USERNAME or "psx_sandbox"
PROXIES_SX_API_URL = env_url("PROXIES_SX_API_URL", "https://api.proxies.sx/v1")
# Without a reseller key the gateway is the sandbox's own, on loopback (manage.py sandbox_gateway),
# so a URL copied from the dashboard works with `curl -x` on the same machine.
PROXIES_SX_GATEWAY_HOST = env_str("PROXIES_SX_GATEWAY_HOST", "gw.proxies.sx" if PROXIES_SX_API_KEY else "127.0.0.1")
if not re.fullmatch(r"[A-Za-z0-9.-]+", PROXIES_SX_GATEWAY_HOST):
    raise ImproperlyConfigured(f"PROXIES_SX_GATEWAY_HOST must be a bare host name, got {PROXIES_SX_GATEWAY_HOST!r}.")
PROXIES_SX_GATEWAY_PORTS = {
    "http": env_int("PROXIES_SX_GATEWAY_HTTP_PORT", 7000, minimum=1, maximum=65535),
    "socks5": env_int("PROXIES_SX_GATEWAY_SOCKS5_PORT", 7001, minimum=1, maximum=65535),
}
# The sandbox gateway's echo (answers for every destination off this machine; PROXY_TEST_URL's
# sandbox default).
SANDBOX_GATEWAY_ECHO_PORT = env_int("SANDBOX_GATEWAY_ECHO_PORT", 7002, minimum=1, maximum=65535)
PROXIES_SX_CONNECT_TIMEOUT = env_float("PROXIES_SX_CONNECT_TIMEOUT", 5.0)
PROXIES_SX_READ_TIMEOUT = env_float("PROXIES_SX_READ_TIMEOUT", 30.0)
PROXIES_SX_MAX_ATTEMPTS = env_int("PROXIES_SX_MAX_ATTEMPTS", 3, minimum=1, maximum=10)
# No reseller key: the in-project simulator answers instead of the real upstream.
PROXIES_SX_SANDBOX = not PROXIES_SX_API_KEY
# Fresh upstream reads for the dashboard: at most one per key per this many seconds.
POOL_KEY_REFRESH_SECONDS = env_int("POOL_KEY_REFRESH_SECONDS", 60, minimum=0)
# The most live pool keys one customer may hold ("new key" purchases and GB moves stop there).
POOL_MAX_KEYS_PER_CUSTOMER = env_int("POOL_MAX_KEYS_PER_CUSTOMER", 20, minimum=1, maximum=1000)

# Payments: Stripe -------------------------------------------------------------------------
STRIPE_SECRET_KEY = env_secret("STRIPE_SECRET_KEY", prefixes=("sk_", "rk_"))
STRIPE_WEBHOOK_SECRET = env_secret("STRIPE_WEBHOOK_SECRET", prefixes=("whsec_",))
STRIPE_API_BASE = env_url("STRIPE_API_BASE", "")
if STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET:
    raise ImproperlyConfigured(
        "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: paid orders could not be confirmed."
    )
# No Stripe key: checkout goes to the sandbox's test-payment page, which hands its events to the
# billing service in-process (no secret involved). The public webhook then refuses every delivery
# unless STRIPE_WEBHOOK_SECRET is set: no published secret is ever accepted (docs/security.md).
# Checkout extras (docs/billing.md): Stripe's invoice for each payment; the billing address and
# VAT/tax id collected for it; Stripe Tax on top of the price; promotion codes customers enter.
STRIPE_INVOICES = env_bool("STRIPE_INVOICES", True)
STRIPE_COLLECT_BILLING_DETAILS = env_bool("STRIPE_COLLECT_BILLING_DETAILS", True)
STRIPE_AUTOMATIC_TAX = env_bool("STRIPE_AUTOMATIC_TAX", False)
STRIPE_PROMOTION_CODES = env_bool("STRIPE_PROMOTION_CODES", False)
STRIPE_SANDBOX = not STRIPE_SECRET_KEY
# Sandbox "pay later": the test bank debit clears (or fails) this many seconds after the customer
# is back at the shop, so the "waiting for your payment to clear" state can be seen. 0: at once.
SANDBOX_PAYMENTS_SETTLE_SECONDS = env_int("SANDBOX_PAYMENTS_SETTLE_SECONDS", 8, minimum=0, maximum=3600)
if STRIPE_SANDBOX:
    CELERY_BEAT_SCHEDULE["sandbox-payments-settle"] = {
        "task": "apps.sandbox.tasks.sandbox_payments_settle_task",
        "schedule": 2.0,
    }
# The payment providers (apps/billing/providers/), by dotted path. The first available one takes new
# checkouts: Stripe with a secret key, the sandbox without one. A new provider is one line here.
BILLING_PAYMENT_PROVIDERS = [
    "apps.billing.providers.stripe.StripeProvider",
    "apps.billing.providers.sandbox.SandboxProvider",
    # USDC over HTTP 402 (docs/x402.md): takes no checkouts, only the agents' paid requests.
    "apps.billing.providers.x402.X402Provider",
]
# What a refund or dispute does to the customer's key: "reduce_cap" or "disable".
REFUND_POLICY = env_choice("REFUND_POLICY", "reduce_cap", ["reduce_cap", "disable"])

# Payments: USDC over x402 (docs/x402.md) ------------------------------------------------------
X402_ENABLED = env_bool("X402_ENABLED", False)
# The reseller's wallet that receives the USDC (checksummed or not; an EVM address).
X402_PAY_TO = env_str("X402_PAY_TO")
if X402_PAY_TO and not re.fullmatch(r"0x[0-9a-fA-F]{40}", X402_PAY_TO):
    raise ImproperlyConfigured(f"X402_PAY_TO must be an EVM address (0x and 40 hex digits), got {X402_PAY_TO!r}.")
# "base" (Base mainnet, real USDC) or "base-sepolia" (the Base test network).
X402_NETWORK = env_choice("X402_NETWORK", "base-sepolia", ["base", "base-sepolia"])
# The facilitator that verifies and settles payments; the default is the x402 package's public one
# (Base Sepolia only; Base mainnet needs a facilitator that settles there, e.g. Coinbase's).
X402_FACILITATOR_URL = env_url("X402_FACILITATOR_URL", "https://x402.org/facilitator")
X402_FACILITATOR_TIMEOUT = env_float("X402_FACILITATOR_TIMEOUT", 20.0, minimum=1.0)
# How long a signed authorization may take to reach the shop (the requirements' maxTimeoutSeconds).
X402_MAX_TIMEOUT_SECONDS = env_int("X402_MAX_TIMEOUT_SECONDS", 300, minimum=30, maximum=3600)
# The in-project facilitator answers verify/settle (test USDC, apps/sandbox/x402); on by default
# while payments are sandboxed, so a demo shop sells to any fresh test wallet.
X402_SANDBOX = env_bool("X402_SANDBOX", STRIPE_SANDBOX)
# In the sandbox, USDC goes to this published test address unless X402_PAY_TO says otherwise.
X402_SANDBOX_PAY_TO = "0x000000000000000000000000000000000000dEaD"

SANDBOX_ACTIVE = PROXIES_SX_SANDBOX or STRIPE_SANDBOX or (X402_ENABLED and X402_SANDBOX)
# The simulators (apps/sandbox) are installed only while one of them answers, so a production
# database gets no sandbox tables and the URL map no sandbox pages.
if SANDBOX_ACTIVE:
    INSTALLED_APPS.append("apps.sandbox")
# How proxies and billing reach the simulators: dotted paths, so neither imports apps.sandbox.
PROXIES_SX_SANDBOX_TRANSPORT = "apps.sandbox.upstream.transport.SandboxTransport"
PAYMENTS_SANDBOX_BACKEND = "apps.sandbox.payments.backend.SandboxPayments"
X402_SANDBOX_TRANSPORT = "apps.sandbox.x402.transport.SandboxFacilitatorTransport"

# Periodic jobs (Celery beat). Each app adds its own entries in its section below.
# --- proxies settings ---
# Sandbox upstream (apps/sandbox/upstream, docs/sandbox.md): the reseller key it accepts (a fixed,
# public value: the sandbox guards nothing), simulated traffic, and whether in-process calls run on
# their own connection so their writes survive the caller's rollback (PostgreSQL only).
PROXIES_SX_SANDBOX_API_KEY = "psx_sandbox_local_key"
PROXIES_SX_SANDBOX_TRAFFIC_MB = env_float("PROXIES_SX_SANDBOX_TRAFFIC_MB", 25.0)
PROXIES_SX_SANDBOX_TRAFFIC_SECONDS = env_int("PROXIES_SX_SANDBOX_TRAFFIC_SECONDS", 60, minimum=5, maximum=86400)
PROXIES_SX_SANDBOX_ISOLATED = env_bool("PROXIES_SX_SANDBOX_ISOLATED", False)
if PROXIES_SX_SANDBOX:
    CELERY_BEAT_SCHEDULE["proxies-sandbox-traffic"] = {
        "task": "apps.sandbox.tasks.sandbox_traffic_tick",
        "schedule": float(PROXIES_SX_SANDBOX_TRAFFIC_SECONDS),
    }
# Operator console jobs (docs/operator-guide.md): the usage sync mirrors every key with one list
# call, records the day's usage readings and sends the alerts due; the alerts run in between
# catches expiry thresholds and upstream auth errors; readings are kept USAGE_HISTORY_DAYS.
PROXIES_USAGE_SYNC_SECONDS = env_int("PROXIES_USAGE_SYNC_SECONDS", 300, minimum=30, maximum=86400)
PROXIES_ALERTS_SECONDS = env_int("PROXIES_ALERTS_SECONDS", 900, minimum=60, maximum=86400)
PROXIES_USAGE_HISTORY_DAYS = env_int("PROXIES_USAGE_HISTORY_DAYS", 90, minimum=31, maximum=3650)
OPERATOR_ALERT_REPEAT_HOURS = env_int("OPERATOR_ALERT_REPEAT_HOURS", 6, minimum=1, maximum=168)
CELERY_BEAT_SCHEDULE["proxies-usage-sync"] = {
    "task": "apps.proxies.tasks.usage_sync",
    "schedule": float(PROXIES_USAGE_SYNC_SECONDS),
}
CELERY_BEAT_SCHEDULE["proxies-alerts"] = {
    "task": "apps.proxies.tasks.alerts_run",
    "schedule": float(PROXIES_ALERTS_SECONDS),
}
# The dashboard renders incidents and stock from the cache; keeping it fresh (feeds are fresh
# for 60 s) means the incident banner comes with the page, never after it.
CELERY_BEAT_SCHEDULE["proxies-live-feeds"] = {"task": "apps.proxies.tasks.live_feeds_refresh", "schedule": 50.0}
CELERY_BEAT_SCHEDULE["proxies-usage-prune"] = {"task": "apps.proxies.tasks.usage_history_prune", "schedule": 86400.0}
# GB moves between a customer's keys that a failure left halfway are finished this often.
PROXIES_TRANSFERS_RECONCILE_SECONDS = env_int("PROXIES_TRANSFERS_RECONCILE_SECONDS", 120, minimum=30, maximum=3600)
CELERY_BEAT_SCHEDULE["proxies-key-transfers"] = {
    "task": "apps.proxies.tasks.key_transfers_reconcile",
    "schedule": float(PROXIES_TRANSFERS_RECONCILE_SECONDS),
}
# "Test my proxy" (docs/operator-guide.md): a real request through the gateway with the customer's own
# secret to PROXY_TEST_URL, an IP-echo service (in sandbox mode the sandbox gateway's echo), with a
# hard timeout; at most PROXY_TEST_RATE_LIMIT per key ("user" counts per key here).
PROXY_TEST_URL = env_url(
    "PROXY_TEST_URL",
    f"http://127.0.0.1:{SANDBOX_GATEWAY_ECHO_PORT}/" if PROXIES_SX_SANDBOX else "https://ipinfo.io/json",
)
PROXY_TEST_TIMEOUT = env_float("PROXY_TEST_TIMEOUT", 15.0)
PROXY_TESTS_KEPT = 20
RATE_LIMITS["proxy_test"] = env_rate_limit("PROXY_TEST_RATE_LIMIT", "10/10m/user")
# --- end proxies settings ---
# --- ports settings ---
# Dedicated ports (apps/ports, docs/ports-contract.md): same upstream host and reseller key as the
# pool (PROXIES_SX_*). The simulator answers in sandbox mode, chosen by this dotted path.
PORTS_SANDBOX_TRANSPORT = "apps.sandbox.ports.transport.SandboxPortsTransport"
# An expired port is released upstream (its slot freed) this many hours after expiry, so a late
# renewal still finds it. Notices go out 7 days and 1 day before expiry and at expiry.
PORTS_RELEASE_GRACE_HOURS = env_int("PORTS_RELEASE_GRACE_HOURS", 72, minimum=0, maximum=24 * 90)
PORTS_EXPIRY_SECONDS = env_int("PORTS_EXPIRY_SECONDS", 3600, minimum=60, maximum=86400)
PORTS_SYNC_SECONDS = env_int("PORTS_SYNC_SECONDS", 900, minimum=60, maximum=86400)
# The Ports page re-reads a port (and its rotation history) at most this often.
PORTS_REFRESH_SECONDS = env_int("PORTS_REFRESH_SECONDS", 30, minimum=0, maximum=3600)
# How long one fulfilment attempt holds an order's claim before another may take over.
PORTS_FULFIL_LEASE_SECONDS = env_int("PORTS_FULFIL_LEASE_SECONDS", 300, minimum=30, maximum=3600)
# Uses of one shop rotation link (/r/<token>), e.g. "10/1h/ip" (the per part is ignored: per link).
PORTS_ROTATION_LINK_RATE = env_rate_limit("PORTS_ROTATION_LINK_RATE", "20/1h/ip")
RATE_LIMITS["port_rotate"] = env_rate_limit("PORT_ROTATE_RATE_LIMIT", "30/10m/user")
RATE_LIMITS["port_reveal"] = env_rate_limit("PORT_REVEAL_RATE_LIMIT", "30/10m/user")
RATE_LIMITS["port_change"] = env_rate_limit("PORT_CHANGE_RATE_LIMIT", "20/10m/user")
RATE_LIMITS["port_rotation_link"] = env_rate_limit("PORT_ROTATION_LINK_RATE_LIMIT", "60/10m/ip")
CELERY_BEAT_SCHEDULE["ports-expiry"] = {"task": "ports.expiry", "schedule": float(PORTS_EXPIRY_SECONDS)}
CELERY_BEAT_SCHEDULE["ports-sync"] = {"task": "ports.sync", "schedule": float(PORTS_SYNC_SECONDS)}

# Outgoing webhooks (docs/webhooks.md). Loopback and private targets only for local receivers:
# never in production, where every resolved address of an endpoint must be public (SSRF guard).
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", DEBUG or SANDBOX_ACTIVE)
CELERY_BEAT_SCHEDULE["webhooks-sweep"] = {"task": "webhooks.sweep", "schedule": 30.0}
# The reseller's upstream account (balance, slots, traffic, alerts) is read in the background this
# often for the console; operators are mailed once per crossing when the balance falls below
# PORTS_LOW_BALANCE (whole units of the upstream's currency) or a slot type's free slots fall to
# PORTS_LOW_SLOTS or fewer.
PORTS_ACCOUNT_REFRESH_SECONDS = env_int("PORTS_ACCOUNT_REFRESH_SECONDS", 300, minimum=60, maximum=86400)
PORTS_LOW_BALANCE = env_int("PORTS_LOW_BALANCE", 20, minimum=0)
PORTS_LOW_SLOTS = env_int("PORTS_LOW_SLOTS", 1, minimum=0)
CELERY_BEAT_SCHEDULE["ports-account"] = {
    "task": "ports.account_refresh",
    "schedule": float(PORTS_ACCOUNT_REFRESH_SECONDS),
}
if PROXIES_SX_SANDBOX:
    CELERY_BEAT_SCHEDULE["ports-sandbox-tick"] = {
        "task": "apps.sandbox.tasks.sandbox_ports_tick_task",
        "schedule": 30.0,
    }
# --- end ports settings ---
# --- billing settings ---
# Stripe client (apps/billing/stripe_client.py): timeouts in seconds and the library's own
# network retries (same idempotency key on each retry).
STRIPE_CONNECT_TIMEOUT = env_float("STRIPE_CONNECT_TIMEOUT", 5.0)
STRIPE_READ_TIMEOUT = env_float("STRIPE_READ_TIMEOUT", 20.0)
STRIPE_MAX_NETWORK_RETRIES = env_int("STRIPE_MAX_NETWORK_RETRIES", 2, minimum=0, maximum=5)
# The products billing sells (docs/billing.md, "Products"): kind -> the product's fulfilment
# object, loaded by dotted path so billing never imports a product's app. A plan names its kind.
BILLING_PRODUCTS = {
    "pool_traffic": "apps.proxies.fulfilment.PoolTraffic",
    "dedicated_port": "apps.ports.fulfilment.DedicatedPort",
}
# Provisioning paid orders (docs/billing.md): a job holds a customer's key lease this long at
# most; retries back off from BASE to MAX seconds; the reconciler re-drives paid orders not
# provisioned after RECONCILE_AFTER seconds, for WINDOW hours (Stripe retries for 3 days).
BILLING_KEY_LEASE_SECONDS = env_int("BILLING_KEY_LEASE_SECONDS", 300, minimum=60, maximum=3600)
BILLING_RETRY_BASE_SECONDS = env_int("BILLING_RETRY_BASE_SECONDS", 30, minimum=1, maximum=3600)
BILLING_RETRY_MAX_SECONDS = env_int("BILLING_RETRY_MAX_SECONDS", 900, minimum=10, maximum=86400)
BILLING_PROVISION_MAX_RETRIES = env_int("BILLING_PROVISION_MAX_RETRIES", 8, minimum=0, maximum=50)
BILLING_RECONCILE_AFTER_SECONDS = env_int("BILLING_RECONCILE_AFTER_SECONDS", 180, minimum=30, maximum=86400)
BILLING_PROVISIONING_WINDOW_HOURS = env_int("BILLING_PROVISIONING_WINDOW_HOURS", 72, minimum=1, maximum=720)
CELERY_BEAT_SCHEDULE["billing-reconcile-orders"] = {
    "task": "billing.reconcile_orders",
    "schedule": float(env_int("BILLING_RECONCILE_EVERY_SECONDS", 120, minimum=30, maximum=3600)),
}
# Unpaid orders whose checkout ran out are closed (the provider's expiry event may be lost).
CELERY_BEAT_SCHEDULE["billing-expire-checkouts"] = {
    "task": "billing.expire_checkouts",
    "schedule": float(env_int("BILLING_EXPIRE_CHECKOUTS_EVERY_SECONDS", 600, minimum=60, maximum=86400)),
}
# --- end billing settings ---
# --- api settings ---
# The customer REST API (apps/api, docs/api.md): DRF with API-key auth only (no session, so no
# CSRF surface), one error envelope, cursor pagination, limits per key and per client IP.
API_RATE_LIMIT_PER_KEY = env_str("API_RATE_LIMIT_PER_KEY", "120/min")
API_RATE_LIMIT_PER_IP = env_str("API_RATE_LIMIT_PER_IP", "300/min")
for _name in ("API_RATE_LIMIT_PER_KEY", "API_RATE_LIMIT_PER_IP"):
    if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", globals()[_name]):
        raise ImproperlyConfigured(f"{_name} must look like 120/min (requests per s, min, hour or day).")
# An Idempotency-Key answer is replayed for this long.
API_IDEMPOTENCY_HOURS = env_int("API_IDEMPOTENCY_HOURS", 24, minimum=1, maximum=24 * 30)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.permissions.HasScopes"],
    "DEFAULT_THROTTLE_CLASSES": ["apps.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "apps.api.negotiation.JsonOnlyNegotiation",
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.ApiCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "apps.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "apps.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "URL_FORMAT_OVERRIDE": None,  # `format` is an ordinary query parameter (usage?format=csv)
    "COERCE_DECIMAL_TO_STRING": True,
    "STRICT_JSON": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Storefront customer API",
    "DESCRIPTION": "Everything the dashboard does, from code. See docs/api.md for a quick start.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"EventTypeEnum": "apps.events.models.EventType"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.api.schema.postprocess_conventions",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
CELERY_BEAT_SCHEDULE["api-idempotency-prune"] = {"task": "api.idempotency_prune", "schedule": 6 * 3600.0}
# --- end api settings ---

# Observability ------------------------------------------------------------------------------
# Prometheus metrics at /metrics (apps/console/metrics.py, docs/operations.md): allowed with
# `Authorization: Bearer <METRICS_TOKEN>` or from an address in METRICS_ALLOWED_IPS (comma-
# separated addresses or networks, e.g. 10.0.0.0/8). Neither set: /metrics answers 404.
METRICS_TOKEN = env_str("METRICS_TOKEN")
if METRICS_TOKEN and len(METRICS_TOKEN) < 24:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 24 characters (it guards /metrics).")
METRICS_ALLOWED_IPS = [item.strip() for item in env_str("METRICS_ALLOWED_IPS").split(",") if item.strip()]
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_IPS: {_network!r} is not an IP address or network (e.g. 10.0.0.0/8)."
        ) from None
METRICS_ALLOWED_IPS = [str(ipaddress.ip_network(n, strict=False)) for n in METRICS_ALLOWED_IPS]
# Optional error reporting to Sentry (apps/core/sentry.py): no personal data, secrets masked.
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")
SENTRY_TRACES_SAMPLE_RATE = env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0)
if not 0.0 <= SENTRY_TRACES_SAMPLE_RATE <= 1.0:
    raise ImproperlyConfigured(f"SENTRY_TRACES_SAMPLE_RATE must be between 0 and 1, got {SENTRY_TRACES_SAMPLE_RATE}.")
if SENTRY_DSN:
    from apps.core.sentry import sentry_init

    sentry_init(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)

# Logging ----------------------------------------------------------------------------------
# Every line carries the request id (or the Celery task's) and has secrets masked.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL; got {LOG_LEVEL!r}.")
LOG_FORMAT = env_choice("LOG_FORMAT", "text", ["text", "json"])
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
