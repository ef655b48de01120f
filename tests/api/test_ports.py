"""The dedicated ports endpoints against the ports simulator: a customer reaches only their own
ports, rotation tells the cooldown as a 429 with Retry-After, settings stay inside the contract's
bounds, the history pages, and new credentials come back once (the same ones on a retry)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.ports.services import port_release
from apps.sandbox.ports.models import SandboxPort
from apps.sandbox.upstream.faults import faults_clear, inject
from tests.factories import UserFactory
from tests.ports.support import make_port, sandbox_ports_client, use_ports_client

from .conftest import api_for, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def ports_upstream(monkeypatch):
    faults_clear()
    return use_ports_client(monkeypatch, sandbox_ports_client())


@pytest.fixture
def port(customer, ports_upstream):
    return make_port(customer, order_ref="API-1")


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.now(), tick=False):
        yield


def url(port, tail: str = "") -> str:
    return f"/api/v1/ports/{port.pk}{tail}"


def test_the_list_and_the_detail_show_the_customers_ports_without_secrets(api, port):
    listed = api.get("/api/v1/ports")
    detail = api.get(url(port))

    assert listed.status_code == 200 and [p["id"] for p in listed.json()["data"]] == [port.pk]
    body = detail.json()
    assert (body["host"], body["http_port"], body["login"]) == (port.server_ip, port.http_port, port.login)
    assert (body["status"], body["sharing"], body["cooldown_seconds"]) == ("active", "shared", 300)
    upstream = SandboxPort.objects.get()
    assert upstream.password not in detail.content.decode()
    assert upstream.rotation_token not in detail.content.decode()


def test_someone_elses_port_is_a_404_on_every_endpoint(client, port, ports_upstream):
    stranger = api_for(client, UserFactory())

    for answer in (
        stranger.get(url(port)),
        stranger.post(url(port, "/rotate")),
        stranger.get(url(port, "/rotation-settings")),
        stranger.patch(url(port, "/rotation-settings"), {"enabled": True}),
        stranger.get(url(port, "/rotations")),
        stranger.patch(url(port, "/os-fingerprint"), {"os_fingerprint": "windows:1"}),
        stranger.post(url(port, "/credentials"), {}),
    ):
        assert answer.status_code == 404 and error_of(answer)["code"] == "not_found"
    assert stranger.get("/api/v1/ports").json()["data"] == []
    assert ports_upstream.calls["rotate_port"] == 0
    assert ports_upstream.calls["change_credentials"] == 0


def test_writes_need_the_ports_write_scope(client, customer, port, ports_upstream):
    reader = api_for(client, customer, scopes=("read",))

    assert reader.get(url(port)).status_code == 200
    refused = reader.post(url(port, "/rotate"))

    assert refused.status_code == 403 and error_of(refused)["code"] == "insufficient_scope"
    assert "ports:write" in error_of(refused)["message"]
    assert ports_upstream.calls["rotate_port"] == 0


def test_rotate_changes_the_ip_then_the_cooldown_is_a_429_with_the_time_left(api, port, frozen):
    old_ip = SandboxPort.objects.select_related("device").get().device.ip

    done = api.post(url(port, "/rotate"))
    early = api.post(url(port, "/rotate"))

    assert done.status_code == 200
    assert done.json()["old_ip"] == old_ip != done.json()["new_ip"]
    assert early.status_code == 429 and early["Retry-After"] == "300"
    assert error_of(early)["code"] == "rotation_cooldown"
    assert "You can rotate it again in 5 min" in error_of(early)["message"]
    history = api.get(url(port, "/rotations")).json()["data"]
    assert [(r["trigger"], r["to_ip"]) for r in history] == [("manual", done.json()["new_ip"])]
    assert AuditEntry.objects.filter(action="port.rotate", actor=port.customer).count() == 1


def test_a_rotation_retried_with_the_same_idempotency_key_rotates_once(api, port, ports_upstream):
    headers = {"Idempotency-Key": "rotate-once-1"}

    first = api.post(url(port, "/rotate"), headers=headers)
    again = api.post(url(port, "/rotate"), headers=headers)

    assert first.status_code == again.status_code == 200
    assert first.json()["new_ip"] == again.json()["new_ip"]
    assert SandboxPort.objects.get().rotation_count == 1


def test_rotating_a_released_port_is_a_409(api, port):
    port_release(port=port, idempotency_key="release-api-1")

    answer = api.post(url(port, "/rotate"))

    assert answer.status_code == 409 and error_of(answer)["code"] == "port_not_usable"


def test_rotation_settings_read_and_change_within_the_bounds(api, port):
    before = api.get(url(port, "/rotation-settings")).json()
    assert before == {
        "enabled": False,
        "interval_seconds": None,
        "match_carrier": False,
        "match_city": False,
        "min_interval_seconds": 300,
        "max_interval_seconds": 86400,
    }

    changed = api.patch(url(port, "/rotation-settings"), {"enabled": True, "interval_seconds": 600})

    assert changed.status_code == 200
    assert (changed.json()["enabled"], changed.json()["interval_seconds"]) == (True, 600)
    upstream = SandboxPort.objects.get()
    assert (upstream.auto_enabled, upstream.interval_seconds) == (True, 600)


def test_an_interval_below_the_shared_ports_bound_is_refused(api, port, ports_upstream):
    answer = api.patch(url(port, "/rotation-settings"), {"enabled": True, "interval_seconds": 120})

    assert answer.status_code == 400
    assert (error_of(answer)["code"], error_of(answer)["param"]) == ("invalid_interval", "interval_seconds")
    assert ports_upstream.calls["set_rotation_settings"] == 0


def test_the_os_fingerprint_is_set_and_unknown_ones_refused(api, port):
    bad = api.patch(url(port, "/os-fingerprint"), {"os_fingerprint": "amiga:1"})
    good = api.patch(url(port, "/os-fingerprint"), {"os_fingerprint": "windows:1"})

    assert bad.status_code == 400 and error_of(bad)["param"] == "os_fingerprint"
    assert good.status_code == 200 and good.json()["os_fingerprint"] == "windows:1"
    assert SandboxPort.objects.get().os_fingerprint == "windows:1"


def test_new_credentials_come_back_once_and_work_upstream(api, port):
    old = SandboxPort.objects.get().password

    answer = api.post(url(port, "/credentials"), {"login": "scraper01"})

    body = answer.json()
    upstream = SandboxPort.objects.get()
    assert answer.status_code == 200
    assert body["password"] == upstream.password != old
    assert body["port"]["login"] == upstream.login == "scraper01"
    assert answer["Cache-Control"].startswith("max-age=0") or "no-store" in answer["Cache-Control"]
    entry = AuditEntry.objects.get(action="port.credentials_change")
    assert body["password"] not in str(entry.data)


def test_a_credentials_change_retried_with_the_same_key_returns_the_password_that_works(api, port):
    headers = {"Idempotency-Key": "new-creds-1"}

    first = api.post(url(port, "/credentials"), {}, headers=headers)
    again = api.post(url(port, "/credentials"), {}, headers=headers)

    assert first.status_code == again.status_code == 200
    assert first.json()["password"] == again.json()["password"] == SandboxPort.objects.get().password


def test_an_upstream_outage_is_a_503_envelope(api, port):
    with inject(times=5, status=503, path="/ports/*/can-rotate", method="GET"):
        answer = api.post(url(port, "/rotate"))

    assert answer.status_code == 503 and error_of(answer)["code"] == "upstream_unavailable"


def test_the_history_pages_newest_first(api, port):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            assert api.post(url(port, "/rotate")).status_code == 200
            clock.shift(timedelta(minutes=5, seconds=1))

    first = api.get(url(port, "/rotations"), {"limit": 2}).json()
    rest = api.get(url(port, "/rotations"), {"limit": 2, "cursor": first["next_cursor"]}).json()

    times = [r["rotated_at"] for r in first["data"] + rest["data"]]
    assert len(times) == 3 and times == sorted(times, reverse=True)
    assert rest["has_more"] is False
