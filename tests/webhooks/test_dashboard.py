"""The dashboard's webhooks page: add (the secret shown once), test, pause, rotate, delete;
another customer's endpoint is a 404."""

import pytest

from apps.webhooks.models import WebhookDelivery, WebhookEndpoint
from apps.webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db
PAGE = "/dashboard/api/webhooks/"


@pytest.fixture(autouse=True)
def local_targets(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True


def test_adding_shows_the_secret_once(customer_client, receiver):
    response = customer_client.post(PAGE, {"url": receiver.url, "event_types": ["key.created"]})
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["key.created"]
    page = customer_client.get(PAGE).content.decode()
    assert endpoint.secret in page
    assert endpoint.secret not in customer_client.get(PAGE).content.decode()


def test_a_bad_url_is_a_400_and_nothing_is_saved(customer_client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    response = customer_client.post(PAGE, {"url": "https://127.0.0.1/hook"})
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_actions_redirect_and_act(customer_client, customer, receiver, django_capture_on_commit_callbacks):
    endpoint, _secret = webhook_endpoint_create(customer=customer, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        assert customer_client.post(f"{PAGE}{endpoint.pk}/test/").status_code == 302
    assert WebhookDelivery.objects.get().status == "succeeded"
    customer_client.post(f"{PAGE}{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    customer_client.post(f"{PAGE}{endpoint.pk}/rotate/")
    endpoint.refresh_from_db()
    assert endpoint.previous_secret and endpoint.secret in customer_client.get(PAGE).content.decode()
    customer_client.post(f"{PAGE}{endpoint.pk}/delete/")
    assert not WebhookEndpoint.objects.exists()


def test_another_customers_endpoint_is_404_and_untouched(customer_client, other_customer, receiver):
    endpoint, _secret = webhook_endpoint_create(customer=other_customer, url=receiver.url)
    for action in ("toggle", "rotate", "delete", "test"):
        assert customer_client.post(f"{PAGE}{endpoint.pk}/{action}/").status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.enabled and not endpoint.previous_secret
    assert not WebhookDelivery.objects.exists()
