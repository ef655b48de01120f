"""Logging filters: a request id on every record, and secrets masked before output."""

import logging
import re

from .request_context import request_id_var

# psx_ / pak_ / sk_ (live, test, restricted) / whsec_ values. Keep the prefix and four
# characters so an operator can still tell keys apart.
SECRET_PATTERN = re.compile(r"\b((?:psx|pak|whsec|sk_live|sk_test|rk_live|rk_test|sk)_)([A-Za-z0-9]{4})[A-Za-z0-9_]*")


def mask_secrets(text: str) -> str:
    return SECRET_PATTERN.sub(lambda m: f"{m.group(1)}{m.group(2)}…", text)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class SecretMaskFilter(logging.Filter):
    """Renders the message once, masks it, and drops the args so nothing unmasked survives."""

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
            if isinstance(value, str) and key not in {"msg", "exc_text"}:
                setattr(record, key, mask_secrets(value))
        return True
