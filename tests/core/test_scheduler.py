"""Without a broker, the serving development server runs the beat schedule itself."""

import os
import signal
import socket
import subprocess
import sys
import threading

import pytest
from django.test import override_settings

from apps.core.scheduler import FIRST_RUN_DELAY, Scheduler, scheduler_wanted

from .subprocesses import ROOT


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("argv", "environ", "wanted"),
    [
        (["manage.py", "runserver", "127.0.0.1:8100"], {"RUN_MAIN": "true"}, True),
        (["manage.py", "runserver", "--noreload"], {}, True),
        (["manage.py", "runserver", "127.0.0.1:8100"], {}, False),  # the autoreloader's parent
        (["manage.py", "migrate"], {"RUN_MAIN": "true"}, False),
        (["manage.py", "demo_data"], {}, False),
        (["pytest", "tests"], {}, False),
    ],
)
def test_only_the_serving_runserver_process_runs_the_schedule(argv, environ, wanted):
    assert scheduler_wanted(argv=argv, environ=environ) is wanted


@override_settings(REDIS_URL="redis://127.0.0.1:6379/0")
def test_with_a_broker_beat_runs_the_schedule_not_the_web_process():
    assert not scheduler_wanted(argv=["manage.py", "runserver", "--noreload"], environ={})


@override_settings(RUNSERVER_SCHEDULER=False)
def test_the_in_process_schedule_can_be_turned_off():
    assert not scheduler_wanted(argv=["manage.py", "runserver", "--noreload"], environ={})


def test_each_job_runs_soon_after_start_then_every_period(db):
    clock, ran = Clock(), []
    scheduler = Scheduler(
        {"sync": {"task": "sync-task", "schedule": 300.0}, "tick": {"task": "tick-task", "schedule": 30}},
        clock=clock,
        run=ran.append,
    )

    assert scheduler.run_due() == []
    clock.now += FIRST_RUN_DELAY + 2
    scheduler.run_due()
    assert ran == ["sync-task", "tick-task"]
    clock.now += 30
    scheduler.run_due()
    assert ran == ["sync-task", "tick-task", "tick-task"]
    clock.now += 270
    scheduler.run_due()
    assert ran.count("sync-task") == 2


def test_a_failing_job_does_not_stop_the_others(db):
    clock, ran = Clock(), []

    def run(task: str) -> None:
        ran.append(task)
        if task == "a":
            raise RuntimeError("boom")

    scheduler = Scheduler(
        {"a": {"task": "a", "schedule": 10}, "b": {"task": "b", "schedule": 10}}, clock=clock, run=run
    )
    clock.now += 100
    scheduler.run_due()

    assert ran == ["a", "b"]


def test_the_real_schedule_runs_the_usage_sync_by_name(db, monkeypatch):
    from django.conf import settings

    from apps.proxies import services

    calls = []
    monkeypatch.setattr(services.usage, "pool_key_sync_all", lambda: calls.append("sync") or _Report())
    clock = Clock()
    scheduler = Scheduler({"proxies-usage-sync": settings.CELERY_BEAT_SCHEDULE["proxies-usage-sync"]}, clock=clock)
    clock.now += 100

    assert scheduler.run_due() == ["proxies-usage-sync"]
    assert calls == ["sync"]


class _Report:
    def as_dict(self) -> dict:
        return {}


def test_runserver_starts_one_scheduler_in_the_process_that_serves(tmp_path):
    """The autoreloader's parent and its serving child both load the apps; only the child runs jobs."""
    port = _free_port()
    child = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "DJANGO_SETTINGS_MODULE": "storefront.settings.local",
            "STOREFRONT_ENV_FILE": "",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "PYTHONUNBUFFERED": "1",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = []
    watchdog = threading.Timer(120, os.killpg, (child.pid, signal.SIGKILL))  # never hang the suite
    watchdog.start()
    try:
        for line in child.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if "Quit the server with" in line:  # the serving child has loaded the apps by now
                break
    finally:
        watchdog.cancel()
        os.killpg(child.pid, signal.SIGTERM)
        child.wait(timeout=30)
    output = "".join(lines)
    assert output.count("periodic jobs run in this process") == 1
    assert "proxies-usage-sync every 300 s" in output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
