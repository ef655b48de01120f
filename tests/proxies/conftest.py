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
