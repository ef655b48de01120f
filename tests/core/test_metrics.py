"""/metrics: Prometheus exposition behind a token or an address allowlist; shared counters."""

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from apps.core import metrics
from apps.core.heartbeats import redis_client
from apps.core.metrics import metric_count, shared_samples
from tests.billing.factories import OrderFactory
from tests.proxies.fakes import sandbox_upstream

from .fresh_settings import import_settings

TOKEN = "metrics-token-" + "x" * 24
URL = "/metrics"


@pytest.fixture(autouse=True)
def _fresh_local_samples():
    metrics.local_metrics_reset()
    yield
    metrics.local_metrics_reset()


def test_metrics_do_not_exist_without_a_token_or_allowlist(client, db):
    assert client.get(URL).status_code == 404


@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_refuse_a_missing_or_wrong_token_with_404(client, db):
    assert client.get(URL).status_code == 404
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get(URL, HTTP_AUTHORIZATION=TOKEN).status_code == 404  # not a bearer header


@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_answer_the_bearer_token_with_shop_figures(client, db):
    OrderFactory(status="pending")

    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    body = response.content.decode()
    assert 'storefront_orders{status="pending"} 1.0' in body
    assert 'storefront_orders{status="provisioned"} 0.0' in body
    assert "storefront_provisioning_lag_seconds 0.0" in body


@override_settings(METRICS_ALLOWED_IPS=["127.0.0.0/8"])
def test_metrics_answer_an_allowed_address_without_a_token(client, db):
    assert client.get(URL, REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get(URL, REMOTE_ADDR="203.0.113.9").status_code == 404


@override_settings(METRICS_TOKEN=TOKEN)
def test_requests_are_counted_and_timed_by_method_status_and_view(client, db):
    client.get("/healthz")
    client.get("/healthz")

    body = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()

    assert 'storefront_http_requests_total{method="GET",status="200"}' in body
    assert 'storefront_http_request_duration_seconds_count{method="GET",view="healthz"} 2.0' in body
    assert 'storefront_http_request_duration_seconds_bucket{le="+Inf",method="GET",view="healthz"} 2.0' in body


@override_settings(METRICS_TOKEN=TOKEN)
def test_upstream_calls_are_counted_by_operation_and_outcome(client, db, monkeypatch):
    sandbox_upstream(monkeypatch)
    from apps.proxies.services.client import upstream_client

    upstream_client().list_keys()

    body = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    assert 'storefront_upstream_calls_total{operation="list_keys",outcome="200"} 1.0' in body
    assert 'storefront_upstream_call_duration_seconds_count{operation="list_keys"} 1.0' in body


@pytest.mark.redis
def test_counters_are_shared_through_redis_between_processes(redis_url, monkeypatch):
    monkeypatch.setattr(metrics, "HASH_KEY", f"tests:metrics:{uuid.uuid4().hex[:8]}")
    with override_settings(REDIS_URL=redis_url):
        metric_count("storefront_upstream_calls", labels={"operation": "x", "outcome": "200"})
        metric_count("storefront_upstream_calls", labels={"operation": "x", "outcome": "200"})
        metrics.local_metrics_reset()  # nothing kept in this process: the figure comes from Redis
        samples = shared_samples()
        redis_client().delete(metrics.HASH_KEY)

    assert samples == [("storefront_upstream_calls_total", {"operation": "x", "outcome": "200"}, 2.0)]


def test_a_bad_allowlist_entry_is_refused_clearly(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="METRICS_ALLOWED_IPS: 'not-an-ip'"):
        import_settings("storefront.settings.local", {"METRICS_ALLOWED_IPS": "10.0.0.0/8,not-an-ip"}, monkeypatch)


def test_a_short_metrics_token_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="METRICS_TOKEN must be at least 24"):
        import_settings("storefront.settings.local", {"METRICS_TOKEN": "short"}, monkeypatch)
