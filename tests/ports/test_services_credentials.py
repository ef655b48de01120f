"""The port's password: revealed to its owner only (audited, never stored), changed with the new
one shown once, and the shop's block and unblock (contract A5)."""

import pytest
from django.core.exceptions import PermissionDenied

from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry
from apps.ports.models import PortStatus
from apps.ports.services import (
    port_block,
    port_credentials_change,
    port_order_revoke,
    port_os_fingerprint_set,
    port_password_reveal,
    port_unblock,
)
from apps.sandbox.ports.models import SandboxPort
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_owner_reveals_the_password_and_it_is_audited(port):
    password = port_password_reveal(port=port, actor=port.customer, ip="203.0.113.9")

    assert password == SandboxPort.objects.get().password
    entry = AuditEntry.objects.get(action="port.reveal")
    assert entry.actor == port.customer and entry.ip == "203.0.113.9"
    assert password not in str(entry.data)


@pytest.mark.parametrize("who", [lambda: UserFactory(), lambda: StaffFactory(), lambda: None])
def test_nobody_else_sees_the_password(port, upstream, who):
    with pytest.raises(PermissionDenied):
        port_password_reveal(port=port, actor=who())

    assert upstream.calls["get_port"] == 1  # the one read of the fulfilment, no more
    assert not AuditEntry.objects.filter(action="port.reveal").exists()


def test_changing_credentials_returns_a_new_password_once(port):
    old = SandboxPort.objects.get().password

    port, password = port_credentials_change(
        port=port, login="alice_01", idempotency_key="creds-change-1", actor=port.customer
    )

    upstream_port = SandboxPort.objects.get()
    assert password != old and upstream_port.password == password
    assert port.login == upstream_port.login == "alice_01"
    entry = AuditEntry.objects.get(action="port.credentials_change")
    assert password not in str(entry.data) and entry.data["login"] == "alice_01"


def test_a_bad_login_is_refused_before_any_call(port, upstream):
    with pytest.raises(ApplicationError):
        port_credentials_change(port=port, login="a b:c", idempotency_key="creds-change-2", actor=port.customer)

    assert upstream.calls["change_credentials"] == 0


def test_block_cuts_access_and_unblock_gives_new_credentials(port):
    before = SandboxPort.objects.get().password

    port_block(port=port, idempotency_key="block-test-1", reason="disputed")
    blocked_with = SandboxPort.objects.get().password
    port_block(port=port, idempotency_key="block-test-2")  # already blocked: nothing happens

    assert port.status == PortStatus.BLOCKED and blocked_with != before
    assert SandboxPort.objects.get().password == blocked_with
    with pytest.raises(ApplicationError):
        port_password_reveal(port=port, actor=port.customer)

    port_unblock(port=port, idempotency_key="unblock-test-1")

    assert port.status == PortStatus.ACTIVE
    assert port_password_reveal(port=port, actor=port.customer) not in (before, blocked_with)


def test_revoking_an_order_blocks_the_port_it_made(port):
    assert port_order_revoke(order_ref="1001", idempotency_key="revoke-1001-a") is True
    assert port_order_revoke(order_ref="9999", idempotency_key="revoke-9999-a") is False

    port.refresh_from_db()
    assert port.blocked_at is not None


def test_the_os_fingerprint_is_set_from_the_offered_values(port, upstream):
    port_os_fingerprint_set(port=port, value="ios:2", idempotency_key="fp-set-1", actor=port.customer)
    with pytest.raises(ApplicationError):
        port_os_fingerprint_set(port=port, value="beos:1", idempotency_key="fp-set-2")

    assert SandboxPort.objects.get().os_fingerprint == port.os_fingerprint == "ios:2"
    assert upstream.calls["set_os_fingerprint"] == 1
