"""What a billing job reports back to its Celery task, and the retry schedule."""

import random
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class JobResult:
    outcome: str
    # Seconds until the job should run again; None when there is nothing left to do.
    retry_in: int | None = None


def backoff_seconds(attempt: int, *, retry_after: float | None = None) -> int:
    """Exponential backoff with jitter (attempt 1 -> ~base), capped; a Retry-After (the wait an
    outside system asked for, RetryableError.retry_after) wins when longer."""
    base = settings.BILLING_RETRY_BASE_SECONDS
    cap = settings.BILLING_RETRY_MAX_SECONDS
    delay = min(cap, base * 2 ** max(attempt - 1, 0))
    delay = delay / 2 + random.uniform(0, delay / 2)
    if retry_after:
        delay = max(delay, min(float(retry_after), cap))
    return max(1, int(delay))
