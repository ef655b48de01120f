"""The ports beat jobs are thin: they run their service once per worker at a time."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache

from apps.ports.models import PortStatus
from apps.ports.tasks import ports_expiry, ports_sync
from apps.sandbox.ports.models import SandboxPort
from apps.sandbox.tasks import sandbox_ports_tick_task
from apps.sandbox.upstream.faults import inject

pytestmark = pytest.mark.django_db


def test_the_expiry_job_sends_notices_and_releases_after_the_grace(port, settings):
    settings.PORTS_RELEASE_GRACE_HOURS = 1
    with time_machine.travel(port.expires_at + timedelta(hours=2), tick=False):
        report = ports_expiry.delay().get()

    port.refresh_from_db()
    assert report == {"notices": 1, "released": 1}
    assert port.status == PortStatus.RELEASED
    assert len(mail.outbox) == 1 and "expired" in mail.outbox[0].subject


def test_a_second_worker_skips_while_the_first_holds_the_lock(port):
    cache.add("ports:job-lock:expiry", "someone-else", 60)

    assert "skipped" in ports_expiry.delay().get()


def test_the_sync_job_reports_an_upstream_outage_without_raising(port):
    with inject(status=503, times=None, path="/ports"):
        report = ports_sync.delay().get()

    assert "failed" in report


def test_the_sandbox_tick_rotates_ports_that_are_due(port, upstream):
    SandboxPort.objects.update(auto_enabled=True, interval_seconds=300)

    with time_machine.travel(port.created_at + timedelta(minutes=6), tick=False):
        report = sandbox_ports_tick_task.delay().get()

    assert report == {"rotated": 1}


def test_the_account_job_refreshes_the_snapshot_for_the_console(upstream):
    from apps.ports.selectors import upstream_account_snapshot
    from apps.ports.tasks import ports_account

    report = ports_account.delay().get()

    assert "refreshed" in report
    assert upstream_account_snapshot().shared_slots_total is not None
