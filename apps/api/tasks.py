from celery import shared_task

from .services import idempotency_prune


@shared_task(name="api.idempotency_prune")
def idempotency_prune_task() -> int:
    return idempotency_prune()
