"""Private pages are never cached: every response to a signed-in visitor, and every page reached
by a token link, says `Cache-Control: private, no-store`; static files and the public pages for
anonymous visitors stay cacheable."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from apps.billing.models import Order
from tests.billing.factories import OrderFactory
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.proxies.factories import PoolKeyFactory

pytestmark = pytest.mark.django_db

PRIVATE_PAGES = [
    "/",
    "/dashboard/",
    "/dashboard/orders/",
    "/account/",
    "/accounts/email/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/password/change/",
]


@pytest.fixture
def customer_client(client):
    customer = UserFactory(email="alice@example.com")
    response = client.post("/accounts/login/", {"login": customer.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    # The two-factor set-up page asks for the password again first.
    assert client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD}).status_code == 302
    client.customer = customer
    return client


def _assert_private(response, url: str) -> None:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, f"{url} answered {response.status_code} with {directives}"


def _parameterless_paths() -> list[str]:
    """Every route in the URL conf that takes no parameters."""

    def walk(patterns, prefix: str):
        for entry in patterns:
            route = str(entry.pattern).lstrip("^").rstrip("$")
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern) and not re.search(r"[<(\\\[*+?]", route):
                yield "/" + prefix + route

    return sorted(set(walk(get_resolver().url_patterns, "")))


@pytest.mark.parametrize("url", PRIVATE_PAGES)
def test_account_dashboard_and_two_factor_pages_are_private(customer_client, url):
    response = customer_client.get(url)

    assert response.status_code == 200, url
    _assert_private(response, url)


def test_orders_receipts_and_order_status_are_private(customer_client):
    order = OrderFactory(customer=customer_client.customer, status=Order.Status.PAID, paid_at=timezone.now())
    PoolKeyFactory(customer=customer_client.customer)

    for url in [f"/dashboard/orders/{order.public_id}/", f"/billing/orders/{order.public_id}/status/"]:
        response = customer_client.get(url)
        assert response.status_code == 200, url
        _assert_private(response, url)


def test_every_route_answers_a_signed_in_visitor_with_private_no_store(customer_client):
    paths = _parameterless_paths()
    assert "/dashboard/orders/" in paths and "/accounts/email/" in paths

    for url in paths:
        _assert_private(customer_client.get(url), url)


def test_a_view_that_sets_its_own_cache_control_keeps_it(customer_client):
    response = customer_client.get("/healthz")

    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_token_link_pages_are_private_for_anonymous_visitors_too(client):
    for url in ["/accounts/password/reset/key/6-abc123-0123456789abcdef/", "/accounts/confirm-email/MQ:1tXy:abc/"]:
        _assert_private(client.get(url), url)


def test_public_landing_page_and_static_files_stay_cacheable_for_anonymous_visitors(client):
    landing = client.get("/")
    static = client.get("/static/css/app.css")

    assert landing.status_code == 200 and "Cache-Control" not in landing
    assert static.status_code == 200
    assert "private" not in static.get("Cache-Control", "") and "no-store" not in static.get("Cache-Control", "")


def test_static_files_stay_cacheable_for_signed_in_visitors(customer_client):
    static = customer_client.get("/static/css/app.css")

    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")
