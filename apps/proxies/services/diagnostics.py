""" "Test my proxy": a real request through the gateway with the customer's own credentials.

`proxy_test_start` checks the per-key rate limit and the username (a malformed one fails at once,
naming the bad token), records a pending ProxyTest and enqueues the `proxies.proxy_test_run` job;
the job reads the key's current secret through the audited reveal and calls `proxy_test_execute`,
which sends one GET to settings.PROXY_TEST_URL through the gateway with a hard timeout and records
the exit IP, country, round trip and protocol, or a plain-language cause and fix
(diagnostics_causes.py). A 407 is explained from the upstream audit's gateway_auth_failure
reason and the key's freshly read mirror."""

import ipaddress
import logging
import time
from typing import TYPE_CHECKING

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.errors import ApplicationError
from apps.core.jobs import job_enqueue_on_commit
from apps.core.logging import mask_secrets
from apps.core.ratelimit import rate_limit_allows_for, rate_limit_window_seconds
from apps.proxies.models import PoolKey, PoolKeyStatus, ProxyTest, ProxyTestStatus
from apps.proxies.upstream.errors import UpstreamError
from apps.proxies.urlgrammar import ProxyOptions, ProxyUrlError, build_proxy_url, encode_userinfo, parse_proxy_url

from . import client
from . import diagnostics_causes as causes
from .secret import pool_key_reveal
from .sync import pool_key_sync
from .validation import ensure_live

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

JOB = "proxies.proxy_test_run"
MAX_BODY = 64 * 1024


class ProxyTestRateLimited(ApplicationError):
    """Too many tests of one key in the window; `retry_after` seconds at most."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _default_username(protocol: str) -> str:
    return build_proxy_url(secret="x", options=ProxyOptions(protocol=protocol)).username


def _parse_username(username: str, protocol: str) -> ProxyOptions:
    """The username's options, or ProxyUrlError naming the bad part."""
    if "@" in username or "://" in username or ":" in username:
        raise ProxyUrlError("username", "paste the username only, without the password or host.")
    reseller = username.partition("-")[0]
    if reseller != settings.PROXIES_SX_USERNAME:
        raise ProxyUrlError("username", f"must start with your proxy username {settings.PROXIES_SX_USERNAME!r}.")
    url = f"{protocol}://{encode_userinfo(username)}:x@{settings.PROXIES_SX_GATEWAY_HOST}:1"
    return parse_proxy_url(url).options


def _keep_last(key: PoolKey) -> None:
    keep = ProxyTest.objects.filter(pool_key=key).order_by("-created_at", "-id")[: settings.PROXY_TESTS_KEPT]
    ProxyTest.objects.filter(pool_key=key).exclude(pk__in=list(keep.values_list("pk", flat=True))).delete()


def proxy_test_start(*, key: PoolKey, actor: "User | None", username: str = "", protocol: str = "http") -> ProxyTest:
    """Records a test of `key` (with `username`, default the key's plain username) and runs it in
    a worker. Raises ProxyTestRateLimited past the per-key limit; a malformed username gives a
    failed test at once."""
    ensure_live(key)
    protocol = protocol if protocol in ("http", "socks5") else "http"
    username = (username or "").strip() or _default_username(protocol)
    if not rate_limit_allows_for(action="proxy_test", user_id=key.pk, ip=None):
        wait = rate_limit_window_seconds(action="proxy_test")
        raise ProxyTestRateLimited(
            gettext("This key was tested many times in a short time. Please wait a few minutes."), retry_after=wait
        )
    # A pasted URL may carry a password: it is refused below and never stored.
    stored = "(a pasted URL, not stored)" if any(c in username for c in ":@/") else username[:300]
    test = ProxyTest(pool_key=key, requested_by=actor, username=stored, protocol=protocol)
    try:
        options = _parse_username(username, protocol)
    except ProxyUrlError as exc:
        _finish(test, causes.malformed(str(exc)))
        _keep_last(key)
        return test
    test.options = _options_dict(options)
    test.target_url = settings.PROXY_TEST_URL
    with transaction.atomic():
        test.save()
        _keep_last(key)
        job_enqueue_on_commit(JOB, test.pk)
    return test


def _options_dict(options: ProxyOptions) -> dict:
    return {name: value for name, value in vars(options).items() if value not in (None, "")}


def _finish(test: ProxyTest, cause: causes.Cause | None, **fields) -> None:
    test.status = ProxyTestStatus.FAILED if cause else ProxyTestStatus.PASSED
    if cause:
        test.cause, test.message, test.fix = cause.code, cause.message, cause.fix
    for name, value in fields.items():
        setattr(test, name, value)
    test.finished_at = timezone.now()
    test.save()


def proxy_test_run(*, test_id: int) -> ProxyTest | None:
    """The job: reads the key's current secret (the audited reveal, as its owner) and runs the
    test. Idempotent: a test that already finished is left alone."""
    test = ProxyTest.objects.select_related("pool_key__customer").filter(pk=test_id).first()
    if test is None or test.finished:
        return test
    key = test.pool_key
    try:
        secret = pool_key_reveal(key=key, actor=key.customer)
    except (UpstreamError, ApplicationError) as exc:
        logger.warning("proxy test %s: could not read the secret: %s", test.pk, mask_secrets(str(exc)))
        _finish(test, causes.UPSTREAM_UNAVAILABLE)
        return test
    return proxy_test_execute(test=test, secret=secret)


def proxy_test_execute(*, test: ProxyTest, secret: str) -> ProxyTest:
    """One request through the gateway as `test.username` with `secret`; records the outcome."""
    options = ProxyOptions(**test.options)
    reseller = test.username.partition("-")[0]
    proxy = build_proxy_url(secret=secret, options=options, reseller_username=reseller)
    target = test.target_url or settings.PROXY_TEST_URL
    via = "socks5" if options.protocol == "socks5" else ("connect" if target.startswith("https:") else "http")
    if settings.PROXIES_SX_SANDBOX and not _loopback(proxy.host):
        _finish(test, causes.sandbox_elsewhere(proxy.host), via=via)  # a sandbox secret never leaves the machine
        return test
    started = time.monotonic()
    try:
        response = _fetch(proxy.url, target, deadline=started + settings.PROXY_TEST_TIMEOUT)
    except httpx.HTTPError as exc:
        kind, status = causes.transport_failure(exc)
        cause = _explain(kind, test=test, secret=secret, options=options, proxy=proxy, exc=exc)
        _finish(test, cause, via=via, http_status=status)
        return test
    elapsed = int((time.monotonic() - started) * 1000)
    kind = causes.status_kind(response.status_code)
    if kind:
        cause = _explain(kind, test=test, secret=secret, options=options, proxy=proxy, status=response.status_code)
        _finish(test, cause, via=via, http_status=response.status_code, round_trip_ms=elapsed)
        return test
    ip, country = _echo(response)
    _finish(
        test,
        None,
        via=via,
        http_status=response.status_code,
        round_trip_ms=elapsed,
        exit_ip=ip,
        country=country or (options.country or "").upper(),
    )
    return test


def _loopback(host: str) -> bool:
    host = host.strip("[]")
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _fetch(proxy_url: str, target: str, *, deadline: float) -> httpx.Response:
    """GET `target` through the proxy; the whole exchange (not each read) ends by `deadline`,
    and at most MAX_BODY bytes of the answer are read."""
    timeout = httpx.Timeout(max(0.1, deadline - time.monotonic()))
    body = b""
    with (
        httpx.Client(proxy=proxy_url, timeout=timeout, trust_env=False) as http,
        http.stream("GET", target, headers={"Accept": "application/json"}) as response,
    ):
        for chunk in response.iter_bytes():
            body += chunk
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the answer did not finish in time")
            if len(body) >= MAX_BODY:
                break
    return httpx.Response(response.status_code, headers=response.headers, content=body[:MAX_BODY])


def _echo(response: httpx.Response) -> tuple[str, str]:
    """The exit IP and country from an IP-echo answer (ipinfo, ipify, httpbin or the sandbox echo)."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:64], ""
    if not isinstance(body, dict):
        return "", ""
    ip = next((str(body[k]) for k in ("ip", "origin", "query") if body.get(k)), "")
    country = next((str(body[k]) for k in ("country", "country_code", "countryCode") if body.get(k)), "")
    return ip[:64], country[:8].upper()


def _explain(kind: str, *, test, secret, options, proxy, exc=None, status=None) -> causes.Cause:
    if kind == "auth":
        return auth_cause(key=test.pool_key, secret=secret)
    if kind == "no_stock":
        return _no_stock(options)
    if kind == "timeout":
        return causes.timeout(settings.PROXY_TEST_TIMEOUT)
    if kind == "dns":
        return causes.dns(proxy.host)
    if kind == "tls":
        return causes.tls(str(exc))
    if kind == "refused":
        return causes.refused(proxy.host, proxy.port, settings.PROXIES_SX_SANDBOX)
    if kind == "target":
        return causes.target(status)
    return causes.network(mask_secrets(str(exc)))


def _no_stock(options: ProxyOptions) -> causes.Cause:
    what = " / ".join(p for p in (options.pool, options.country, options.carrier) if p)
    pools = ["mbl", "peer"] if options.pool == "any" else [options.pool]
    countries: list[str] = []
    try:
        stock = client.upstream_client().stock()
        counts = {cc: n for pool in pools for cc, n in stock.pools.get(pool, {}).items() if n > 0}
        countries = sorted(counts, key=lambda cc: -counts[cc])[:6]
    except UpstreamError:
        pass
    return causes.no_stock(what=what, countries=countries)


def auth_cause(*, key: PoolKey, secret: str) -> causes.Cause:
    """Which of wrong secret, regenerated secret, disabled, expired or over cap: the newest
    gateway_auth_failure the upstream audit holds for this secret (its masked hint), then the
    key's freshly read mirror."""
    reason, regenerated = "", False
    try:
        upstream = client.upstream_client()
        for event in upstream.audit(action="gateway_auth_failure", limit=50):
            if str(event.metadata.get("keyHint", "")).endswith(secret[-4:]):
                reason = str(event.metadata.get("reason", ""))
                break
        regenerated = any(
            event.action == "regenerate" and str(event.metadata.get("previousKey", "")).endswith(secret[-4:])
            for event in upstream.key_audit(key.upstream_id, limit=50)
        )
        key = pool_key_sync(key=key)
    except UpstreamError:
        logger.warning("proxy test: the audit of key %s could not be read", key.pk)
    if reason == "unknown_key" or regenerated:
        return causes.AUTH_CAUSES["regenerated" if regenerated else "wrong_secret"]
    status = key.status
    if reason == "cap_exceeded" or status == PoolKeyStatus.SUSPENDED_CAP:
        return causes.AUTH_CAUSES["over_cap"]
    if reason == "expired" or status == PoolKeyStatus.EXPIRED:
        return causes.AUTH_CAUSES["expired"]
    if reason == "disabled" or status == PoolKeyStatus.DISABLED:
        return causes.AUTH_CAUSES["disabled"]
    return causes.AUTH_CAUSES["wrong_secret"]
