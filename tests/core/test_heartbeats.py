"""Worker and beat liveness: heartbeats in Redis, /healthz "degraded" when one is stale, one beat."""

import json
import time
import uuid
from unittest import mock

import pytest
from django.test import override_settings

from apps.core import heartbeats
from apps.core.heartbeats import beat_lock_acquire, heartbeat_write
from apps.core.selectors import jobs_backlog
from storefront import celery as celery_module
from storefront.celery import app

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_settings(redis_url, monkeypatch):
    """Redis configured, with heartbeat keys of this test's own (xdist workers share the db)."""
    prefix = f"tests:{uuid.uuid4().hex[:8]}:"
    monkeypatch.setattr(heartbeats, "KEY_PREFIX", prefix + "heartbeat:")
    monkeypatch.setattr(heartbeats, "BEAT_LOCK_KEY", prefix + "beat-lock")
    with override_settings(REDIS_URL=redis_url, HEARTBEAT_SECONDS=30, HEARTBEAT_STALE_SECONDS=120):
        yield prefix


def test_healthz_is_ok_while_worker_and_beat_are_fresh(client, db, redis_settings):
    heartbeat_write(role="worker")
    heartbeat_write(role="beat")

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "redis": "ok", "worker": "ok", "beat": "ok"}


def test_a_stale_worker_makes_healthz_degraded_but_still_200(client, db, redis_settings):
    heartbeat_write(role="worker", at=time.time() - 600)
    heartbeat_write(role="beat")

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["worker"] == "stale"
    assert response.json()["heartbeat_age_seconds"]["worker"] >= 600


def test_strict_healthz_answers_503_when_degraded(client, db, redis_settings):
    heartbeat_write(role="worker")  # beat never seen

    response = client.get("/healthz?strict=1")

    assert response.status_code == 503
    assert response.json()["checks"]["beat"] == "missing"


def test_strict_healthz_answers_200_when_everything_is_fresh(client, db, redis_settings):
    heartbeat_write(role="worker")
    heartbeat_write(role="beat")

    assert client.get("/healthz?strict=1").status_code == 200


def test_the_worker_step_writes_a_heartbeat_at_start_and_on_its_timer(redis_settings):
    calls = []

    class Timer:
        def call_repeatedly(self, seconds, fun, kwargs=None, priority=0):
            calls.append((seconds, fun, kwargs))
            return mock.Mock()

    worker = mock.Mock(timer=Timer())
    step = celery_module.WorkerHeartbeat(worker)
    # (A real worker is not started here: a second one in a test process reconfigures logging.)
    step.start(worker)

    assert celery_module.WorkerHeartbeat in app.steps["worker"]
    assert heartbeats.heartbeat_ages()["worker"] < 60
    [(seconds, fun, kwargs)] = calls
    assert (seconds, fun, kwargs) == (30, heartbeat_write, {"role": "worker"})
    step.stop(worker)
    step.timer_ref.cancel.assert_called_once()


def test_a_second_beat_refuses_to_start(redis_settings, monkeypatch):
    assert beat_lock_acquire(owner="other-host:1")
    monkeypatch.setattr(celery_module, "_beat_owner", None)

    with pytest.raises(SystemExit):
        celery_module._beat_start()

    assert celery_module._beat_owner is None
    assert heartbeats.heartbeat_ages()["beat"] is None


def test_the_first_beat_takes_the_lock_and_publishing_keeps_it_alive(redis_settings, monkeypatch):
    monkeypatch.setattr(celery_module, "_beat_owner", None)
    monkeypatch.setattr(celery_module.atexit, "register", lambda *a, **k: None)

    celery_module._beat_start()
    owner = celery_module._beat_owner
    celery_module._send_request_id(headers={})

    assert owner is not None
    assert not beat_lock_acquire(owner="other-host:1")
    assert heartbeats.heartbeat_ages()["beat"] < 60


def test_jobs_backlog_reports_the_oldest_waiting_job(redis_settings):
    queue = f"{redis_settings}queue"
    client = heartbeats.redis_client()
    # kombu pushes on the left: the older job goes in first.
    client.lpush(queue, json.dumps({"headers": {"sent_at": time.time() - 300}}))
    client.lpush(queue, json.dumps({"headers": {"sent_at": time.time() - 30}}))
    try:
        backlog = jobs_backlog(queue=queue)
    finally:
        client.delete(queue)

    assert backlog["waiting"] == 2
    assert 299 <= backlog["oldest_seconds"] < 360


def test_published_jobs_carry_the_time_they_were_queued():
    headers: dict = {}

    celery_module._send_request_id(headers=headers)

    assert abs(headers["sent_at"] - time.time()) < 60
