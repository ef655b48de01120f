"""The dashboard's "Test my proxy" panel: the Test button starts a test of the key, the result
shows (the list polls while one runs), and another customer's key is a 404."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.proxies.models import ProxyTest
from tests.proxies.support import mint_key

HTMX = {"HX-Request": "true"}


@pytest.mark.postgres
def test_the_test_button_shows_the_exit(live_gateway, upstream, customer, customer_client):
    key = mint_key(customer)
    page = customer_client.get(reverse("proxies:dashboard"))
    assert 'id="proxy-test-button"' in page.content.decode()
    response = customer_client.post(
        reverse("proxies:key_test", args=[key.pk]), {"username": "psx_sandbox-mbl-gb", "protocol": "http"}, headers=HTMX
    )
    assert response.status_code == 200
    listing = customer_client.get(reverse("proxies:key_tests", args=[key.pk]), headers=HTMX).content.decode()
    test = ProxyTest.objects.get(pool_key=key)
    assert test.status == "passed"
    assert test.exit_ip in listing and "GB" in listing and "country=gb" in listing


def test_a_malformed_username_is_explained_on_the_page(upstream, customer, customer_client):
    key = mint_key(customer)
    html = customer_client.post(
        reverse("proxies:key_test", args=[key.pk]), {"username": "psx_sandbox-mbl-usa"}, headers=HTMX
    ).content.decode()
    assert "The username is malformed" in html and "usa" in html and "What to do" in html


def test_a_pending_test_makes_the_list_poll(upstream, customer, customer_client):
    key = mint_key(customer)
    ProxyTest.objects.create(pool_key=key, username="psx_sandbox-mbl", options={"pool": "mbl"})
    html = customer_client.get(reverse("proxies:key_tests", args=[key.pk]), headers=HTMX).content.decode()
    assert 'hx-trigger="every 1s"' in html and "Running" in html


def test_the_rate_limit_is_said_on_the_page(upstream, customer, customer_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "proxy_test": "1/10m/user"}
    key = mint_key(customer)
    url = reverse("proxies:key_test", args=[key.pk])
    customer_client.post(url, {"username": "psx_sandbox-mbl-usa"}, headers=HTMX)
    refused = customer_client.post(url, {"username": "psx_sandbox-mbl-usa"}, headers=HTMX)
    assert refused.status_code == 429
    assert "tested many times" in refused.content.decode()


def test_without_javascript_the_button_returns_to_the_panel(upstream, customer, customer_client):
    key = mint_key(customer)
    response = customer_client.post(reverse("proxies:key_test", args=[key.pk]), {"username": "psx_sandbox-zz-zz"})
    assert response.status_code == 302 and response["Location"].endswith("#proxy-test")


def test_another_customers_key_is_a_404(upstream, customer, other_customer, customer_client):
    key = mint_key(other_customer)
    assert customer_client.post(reverse("proxies:key_test", args=[key.pk]), headers=HTMX).status_code == 404
    assert customer_client.get(reverse("proxies:key_tests", args=[key.pk])).status_code == 404
    assert not ProxyTest.objects.exists()


def test_a_test_the_worker_never_ran_stops_the_polling(upstream, customer, customer_client):
    key = mint_key(customer)
    test = ProxyTest.objects.create(pool_key=key, username="psx_sandbox-mbl", options={"pool": "mbl"})
    ProxyTest.objects.filter(pk=test.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    html = customer_client.get(reverse("proxies:key_tests", args=[key.pk]), headers=HTMX).content.decode()
    assert "hx-trigger" not in html and "did not run" in html
