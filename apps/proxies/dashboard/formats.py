"""Proxy strings for display. The page never holds the secret unless the customer revealed it:
strings are built with a placeholder secret and the placeholder is swapped for the masked hint
(`pak_••••1a2b`). static/js/proxy-url.js does exactly the same in the browser."""

import csv
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from apps.proxies.models import PoolKey
from apps.proxies.urlgrammar import ProxyOptions, ProxyUrl, ProxyUrlError, build_proxy_url

from .builder import SUGGESTIONS, BuilderOptions, full_sid

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
        "suggestions": suggestions_url(),
    }


def _suggestions_file() -> tuple[bytes, str]:
    body = json.dumps(SUGGESTIONS, sort_keys=True, separators=(",", ":")).encode()
    return body, hashlib.sha256(body).hexdigest()[:12]


SUGGESTIONS_JSON, SUGGESTIONS_VERSION = _suggestions_file()


def suggestions_url() -> str:
    """The suggestions file's address, named by its content: cached for a year by browsers."""
    return reverse("proxies:builder_suggestions", args=[SUGGESTIONS_VERSION])


# Lists of many proxies, as the tools that read them expect: one line per proxy in one layout, or
# JSON / CSV with every part. The bulk download offers these; `bulk_export` writes them.
HOST_PORT_AUTH_HEADER = "proxy\tusername\tpassword"


def _line_url(p: ProxyUrl) -> str:
    return p.url


def _line_host_port_user_pass(p: ProxyUrl) -> str:
    return p.formats()["host_port_user_pass"]


def _line_user_pass_host_port(p: ProxyUrl) -> str:
    return p.formats()["user_pass_host_port"]


def _line_host_port_auth(p: ProxyUrl) -> str:
    return f"{p.hostport}\t{p.username}\t{p.secret}"


def _record(p: ProxyUrl) -> dict:
    o = p.options
    return {
        "url": p.url,
        "protocol": p.protocol,
        "host": p.host,
        "port": p.port,
        "username": p.username,
        "password": p.secret,
        "session_id": o.sid or "",
        "country": o.country or "",
        "rotation": o.rotation,
    }


CSV_HEADER = ["proxy_url", "protocol", "host", "port", "username", "password", "session_id", "country", "rotation"]


def _csv(proxies: list[ProxyUrl]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for p in proxies:
        r = _record(p)
        writer.writerow(
            [
                r["url"],
                r["protocol"],
                r["host"],
                r["port"],
                r["username"],
                r["password"],
                r["session_id"],
                r["country"],
                r["rotation"],
            ]
        )
    return out.getvalue()


@dataclass(frozen=True)
class ListFormat:
    key: str
    label: str
    extension: str
    content_type: str
    line: Callable[[ProxyUrl], str] | None = None  # one line per proxy; None: `whole` writes the file
    header: str = ""


LIST_FORMATS: list[ListFormat] = [
    ListFormat("url", "Full URL (scheme://user:pass@host:port)", "txt", "text/plain", _line_url),
    ListFormat("host_port_user_pass", "host:port:user:pass", "txt", "text/plain", _line_host_port_user_pass),
    ListFormat("user_pass_host_port", "user:pass@host:port", "txt", "text/plain", _line_user_pass_host_port),
    ListFormat(
        "host_port_auth",
        "host:port + separate username and password (tab-separated)",
        "tsv",
        "text/tab-separated-values",
        _line_host_port_auth,
        HOST_PORT_AUTH_HEADER,
    ),
    ListFormat("json", "JSON (every part of each proxy)", "json", "application/json"),
    ListFormat("csv", "CSV (every part of each proxy)", "csv", "text/csv"),
]
LIST_FORMAT_KEYS = [f.key for f in LIST_FORMATS]


def list_format(key: str) -> ListFormat:
    for fmt in LIST_FORMATS:
        if fmt.key == key:
            return fmt
    raise ValueError(f"unknown list format {key!r}")


def list_export(proxies: list[ProxyUrl], fmt: ListFormat) -> str:
    """The file's text for `proxies` in `fmt`."""
    if fmt.key == "json":
        return json.dumps([_record(p) for p in proxies], indent=2) + "\n"
    if fmt.key == "csv":
        return _csv(proxies)
    assert fmt.line is not None
    lines = ([fmt.header] if fmt.header else []) + [fmt.line(p) for p in proxies]
    return "".join(f"{line}\n" for line in lines)


def list_file_name(fmt: ListFormat, *, count: int, seed: str) -> str:
    """Says the layout and how many: `proxies-user_pass_host_port-50-q7x2ab.txt`."""
    return f"proxies-{fmt.key}-{count}-{seed}.{fmt.extension}"


__all__ = [
    "FORMATS",
    "LIST_FORMATS",
    "ListFormat",
    "list_export",
    "list_file_name",
    "list_format",
    "MASK_PLACEHOLDER",
    "FormatView",
    "ProxyUrlError",
    "builder_config",
    "format_views",
]
