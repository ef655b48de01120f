"""Enqueueing billing jobs after a commit.

Robust on purpose: the database work is done and committed by then, so a broker outage (or, in
eager mode, a job that blows up inline) must neither undo the caller's answer — a webhook would
answer 500 for an event it already processed — nor stop the callbacks queued after it. The
failure is logged; the reconciler re-drives everything these jobs do (provisioning, receipts,
refund effects)."""

import logging

from django.db import transaction

from apps.core.logging import mask_secrets

logger = logging.getLogger(__name__)


def job_enqueue_on_commit(task, *args) -> None:
    """Schedules `task.delay(*args)` for after the surrounding transaction commits."""

    def enqueue() -> None:
        try:
            task.delay(*args)
        except Exception as exc:
            logger.error(
                "could not enqueue %s%r after commit (%s); the reconciler will re-drive it",
                getattr(task, "name", task),
                args,
                mask_secrets(f"{exc.__class__.__name__}: {exc}"),
                exc_info=True,
            )

    transaction.on_commit(enqueue, robust=True)


def failure_text(text: str, limit: int = 500) -> str:
    """Error text from Stripe or the upstream, fit to store (failure reasons, audit, alerts)."""
    return mask_secrets(str(text))[:limit]
