"""The shop's own rotation link (/r/<token>): the token is shown once and stored hashed, it
rotates through the upstream's token link (history: api_token) without ever showing that token,
it is rate-limited, revocable and regenerable."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.core.errors import NotFound
from apps.ports.errors import PortCooldownError
from apps.ports.models import PortRotation, PortRotationLink, rotation_token_hash
from apps.ports.services import (
    RotationLinkRateLimited,
    port_release,
    port_rotate_by_link,
    port_rotation_link_create,
    port_rotation_link_revoke,
)
from apps.sandbox.ports.models import SandboxPort

pytestmark = pytest.mark.django_db


def test_a_new_link_keeps_only_the_hash(port):
    new = port_rotation_link_create(port=port, actor=port.customer)

    link = PortRotationLink.objects.get()
    assert new.token.startswith("rl_") and len(new.token) > 30
    assert link.token_hash == rotation_token_hash(new.token)
    assert new.token not in str(vars(link))
    assert new.token != SandboxPort.objects.get().rotation_token


def test_the_link_rotates_through_the_upstream_token_link(port):
    token = port_rotation_link_create(port=port).token

    outcome = port_rotate_by_link(token=token, ip="198.51.100.1")

    link = PortRotationLink.objects.get()
    assert outcome.new_ip
    assert (link.use_count, link.last_used_at is not None) == (1, True)
    assert [r.trigger for r in PortRotation.objects.filter(port=port)] == ["api_token"]


def test_the_link_shares_the_ports_cooldown(port):
    token = port_rotation_link_create(port=port).token
    port_rotate_by_link(token=token)

    with pytest.raises(PortCooldownError) as caught:
        port_rotate_by_link(token=token)

    assert 0 < caught.value.remaining <= 300


def test_regenerating_stops_the_old_link(port):
    old = port_rotation_link_create(port=port).token
    new = port_rotation_link_create(port=port).token

    with pytest.raises(NotFound):
        port_rotate_by_link(token=old)
    assert port_rotate_by_link(token=new).new_ip
    assert PortRotationLink.objects.filter(revoked_at__isnull=True).count() == 1


def test_a_revoked_or_unknown_link_is_not_found_and_costs_no_call(port, upstream):
    token = port_rotation_link_create(port=port).token
    assert port_rotation_link_revoke(port=port) is True
    calls = sum(upstream.calls.values())

    for bad in (token, "rl_unknown", "not-a-link", "rl_" + "x" * 200):
        with pytest.raises(NotFound):
            port_rotate_by_link(token=bad)

    assert sum(upstream.calls.values()) == calls


def test_a_released_port_loses_its_link(port):
    token = port_rotation_link_create(port=port).token
    port_release(port=port, idempotency_key="release-link-1")

    with pytest.raises(NotFound):
        port_rotate_by_link(token=token)


def test_the_link_is_rate_limited(port, settings, upstream):
    settings.PORTS_ROTATION_LINK_RATE = "2/1h/ip"
    token = port_rotation_link_create(port=port).token
    port_rotate_by_link(token=token)
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        port_rotate_by_link(token=token)
        with pytest.raises(RotationLinkRateLimited):
            port_rotate_by_link(token=token)

    assert upstream.calls["rotate_by_token"] == 2
