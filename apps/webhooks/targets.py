"""Where a webhook may go (SSRF guard). The host is resolved once; every address must be public
unless private targets are allowed (sandbox/DEBUG); the request then connects to the address that
was checked, so a second DNS answer cannot point it elsewhere (DNS rebinding)."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class TargetRefused(ApplicationError):
    """The URL is not one a webhook may be sent to."""


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    address: Address

    @property
    def pinned_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        parts = urlsplit(self.url)
        host = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        path = parts.path or "/"
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.scheme}://{host}:{self.port}{path}{query}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


def host_resolve(host: str, port: int) -> list[str]:
    """Every address the host name resolves to (tests replace it to fake a DNS answer)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def address_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address_public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast and address not in METADATA_ADDRESSES


def private_targets_allowed() -> bool:
    return bool(settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS)


def url_check(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of an acceptable URL (no resolution)."""
    parts = urlsplit(url)
    schemes = ("https", "http") if private_targets_allowed() else ("https",)
    if parts.scheme not in schemes:
        raise TargetRefused(_("The URL must start with https://."))
    if parts.username or parts.password:
        raise TargetRefused(_("The URL must not contain a user name or password."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefused(_("The URL's port is not valid.")) from exc
    if not parts.hostname:
        raise TargetRefused(_("The URL has no host."))
    return parts.scheme, parts.hostname, port


def target_resolve(url: str) -> Target:
    """The checked target, or TargetRefused saying why."""
    scheme, host, port = url_check(url)
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: list[Address] = [literal]
    else:
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in host_resolve(host, port)]
        except (OSError, UnicodeError, ValueError) as exc:
            raise TargetRefused(_("The host name does not resolve.")) from exc
    if not addresses:
        raise TargetRefused(_("The host name does not resolve."))
    if not private_targets_allowed() and not all(address_public(a) for a in addresses):
        raise TargetRefused(_("The URL points to a private, local or reserved address."))
    return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0])
