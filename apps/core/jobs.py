"""Enqueueing jobs after a commit, by their Celery name.

By name, so a service never imports a tasks module (tasks call services; the other way round
is the services <-> tasks cycle). The task is looked up in the Celery app's registry when the
callback runs, which works eagerly without Redis and with a worker alike.

Robust on purpose: the database work is done and committed by then, so a broker outage (or, in
eager mode, a job that blows up inline) must neither undo the caller's answer — a webhook would
answer 500 for an event it already processed — nor stop the callbacks queued after it. The
failure is logged; each app's reconciler or next run re-drives what its jobs do."""

import logging

from celery import current_app
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from .logging import mask_secrets

logger = logging.getLogger(__name__)


def job_task(name: str):
    """The registered task of that name. A worker imports every app's tasks module at start; a web
    process only when asked, so a name not registered yet imports them (Django's own module
    autodiscovery: no Celery worker set-up, no second logging configuration)."""
    if name not in current_app.tasks:
        autodiscover_modules("tasks")
    return current_app.tasks[name]


def job_enqueue(name: str, *args, **kwargs) -> None:
    """Sends the task now (no transaction to wait for: a reconciler's loop, an operator action)."""
    job_task(name).delay(*args, **kwargs)


def job_enqueue_on_commit(name: str, *args, **kwargs) -> None:
    """Schedules the task registered as `name` with `args`/`kwargs` for after the surrounding
    transaction commits (at once outside a transaction)."""

    def enqueue() -> None:
        try:
            job_enqueue(name, *args, **kwargs)
        except Exception as exc:
            logger.error(
                "could not enqueue %s%r after commit (%s); the reconciler will re-drive it",
                name,
                args,
                mask_secrets(f"{exc.__class__.__name__}: {exc}"),
                exc_info=True,
            )

    transaction.on_commit(enqueue, robust=True)
