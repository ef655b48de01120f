"""Proxy keys: list, daily usage, proxy URLs, the explicit secret reveal, "test my proxy"."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

from django.utils import timezone
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from apps.accounts.models import ApiKeyScope
from apps.api.serializers.keys import MAX_USAGE_DAYS, KeySerializer, UsageSerializer, key_row
from apps.api.serializers.proxy_tests import ProxyTestRequestSerializer, ProxyTestSerializer
from apps.api.serializers.proxy_urls import ProxyUrlsBuildSerializer
from apps.core.ratelimit import rate_limit_allows_for, rate_limit_window_seconds
from apps.proxies.dashboard.builder import builder_options_from
from apps.proxies.dashboard.bulk import BULK_MAX, proxy_url_items, proxy_urls_check
from apps.proxies.dashboard.formats import FORMATS
from apps.proxies.selectors import (
    pool_key_current_for_customer,
    pool_key_get_for_customer,
    pool_key_list_for_customer,
    proxy_tests_for_key,
)
from apps.proxies.selectors_usage import usage_daily_for_key
from apps.proxies.services import ProxyTestRateLimited, pool_key_reveal, proxy_test_start
from apps.proxies.upstream.errors import UpstreamError
from apps.proxies.urlgrammar import POOLS, PROTOCOLS, ROTATIONS, TTL_MAX, TTL_MIN

from .base import caller, plain, tool

KeyId = Annotated[int, Field(ge=1, description="A proxy key's id, from list_keys.")]
OptionalKeyId = Annotated[
    int | None, Field(ge=1, description="A proxy key's id from list_keys; omitted: your newest key.")
]


def _enum(values, description: str, **extra: Any) -> Any:
    return Field(description=description, json_schema_extra={"enum": list(values)}, **extra)


@tool(title="List proxy keys")
def list_keys() -> dict[str, Any]:
    """Your proxy keys (pak_ keys that authenticate on the proxy gateway) with traffic cap, used
    and remaining GB, expiry, status and the session prefix of each. The secret is masked
    (secret_hint); call reveal_key_secret for it. Needs the read scope."""
    keys = pool_key_list_for_customer(customer=caller().customer)
    return {"keys": plain(KeySerializer([key_row(key) for key in keys], many=True).data)}


@tool(title="Daily traffic of a key")
def key_usage(
    key_id: KeyId,
    start: Annotated[date | None, Field(description="First UTC day, YYYY-MM-DD; default 29 days before end.")] = None,
    end: Annotated[date | None, Field(description="Last UTC day, YYYY-MM-DD; default today.")] = None,
) -> dict[str, Any]:
    """Traffic of one key per UTC day (used_mb, used_gb) from start to end, at most 366 days, and
    the total in GB. Needs the read scope."""
    key = pool_key_get_for_customer(customer=caller().customer, key_id=key_id)
    end = end or timezone.now().date()
    start = start or end - timedelta(days=29)
    days = (end - start).days + 1
    if not 1 <= days <= MAX_USAGE_DAYS:
        raise ToolError(f"start must not be after end, and the range is at most {MAX_USAGE_DAYS} days.")
    series = usage_daily_for_key(key=key, days=days, today=end)
    total = sum((entry.used_gb for entry in series), start=Decimal(0))
    usage = {"key_id": key.pk, "start": start, "end": end, "total_gb": total, "days": series}
    return plain(UsageSerializer(usage).data)


@tool(title="Reveal a key's secret", scope=ApiKeyScope.KEYS_WRITE.value)
def reveal_key_secret(key_id: KeyId) -> dict[str, Any]:
    """The secret (password, pak_...) of one of your proxy keys: the only tool that returns a
    secret. An audited read, counted against the dashboard's reveal limit (30 per 10 minutes).
    Put it where build_proxy_urls shows the masked hint. Needs the keys:write scope."""
    who = caller()
    key = pool_key_get_for_customer(customer=who.customer, key_id=key_id)
    if not rate_limit_allows_for(action="key_reveal", user_id=who.customer.pk, ip=who.ip):
        wait = rate_limit_window_seconds(action="key_reveal")
        raise ToolError(f"Too many reveals in a short time; try again in {wait} seconds.")
    try:
        secret = pool_key_reveal(key=key, actor=who.customer, ip=who.ip)
    except UpstreamError:
        raise ToolError("The proxy network cannot be reached right now; try again in a minute.") from None
    return {"key_id": key.pk, "secret": secret, "secret_hint": key.secret_hint}


@tool(title="Build proxy URLs")
def build_proxy_urls(
    key_id: OptionalKeyId = None,
    pool: Annotated[str, _enum(POOLS, "The exit pool: mbl = mobile carriers, peer = residential.")] = "mbl",
    country: Annotated[str, Field(description="ISO 3166-1 alpha-2 exit country, e.g. us; empty: any.")] = "",
    carrier: Annotated[str, Field(description="Mobile carrier name (letters, digits, _), e.g. tmobile.")] = "",
    city: Annotated[str, Field(description="Exit city (letters, digits, _), e.g. newyork; empty: any.")] = "",
    session: Annotated[
        str,
        Field(
            description="Your session id (letters, digits, _; max 32): the same id keeps the same IP with "
            "sticky rotation. Your key's session prefix is added. With count > 1 it starts every id "
            "(random when empty), followed by 0001, 0002, ..."
        ),
    ] = "",
    rotation: Annotated[
        str,
        _enum(
            ROTATIONS,
            "When the IP changes: sticky (keep it per session), none, hard, ondemand, autoN (every N minutes).",
        ),
    ] = "sticky",
    ttl: Annotated[
        int | None, Field(ge=TTL_MIN, le=TTL_MAX, description="Session lifetime in seconds (sticky sessions).")
    ] = None,
    protocol: Annotated[str, _enum(PROTOCOLS, "http (port 7000) or socks5 (port 7001).")] = "http",
    count: Annotated[int, Field(ge=1, le=BULK_MAX, description="How many URLs (each its own session id).")] = 1,
    format: Annotated[
        str, _enum((name for name, _label in FORMATS), "The shape of `text`: a URL, host:port:user:pass, code, ...")
    ] = "url",
) -> dict[str, Any]:
    """Proxy URLs exactly as the dashboard's builder makes them, with every builder option. The
    secret is masked (the key's secret_hint stands in its place): call reveal_key_secret to get it
    and replace the hint. Needs the read scope."""
    body = ProxyUrlsBuildSerializer(
        data={
            "pool": pool,
            "country": country,
            "carrier": carrier,
            "city": city,
            "session": session,
            "rotation": rotation,
            "ttl": ttl,
            "protocol": protocol,
            "count": count,
            "format": format,
            "include_secret": False,
            **({"key_id": key_id} if key_id is not None else {}),
        }
    )
    body.is_valid(raise_exception=True)
    data = body.validated_data
    customer = caller().customer
    key = (
        pool_key_get_for_customer(customer=customer, key_id=key_id)
        if key_id is not None
        else pool_key_current_for_customer(customer=customer)
    )
    if key is None:
        raise ToolError("You have no proxy key yet: buy a plan with create_order first.")
    options = builder_options_from(data)
    proxy_urls_check(key=key, options=options, count=data["count"])
    items = proxy_url_items(key=key, options=options, count=data["count"], fmt=data["format"], secret=None)
    return {
        "key_id": key.pk,
        "secret_hint": key.secret_hint,
        "secret_included": False,
        "count": len(items),
        "format": data["format"],
        "data": items,
    }


@tool(title="Test a proxy key")
def test_proxy(
    key_id: KeyId,
    username: Annotated[
        str,
        Field(
            max_length=300,
            description="A proxy username from build_proxy_urls to test (without the password); empty: the "
            "key's plain username.",
        ),
    ] = "",
    protocol: Annotated[str, _enum(("http", "socks5"), "Test over http or socks5.")] = "http",
) -> dict[str, Any]:
    """Starts "test my proxy": one real request through the gateway with the key's own secret to
    the shop's IP-echo URL, run by a worker. Answers the test (status pending, or failed at once
    for a malformed username, with cause and fix); call list_proxy_tests for the result (exit_ip,
    country, round_trip_ms). At most 10 tests per key per 10 minutes. Needs the read scope."""
    who = caller()
    key = pool_key_get_for_customer(customer=who.customer, key_id=key_id)
    body = ProxyTestRequestSerializer(data={"username": username, "protocol": protocol})
    body.is_valid(raise_exception=True)
    try:
        test = proxy_test_start(
            key=key,
            actor=who.customer,
            username=body.validated_data.get("username", ""),
            protocol=body.validated_data["protocol"],
        )
    except ProxyTestRateLimited as exc:
        raise ToolError(f"{exc.message} Try again in {exc.retry_after} seconds.") from None
    return plain(ProxyTestSerializer(test).data)


@tool(title="A key's recent tests")
def list_proxy_tests(key_id: KeyId) -> dict[str, Any]:
    """The key's last 20 proxy tests, newest first: status (pending, passed, failed), exit_ip,
    country, round_trip_ms, and for a failure its cause, message and fix. Needs the read scope."""
    key = pool_key_get_for_customer(customer=caller().customer, key_id=key_id)
    return {"tests": plain(ProxyTestSerializer(list(proxy_tests_for_key(key=key)[:20]), many=True).data)}
