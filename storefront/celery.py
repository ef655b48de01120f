"""Celery app. With REDIS_URL unset, settings make every task run inline (eager).

Log lines written inside a task carry the id of the web request that queued it (sent along
as the `request_id` message header), or the task's own id for beat-scheduled jobs."""

import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

from apps.core.request_context import request_id_var

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storefront.settings.local")

app = Celery("storefront")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

REQUEST_ID_HEADER = "request_id"
_tokens: dict = {}


@before_task_publish.connect
def _send_request_id(headers=None, **kwargs) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id != "-":
        headers.setdefault(REQUEST_ID_HEADER, request_id)


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
