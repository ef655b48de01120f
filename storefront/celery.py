"""Celery app. With REDIS_URL unset, settings make every task run inline (eager).

Log lines written inside a task carry the id of the web request that queued it (sent along
as the `request_id` message header), or the task's own id for beat-scheduled jobs."""

import atexit
import logging
import os
import socket
import time

from celery import Celery, bootsteps
from celery.signals import beat_init, before_task_publish, task_postrun, task_prerun

from apps.core.heartbeats import beat_lock_acquire, beat_lock_release, heartbeat_write
from apps.core.request_context import request_id_var

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storefront.settings.local")

app = Celery("storefront")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "request_id"
SENT_AT_HEADER = "sent_at"  # when the job was queued: the console shows the oldest waiting one
_tokens: dict = {}
_beat_owner: str | None = None  # set in the beat process once it holds the one-beat lock


@before_task_publish.connect
def _send_request_id(headers=None, **kwargs) -> None:
    request_id = request_id_var.get()
    if headers is not None:
        headers.setdefault(SENT_AT_HEADER, round(time.time(), 3))
        if request_id != "-":
            headers.setdefault(REQUEST_ID_HEADER, request_id)
    if _beat_owner is not None:
        _beat_alive(_beat_owner)


def _beat_alive(owner: str) -> None:
    """Beat's heartbeat, written whenever it sends a job; it also renews the one-beat lock."""
    if not beat_lock_acquire(owner=owner):
        logger.error("beat: another beat took the lock (this one was paused too long); stopping")
        raise SystemExit(1)
    heartbeat_write(role="beat")


@beat_init.connect
def _beat_start(**kwargs) -> None:
    """Exactly one beat: a second one would send every periodic job twice."""
    global _beat_owner
    owner = f"{socket.gethostname()}:{os.getpid()}"
    if not beat_lock_acquire(owner=owner):
        logger.error("beat: another beat is already running (Redis lock held); this one exits")
        raise SystemExit(1)
    _beat_owner = owner
    atexit.register(beat_lock_release, owner=owner)
    heartbeat_write(role="beat")


class WorkerHeartbeat(bootsteps.StartStopStep):
    """The worker's heartbeat, every HEARTBEAT_SECONDS from the worker's own timer."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker, **kwargs) -> None:
        self.timer_ref = None

    def start(self, worker) -> None:
        from django.conf import settings

        heartbeat_write(role="worker")
        self.timer_ref = worker.timer.call_repeatedly(
            settings.HEARTBEAT_SECONDS, heartbeat_write, kwargs={"role": "worker"}, priority=10
        )

    def stop(self, worker) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()


app.steps["worker"].add(WorkerHeartbeat)


def task_request_id(task, task_id: str) -> str:
    """The id a task logs under: the queuing request's, the caller's (eager), or its own."""
    request = task.request
    sent = getattr(request, REQUEST_ID_HEADER, None) or (request.headers or {}).get(REQUEST_ID_HEADER)
    if sent:
        return str(sent)
    current = request_id_var.get()
    return current if current != "-" else task_id


@task_prerun.connect
def _bind_request_id(task_id=None, task=None, **kwargs) -> None:
    _tokens[task_id] = request_id_var.set(task_request_id(task, task_id))


@task_postrun.connect
def _unbind_request_id(task_id=None, **kwargs) -> None:
    token = _tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)
