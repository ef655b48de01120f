"""The SSRF guard in production mode (private targets not allowed)."""

import pytest

from apps.webhooks import targets
from apps.webhooks.models import WebhookEndpoint
from apps.webhooks.services import webhook_endpoint_create
from apps.webhooks.targets import TargetRefused, target_resolve


@pytest.fixture(autouse=True)
def production_rules(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://192.168.1.1/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
    ],
)
def test_private_and_reserved_addresses_are_refused(url):
    with pytest.raises(TargetRefused):
        target_resolve(url)


def test_a_hostname_resolving_to_a_private_address_is_refused(monkeypatch):
    monkeypatch.setattr(targets, "host_resolve", lambda host, port: ["93.184.216.34", "10.0.0.7"])
    with pytest.raises(TargetRefused, match="private"):
        target_resolve("https://hooks.example.com/in")


def test_a_public_hostname_is_pinned_to_the_address_checked(monkeypatch):
    monkeypatch.setattr(targets, "host_resolve", lambda host, port: ["93.184.216.34"])
    target = target_resolve("https://hooks.example.com/in?x=1")
    assert target.pinned_url == "https://93.184.216.34:443/in?x=1"
    assert target.host_header == "hooks.example.com"


def test_http_is_refused_in_production():
    with pytest.raises(TargetRefused, match="https"):
        target_resolve("http://93.184.216.34/in")


@pytest.mark.django_db
def test_saving_a_private_endpoint_is_refused_and_nothing_is_stored(customer):
    with pytest.raises(TargetRefused):
        webhook_endpoint_create(customer=customer, url="https://10.0.0.1/hook")
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_an_endpoint_that_turned_private_is_not_sent_to(customer, monkeypatch, django_capture_on_commit_callbacks):
    from apps.events.services import event_record
    from apps.webhooks.models import WebhookDelivery
    from apps.webhooks.services import webhook_delivery_attempt, webhook_fan_out

    monkeypatch.setattr(targets, "host_resolve", lambda host, port: ["93.184.216.34"])
    webhook_endpoint_create(customer=customer, url="https://hooks.example.com/in")
    monkeypatch.setattr(targets, "host_resolve", lambda host, port: ["127.0.0.1"])  # DNS now rebinds
    event = event_record(type="key.created", customer_id=customer.pk, resource_type="key", resource_id=1)
    webhook_fan_out(event_id=event.pk)
    delivery = WebhookDelivery.objects.get()
    webhook_delivery_attempt(delivery_id=delivery.pk)
    attempt = delivery.attempts.get()
    assert attempt.status_code is None and attempt.error.startswith("refused")
