"""Transport-level behaviour: auth, request ids, the error envelope, routing, base URLs."""

import re

import httpx
import pytest
from django.conf import settings

from apps.sandbox.upstream import api as core
from apps.sandbox.upstream import keys
from apps.sandbox.upstream.api import handle_request
from apps.sandbox.upstream.models import SandboxKey
from apps.sandbox.upstream.transport import SandboxTransport

from .support import error_code

REQUEST_ID = re.compile(r"^req_[0-9a-f]{24}$")

CALLS = [
    ("GET", "/reseller/pool-keys", None),
    ("POST", "/reseller/pool-keys", {"label": "x"}),
    ("POST", "/reseller/pool-keys", {"label": ""}),
    ("GET", "/reseller/pool-keys/audit", None),
    ("GET", "/reseller/pool-keys/{id}", None),
    ("GET", "/reseller/pool-keys/pk_missing", None),
    ("PATCH", "/reseller/pool-keys/{id}", {"label": "y"}),
    ("POST", "/reseller/pool-keys/{id}/topup", {"addTrafficGB": 1}),
    ("POST", "/reseller/pool-keys/{id}/regenerate", None),
    ("POST", "/reseller/pool-keys/{id}/reveal", None),
    ("GET", "/reseller/pool-keys/{id}/audit", None),
    ("DELETE", "/reseller/pool-keys/{id}", None),
    ("GET", "/gateway/pool/stock", None),
    ("GET", "/gateway/incidents", None),
    ("GET", "/gateway/pool/my-sessions", None),
    ("DELETE", "/gateway/pool/my-sessions", None),
    ("DELETE", "/gateway/pool/my-sessions/gw%3Asession%3Apsx_sandbox%3Ax", None),
    ("GET", "/x402/pricing", None),
    ("GET", "/no/such/route", None),
    ("PUT", "/reseller/pool-keys", None),
]


@pytest.mark.parametrize(("method", "path", "body"), CALLS)
def test_every_reply_carries_a_request_id(api, anon, mint, method, path, body):
    key = mint()
    for client in (api, anon):
        response = client.request(method, path.format(id=key["id"]), json=body)
        assert REQUEST_ID.match(response.headers["X-Request-ID"]), (method, path, response.status_code)
        if response.status_code >= 400:
            assert response.json()["error"]["request_id"] == response.headers["X-Request-ID"]


def test_request_ids_are_unique(api):
    ids = {api.get("/reseller/pool-keys").headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5


def test_a_missing_api_key_is_401_and_changes_nothing(anon):
    response = anon.post("/reseller/pool-keys", json={"label": "x"})
    assert response.status_code == 401
    assert error_code(response) == "missing_api_key"
    assert response.json()["error"]["type"] == "authentication_required"
    assert not SandboxKey.objects.exists()


@pytest.mark.parametrize("wrong", ["psx_wrong", "psx_sandbox_local_key ", "PSX_SANDBOX_LOCAL_KEY", "pak_x"])
def test_a_wrong_api_key_is_401(anon, wrong):
    response = anon.get("/reseller/pool-keys", headers={"X-API-Key": wrong})
    assert response.status_code == 401
    assert error_code(response) == "invalid_api_key"
    assert wrong not in response.text


def test_auth_is_checked_before_the_key_lookup(anon):
    # No 404 for a stranger: they cannot probe which key ids exist.
    assert anon.get("/reseller/pool-keys/pk_missing").status_code == 401


def test_an_unknown_route_is_404_with_the_envelope(api):
    response = api.get("/reseller/nothing")
    assert response.status_code == 404
    assert error_code(response) == "route_not_found"


def test_a_wrong_method_is_405_with_allow(api):
    response = api.put("/reseller/pool-keys")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"


def test_replies_are_json(api):
    assert api.get("/reseller/pool-keys").headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8765/v1", "https://sandbox.internal/api/v1", "http://x/v1/"])
def test_any_base_url_ending_in_v1_works(db, clock, base_url):
    headers = {"X-API-Key": settings.PROXIES_SX_SANDBOX_API_KEY}
    with httpx.Client(transport=SandboxTransport(), base_url=base_url, headers=headers) as client:
        assert client.post("reseller/pool-keys", json={"label": "x"}).status_code == 201


def test_a_path_outside_v1_is_404(db, clock):
    status, headers, body = handle_request("GET", "/reseller/pool-keys", "", {})
    assert status == 404
    assert "X-Request-ID" in headers
    assert b"route_not_found" in body


def test_the_core_takes_plain_arguments_and_returns_bytes(db, clock):
    headers = {"X-API-Key": settings.PROXIES_SX_SANDBOX_API_KEY, "Content-Type": "application/json"}
    status, out_headers, body = handle_request("POST", "/v1/reseller/pool-keys", "", headers, b'{"label":"core"}')
    assert status == 201
    assert isinstance(body, bytes) and b'"label":"core"' in body
    assert out_headers["Content-Type"].startswith("application/json")


def test_an_unexpected_failure_is_a_500_envelope_and_rolls_back(api, monkeypatch):
    def half_done_then_broken(request, now):
        SandboxKey.objects.create(public_id="pk_half", secret="pak_half", label="half", created_at=now, updated_at=now)
        raise RuntimeError("boom")

    routes = tuple(
        core.Route(r.method, r.pattern, half_done_then_broken) if r.handler is keys.key_list else r for r in core.ROUTES
    )
    monkeypatch.setattr(core, "ROUTES", routes)

    response = api.get("/reseller/pool-keys")

    assert response.status_code == 500
    assert error_code(response) == "internal_error"
    assert not SandboxKey.objects.exists()
