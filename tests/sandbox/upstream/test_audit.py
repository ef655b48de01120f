"""The audit queries: all keys (action, before, limit 1-500) and one key (before, limit 1-200)."""

from datetime import timedelta

import pytest

from apps.sandbox.upstream.models import SandboxAuditEvent

from .support import START, error_code, iso


@pytest.fixture
def history(api, mint, clock):
    """Two keys, six events one minute apart: create a, create b, update a, topup a, reveal b, reveal a."""
    a = mint(label="a")
    clock.advance(minutes=1)
    b = mint(label="b")
    clock.advance(minutes=1)
    api.patch(f"/reseller/pool-keys/{a['id']}", json={"label": "a2"})
    clock.advance(minutes=1)
    api.post(f"/reseller/pool-keys/{a['id']}/topup", json={"extendDays": 1})
    clock.advance(minutes=1)
    api.post(f"/reseller/pool-keys/{b['id']}/reveal")
    clock.advance(minutes=1)
    api.post(f"/reseller/pool-keys/{a['id']}/reveal")
    return a, b


def test_audit_lists_every_keys_events_newest_first(api, history):
    a, b = history
    events = api.get("/reseller/pool-keys/audit").json()

    assert [(e["action"], e["pakId"]) for e in events] == [
        ("reveal", a["id"]),
        ("reveal", b["id"]),
        ("topup", a["id"]),
        ("update", a["id"]),
        ("create", b["id"]),
        ("create", a["id"]),
    ]
    first = events[0]
    assert set(first) == {
        "id",
        "pakId",
        "action",
        "ip",
        "userAgent",
        "requestId",
        "authMethod",
        "metadata",
        "createdAt",
    }
    assert first["authMethod"] == "apiKey"
    assert first["userAgent"] == "sandbox-tests/1"
    assert first["createdAt"] == iso(START + timedelta(minutes=5))


def test_audit_filters_by_action(api, history):
    events = api.get("/reseller/pool-keys/audit", params={"action": "reveal"}).json()
    assert [e["action"] for e in events] == ["reveal", "reveal"]


def test_audit_pages_with_before_and_limit(api, history):
    page1 = api.get("/reseller/pool-keys/audit", params={"limit": 2}).json()
    page2 = api.get("/reseller/pool-keys/audit", params={"limit": 2, "before": page1[-1]["id"]}).json()
    page3 = api.get("/reseller/pool-keys/audit", params={"limit": 2, "before": page2[-1]["id"]}).json()
    page4 = api.get("/reseller/pool-keys/audit", params={"limit": 2, "before": page3[-1]["id"]}).json()

    ids = [e["id"] for e in page1 + page2 + page3]
    assert len(ids) == len(set(ids)) == 6
    assert page4 == []


def test_audit_before_accepts_an_iso_datetime_or_unix_ms(api, history):
    cutoff = START + timedelta(minutes=2)
    by_iso = api.get("/reseller/pool-keys/audit", params={"before": iso(cutoff)}).json()
    by_ms = api.get("/reseller/pool-keys/audit", params={"before": str(int(cutoff.timestamp() * 1000))}).json()
    assert [e["action"] for e in by_iso] == [e["action"] for e in by_ms] == ["create", "create"]


def test_audit_for_one_key_shows_only_that_key(api, history):
    a, _ = history
    events = api.get(f"/reseller/pool-keys/{a['id']}/audit").json()
    assert [e["action"] for e in events] == ["reveal", "topup", "update", "create"]
    assert {e["pakId"] for e in events} == {a["id"]}


def test_audit_for_one_key_pages_with_before(api, history):
    a, _ = history
    newest = api.get(f"/reseller/pool-keys/{a['id']}/audit", params={"limit": 1}).json()
    older = api.get(f"/reseller/pool-keys/{a['id']}/audit", params={"before": newest[0]["id"], "limit": 200}).json()
    assert [e["action"] for e in older] == ["topup", "update", "create"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/reseller/pool-keys/audit", {"limit": "0"}),
        ("/reseller/pool-keys/audit", {"limit": "501"}),
        ("/reseller/pool-keys/audit", {"limit": "ten"}),
        ("/reseller/pool-keys/audit", {"limit": "-1"}),
        ("/reseller/pool-keys/audit", {"action": "login"}),
        ("/reseller/pool-keys/audit", {"before": "yesterday"}),
        ("/reseller/pool-keys/audit", {"before": "evt_unknown"}),
        ("{key}/audit", {"limit": "201"}),
    ],
)
def test_audit_rejects_bad_parameters(api, mint, path, params):
    key = mint()
    response = api.get(path.format(key=f"/reseller/pool-keys/{key['id']}"), params=params)
    assert response.status_code == 400
    assert error_code(response) == "invalid_parameter"


def test_audit_limits_at_the_edges_are_accepted(api, mint):
    key = mint()
    assert api.get("/reseller/pool-keys/audit", params={"limit": "500"}).status_code == 200
    assert api.get("/reseller/pool-keys/audit", params={"limit": "1"}).status_code == 200
    assert api.get(f"/reseller/pool-keys/{key['id']}/audit", params={"limit": "200"}).status_code == 200


def test_audit_for_an_unknown_key_is_404(api):
    assert api.get("/reseller/pool-keys/pk_nope/audit").status_code == 404


def test_a_deleted_keys_events_stay_in_the_all_keys_audit(api, mint):
    key = mint()
    api.delete(f"/reseller/pool-keys/{key['id']}")
    actions = [e["action"] for e in api.get("/reseller/pool-keys/audit").json() if e["pakId"] == key["id"]]
    assert actions == ["delete", "create"]
    assert api.get(f"/reseller/pool-keys/{key['id']}/audit").status_code == 404


def test_events_older_than_90_days_are_gone(api, mint, clock):
    mint(label="old")
    clock.advance(days=91)
    mint(label="new")
    events = api.get("/reseller/pool-keys/audit").json()
    assert [e["metadata"]["label"] for e in events] == ["new"]
    assert SandboxAuditEvent.objects.count() == 2  # hidden now, purged by the next sweep
