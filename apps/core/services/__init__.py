from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.utils import timezone

from apps.core.logging import mask_secrets
from apps.core.models import AuditEntry
from apps.core.request_context import request_id_var


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def audit_log(
    *,
    action: str,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    customer: AbstractBaseUser | None = None,
    target: models.Model | None = None,
    reason: str = "",
    ip: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Writes one audit entry. Secrets in `data` are masked before they are stored."""
    # Core names no user model: the FKs take any AUTH_USER_MODEL instance, but the stubs resolve
    # AUTH_USER_MODEL to accounts.User and reject the model-agnostic AbstractBaseUser.
    return AuditEntry.objects.create(  # type: ignore[misc]
        action=action,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        customer=customer,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        reason=reason[:500],
        ip=ip,
        request_id=request_id_var.get() if request_id_var.get() != "-" else "",
        data=_scrub(data or {}),
    )


def sessions_clear_expired(*, now: datetime | None = None) -> int:
    """Deletes expired login sessions; the database session store never does it by itself."""
    from django.contrib.sessions.models import Session

    deleted, _ = Session.objects.filter(expire_date__lt=now or timezone.now()).delete()
    return deleted
