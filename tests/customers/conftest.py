import pytest

from apps.sandbox.upstream.faults import faults_clear
from tests.ports.conftest import sandbox_ports_client, use_ports_client
from tests.proxies.fakes import sandbox_upstream


@pytest.fixture
def upstreams(db, monkeypatch):
    """The sandbox pool and ports APIs, as the shop's clients reach them."""
    faults_clear()
    return sandbox_upstream(monkeypatch), use_ports_client(monkeypatch, sandbox_ports_client())
