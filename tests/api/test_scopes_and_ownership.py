"""Scopes: a key may do only what its scopes allow (403 insufficient_scope, audited, nothing
done). Ownership: another customer's object is a 404 on every object endpoint, never a 403, and
nothing happens to it."""

import pytest

from apps.billing.models import Order
from apps.core.models import AuditEntry
from apps.proxies.models import PoolKey
from apps.sandbox.upstream.models import SandboxSession
from tests.api.conftest import *  # noqa: F403 (the shared API fixtures)
from tests.api.conftest import api_for, error_of
from tests.proxies.support import make_order, mint_key, open_session


def write_requests(key, session):
    return [
        ("patch", f"/api/v1/keys/{key.pk}", {"label": "renamed"}, "keys:write"),
        ("post", f"/api/v1/keys/{key.pk}/reveal", None, "keys:write"),
        ("post", f"/api/v1/keys/{key.pk}/regenerate", None, "keys:write"),
        ("delete", f"/api/v1/sessions/{session.session_key}", None, "sessions:write"),
        ("delete", "/api/v1/sessions", None, "sessions:write"),
        ("post", "/api/v1/orders", {"plan": "starter"}, "orders:write"),
    ]


def nothing_happened(upstream, key, session, label_before) -> None:
    key.refresh_from_db()
    assert key.label == label_before
    assert SandboxSession.objects.filter(session_key=session.session_key).exists()
    assert not Order.objects.exists()
    assert upstream.calls["reveal_key"] == upstream.calls["regenerate_key"] == upstream.calls["update_key"] == 0


@pytest.mark.parametrize("index", range(6))
def test_a_read_only_key_cannot_write_and_the_refusal_is_audited(client, upstream, customer, key, index):
    session = open_session(key, "s1")
    method, path, body, scope = write_requests(key, session)[index]
    api = api_for(client, customer, scopes=["read"])
    response = getattr(api, method)(path, body)
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "insufficient_scope" and scope in error["message"]
    nothing_happened(upstream, key, session, label_before=key.label)
    assert AuditEntry.objects.get(action="api_key.denied").data["missing"] == [scope]


def test_reading_needs_the_read_scope(client, customer, key):
    response = api_for(client, customer, scopes=["orders:write"]).get("/api/v1/keys")
    assert response.status_code == 403
    assert error_of(response)["code"] == "insufficient_scope"


def test_each_write_scope_allows_its_own_writes(client, upstream, customer, key):
    open_session(key, "s1")
    assert api_for(client, customer, scopes=["sessions:write"]).delete("/api/v1/sessions").status_code == 200
    assert api_for(client, customer, scopes=["keys:write"]).post(f"/api/v1/keys/{key.pk}/reveal").status_code == 200


def object_requests(key, order, session):
    return [
        ("get", f"/api/v1/keys/{key.pk}", None),
        ("patch", f"/api/v1/keys/{key.pk}", {"label": "mine now"}),
        ("post", f"/api/v1/keys/{key.pk}/reveal", None),
        ("post", f"/api/v1/keys/{key.pk}/regenerate", None),
        ("get", f"/api/v1/keys/{key.pk}/usage", None),
        ("get", f"/api/v1/orders/{order.public_id}", None),
        ("delete", f"/api/v1/sessions/{session.session_key}", None),
        ("post", "/api/v1/proxy-urls", {"key_id": key.pk}),
        ("post", "/api/v1/orders", {"plan": "starter", "key_id": key.pk}),
    ]


@pytest.mark.parametrize("index", range(9))
def test_another_customers_objects_are_404_and_untouched(client, upstream, customer, other_customer, key, index):
    order = make_order(customer, fulfilment_ref=str(key.pk))
    session = open_session(key, "theirs")
    mint_key(other_customer)  # the intruder has a key of their own
    method, path, body = object_requests(key, order, session)[index]
    response = getattr(api_for(client, other_customer), method)(path, body)
    assert response.status_code == 404
    assert error_of(response)["type"] == "not_found"
    key.refresh_from_db()
    assert key.label != "mine now" and key.customer == customer
    assert SandboxSession.objects.filter(session_key=session.session_key).exists()
    assert Order.objects.count() == 1
    assert upstream.calls["reveal_key"] == upstream.calls["regenerate_key"] == upstream.calls["update_key"] == 0


def test_lists_hold_only_the_callers_own_objects(client, upstream, customer, other_customer, key):
    theirs = mint_key(other_customer)
    make_order(other_customer, fulfilment_ref=str(theirs.pk))
    open_session(theirs, "theirs")
    api = api_for(client, customer)
    assert api.get("/api/v1/keys").json()["data"][0]["id"] == key.pk
    assert len(api.get("/api/v1/keys").json()["data"]) == 1
    assert api.get("/api/v1/orders").json()["data"] == []
    assert api.get("/api/v1/sessions").json()["data"] == []


def test_a_deleted_key_is_gone_from_the_api(api, upstream, key):
    PoolKey.objects.filter(pk=key.pk).update(deleted_at=key.created_at)
    assert api.get(f"/api/v1/keys/{key.pk}").status_code == 404
    assert api.get("/api/v1/keys").json()["data"] == []
