"""Enqueueing jobs after a commit, by their Celery name.

By name, so a service never imports a tasks module (tasks call services; the other way round
is the services <-> tasks cycle). The task is looked up in the Celery app's registry, which
works eagerly without Redis and with a worker alike.

Robust on purpose: the database work is done and committed by then, so a broker outage (or, in
eager mode, a job that blows up inline) must neither undo the caller's answer — a webhook would
answer 500 for an event it already processed — nor stop the callbacks queued after it. The
failure is logged; each app's reconciler or next run re-drives what its jobs do."""

import logging

from celery import current_app
from django.db import transaction

from .logging import mask_secrets

logger = logging.getLogger(__name__)


def job_task(name: str):
    """The task registered as `name`. A web process imports no tasks module by itself: the first
    lookup of a name it has not seen runs Celery's autodiscovery (what a worker does at start)."""
    if name not in current_app.tasks:
        current_app.autodiscover_tasks(force=True)
    return current_app.tasks[name]


def job_enqueue_on_commit(name: str, *args, **kwargs) -> None:
    """Schedules the task registered as `name` with `args`/`kwargs` for after the surrounding
    transaction commits (at once outside a transaction)."""

    def enqueue() -> None:
        try:
            job_task(name).delay(*args, **kwargs)
        except Exception as exc:
            logger.error(
                "could not enqueue %s%r after commit (%s); the reconciler will re-drive it",
                name,
                args,
                mask_secrets(f"{exc.__class__.__name__}: {exc}"),
                exc_info=True,
            )

    transaction.on_commit(enqueue, robust=True)
