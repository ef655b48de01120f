"""Idempotency-Key handling for the API's writes. Only successful answers are kept: a refused or
failed request may be retried with the same key and runs again."""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from .errors import Conflict, InvalidRequest, Unprocessable
from .models import IdempotencyRecord

IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces
IDEMPOTENCY_KEY_SCHEMA = {
    "type": "string",
    "pattern": IDEMPOTENCY_KEY_PATTERN.pattern,
    "minLength": 1,
    "maxLength": 255,
}
# A claim this old without an answer belongs to a request that died: it may be taken over.
STALE_CLAIM = timedelta(minutes=2)


@dataclass(frozen=True)
class IdempotencyClaim:
    record: IdempotencyRecord
    replay: bool  # True: answer with record.status_code / record.response_body, do nothing


def idempotency_request_hash(*, method: str, path: str, body) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method.upper()} {path}\n{canonical}".encode()).hexdigest()


def _window() -> timedelta:
    return timedelta(hours=settings.API_IDEMPOTENCY_HOURS)


def idempotency_claim(*, customer, key: str, request_hash: str, now: datetime | None = None) -> IdempotencyClaim:
    """Claims `key` for this request, or returns the stored answer to replay. Raises 422 when
    the key was used for a different request, 409 while the first request is still running."""
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(key or ""):
        raise InvalidRequest(
            gettext("Idempotency-Key must be 1 to 255 printable ASCII characters."),
            code="invalid_idempotency_key",
            param="Idempotency-Key",
        )
    now = now or timezone.now()
    mine = IdempotencyRecord.objects.filter(customer=customer, key=key)
    # Expired answers and abandoned claims make way (conditional deletes, no check-then-act).
    mine.filter(created_at__lt=now - _window()).delete()
    mine.filter(completed_at__isnull=True, created_at__lt=now - STALE_CLAIM).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(customer=customer, key=key, request_hash=request_hash)
        return IdempotencyClaim(record=record, replay=False)
    except IntegrityError:
        existing = mine.first()
    if existing is None:  # the other claim was released meanwhile
        raise Conflict(gettext("Retry this request."), code="idempotency_key_in_use", param="Idempotency-Key")
    record = existing
    if record.request_hash != request_hash:
        raise Unprocessable(
            gettext("This Idempotency-Key was already used for a different request."),
            code="idempotency_key_reused",
            param="Idempotency-Key",
        )
    if record.completed_at is None:
        raise Conflict(
            gettext("A request with this Idempotency-Key is still in progress; retry shortly."),
            code="idempotency_key_in_use",
            param="Idempotency-Key",
        )
    return IdempotencyClaim(record=record, replay=True)


def idempotency_complete(*, record: IdempotencyRecord, status_code: int, body) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=status_code, response_body=body, completed_at=timezone.now()
    )


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """The request failed: forget the claim so a retry with the same key runs again."""
    IdempotencyRecord.objects.filter(pk=record.pk, completed_at__isnull=True).delete()


def idempotency_prune(*, now: datetime | None = None) -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=(now or timezone.now()) - _window()).delete()
    return deleted
