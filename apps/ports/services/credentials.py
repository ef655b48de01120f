"""The port's credentials: the audited, owner-only reveal of the password (read from the
upstream, never stored), changing them (the new password is shown once), and the shop's own
block and unblock (contract A5: a password nobody is shown cuts access at once)."""

import hashlib
import hmac
import secrets
import string
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.errors import ApplicationError
from apps.ports.models import Port
from apps.ports.upstream.client import CREDENTIAL_PATTERN
from apps.ports.upstream.errors import UpstreamBadResponse

from .client import ports_client
from .keys import idempotency_key_validate
from .mirror import port_audit, port_mirror_apply, port_update
from .rotation import ensure_usable
from .upstream import upstream_call

if TYPE_CHECKING:
    from apps.accounts.models import User

_ALPHABET = string.ascii_letters + string.digits
PASSWORD_LENGTH = 16


def new_port_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(PASSWORD_LENGTH))


def port_password_for_key(idempotency_key: str) -> str:
    """The password a credentials change with this idempotency key sets: derived from the key
    with SECRET_KEY, so a retry of the same change (a double submit, an API retry with the same
    Idempotency-Key) sends the same request and gets the upstream's replay, and the password it
    shows is the one that works. Different keys give unrelated passwords."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"port-password:{idempotency_key}".encode(), hashlib.sha256)
    number = int.from_bytes(digest.digest(), "big")
    chars = []
    for _ in range(PASSWORD_LENGTH):
        number, index = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return "".join(chars)


def _owner_only(port: Port, actor: "User") -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.pk != port.customer_id:
        raise PermissionDenied(gettext("Only the port's owner can see its password."))


def port_password_reveal(*, port: Port, actor: "User", ip: str | None = None) -> str:
    """The password, for the port's owner only (staff, even viewing as the customer, never see
    it). Read from the upstream each time; audited; never stored or logged."""
    _owner_only(port, actor)
    ensure_usable(port)
    with upstream_call(port):
        record = ports_client().get_port(port.upstream_id)
        if not record.password:
            raise UpstreamBadResponse("the port record carries no password", field="proxyPassword")
    with transaction.atomic():
        port_mirror_apply(port=port, record=record)
        port_audit(action="port.reveal", port=port, actor=actor, ip=ip)
    return record.password


def _clean_login(login: str | None, port: Port) -> str:
    value = port.login if login in (None, "") else login.strip()
    if not CREDENTIAL_PATTERN.fullmatch(value):
        raise ApplicationError(gettext("A login is 4 to 64 characters: letters, digits, _ . ~ or -."))
    return value


def _change(port: Port, *, login: str, password: str, idempotency_key: str) -> Port:
    with upstream_call(port):
        record = ports_client().change_credentials(
            port.upstream_id, login=login, password=password, idempotency_key=idempotency_key
        )
    return port_mirror_apply(port=port, record=record)


def port_credentials_change(
    *,
    port: Port,
    idempotency_key: str,
    actor: "User | None" = None,
    login: str | None = None,
    password: str | None = None,
    ip: str | None = None,
    reason: str = "",
) -> tuple[Port, str]:
    """New credentials (a generated password unless one is given). Returns the port and the new
    password, to be shown once to its owner. The old password stops working at once."""
    idempotency_key_validate(idempotency_key)
    ensure_usable(port)
    login = _clean_login(login, port)
    if password is not None and not CREDENTIAL_PATTERN.fullmatch(password):
        raise ApplicationError(gettext("A password is 4 to 64 characters: letters, digits, _ . ~ or -."))
    password = password or port_password_for_key(idempotency_key)
    # The upstream call runs outside any transaction; the mirror and the audit entry follow it.
    _change(port, login=login, password=password, idempotency_key=idempotency_key)
    port_audit(
        action="port.credentials_change",
        port=port,
        actor=actor,
        ip=ip,
        reason=reason,
        idempotency_key=idempotency_key,
        data={"login": login},
    )
    return port, password


def port_block(*, port: Port, idempotency_key: str, actor: "User | None" = None, reason: str = "") -> Port:
    """Cuts access at once (refund, dispute, operator) by a password nobody is shown; the port,
    its IP and its slot stay. Unblock gives the customer new credentials."""
    idempotency_key_validate(idempotency_key)
    if port.blocked_at is not None or port.released_at is not None:
        return port
    _change(port, login=port.login, password=new_port_password(), idempotency_key=idempotency_key)
    with transaction.atomic():
        port_update(port=port, fields={"blocked_at": timezone.now()})
        port_audit(action="port.block", port=port, actor=actor, reason=reason, idempotency_key=idempotency_key)
    return port


def port_unblock(*, port: Port, idempotency_key: str, actor: "User | None" = None, reason: str = "") -> Port:
    """Lifts the shop's block: the customer reveals their new password on the dashboard."""
    idempotency_key_validate(idempotency_key)
    if port.blocked_at is None:
        return port
    _change(port, login=port.login, password=new_port_password(), idempotency_key=idempotency_key)
    with transaction.atomic():
        port_update(port=port, fields={"blocked_at": None})
        port_audit(action="port.unblock", port=port, actor=actor, reason=reason, idempotency_key=idempotency_key)
    return port
