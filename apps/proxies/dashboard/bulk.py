"""Bulk URL lists: N URLs with unique session ids for one set of options.

Session ids are `<tag>_<seed><n>` with a random 6-character seed per list and a 4-digit
counter, so they are unique within a list (and, with 36^6 seeds, across a customer's lists)
and the browser can show the very list the download will contain without sending 1,000 ids
back and forth. static/js/dashboard.js uses the same scheme."""

import secrets
import string

from apps.proxies.models import PoolKey
from apps.proxies.urlgrammar import ProxyUrl

from .builder import BuilderOptions
from .formats import build_for_key, masked, proxy_options

BULK_MAX = 1000
SEED_LENGTH = 6
SEED_PATTERN = rf"^[a-z0-9]{{{SEED_LENGTH}}}$"


def bulk_seed() -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(SEED_LENGTH))


def bulk_sid_parts(*, seed: str, count: int) -> list[str]:
    if not 1 <= count <= BULK_MAX:
        raise ValueError(f"count must be 1 to {BULK_MAX}")
    return [f"{seed}{n:04d}" for n in range(1, count + 1)]


def bulk_proxies(*, key: PoolKey, options: BuilderOptions, seed: str, count: int, secret: str | None) -> list[ProxyUrl]:
    return [
        build_for_key(
            key=key, options=proxy_options(options=options, tag=key.session_tag, sid_part=part), secret=secret
        )
        for part in bulk_sid_parts(seed=seed, count=count)
    ]


def bulk_display_lines(*, key: PoolKey, proxies: list[ProxyUrl], secret: str | None) -> list[str]:
    return [masked(p.url, key=key, secret=secret) for p in proxies]


def proxy_urls_check(*, key: PoolKey, options: BuilderOptions, count: int) -> None:
    """Raises ProxyUrlError for options the grammar refuses; run before any reveal, so a bad
    request costs no audited read of the secret. With count > 1 the bulk ids are checked too."""
    proxy_options(options=options, tag=key.session_tag)
    if count > 1:
        bulk_proxies(key=key, options=options, seed=options.sid_part or "x", count=1, secret=None)


def proxy_url_items(*, key: PoolKey, options: BuilderOptions, count: int, fmt: str, secret: str | None) -> list[dict]:
    """The builder's URLs as the API and the MCP server hand them out: one URL, or `count` with
    ids `<session><0001…>` (a random seed when no session was given). `fmt` is a FORMATS name."""
    if count == 1:
        proxies = [build_for_key(key=key, options=proxy_options(options=options, tag=key.session_tag), secret=secret)]
    else:
        seed = options.sid_part or bulk_seed()
        proxies = bulk_proxies(key=key, options=options, seed=seed, count=count, secret=secret)
    return [
        {
            "url": masked(proxy.url, key=key, secret=secret),
            "session_id": proxy.options.sid,
            "text": masked(proxy.formats()[fmt], key=key, secret=secret),
        }
        for proxy in proxies
    ]
