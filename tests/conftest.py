import os

import pytest
from django.conf import settings
from django.core.cache import cache


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {engine}"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


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
