"""Fixtures for the proxies tests. The dashboard tests meet the upstream as the sandbox, in
process, through the real client (tests.proxies.fakes): a customer's key is minted there, so
reveal, regenerate and the gateway's secret check are real. (Service and job tests that want
the client's own retries define an `upstream` of their own with more attempts.)"""

import pytest

from tests.proxies.fakes import sandbox_upstream
from tests.proxies.support import mint_key


@pytest.fixture
def upstream(db, monkeypatch):
    """The sandbox behind the real client, counted (`upstream.calls["stock"]`); one attempt per
    call, so an injected fault reaches the page."""
    from apps.sandbox.upstream.faults import faults_clear

    faults_clear()
    return sandbox_upstream(monkeypatch, max_attempts=1)


@pytest.fixture
def key(upstream, customer):
    return mint_key(customer)


@pytest.fixture
def live_gateway(transactional_db, settings):
    """The sandbox gateway on free loopback ports (a background thread, so the tests using it are
    transactional), with the shop's settings pointing at it as in sandbox mode."""
    from apps.sandbox.gateway.server import gateway_in_thread

    with gateway_in_thread() as gateway:
        settings.PROXIES_SX_GATEWAY_HOST = "127.0.0.1"
        settings.PROXIES_SX_GATEWAY_PORTS = {"http": gateway.ports.http, "socks5": gateway.ports.socks5}
        settings.PROXY_TEST_URL = f"http://127.0.0.1:{gateway.ports.echo}/"
        yield gateway
