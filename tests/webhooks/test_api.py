"""API v1 webhook endpoints: CRUD, secret once, rotation, test, deliveries, redeliver; scopes and
another customer's objects (404)."""

import pytest
from standardwebhooks import Webhook

from apps.webhooks.models import MAX_ENDPOINTS_PER_CUSTOMER, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.api.conftest import *  # noqa: F403 (the shared API fixtures)
from tests.api.conftest import api_for, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def local_targets(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True


def create(api, url, **body):
    return api.post("/api/v1/webhook-endpoints", {"url": url, **body})


def test_create_shows_the_secret_once(api, receiver):
    response = create(api, receiver.url, event_types=["key.created"], description="ops")
    assert response.status_code == 201
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["key.created"]
    listed = api.get("/api/v1/webhook-endpoints").json()
    assert "secret" not in listed["data"][0] and "whsec_" not in str(listed)
    assert "secret" not in api.get(f"/api/v1/webhook-endpoints/{body['id']}").json()


def test_an_unknown_event_type_is_a_400(api, receiver):
    response = create(api, receiver.url, event_types=["key.exploded"])
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_a_private_url_is_refused_in_production(api, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    response = create(api, "https://10.0.0.1/hook")
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_url"
    assert not WebhookEndpoint.objects.exists()


def test_at_most_ten_endpoints(api, receiver):
    for n in range(MAX_ENDPOINTS_PER_CUSTOMER):
        assert create(api, f"{receiver.url}/{n}").status_code == 201
    response = create(api, receiver.url)
    assert response.status_code == 422
    assert WebhookEndpoint.objects.count() == MAX_ENDPOINTS_PER_CUSTOMER


def test_patch_and_delete(api, receiver):
    endpoint_id = create(api, receiver.url).json()["id"]
    response = api.patch(f"/api/v1/webhook-endpoints/{endpoint_id}", {"enabled": False, "description": "paused"})
    assert response.status_code == 200 and response.json()["enabled"] is False
    assert api.delete(f"/api/v1/webhook-endpoints/{endpoint_id}").status_code == 200
    assert not WebhookEndpoint.objects.exists()


def test_test_event_is_delivered_signed_and_listed(api, receiver, django_capture_on_commit_callbacks):
    created = create(api, receiver.url).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/webhook-endpoints/{created['id']}/test")
    assert response.status_code == 200
    received = receiver.requests[0]
    payload = Webhook(created["secret"]).verify(received.body, received.headers)
    assert payload["type"] == "webhook.test" and payload["id"] == response.json()["event_id"]
    deliveries = api.get(f"/api/v1/webhook-endpoints/{created['id']}/deliveries").json()["data"]
    assert [d["status"] for d in deliveries] == ["succeeded"]


def test_rotate_then_redeliver_signs_with_both(api, receiver, django_capture_on_commit_callbacks):
    created = create(api, receiver.url).json()
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhook-endpoints/{created['id']}/test")
    rotated = api.post(f"/api/v1/webhook-endpoints/{created['id']}/rotate-secret").json()
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 200
    again = receiver.requests[1]
    assert again.headers["webhook-id"] == receiver.requests[0].headers["webhook-id"]
    Webhook(created["secret"]).verify(again.body, again.headers)
    Webhook(rotated["secret"]).verify(again.body, again.headers)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempt_count == 2


def test_another_customers_endpoint_and_delivery_are_404_and_untouched(
    client, api, other_customer, receiver, django_capture_on_commit_callbacks
):
    theirs = create(api_for(client, other_customer), receiver.url).json()
    with django_capture_on_commit_callbacks(execute=True):
        api_for(client, other_customer).post(f"/api/v1/webhook-endpoints/{theirs['id']}/test")
    delivery = WebhookDelivery.objects.get()
    base = f"/api/v1/webhook-endpoints/{theirs['id']}"
    for method, path in [
        ("get", base),
        ("patch", base),
        ("delete", base),
        ("post", f"{base}/rotate-secret"),
        ("post", f"{base}/test"),
        ("get", f"{base}/deliveries"),
        ("post", f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver"),
    ]:
        response = getattr(api, method)(path, {"enabled": False}) if method == "patch" else getattr(api, method)(path)
        assert response.status_code == 404, (method, path)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.enabled and endpoint.secret == theirs["secret"] and not endpoint.previous_secret
    assert WebhookDelivery.objects.count() == 1 and len(receiver.requests) == 1


def test_writing_needs_the_webhooks_scope(client, customer, receiver):
    reader = api_for(client, customer, scopes=("read",))
    response = create(reader, receiver.url)
    assert response.status_code == 403
    assert error_of(response)["code"] == "insufficient_scope"
    assert not WebhookEndpoint.objects.exists()
    assert reader.get("/api/v1/webhook-endpoints").status_code == 200
