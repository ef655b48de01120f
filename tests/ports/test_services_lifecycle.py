"""Health checks, release, reconfigure, the sync, the expiry notices and the release after the
grace period, and whether a plan can be sold right now."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.ports.models import Port, PortStatus
from apps.ports.services import (
    port_check,
    port_expiry_notices_send,
    port_plan_availability,
    port_reconfigure,
    port_release,
    port_sync,
    ports_release_expired,
    ports_sync_all,
)
from apps.sandbox.ports.models import SandboxPort
from apps.sandbox.ports.services import sandbox_devices_set_online, sandbox_ports_account_set
from apps.sandbox.upstream.faults import inject

pytestmark = pytest.mark.django_db


def test_a_check_reports_online_and_the_public_ip(port):
    check = port_check(port=port)

    port.refresh_from_db()
    assert check.online and check.ip and check.response_ms
    assert port.last_ip == check.ip and port.health == "healthy"


def test_release_deletes_upstream_once_and_keeps_the_row(port, upstream):
    port_release(port=port, idempotency_key="release-1", reason="customer left")
    port_release(port=port, idempotency_key="release-2")

    assert SandboxPort.objects.count() == 0
    assert Port.objects.get().status == PortStatus.RELEASED
    assert upstream.calls["delete_port"] == 1
    assert AuditEntry.objects.filter(action="port.release").count() == 1


def test_a_port_already_gone_upstream_counts_as_released(port):
    SandboxPort.objects.all().delete()

    port_release(port=port, idempotency_key="release-3")

    assert AuditEntry.objects.get(action="port.release").data["already_gone_upstream"] is True


def test_reconfigure_moves_the_port(port, operator):
    port_reconfigure(
        port=port, country_code="us", idempotency_key="console-move-1", actor=operator, reason="asked by mail"
    )

    assert port.country_code == "US" == SandboxPort.objects.get().device.country.code


def test_the_sync_mirrors_changes_and_marks_ports_gone_upstream(port, customer, fulfil):
    other = Port.objects.get(pk=fulfil(customer, order_ref="2002").port_id)
    SandboxPort.objects.filter(public_id=port.upstream_id).update(os_fingerprint="ios:1")
    SandboxPort.objects.filter(public_id=other.upstream_id).delete()

    with time_machine.travel(timezone.now() + timedelta(seconds=1), tick=False):
        report = ports_sync_all()

    port.refresh_from_db()
    other.refresh_from_db()
    assert report == {"synced": 1, "missing": 1, "upstream": 1}
    assert port.os_fingerprint == "ios:1"
    assert other.status == PortStatus.MISSING


def test_a_single_sync_reads_the_history_too(port):
    port_sync(port=port)

    assert port.last_synced_at is not None


def test_notices_go_once_per_crossing_and_a_release_follows_the_grace(port, settings):
    settings.PORTS_RELEASE_GRACE_HOURS = 24
    expires = port.expires_at

    with time_machine.travel(expires - timedelta(days=6), tick=False):
        port_expiry_notices_send()
        port_expiry_notices_send()
    with time_machine.travel(expires - timedelta(hours=12), tick=False):
        port_expiry_notices_send()
    with time_machine.travel(expires + timedelta(hours=1), tick=False):
        port_expiry_notices_send()
        assert ports_release_expired()["released"] == []
    with time_machine.travel(expires + timedelta(hours=25), tick=False):
        released = ports_release_expired()["released"]

    subjects = [message.subject for message in mail.outbox]
    assert [s.split("] ", 1)[1] for s in subjects] == [
        "Your port expires in a week",
        "Your port expires tomorrow",
        "Your port has expired",
    ]
    assert released == [port.pk]
    assert SandboxPort.objects.count() == 0
    assert mail.outbox[0].to == [port.customer.email]


def test_a_notice_that_fails_to_send_is_sent_next_time(port, monkeypatch):
    from apps.ports.services import expiry

    def broken(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(expiry, "mail_send", broken)
    with time_machine.travel(port.expires_at - timedelta(days=3), tick=False):
        assert port_expiry_notices_send()["failed"] == 1
        monkeypatch.undo()
        assert len(port_expiry_notices_send()["sent"]) == 1


def test_availability_tells_slots_devices_and_outages_apart(upstream):
    assert port_plan_availability(plan_slug="port-shared-30d").available

    sandbox_ports_account_set(private_slots=0)
    no_slot = port_plan_availability(plan_slug="port-private-30d")
    for code in ("DE", "GB", "US", "PL"):
        sandbox_devices_set_online(country_code=code, online=False)
    no_device = port_plan_availability(plan_slug="port-shared-30d")
    with inject(status=503, times=None, path="/account/summary"):
        down = port_plan_availability(plan_slug="port-shared-30d")

    assert (no_slot.available, no_slot.reason) == (False, "slots")
    assert (no_device.available, no_device.reason) == (False, "devices")
    assert (down.available, down.reason) == (False, "unavailable")
    assert port_plan_availability(plan_slug="nope").reason == "no_plan"
