"""The shop's own rotation link, `/r/<token>`: a random token the shop maps to a port (only its
hash is stored), shown once when made, revocable and regenerable, and rate-limited per link. A
rotation through it reaches the upstream's token link (history: `api_token`), whose token the
shop reads when needed and never shows or keeps."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.errors import ApplicationError, NotFound
from apps.core.rates import rates_parse
from apps.ports.errors import PortCooldownError
from apps.ports.models import (
    ROTATION_LINK_PREFIX,
    Port,
    PortRotationLink,
    new_rotation_token,
    rotation_token_hash,
)
from apps.ports.upstream.errors import UpstreamBadResponse

from .client import ports_client
from .mirror import port_audit
from .rotation import RotationOutcome, ensure_usable, rotation_recorded
from .upstream import upstream_call

if TYPE_CHECKING:
    from apps.accounts.models import User

TOKEN_MAX_LENGTH = 64


class RotationLinkRateLimited(ApplicationError):
    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, extra={"retry_after": retry_after})
        self.retry_after = retry_after


@dataclass(frozen=True)
class NewRotationLink:
    link: PortRotationLink
    token: str  # shown once, never stored


def port_rotation_link_active(*, port: Port) -> PortRotationLink | None:
    return PortRotationLink.objects.filter(port=port, revoked_at__isnull=True).first()


def port_rotation_link_create(*, port: Port, actor: "User | None" = None, ip: str | None = None) -> NewRotationLink:
    """A new link for the port; any earlier one stops working at once."""
    ensure_usable(port)
    now = timezone.now()
    for _attempt in range(3):
        token = new_rotation_token()
        try:
            with transaction.atomic():
                Port.objects.select_for_update().filter(pk=port.pk).first()  # one regeneration at a time
                revoked = PortRotationLink.objects.filter(port=port, revoked_at__isnull=True).update(revoked_at=now)
                link = PortRotationLink.objects.create(
                    port=port, token_hash=rotation_token_hash(token), token_hint=token[-4:], created_at=now
                )
                port_audit(
                    action="port.rotation_link_regenerate" if revoked else "port.rotation_link_create",
                    port=port,
                    actor=actor,
                    ip=ip,
                    data={"link": link.hint},
                )
            return NewRotationLink(link=link, token=token)
        except IntegrityError:
            continue  # a token hash clash (astronomically rare) or a concurrent regeneration
    raise ApplicationError(gettext("The rotation link could not be made; please try again."))


def port_rotation_link_revoke(*, port: Port, actor: "User | None" = None, ip: str | None = None) -> bool:
    with transaction.atomic():
        link = PortRotationLink.objects.select_for_update().filter(port=port, revoked_at__isnull=True).first()
        if link is None:
            return False
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        port_audit(action="port.rotation_link_revoke", port=port, actor=actor, ip=ip, data={"link": link.hint})
    return True


def _link_for(token: str) -> PortRotationLink:
    if not isinstance(token, str) or not token.startswith(ROTATION_LINK_PREFIX) or len(token) > TOKEN_MAX_LENGTH:
        raise NotFound(gettext("No such rotation link."))
    link = (
        PortRotationLink.objects.select_related("port__customer")
        .filter(token_hash=rotation_token_hash(token), revoked_at__isnull=True)
        .first()
    )
    if link is None:
        raise NotFound(gettext("No such rotation link."))
    return link


def _count(link: PortRotationLink) -> None:
    """Fixed windows per link, in the cache (atomic on Redis): PORTS_ROTATION_LINK_RATE."""
    for rate in rates_parse(settings.PORTS_ROTATION_LINK_RATE):
        key = f"ports:rotation-link:{link.pk}:{rate.seconds}"
        cache.add(key, 0, timeout=rate.seconds)
        try:
            used = cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=rate.seconds)
            used = 1
        if used > rate.amount:
            raise RotationLinkRateLimited(
                gettext("This link was used %(amount)s times recently; wait a little.") % {"amount": rate.amount},
                retry_after=rate.seconds,
            )


def port_rotate_by_link(*, token: str, ip: str | None = None) -> RotationOutcome:
    """A rotation through the shop's link. Raises NotFound (unknown or revoked link),
    RotationLinkRateLimited, PortNotUsable, PortCooldownError (with the seconds left), or the
    retryable/terminal ports errors."""
    link = _link_for(token)
    port = link.port
    _count(link)
    ensure_usable(port)
    client = ports_client()
    with upstream_call(port):
        upstream_token = client.get_port(port.upstream_id).rotation_token
        if not upstream_token:
            raise UpstreamBadResponse("the port record carries no rotation token", field="rotationToken")
        result = client.rotate_by_token(upstream_token)
    PortRotationLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now(), use_count=F("use_count") + 1)
    rotation_recorded(port, new_ip=result.new_ip, count=result.rotation_count)
    port_audit(action="port.rotate_link", port=port, ip=ip, data={"old_ip": result.old_ip, "new_ip": result.new_ip})
    return RotationOutcome(
        old_ip=result.old_ip,
        new_ip=result.new_ip,
        message=f"Rotated: new IP {result.new_ip}." if result.new_ip else "Rotation started: new IP within 30 s.",
    )


__all__ = [
    "NewRotationLink",
    "PortCooldownError",
    "RotationLinkRateLimited",
    "port_rotate_by_link",
    "port_rotation_link_active",
    "port_rotation_link_create",
    "port_rotation_link_revoke",
]
