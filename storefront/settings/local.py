"""The embedded default: a developer's or evaluator's machine. SQLite, sandbox, console mail."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, env_list, env_str

DEBUG = env_bool("DEBUG", True)
# A throwaway key so `make run` works with no .env; production refuses to start without one.
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-local-development-only-key")


def run_site_url(address: str) -> str:
    """The address `make run HOST=… PORT=…` serves, as a URL a browser can open (a wildcard
    host such as 0.0.0.0 is reached on the loopback)."""
    host, _, port = address.rpartition(":")
    if not port.isdigit():
        raise ImproperlyConfigured(f"RUN_ADDRESS must look like 127.0.0.1:8000, got {address!r}.")
    if host in {"0.0.0.0", "::", "[::]", ""}:  # noqa: S104  (a name for the wildcard, not a bind)
        host = "127.0.0.1"
    return f"http://{host}:{port}"


# `make run` passes where the development server listens; links in mails, receipts and Stripe's
# return URLs follow it unless SITE_URL is set (in the environment or .env).
if env_str("RUN_ADDRESS") and not env_str("SITE_URL"):
    SITE_URL = run_site_url(env_str("RUN_ADDRESS"))
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])
    ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
