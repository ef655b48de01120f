"""Checks on service arguments, before anything is sent upstream. Messages are safe to show."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext

from apps.core.errors import ApplicationError
from apps.proxies.models import PoolKey

MAX_LABEL_LENGTH = 200
# Upper bounds that catch a slipped digit (GB instead of MB, days instead of hours).
MAX_CAP_GB = Decimal(1_000_000)
MAX_EXTEND_DAYS = 3650


def clean_label(label: str) -> str:
    label = (label or "").strip()
    if not label:
        raise ApplicationError(gettext("A key needs a label."))
    if len(label) > MAX_LABEL_LENGTH:
        raise ApplicationError(
            gettext("A label has at most %(MAX_LABEL_LENGTH)s characters.") % {"MAX_LABEL_LENGTH": MAX_LABEL_LENGTH}
        )
    return label


def _decimal(value, what: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ApplicationError(gettext("%(what)s must be a number.") % {"what": what}) from None
    if not number.is_finite():
        raise ApplicationError(gettext("%(what)s must be a number.") % {"what": what})
    return number


def clean_cap(cap_gb) -> Decimal | None:
    """None means unlimited; otherwise a positive number of GB."""
    if cap_gb is None:
        return None
    cap = _decimal(cap_gb, "The cap")
    if cap <= 0:
        raise ApplicationError(gettext("The cap must be more than 0 GB (or empty for unlimited)."))
    if cap > MAX_CAP_GB:
        raise ApplicationError(gettext("The cap must be at most %(MAX_CAP_GB)s GB.") % {"MAX_CAP_GB": MAX_CAP_GB})
    return cap


def clean_add_gb(add_gb) -> Decimal | None:
    if add_gb is None:
        return None
    gb = _decimal(add_gb, "The traffic to add")
    if gb <= 0:
        raise ApplicationError(gettext("The traffic to add must be more than 0 GB."))
    if gb > MAX_CAP_GB:
        raise ApplicationError(
            gettext("The traffic to add must be at most %(MAX_CAP_GB)s GB.") % {"MAX_CAP_GB": MAX_CAP_GB}
        )
    return gb


def clean_days(days) -> int | None:
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int):
        raise ApplicationError(gettext("Days must be a whole number."))
    if days <= 0:
        raise ApplicationError(gettext("Days must be more than 0."))
    if days > MAX_EXTEND_DAYS:
        raise ApplicationError(
            gettext("Days must be at most %(MAX_EXTEND_DAYS)s.") % {"MAX_EXTEND_DAYS": MAX_EXTEND_DAYS}
        )
    return days


def clean_expiry(expires_at: datetime | None) -> datetime | None:
    if expires_at is None:
        return None
    if timezone.is_naive(expires_at):
        raise ApplicationError(gettext("The expiry needs a time zone."))
    if expires_at <= timezone.now():
        raise ApplicationError(gettext("The expiry must be in the future."))
    return expires_at


def ensure_live(key: PoolKey) -> None:
    if key.deleted_at is not None:
        raise ApplicationError(gettext("This key has been deleted."))
