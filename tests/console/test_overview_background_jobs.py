"""The overview's "Background jobs" card: worker and beat heartbeats and the oldest waiting job."""

import json
import re
import time
import uuid

import pytest
from django.test import override_settings

from apps.core import heartbeats
from apps.core.heartbeats import heartbeat_write
from tests.factories import StaffFactory
from tests.proxies.fakes import sandbox_upstream

pytestmark = pytest.mark.django_db
URL = "/admin/overview/"


def test_without_redis_the_overview_says_jobs_run_inline(client, monkeypatch):
    sandbox_upstream(monkeypatch)
    client.force_login(StaffFactory())

    page = client.get(URL).content.decode()

    assert "jobs run inline in the web process" in page


@pytest.mark.redis
def test_the_overview_shows_heartbeats_and_the_oldest_waiting_job(client, monkeypatch, redis_url):
    sandbox_upstream(monkeypatch)
    monkeypatch.setattr(heartbeats, "KEY_PREFIX", f"tests:{uuid.uuid4().hex[:8]}:heartbeat:")
    client.force_login(StaffFactory())
    queue = f"tests-backlog-{uuid.uuid4().hex[:8]}"
    with override_settings(REDIS_URL=redis_url, HEARTBEAT_STALE_SECONDS=120, CELERY_TASK_DEFAULT_QUEUE=queue):
        heartbeat_write(role="worker", at=time.time() - 10)
        heartbeat_write(role="beat", at=time.time() - 900)
        queue_client = heartbeats.redis_client()
        marker = json.dumps({"headers": {"sent_at": time.time() - 400}, "test": uuid.uuid4().hex})
        queue_client.rpush(queue, marker)  # the right end is the oldest
        try:
            page = client.get(URL).content.decode()
        finally:
            queue_client.delete(queue)

    assert re.search(r"last heartbeat 1\d s ago</td>", page)  # 10 s, plus however slow this machine is
    assert "(stale: check the process)" in page
    assert "the oldest has waited 4" in page  # 400-odd seconds
