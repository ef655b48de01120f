"""The proxy URL grammar of the Pool Gateway: one builder, one parser, the output formats.

    build_proxy_url(secret=..., options=ProxyOptions(country="us", sid="alice", rotation="sticky"))
    -> ProxyUrl; .url == "http://psx_abc-mbl-us-sid-alice-rot-sticky:pak_...@gw.proxies.sx:7000"
    parse_proxy_url(url) -> ProxyUrl        ProxyUrl.formats() -> {"url", "curl", ...}

Allowed values are documented in options.py; shared test vectors (also for a JS builder) live
in tests/proxies/vectors/.
"""

from .formats import DEFAULT_TARGET, proxy_formats, shell_quote
from .options import (
    DEFAULT_PORTS,
    POOLS,
    PROTOCOLS,
    ROTATIONS,
    SID_MAX,
    TTL_MAX,
    TTL_MIN,
    ProxyOptions,
    ProxyUrlError,
)
from .url import ProxyUrl, build_proxy_url, encode_userinfo, parse_proxy_url

__all__ = [
    "DEFAULT_PORTS",
    "DEFAULT_TARGET",
    "POOLS",
    "PROTOCOLS",
    "ROTATIONS",
    "SID_MAX",
    "TTL_MAX",
    "TTL_MIN",
    "ProxyOptions",
    "ProxyUrl",
    "ProxyUrlError",
    "build_proxy_url",
    "encode_userinfo",
    "parse_proxy_url",
    "proxy_formats",
    "shell_quote",
]
