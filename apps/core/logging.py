"""Logging: a request id on every record, secrets masked before output, JSON in production.

Nothing here touches Django settings, so gunicorn's config can use it before Django starts.
"""

import logging
import re
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from .request_context import request_id_var

# psx_ / pak_ / sk_ (live, test, restricted) / whsec_ / sfk_ (the shop's own API keys) values.
# Keep the prefix and four characters so an operator can still tell keys apart. A value already
# masked (ending in …) is left alone, so a record that passes several handlers is not masked twice.
SECRET_PATTERN = re.compile(
    r"\b((?:psx|pak|whsec|sk_live|sk_test|rk_live|rk_test|sfk_live|sfk_test|sfk|sk)_)([A-Za-z0-9]{4})[A-Za-z0-9_]*+(?!…)"
)

# URL paths whose next segment is a live token: allauth's password reset key
# (<uidb36>-<key>) and email confirmation key, and the ports rotation link. A new route that
# carries a token in its path goes here; the token is replaced by … in every log line, access
# line and error report (the route prefix stays, so the line still says what was asked).
TOKEN_PATH_PREFIXES = (
    "/accounts/password/reset/key/",
    "/accounts/confirm-email/",
    "/ports/rotate/",
    # The shop's own rotation link (apps/ports) and the upstream's public one (…/rotate/<token>).
    "/r/",
    "/rotate/",
)
TOKEN_PATH_PATTERN = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in TOKEN_PATH_PREFIXES) + r")(?!done/|…)[^/\s?#&\"'<>]+"
)
# Query parameters that carry a token (a link with ?token=… or ?key=…, or a bare query string).
TOKEN_QUERY_PATTERN = re.compile(
    r"((?:^|(?<=[?&;'\"]))(?:token|key|code|secret)=)(?![^&#\s\"'<>]*…)[^&#\s\"'<>]+", re.IGNORECASE | re.MULTILINE
)

# Named secret fields of the ports API (docs/ports-contract.md): the proxy password and the
# rotation token, as JSON (`"proxyPassword": "x"`), a Python repr (`'rotation_token': 'x'`) or a
# form/query pair (`proxyPassword=x`). The whole value goes: it has no prefix worth keeping.
SECRET_FIELD_PATTERN = re.compile(
    r"""(["']?(?:proxyPassword|proxy_password|rotationToken|rotation_token)["']?\s*[:=]\s*)"""
    r"""(?:(["'])(?!…\2)(?:\\.|(?!\2).)*\2|(?![\s"'…])[^\s,;&}\])"'<>]+)"""
)
# The password in a URL's userinfo (`http://login:password@host:port`, a port's connection
# string): the login stays, the password goes. A value already masked (with …) is left alone.
USERINFO_PATTERN = re.compile(r"(://[^:/@\s\"'<>]+:)(?![^@\s/]*…)[^@\s/\"'<>]+(?=@)")

SECRET_FIELD_NAMES = frozenset({"proxyPassword", "proxy_password", "rotationToken", "rotation_token", "rotationLink"})

# LogRecord attributes that are not "extra" fields and need no masking of their own.
_RECORD_INTERNALS = {"msg", "args", "exc_info", "exc_text", "request", "levelno", "lineno", "created", "msecs"}


def _mask_field(match: re.Match) -> str:
    quote = match.group(2) or ""
    return f"{match.group(1)}{quote}…{quote}"


def mask_secrets(text: str) -> str:
    """The one place secrets are masked: keys by their prefix, tokens by the path or query
    parameter that carries them."""
    text = SECRET_PATTERN.sub(lambda m: f"{m.group(1)}{m.group(2)}…", text)
    text = SECRET_FIELD_PATTERN.sub(_mask_field, text)
    text = USERINFO_PATTERN.sub(lambda m: f"{m.group(1)}…", text)
    text = TOKEN_PATH_PATTERN.sub(lambda m: f"{m.group(1)}…", text)
    return TOKEN_QUERY_PATTERN.sub(lambda m: f"{m.group(1)}…", text)


def mask_value(value: Any) -> Any:
    """Masks secrets in strings, also inside dicts, lists and tuples (extra fields)."""
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, dict):
        return {k: "…" if k in SECRET_FIELD_NAMES and value[k] else mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [mask_value(v) for v in value]
    return value


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = request_id_var.get()
            if request_id == "-":
                # django.request logs 4xx/5xx after the middleware has returned; the request
                # itself still knows its id.
                request_id = getattr(getattr(record, "request", None), "request_id", None) or "-"
            record.request_id = request_id
        return True


class SecretMaskFilter(logging.Filter):
    """Renders the message once, masks it, and drops the args so nothing unmasked survives;
    masks exception text, stack info and extra fields too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        record.msg = mask_secrets(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
            record.exc_info = None
        for key, value in list(vars(record).items()):
            if key not in _RECORD_INTERNALS and isinstance(value, str | dict | list | tuple | set):
                setattr(record, key, mask_value(value))
        return True


class MaskingFormatter(logging.Formatter):
    """Text lines. Masks the finished line as well: a last net for objects rendered late."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(super().format(record))


class MaskingJsonFormatter(JsonFormatter):
    """One JSON object per line, masked after rendering like MaskingFormatter."""

    def __init__(self, *args, **kwargs) -> None:
        # Raw UTF-8, so an already masked value ("…", not "\\u2026") is recognised as such.
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(super().format(record))


def logging_config(fmt: str, level: str) -> dict:
    """The LOGGING dict for Django, Celery and gunicorn alike."""
    formatters = {
        "text": {
            "()": "apps.core.logging.MaskingFormatter",
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
        },
        "json": {
            "()": "apps.core.logging.MaskingJsonFormatter",
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
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            # runserver's own request lines (development), masked like everything else.
            "django.server": {"handlers": ["console"], "level": level, "propagate": False},
            "httpx": {"handlers": ["console"], "level": "WARNING", "propagate": False},
            "httpcore": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        },
    }
