"""The pool simulator's fault injection applies to the ports simulator: forced statuses, drops
before and after the call takes effect, latency past the client's timeout."""

import httpx
import pytest

from apps.sandbox.ports.models import SandboxPort
from apps.sandbox.upstream.faults import inject

pytestmark = pytest.mark.django_db


def test_a_forced_500_on_create_creates_nothing(api, country_id):
    body = {"countryId": country_id("DE"), "expiresAt": 86400}
    with inject(status=500, times=1, path="/ports", method="POST"):
        response = api.post("/ports", json=body)

    assert response.status_code == 500
    assert SandboxPort.objects.count() == 0


@pytest.mark.parametrize("drop", ["reset", "timeout"])
def test_a_reply_lost_after_create_leaves_the_port_behind(api, country_id, drop):
    body = {"countryId": country_id("DE"), "expiresAt": 86400, "displayName": "sf-u1-o1"}
    with inject(drop=drop, phase="after", times=1, path="/ports", method="POST"), pytest.raises(httpx.TransportError):
        api.post("/ports", json=body)

    assert list(SandboxPort.objects.values_list("display_name", flat=True)) == ["sf-u1-o1"]


def test_a_rule_for_rotations_leaves_other_calls_alone(api, create):
    port = create("DE")
    with inject(status=503, times=None, path="/ports/*/rotate"):
        assert api.post(f"/ports/{port['id']}/rotate").status_code == 503
        assert api.get(f"/ports/{port['id']}").status_code == 200


def test_latency_past_the_read_timeout_is_a_timeout(api, create, transport):
    port = create("DE")
    with inject(latency_ms=5000), pytest.raises(httpx.ReadTimeout):
        api.get(f"/ports/{port['id']}", timeout=httpx.Timeout(5.0, read=1.0))
