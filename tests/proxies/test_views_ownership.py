"""Every object-scoped dashboard URL, walked as a second customer: each answers 404 (never 403,
which would confirm the object exists) and changes nothing, upstream or local."""

import pytest
from django.urls import reverse

from apps.billing import urls_dashboard as order_urls
from apps.billing.models import Order
from apps.core.models import AuditEntry
from apps.proxies import urls as proxies_urls
from apps.sandbox.upstream.models import SandboxSession
from tests.proxies.fakes import key_accepts
from tests.proxies.support import make_order, open_session

# Every route that takes an object id, and how to call it. A new object-scoped route must be
# added here: test_every_object_scoped_route_is_walked fails until it is.
# (The order pages are billing's, on the dashboard: apps/billing/urls_dashboard.py.)
SCOPED = {
    "proxies:key_reveal": [("post", {}), ("post", {"HTTP_ACCEPT": "application/json"})],
    "proxies:key_regenerate": [("get", {}), ("post", {})],
    "proxies:key_bulk": [("post", {})],
    "proxies:key_rename": [("post", {})],
    "proxies:key_move": [("post", {})],
    "proxies:key_alerts": [("post", {})],
    "proxies:key_delete": [("get", {}), ("post", {})],
    "proxies:key_test": [("post", {}), ("post", {"HTTP_HX_REQUEST": "true"})],
    "proxies:key_tests": [("get", {})],
    "proxies:key_usage": [("get", {})],
    "proxies:key_history": [("get", {})],
    "proxies:key_buy": [("get", {})],
    "proxies:key_manage": [("get", {}), ("get", {"HTTP_HX_REQUEST": "true"})],
    "proxies:session_close": [("post", {}), ("post", {"HTTP_HX_REQUEST": "true"})],
    "orders:receipt": [("get", {})],
    "orders:invoice": [("get", {})],
}


def test_every_object_scoped_route_is_walked():
    scoped = {
        f"{module.app_name}:{p.name}"
        for module in (proxies_urls, order_urls)
        for p in module.urlpatterns
        if p.pattern.converters
    }
    # The builder's suggestions file is named by its content version, not an object of anyone's.
    assert scoped - {"proxies:builder_suggestions"} == set(SCOPED)


@pytest.fixture
def victim(upstream, customer, key):
    """The first customer's objects: a key, a live session, an order."""
    order = make_order(customer, status=Order.Status.PROVISIONED, fulfilment_ref=str(key.pk))
    session = open_session(key, "mine")
    return {"key": key, "order": order, "session": session}


def _args(name, victim):
    if name.startswith("proxies:key_"):
        return [victim["key"].pk]
    if name == "proxies:session_close":
        return [victim["session"].session_key]
    return [victim["order"].public_id]


POST_BODIES = {
    "proxies:key_rename": {"op": "0" * 32, "label": "mine now"},
    "proxies:key_move": {"op": "0" * 32, "gb": "1", "label": "mine now"},
    "proxies:key_alerts": {"warn_percent": "10", "full_percent": "20"},
    "proxies:key_delete": {"confirm": "on"},
    "proxies:key_regenerate": {"op": "0" * 32, "confirm": "on"},
    "proxies:key_bulk": {
        "bulk-count": "5",
        "bulk-pool": "mbl",
        "bulk-country": "",
        "bulk-rotation": "sticky",
        "bulk-ttl": "",
        "bulk-protocol": "http",
        "bulk-seed": "abcdef",
        "bulk-format": "txt",
    },
}


@pytest.mark.parametrize(
    ("name", "method", "headers"), [(name, m, h) for name, calls in SCOPED.items() for m, h in calls]
)
def test_a_second_customer_gets_404_and_changes_nothing(
    client, upstream, victim, other_customer, name, method, headers
):
    secret = upstream.client.reveal_key(victim["key"].upstream_id).secret
    upstream.calls.clear()
    audit_before = AuditEntry.objects.count()
    client.force_login(other_customer)
    url = reverse(name, args=_args(name, victim))
    response = getattr(client, method)(url, POST_BODIES.get(name, {}), **headers)
    assert response.status_code == 404
    body = response.content.decode()
    assert secret not in body
    assert str(victim["order"].public_id) not in body
    writes = {"reveal_key", "regenerate_key", "close_session", "close_all_sessions", "update_key", "delete_key"}
    assert not writes & set(upstream.calls)
    assert AuditEntry.objects.count() == audit_before
    assert key_accepts(secret)
    assert SandboxSession.objects.filter(session_key=victim["session"].session_key).exists()


def test_the_owner_reaches_the_same_urls(client, upstream, victim, customer):
    client.force_login(customer)
    assert client.get(reverse("orders:receipt", args=[victim["order"].public_id])).status_code == 200
    assert client.get(reverse("proxies:key_regenerate", args=[victim["key"].pk])).status_code == 200
    assert client.post(reverse("proxies:key_reveal", args=[victim["key"].pk])).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, upstream, victim):
    for name, calls in SCOPED.items():
        for method, _headers in calls:
            response = getattr(client, method)(reverse(name, args=_args(name, victim)))
            assert response.status_code == 302, name
            assert "/accounts/login/" in response["Location"]


def test_unknown_or_malformed_ids_are_404(client, upstream, victim, customer):
    client.force_login(customer)
    assert client.post(reverse("proxies:key_reveal", args=[999999])).status_code == 404
    assert client.get("/dashboard/orders/not-a-uuid/").status_code == 404
    assert client.post(reverse("proxies:session_close", args=["gw:session:nope"])).status_code == 404
