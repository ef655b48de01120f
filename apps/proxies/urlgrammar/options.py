"""ProxyOptions: the routing choices a proxy username carries, validated.

Allowed values (the gateway separates username tokens with "-", so no value may contain one):

    pool      mbl (mobile modems, default) | peer (residential) | any (mobile, residential fallback)
    country   ISO 3166-1 alpha-2, stored lowercase ("US" is accepted and becomes "us")
    carrier   1-32 of A-Z a-z 0-9 _        e.g. att, tmobile, vodafone
    city      1-32 of A-Z a-z 0-9 _        e.g. nyc, berlin, new_york
    sid       1-64 of A-Z a-z 0-9 _        e.g. alice, k7f3_bot07 (same sid = same exit IP)
    rotation  none (no token; the gateway default) | auto5 | auto10 | auto20 | auto30 | auto60 |
              ondemand | sticky | hard
    ttl       whole seconds, 60 .. 2592000 (30 days), or None
    protocol  http (port 7000) | socks5 (port 7001)

Why so strict for carrier, city and sid: "-" would split them into two tokens, and "%", "@",
":" or "/" survive percent-encoding but are not something the gateway promises to match. A
per-customer session scope therefore joins its parts with "_" (``<tag>_<part>``), not "-".
Empty strings mean "not set" (form input), so ProxyOptions(country="") == ProxyOptions().
"""

import re
from dataclasses import dataclass

from apps.proxies.upstream.records import DEFAULT_POOL, GATEWAY_POOLS

POOLS = GATEWAY_POOLS
ROTATIONS = ("none", "auto5", "auto10", "auto20", "auto30", "auto60", "ondemand", "sticky", "hard")
PROTOCOLS = ("http", "socks5")
DEFAULT_PORTS = {"http": 7000, "socks5": 7001}
TTL_MIN, TTL_MAX = 60, 2_592_000
NAME_MAX = 32
SID_MAX = 64
_WORD = re.compile(r"[A-Za-z0-9_]+")


class ProxyUrlError(ValueError):
    """A bad proxy option or URL. `field` names the part (country, sid, url, ...)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ProxyOptions:
    pool: str = DEFAULT_POOL
    country: str | None = None
    carrier: str | None = None
    city: str | None = None
    sid: str | None = None
    rotation: str = "none"
    ttl: int | None = None
    protocol: str = "http"

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once, here
        set_(self, "pool", _choice("pool", self.pool, POOLS))
        set_(self, "country", _country(self.country))
        set_(self, "carrier", _word("carrier", self.carrier, NAME_MAX))
        set_(self, "city", _word("city", self.city, NAME_MAX))
        set_(self, "sid", _word("sid", self.sid, SID_MAX))
        set_(self, "rotation", _choice("rotation", self.rotation, ROTATIONS))
        set_(self, "ttl", _ttl(self.ttl))
        set_(self, "protocol", _choice("protocol", self.protocol, PROTOCOLS))

    @property
    def default_port(self) -> int:
        return DEFAULT_PORTS[self.protocol]

    def tokens(self) -> list[str]:
        """Username tokens in the SDK's order: pool, country, carrier, city, sid, rot, ttl."""
        tokens = [self.pool]
        if self.country:
            tokens.append(self.country)
        for name, value in (("carrier", self.carrier), ("city", self.city), ("sid", self.sid)):
            if value:
                tokens += [name, value]
        if self.rotation != "none":
            tokens += ["rot", self.rotation]
        if self.ttl is not None:
            tokens += ["ttl", str(self.ttl)]
        return tokens


def _choice(field: str, value: object, allowed: tuple[str, ...]) -> str:
    if isinstance(value, str) and value.strip().lower() in allowed:
        return value.strip().lower()
    raise ProxyUrlError(field, f"must be one of {', '.join(allowed)}; got {_show(value)}.")


def _country(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ProxyUrlError("country", f"must be a two-letter country code; got {_show(value)}.")
    code = value.strip().lower()
    if re.fullmatch(r"[a-z]{3}", code):
        raise ProxyUrlError(
            "country", f"use the two-letter ISO 3166-1 code (e.g. 'us', 'de'), not the three-letter {_show(value)}."
        )
    if not re.fullmatch(r"[a-z]{2}", code):
        raise ProxyUrlError("country", f"must be a two-letter ISO 3166-1 code such as 'us'; got {_show(value)}.")
    return code


def _word(field: str, value: object, max_length: int) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ProxyUrlError(field, f"must be text; got {_show(value)}.")
    if len(value) > max_length:
        raise ProxyUrlError(field, f"must be at most {max_length} characters; got {len(value)}.")
    if not _WORD.fullmatch(value):
        hint = " ('-' separates username tokens; use '_' instead)" if "-" in value else ""
        raise ProxyUrlError(field, f"may contain only letters, digits and '_'{hint}; got {_show(value)}.")
    return value


def _ttl(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProxyUrlError("ttl", f"must be a whole number of seconds; got {_show(value)}.")
    if not TTL_MIN <= value <= TTL_MAX:
        raise ProxyUrlError("ttl", f"must be between {TTL_MIN} and {TTL_MAX} seconds (30 days); got {value}.")
    return value


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
