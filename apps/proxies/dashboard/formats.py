"""Proxy strings for display. The page never holds the secret unless the customer revealed it:
strings are built with a placeholder secret and the placeholder is swapped for the masked hint
(`pak_••••1a2b`). static/js/proxy-url.js does exactly the same in the browser."""

from dataclasses import dataclass

from django.conf import settings

from apps.proxies.models import PoolKey
from apps.proxies.urlgrammar import ProxyOptions, ProxyUrl, ProxyUrlError, build_proxy_url

from .builder import BuilderOptions, full_sid

# Only unreserved characters, so percent-encoding leaves it whole and a plain replace finds it.
MASK_PLACEHOLDER = "pak_0masked0secret0"

FORMATS: list[tuple[str, str]] = [
    ("url", "Proxy URL"),
    ("host_port_user_pass", "host:port:user:pass"),
    ("user_pass_host_port", "user:pass@host:port"),
    ("curl", "curl"),
    ("python_requests", "Python (requests)"),
    ("python_httpx", "Python (httpx)"),
    ("node", "Node.js"),
]
MULTILINE = {"python_requests", "python_httpx", "node"}


def proxy_options(*, options: BuilderOptions, tag: str, sid_part: str | None = None) -> ProxyOptions:
    """The grammar's options for this customer: their sid always carries their key's tag.
    Raises ProxyUrlError for values the grammar refuses."""
    part = options.sid_part if sid_part is None else sid_part
    return ProxyOptions(
        pool=options.pool,
        country=options.country or None,
        carrier=options.carrier or None,
        city=options.city or None,
        sid=full_sid(tag=tag, part=part),
        rotation=options.rotation,
        ttl=options.ttl,
        protocol=options.protocol,
    )


def build_for_key(*, key: PoolKey, options: ProxyOptions, secret: str | None) -> ProxyUrl:
    return build_proxy_url(secret=secret or MASK_PLACEHOLDER, options=options)


def masked(text: str, *, key: PoolKey, secret: str | None) -> str:
    return text if secret else text.replace(MASK_PLACEHOLDER, key.secret_hint)


@dataclass(frozen=True)
class FormatView:
    key: str
    label: str
    text: str
    multiline: bool


def format_views(*, key: PoolKey, options: ProxyOptions, secret: str | None) -> list[FormatView]:
    proxy = build_for_key(key=key, options=options, secret=secret)
    texts = proxy.formats()
    return [
        FormatView(key=name, label=label, text=masked(texts[name], key=key, secret=secret), multiline=name in MULTILINE)
        for name, label in FORMATS
    ]


def builder_config(*, key: PoolKey, secret: str | None) -> dict:
    """What static/js/dashboard.js needs to build the same strings. Public values only, plus
    the secret when this response is the one that revealed it (such pages are no-store)."""
    return {
        "username": settings.PROXIES_SX_USERNAME,
        "host": settings.PROXIES_SX_GATEWAY_HOST,
        "tag": key.session_tag,
        "hint": key.secret_hint,
        "placeholder": MASK_PLACEHOLDER,
        "secret": secret or "",
        "formats": [name for name, _ in FORMATS],
    }


__all__ = ["FORMATS", "MASK_PLACEHOLDER", "FormatView", "ProxyUrlError", "builder_config", "format_views"]
