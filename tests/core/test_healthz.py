"""/healthz: JSON status of the database (and Redis when configured); 503 when one is down."""

import logging
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import override_settings
from django.urls import resolve


def test_healthz_reports_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_down(client, db, caplog):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "down", "checks": {"database": "down"}}
    assert "healthz: database check failed: OperationalError" in caplog.text


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_healthz_answers_503_when_redis_is_unreachable(client, db):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "down", "checks": {"database": "ok", "redis": "down"}}


@pytest.mark.redis
def test_healthz_checks_redis_when_configured(client, db, redis_url):
    with override_settings(REDIS_URL=redis_url):
        response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"] == "ok" and body["checks"]["redis"] == "ok"
    assert body["status"] in {"ok", "degraded"}  # degraded: no worker or beat in this test


def test_healthz_is_not_wrapped_in_the_request_transaction():
    view = resolve("/healthz").func

    # ATOMIC_REQUESTS would open a transaction first, and fail before the check could report.
    assert view._non_atomic_requests == {"default"}


def test_healthz_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405


def test_healthz_does_not_log_every_probe_at_info(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="storefront.access"):
        client.get("/healthz")

    assert not [r for r in caplog.records if r.name == "storefront.access" and r.levelno >= logging.INFO]
