"""Rotating a port through the services: can-rotate first, the cooldown told in minutes and
seconds, the IP and history mirrored, auto-rotation settings within the contract's bounds."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry
from apps.ports.errors import PortCooldownError, PortNotUsable
from apps.ports.models import Port, PortRotation
from apps.ports.services import (
    port_block,
    port_can_rotate,
    port_history_sync,
    port_rotate,
    port_rotation_settings_set,
)
from apps.sandbox.ports.models import SandboxPort

pytestmark = pytest.mark.django_db


def _auto(port, seconds, key, *, match_carrier=False):
    return port_rotation_settings_set(
        port=port,
        enabled=True,
        interval_seconds=seconds,
        match_carrier=match_carrier,
        match_city=False,
        idempotency_key=key,
    )


def _rotate(port, nonce="1"):
    return port_rotate(port=port, idempotency_key=f"port{port.pk}-rotate-{nonce}", actor=port.customer)


def test_a_rotation_gives_a_new_ip_and_grows_the_history(port):
    outcome = _rotate(port)

    port.refresh_from_db()
    assert outcome.new_ip and outcome.new_ip != outcome.old_ip
    assert port.last_ip == outcome.new_ip
    assert port.rotation_count == 1 and port.last_rotated_at is not None
    assert [(r.trigger, r.to_ip) for r in PortRotation.objects.filter(port=port)] == [("manual", outcome.new_ip)]
    assert AuditEntry.objects.filter(action="port.rotate", actor=port.customer).count() == 1


def test_inside_the_cooldown_the_customer_is_told_the_time_left_and_nothing_rotates(port, upstream):
    _rotate(port, "1")
    later = time_machine.travel(timezone.now() + timedelta(seconds=86), tick=False)
    with later, pytest.raises(PortCooldownError) as caught:
        _rotate(port, "2")

    assert caught.value.remaining == 214
    assert "3 min 34 s" in caught.value.message
    assert upstream.calls["rotate_port"] == 1
    assert SandboxPort.objects.get().rotation_count == 1


def test_can_rotate_reports_the_upstreams_answer(port):
    assert port_can_rotate(port=port).can_rotate
    _rotate(port)

    answer = port_can_rotate(port=port)

    assert not answer.can_rotate and 0 < answer.cooldown_remaining <= 300


def test_a_private_port_rotates_again_after_a_minute(customer, fulfil):
    port = Port.objects.get(pk=fulfil(customer, order_ref="priv", sharing="private", country="PL").port_id)
    first = _rotate(port, "1")
    assert first.new_ip is None  # airplane mode: the new IP comes later

    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        _rotate(port, "2")

    assert SandboxPort.objects.get().rotation_count == 2


def test_a_double_click_rotates_once(port, upstream):
    _rotate(port, "same")

    # The same nonce again within the cooldown: can-rotate says no before any write.
    with pytest.raises(PortCooldownError):
        _rotate(port, "same")
    assert upstream.calls["rotate_port"] == 1


def test_a_blocked_port_cannot_rotate(port, upstream):
    port_block(port=port, idempotency_key="block-test-1", reason="refund")

    with pytest.raises(PortNotUsable):
        _rotate(port)
    assert upstream.calls["rotate_port"] == 0


@pytest.mark.parametrize(("sharing", "low"), [("shared", 300), ("private", 60)])
def test_auto_rotation_intervals_keep_to_the_bounds_of_the_port_type(customer, fulfil, upstream, sharing, low):
    port = Port.objects.get(pk=fulfil(customer, order_ref=sharing, sharing=sharing, country="US").port_id)

    with pytest.raises(ApplicationError):
        port_rotation_settings_set(
            port=port,
            enabled=True,
            interval_seconds=low - 1,
            match_carrier=False,
            match_city=False,
            idempotency_key="settings-k-low-1",
        )
    with pytest.raises(ApplicationError):
        port_rotation_settings_set(
            port=port,
            enabled=True,
            interval_seconds=86401,
            match_carrier=False,
            match_city=False,
            idempotency_key="settings-k-high-1",
        )
    assert upstream.calls["set_rotation_settings"] == 0

    port_rotation_settings_set(
        port=port,
        enabled=True,
        interval_seconds=low,
        match_carrier=True,
        match_city=False,
        idempotency_key="settings-k-ok-1",
    )
    port.refresh_from_db()
    assert (port.auto_rotation_enabled, port.auto_rotation_seconds, port.match_carrier) == (True, low, True)


def test_auto_rotation_shows_up_in_the_history_on_schedule(port):
    port_rotation_settings_set(
        port=port,
        enabled=True,
        interval_seconds=300,
        match_carrier=False,
        match_city=False,
        idempotency_key="settings-auto-1",
    )
    with time_machine.travel(timezone.now() + timedelta(seconds=301), tick=False):
        port_history_sync(port=port)

    assert [r.trigger for r in PortRotation.objects.filter(port=port)] == ["automatic"]
