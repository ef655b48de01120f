"""Helpers shared by every test package (fixtures are in conftest.py)."""

from collections.abc import Iterator
from contextlib import contextmanager

from celery import Celery, current_app
from django.db import connections

# Generous bound for a loaded CI machine; a test finishes as soon as the job is done.
JOB_TIMEOUT_SECONDS = 60


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except Exception:
        return False


@contextmanager
def redis_celery_app(redis_url: str, *, queue: str) -> Iterator[Celery]:
    """A Celery app of its own (the project's settings and tasks, Redis as broker, `queue` as the
    default queue), current while the block runs: jobs the code under test enqueues go to Redis,
    and the project's app and its eager default are left exactly as they were."""
    app = Celery("storefront-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=redis_url,
        task_always_eager=False,
        task_default_queue=queue,
        broker_connection_retry_on_startup=False,
    )
    app.finalize(auto=True)  # registers the project's shared tasks on it
    previous = current_app._get_current_object()
    app.set_current()
    try:
        yield app
    finally:
        # start_worker also makes its app the process-wide default: undo both.
        previous.set_current()
        previous.set_default()
        app.close()
        connections.close_all()
