"""Celery: inline without Redis, a Redis broker with it, request ids carried into tasks, beat."""

import logging
import threading
import uuid

import pytest
from celery import shared_task
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from apps.core.logging import RequestIdFilter
from apps.core.request_context import request_id_var
from apps.core.tasks import sessions_clear_expired
from storefront.celery import app

from .fresh_settings import import_settings
from .subprocesses import load_settings

seen: list[tuple[str, str]] = []
done = threading.Event()


@shared_task(name="tests.core.record_request_id")
def record_request_id(label: str) -> str:
    logging.getLogger("tests.core.celery").info("task %s running", label)
    seen.append((label, request_id_var.get()))
    done.set()
    return request_id_var.get()


@pytest.fixture(autouse=True)
def _reset_seen():
    seen.clear()
    done.clear()


def test_without_redis_a_task_runs_inline_in_the_calling_process():
    code = (
        "from celery import shared_task\n"
        "@shared_task\n"
        "def add(a, b):\n"
        "    return a + b\n"
        "result = add.delay(2, 3)\n"
        "from django.conf import settings\n"
        "print(settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL, result.get(timeout=1))\n"
    )
    result = load_settings(settings="storefront.settings.local", env={}, code=code)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "memory://", "5"]


def test_with_redis_url_jobs_go_to_the_redis_broker(monkeypatch):
    local = import_settings("storefront.settings.local", {"REDIS_URL": "redis://redis:6379/0"}, monkeypatch)

    assert local.CELERY_TASK_ALWAYS_EAGER is False
    assert local.CELERY_BROKER_URL == "redis://redis:6379/0"
    assert local.CELERY_WORKER_HIJACK_ROOT_LOGGER is False


def test_eager_task_logs_under_the_request_that_queued_it():
    token = request_id_var.set("req-eager-0001")
    try:
        result = record_request_id.delay("eager")
    finally:
        request_id_var.reset(token)

    assert result.get() == "req-eager-0001"
    assert request_id_var.get() == "-"


def test_task_without_a_request_logs_under_its_own_id():
    result = record_request_id.apply(args=["beat"], task_id="task-id-0001")

    assert result.get() == "task-id-0001"


def test_task_takes_the_request_id_from_its_message_headers():
    result = record_request_id.apply(args=["worker"], headers={"request_id": "req-from-header"})

    assert result.get() == "req-from-header"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.addFilter(RequestIdFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_queued_task_carries_the_request_id_to_the_worker(db):
    handler = _Records()
    task_logger = logging.getLogger("tests.core.celery")
    task_logger.addHandler(handler)
    task_logger.setLevel(logging.INFO)
    # A real worker thread on the in-memory broker: publish, consume, run. A queue of its own,
    # so nothing another test left on the broker gets in the way. (`db`: the worker runs the
    # system checks when it starts.)
    queue = f"tests-core-{uuid.uuid4().hex[:8]}"
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]):
            token = request_id_var.set("req-queued-0001")
            try:
                app.send_task("tests.core.record_request_id", args=["queued"], queue=queue)
            finally:
                request_id_var.reset(token)
            assert done.wait(timeout=30), "the worker did not run the task"
    finally:
        app.conf.task_always_eager = True
        task_logger.removeHandler(handler)
        task_logger.setLevel(logging.NOTSET)

    assert seen == [("queued", "req-queued-0001")]
    assert [(r.getMessage(), r.request_id) for r in handler.records] == [("task queued running", "req-queued-0001")]


def test_expired_sessions_are_cleared_and_live_ones_kept(db):
    live = SessionStore()
    live["cart"] = 1
    live.create()
    expired = SessionStore()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now() - timezone.timedelta(1))

    assert sessions_clear_expired.delay().get() == 1

    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()

    assert "core-clear-expired-sessions" in settings.CELERY_BEAT_SCHEDULE
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"beat entry {name!r} names unknown task {entry['task']!r}"


def test_beat_keeps_its_schedule_in_a_writable_data_directory(monkeypatch):
    local = import_settings("storefront.settings.local", {}, monkeypatch)

    assert str(local.DATA_DIR / "celerybeat-schedule") == local.CELERY_BEAT_SCHEDULE_FILENAME
    assert app.conf.beat_schedule_filename == settings.CELERY_BEAT_SCHEDULE_FILENAME
