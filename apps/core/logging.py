"""Logging: a request id on every record, secrets masked before output, JSON in production.

Nothing here touches Django settings, so gunicorn's config can use it before Django starts.
"""

import logging
import re
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from .request_context import request_id_var

# psx_ / pak_ / sk_ (live, test, restricted) / whsec_ / sfk_ (the shop's API keys) values. Keep the
# prefix and four characters so an operator can still tell keys apart. A value already masked (ending in …)
# is left alone, so a record that passes several handlers is not masked twice.
SECRET_PATTERN = re.compile(
    r"\b((?:psx|pak|whsec|sk_live|sk_test|rk_live|rk_test|sk|sfk_live|sfk_test|sfk)_)([A-Za-z0-9]{4})[A-Za-z0-9_]*+(?!…)"
)

# LogRecord attributes that are not "extra" fields and need no masking of their own.
_RECORD_INTERNALS = {"msg", "args", "exc_info", "exc_text", "request", "levelno", "lineno", "created", "msecs"}


def mask_secrets(text: str) -> str:
    return SECRET_PATTERN.sub(lambda m: f"{m.group(1)}{m.group(2)}…", text)


def mask_value(value: Any) -> Any:
    """Masks secrets in strings, also inside dicts, lists and tuples (extra fields)."""
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
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
            "httpx": {"handlers": ["console"], "level": "WARNING", "propagate": False},
            "httpcore": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        },
    }
