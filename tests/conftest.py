"""Fixtures shared by every test package: the cache cleared around each test, the customer and
operator with their logged-in clients, and a Celery worker on Redis for the `redis` tests."""

import os
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import caches

from tests.factories import StaffFactory, UserFactory
from tests.support import redis_celery_app, redis_reachable


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {engine}"


@pytest.fixture(autouse=True, scope="session")
def _message_catalogues_compiled():
    """The .mo files are built, not committed: a checkout runs its tests in every language."""
    from apps.core.catalogues import compile_all

    compile_all()


@pytest.fixture(autouse=True)
def _celery_not_inside_a_worker():
    """A Celery worker started in this process (a Redis or in-thread worker test) marks the whole
    process as "inside a worker", after which an eager job's `.get()` raises. Each test starts as
    a plain process again."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _clear_cache():
    for alias in settings.CACHES:
        caches[alias].clear()
    yield
    for alias in settings.CACHES:
        caches[alias].clear()


def _is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _test_redis_url() -> str:
    # Not REDIS_URL: that one would switch the settings to a Redis cache and broker.
    return os.environ.get("TEST_REDIS_URL", "")


@pytest.fixture
def redis_url() -> str:
    """A reachable Redis for `redis`-marked tests (TEST_REDIS_URL; CI sets it)."""
    return _test_redis_url()


def pytest_collection_modifyitems(config, items):
    if not _test_redis_url():
        skip_redis = pytest.mark.skip(reason="needs Redis: set TEST_REDIS_URL=redis://127.0.0.1:6379/15")
        for item in items:
            if "redis" in item.keywords:
                item.add_marker(skip_redis)
    if _is_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def customer(db):
    return UserFactory()


@pytest.fixture
def other_customer(db):
    return UserFactory()


@pytest.fixture
def customer_client(client, customer):
    """The test client, logged in as `customer`."""
    client.force_login(customer)
    return client


@pytest.fixture
def operator(db):
    return StaffFactory(email="ops@example.com")


@pytest.fixture
def ops(client, operator):
    """The test client, logged in as `operator` (staff)."""
    client.force_login(operator)
    return client


@pytest.fixture
def worker(redis_url):
    """A Celery worker thread on the Redis at TEST_REDIS_URL (pytest_collection_modifyitems skips the
    test when the variable is unset). It runs on an app of its own (the project's settings, Redis as broker,
    a queue of its own), made current for the test, so the project's app and its eager default are
    left exactly as they were."""
    if not redis_reachable(redis_url):
        pytest.skip(f"needs a reachable Redis at TEST_REDIS_URL ({redis_url})")
    # No other worker on this Redis takes our job, and we take no other.
    queue = f"storefront-test-{uuid.uuid4().hex[:8]}"
    with (
        redis_celery_app(redis_url, queue=queue) as app,
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as running,
    ):
        yield running


@pytest.fixture
def upstreams(db, monkeypatch):
    """The sandbox pool and ports APIs, as the shop's clients reach them (for tests that touch both
    products, e.g. a customer's deactivation)."""
    from apps.sandbox.upstream.faults import faults_clear
    from tests.ports.support import sandbox_ports_client, use_ports_client
    from tests.proxies.fakes import sandbox_upstream

    faults_clear()
    return sandbox_upstream(monkeypatch), use_ports_client(monkeypatch, sandbox_ports_client())
