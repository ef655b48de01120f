"""Build and parse ``{protocol}://{username}:{secret}@{host}:{port}``.

username = the reseller's public proxy username (``psx_...``, not the API key) + "-" + the
tokens of ProxyOptions. Userinfo is percent-encoded per RFC 3986: everything but the
unreserved characters ``A-Z a-z 0-9 - . _ ~`` becomes ``%XX`` (UTF-8, upper-case hex), so a
reseller username or secret with reserved characters still round-trips.
"""

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from django.conf import settings

from .formats import proxy_formats
from .options import DEFAULT_PORTS, POOLS, ProxyOptions, ProxyUrlError

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*")
_IPV6 = re.compile(r"\[[0-9A-Fa-f:.]{2,45}\]")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_KEYWORDS = ("carrier", "city", "sid", "rot", "ttl")
_SCHEMES = {"http": "http", "socks5": "socks5", "socks5h": "socks5"}


def encode_userinfo(value: str) -> str:
    return quote(value, safe="")


@dataclass(frozen=True)
class ProxyUrl:
    """One customer proxy endpoint. repr() never shows the secret; `url` and the formats do."""

    reseller_username: str
    secret: str = field(repr=False)
    options: ProxyOptions
    host: str
    port: int

    def __post_init__(self) -> None:
        if not isinstance(self.options, ProxyOptions):
            raise ProxyUrlError("options", "must be a ProxyOptions.")
        _check_reseller(self.reseller_username)
        if not isinstance(self.secret, str) or not self.secret or _CONTROL.search(self.secret):
            raise ProxyUrlError("secret", "must be non-empty, without spaces or control characters.")
        if not isinstance(self.host, str) or not (_HOST.fullmatch(self.host) or _IPV6.fullmatch(self.host)):
            raise ProxyUrlError("host", f"must be a host name or IP address; got {self.host!r}.")
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 1 <= self.port <= 65535:
            raise ProxyUrlError("port", f"must be a whole number from 1 to 65535; got {self.port!r}.")

    @property
    def protocol(self) -> str:
        return self.options.protocol

    @property
    def username(self) -> str:
        return "-".join([self.reseller_username, *self.options.tokens()])

    @property
    def encoded_username(self) -> str:
        return encode_userinfo(self.username)

    @property
    def encoded_secret(self) -> str:
        return encode_userinfo(self.secret)

    @property
    def hostport(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.protocol}://{self.encoded_username}:{self.encoded_secret}@{self.hostport}"

    def __str__(self) -> str:  # str() must not leak the secret into a log line by accident
        return f"{self.protocol}://{self.encoded_username}:…@{self.hostport}"

    def formats(self, *, target: str | None = None) -> dict[str, str]:
        return proxy_formats(self, target=target)


def build_proxy_url(
    *,
    secret: str,
    options: ProxyOptions | None = None,
    reseller_username: str | None = None,
    host: str | None = None,
    port: int | None = None,
) -> ProxyUrl:
    """The one builder. Reseller username and host default to PROXIES_SX_USERNAME and
    PROXIES_SX_GATEWAY_HOST; the port to PROXIES_SX_GATEWAY_PORTS (7000 for http, 7001 for socks5)."""
    options = options if options is not None else ProxyOptions()
    return ProxyUrl(
        reseller_username=reseller_username if reseller_username is not None else settings.PROXIES_SX_USERNAME,
        secret=secret,
        options=options,
        host=host if host is not None else settings.PROXIES_SX_GATEWAY_HOST,
        port=port if port is not None else _gateway_port(options.protocol),
    )


def _gateway_port(protocol: str) -> int:
    return getattr(settings, "PROXIES_SX_GATEWAY_PORTS", DEFAULT_PORTS).get(protocol, DEFAULT_PORTS[protocol])


def parse_proxy_url(url: str) -> ProxyUrl:
    """Read a proxy URL back into its parts. Tokens may come in any order (the gateway's
    docs allow it); each at most once. A missing pool token means the gateway default, mbl."""
    if not isinstance(url, str) or not url.strip():
        raise ProxyUrlError("url", "is empty.")
    scheme, sep, rest = url.strip().partition("://")
    if not sep or scheme.lower() not in _SCHEMES:
        raise ProxyUrlError("protocol", f"must be http:// or socks5://; got {scheme[:20]!r}.")
    protocol = _SCHEMES[scheme.lower()]
    if rest.endswith("/"):
        rest = rest[:-1]
    if any(ch in rest for ch in "/?#"):
        raise ProxyUrlError("url", "must not have a path, query or fragment.")
    userinfo, at, hostport = rest.rpartition("@")
    if not at:
        raise ProxyUrlError("url", "has no username:password@ part.")
    raw_user, colon, raw_secret = userinfo.partition(":")
    if not colon or not raw_secret:
        raise ProxyUrlError("secret", "is missing (expected username:password@host).")
    username, secret = _decode(raw_user, "username"), _decode(raw_secret, "secret")
    host, port = _split_hostport(hostport, DEFAULT_PORTS[protocol])
    reseller, options = _parse_username(username, protocol)
    return ProxyUrl(reseller_username=reseller, secret=secret, options=options, host=host, port=port)


def _decode(value: str, part: str) -> str:
    try:
        return unquote(value, errors="strict")
    except UnicodeDecodeError:
        raise ProxyUrlError(part, "is not valid percent-encoded UTF-8.") from None


def _split_hostport(hostport: str, default_port: int) -> tuple[str, int]:
    if hostport.startswith("["):
        host, _, tail = hostport.partition("]")
        host += "]"
        port_text = tail[1:] if tail.startswith(":") else None
        if tail and port_text is None:
            raise ProxyUrlError("host", f"is not a valid host; got {hostport!r}.")
    else:
        host, colon, port_text = hostport.partition(":")
        port_text = port_text if colon else None
    if port_text is None:
        return host, default_port
    if not port_text.isdigit():
        raise ProxyUrlError("port", f"must be a number; got {port_text!r}.")
    return host, int(port_text)


def _check_reseller(value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ProxyUrlError("reseller_username", "is missing (set PROXIES_SX_USERNAME).")
    if "-" in value or _CONTROL.search(value):
        raise ProxyUrlError("reseller_username", "must not contain '-', spaces or control characters.")


def _parse_username(username: str, protocol: str) -> tuple[str, ProxyOptions]:
    reseller, _, rest = username.partition("-")
    _check_reseller(reseller)
    # Raw username tokens; ProxyOptions.__post_init__ validates and converts them (ttl text -> int).
    found: dict[str, Any] = {}
    parts = rest.split("-") if rest else []
    index = 0
    while index < len(parts):
        part = parts[index]
        if part in _KEYWORDS:
            if index + 1 >= len(parts) or not parts[index + 1]:
                raise ProxyUrlError(_field_for(part), f"'{part}-' has no value.")
            name, value = _field_for(part), parts[index + 1]
            index += 2
        elif part in POOLS:
            name, value = "pool", part
            index += 1
        elif re.fullmatch(r"[A-Za-z]{2}", part):
            name, value = "country", part
            index += 1
        else:
            raise ProxyUrlError("username", f"unknown token {part!r}.")
        if name in found:
            raise ProxyUrlError(name, "appears twice in the username.")
        found[name] = value
    return reseller, ProxyOptions(protocol=protocol, **found)


def _field_for(keyword: str) -> str:
    return {"rot": "rotation"}.get(keyword, keyword)
