""" "Test my proxy" against the sandbox gateway: a passing test shows the exit, and every failure
cause is reproduced for real and explained in plain language."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.proxies.models import ProxyTestStatus
from apps.proxies.services import (
    pool_key_regenerate,
    pool_key_reveal,
    pool_key_set_enabled,
    proxy_test_execute,
    proxy_test_start,
)
from apps.sandbox.upstream.clock import use_clock
from apps.sandbox.upstream.models import SandboxKey
from tests.proxies.diagnostics_support import pending_test, silent_server
from tests.proxies.support import mint_key

# The gateway runs in another thread on its own connection: an in-memory SQLite database locks
# whole tables between threads, so these run on PostgreSQL.
pytestmark = pytest.mark.postgres


def test_a_test_runs_through_the_gateway_and_shows_the_exit(live_gateway, upstream, customer):
    key = mint_key(customer)
    test = proxy_test_start(key=key, actor=customer, username="psx_sandbox-mbl-us-sid-check1-rot-sticky")
    test.refresh_from_db()
    assert test.status == ProxyTestStatus.PASSED, test.message
    assert test.country == "US" and test.exit_ip and test.exit_ip != "127.0.0.1"
    assert test.via == "http" and test.http_status == 200 and test.round_trip_ms is not None
    assert test.options == {"pool": "mbl", "country": "us", "sid": "check1", "rotation": "sticky", "protocol": "http"}
    live_gateway.wait_idle()
    assert SandboxKey.objects.get(public_id=key.upstream_id).traffic_used_mb > 0


def test_a_socks5_test_passes(live_gateway, upstream, customer):
    key = mint_key(customer)
    test = proxy_test_start(key=key, actor=customer, username="psx_sandbox-mbl-de", protocol="socks5")
    test.refresh_from_db()
    assert (test.status, test.via, test.country) == (ProxyTestStatus.PASSED, "socks5", "DE")


def test_the_default_username_is_the_plain_one(live_gateway, upstream, customer):
    key = mint_key(customer)
    test = proxy_test_start(key=key, actor=customer)
    test.refresh_from_db()
    assert (test.username, test.status) == ("psx_sandbox-mbl", ProxyTestStatus.PASSED)


def test_a_wrong_secret_is_explained(live_gateway, upstream, customer):
    key = mint_key(customer)
    test = proxy_test_execute(test=pending_test(key), secret="pak_" + "0" * 24)
    assert (test.status, test.cause, test.http_status) == (ProxyTestStatus.FAILED, "wrong_secret", 407)
    assert "not this key's current secret" in test.message
    assert "Reveal" in test.fix


def test_a_regenerated_secret_is_explained(live_gateway, upstream, customer):
    key = mint_key(customer)
    old = pool_key_reveal(key=key, actor=customer)
    pool_key_regenerate(key=key, idempotency_key=f"regen-{uuid.uuid4().hex}")
    test = proxy_test_execute(test=pending_test(key), secret=old)
    assert test.cause == "regenerated"
    assert "before it was regenerated" in test.message


def test_a_disabled_key_is_explained(live_gateway, upstream, customer):
    key = mint_key(customer)
    secret = pool_key_reveal(key=key, actor=customer)
    pool_key_set_enabled(key=key, enabled=False, idempotency_key=f"off-{uuid.uuid4().hex}")
    test = proxy_test_execute(test=pending_test(key), secret=secret)
    assert test.cause == "disabled"
    assert "the key is disabled" in test.message and "Contact support" in test.fix


def test_an_expired_key_is_explained(live_gateway, upstream, customer):
    key = mint_key(customer, expires_in_days=1)
    secret = pool_key_reveal(key=key, actor=customer)
    later = timezone.now() + timedelta(days=2)
    with use_clock(lambda: later):
        test = proxy_test_execute(test=pending_test(key), secret=secret)
    assert test.cause == "expired"
    assert "has expired" in test.message and "Buy more time" in test.fix


def test_a_key_over_its_cap_is_explained(live_gateway, upstream, customer):
    key = mint_key(customer, cap_gb=1)
    secret = pool_key_reveal(key=key, actor=customer)
    SandboxKey.objects.filter(public_id=key.upstream_id).update(traffic_used_mb=1100)
    test = proxy_test_execute(test=pending_test(key), secret=secret)
    assert test.cause == "over_cap"
    assert "used all of its traffic" in test.message and "Top up" in test.fix


@pytest.mark.parametrize("protocol", ["http", "socks5"])
def test_no_stock_suggests_countries_with_stock(live_gateway, upstream, customer, protocol):
    key = mint_key(customer)
    test = proxy_test_start(key=key, actor=customer, username="psx_sandbox-mbl-br", protocol=protocol)
    test.refresh_from_db()
    assert (test.cause, test.http_status) == ("no_stock", 502)
    assert "no endpoint online for mbl / br" in test.message
    assert "US" in test.fix


def test_a_timeout_is_explained(live_gateway, upstream, customer, settings):
    key = mint_key(customer)
    settings.PROXY_TEST_TIMEOUT = 0.5
    with silent_server() as port:
        settings.PROXY_TEST_URL = f"http://127.0.0.1:{port}/"
        test = proxy_test_start(key=key, actor=customer)
        test.refresh_from_db()
    assert test.cause == "timeout"
    assert "No answer within 0.5 seconds" in test.message


def test_a_dns_error_is_explained(live_gateway, upstream, customer, settings):
    key = mint_key(customer)
    settings.PROXIES_SX_SANDBOX = False  # (the upstream stays the sandbox: the fixture hands it over)
    settings.PROXIES_SX_GATEWAY_HOST = "gateway.invalid"
    test = proxy_test_start(key=key, actor=customer)
    test.refresh_from_db()
    assert test.cause == "dns"
    assert "'gateway.invalid' could not be resolved" in test.message


def test_a_tls_error_is_explained(live_gateway, upstream, customer, settings):
    key = mint_key(customer)
    settings.PROXY_TEST_URL = "https://example.com/"  # the sandbox echo has no certificate for it
    test = proxy_test_start(key=key, actor=customer)
    test.refresh_from_db()
    assert (test.cause, test.via) == ("tls", "connect")
    assert "secure (HTTPS) connection" in test.message


def test_a_gateway_that_is_not_running_is_explained(live_gateway, upstream, customer, settings):
    key = mint_key(customer)
    with silent_server() as port:
        pass  # a port that was free a moment ago and is closed now
    settings.PROXIES_SX_GATEWAY_PORTS = {"http": port, "socks5": port}
    test = proxy_test_start(key=key, actor=customer)
    test.refresh_from_db()
    assert test.cause == "gateway_unreachable"
    assert "sandbox_gateway" in test.fix


def test_in_sandbox_mode_a_secret_never_leaves_the_machine(upstream, customer, settings, transactional_db):
    key = mint_key(customer)
    settings.PROXIES_SX_GATEWAY_HOST = "gw.proxies.sx"
    test = proxy_test_start(key=key, actor=customer)
    test.refresh_from_db()
    assert test.cause == "gateway_unreachable"
    assert "sandbox gateway on this machine" in test.message
