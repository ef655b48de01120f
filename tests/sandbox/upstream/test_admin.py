"""The sandbox in the admin: pages render, secrets never appear, incidents can be staged."""

import pytest

from apps.sandbox.upstream.models import SandboxFaultConfig, SandboxIncident, SandboxKey
from apps.sandbox.upstream.traffic import sandbox_simulate_traffic
from tests.factories import StaffFactory

MODELS = [
    "sandboxkey",
    "sandboxauditevent",
    "sandboxsession",
    "sandboxincident",
    "sandboxfaultconfig",
    "sandboxfaultrule",
]


@pytest.fixture
def operator(db, client):
    client.force_login(StaffFactory())
    return client


@pytest.mark.parametrize("model", MODELS)
def test_sandbox_changelists_render(operator, mint, clock, model):
    mint()
    sandbox_simulate_traffic(now=clock())
    assert operator.get(f"/admin/proxies_sandbox/{model}/").status_code == 200


def test_a_sandbox_key_page_never_shows_the_secret(operator, mint):
    key = mint()
    pk = SandboxKey.objects.get(public_id=key["id"]).pk
    for url in ("/admin/proxies_sandbox/sandboxkey/", f"/admin/proxies_sandbox/sandboxkey/{pk}/change/"):
        response = operator.get(url)
        assert response.status_code == 200
        assert key["key"] not in response.content.decode()


def test_an_operator_can_stage_an_incident(operator):
    response = operator.post(
        "/admin/proxies_sandbox/sandboxincident/add/",
        {
            "severity": "major",
            "title": "DE mobile outage",
            "description": "",
            "affects": '["mbl:de"]',
            "started_at_0": "2026-06-01",
            "started_at_1": "12:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SandboxIncident.objects.get().public_id.startswith("inc_")


def test_the_fault_config_stays_a_single_row(operator):
    response = operator.post(
        "/admin/proxies_sandbox/sandboxfaultconfig/add/",
        {
            "latency_ms": 120,
            "jitter_ms": 0,
            "error_rate": 0,
            "error_statuses": "[]",
            "drop_rate": 0,
            "drop_mode": "reset",
            "seed": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SandboxFaultConfig.objects.get().pk == 1
    assert operator.get("/admin/proxies_sandbox/sandboxfaultconfig/add/").status_code == 403
