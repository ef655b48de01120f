"""The ports console through the test client: the list with its filters, the port page, and the
audited actions (intermediate page with a reason, then the services, the upstream and the audit
log), and who may not use them."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.ports.models import Port, PortPlan
from apps.sandbox.ports.models import SandboxPort
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/ports/port/"


@pytest.fixture
def ops(client, operator):
    client.force_login(operator)
    return client


def _nonce(response) -> str:
    match = re.search(r'name="nonce" value="([A-Za-z0-9_-]+)"', response.content.decode())
    assert match
    return match.group(1)


def run_action(client, name, ports, *, from_port_page=False, **fields):
    if from_port_page:
        (port,) = ports
        url, data = (
            reverse("admin:ports_port_change", args=[port.pk]),
            {"CHANGE_FORM-action": name, "_selected_action": [port.pk]},
        )
    else:
        url, data = CHANGELIST, {"action": name, "_selected_action": [p.pk for p in ports], "index": 0}
    page = client.post(url, data)
    assert page.status_code == 200, page.content[:300]
    confirm = {**data, "apply": 1, "select_across": 0, "nonce": _nonce(page), "reason": "ticket 77", **fields}
    return page, client.post(url, confirm)


def _console(name, port):
    return list(AuditEntry.objects.filter(action=f"console.{name}", target_id=str(port.pk)))


def test_the_list_shows_customer_status_location_and_filters_by_them(ops, port, customer, fulfil):
    private = Port.objects.get(pk=fulfil(customer, order_ref="pl", sharing="private", country="PL").port_id)
    Port.objects.filter(pk=private.pk).update(expires_at=timezone.now() + timedelta(days=2))

    html = ops.get(CHANGELIST).content.decode()
    shared_only = ops.get(CHANGELIST, {"sharing": "shared"}).context["cl"].result_list
    poland = ops.get(CHANGELIST, {"country_code": "PL"}).context["cl"].result_list
    expiring = ops.get(CHANGELIST, {"expiring": "7d"}).context["cl"].result_list
    active = ops.get(CHANGELIST, {"status": "active"}).context["cl"].result_list

    assert customer.email in html and "Active" in html
    assert list(shared_only) == [port] and list(poland) == [private] and list(expiring) == [private]
    assert set(active) == {port, private}


def test_the_port_page_shows_history_links_and_actions(ops, port):
    html = ops.get(reverse("admin:ports_port_change", args=[port.pk])).content.decode()

    assert "otation history" in html and "Rotate now…" in html and "Release…" in html
    assert port.upstream_id in html


def test_rotate_from_the_port_page_is_audited_with_the_reason(ops, operator, port):
    page, done = run_action(ops, "rotate_ports", [port], from_port_page=True)

    assert done.status_code == 302
    assert SandboxPort.objects.get().rotation_count == 1
    [entry] = _console("rotate_ports", port)
    assert (entry.actor, entry.reason, entry.data["outcome"]) == (operator, "ticket 77", "ok")
    assert AuditEntry.objects.filter(action="port.rotate", actor=operator).count() == 1


def test_a_double_confirmed_action_rotates_once(ops, port):
    page, _ = run_action(ops, "rotate_ports", [port])
    confirm = {"action": "rotate_ports", "_selected_action": [port.pk], "index": 0, "apply": 1, "select_across": 0}
    ops.post(CHANGELIST, {**confirm, "nonce": _nonce(page), "reason": "ticket 77"})

    assert SandboxPort.objects.get().rotation_count == 1
    assert len([e for e in _console("rotate_ports", port) if e.data["outcome"] == "ok"]) == 1


def test_extend_adds_days_upstream(ops, port):
    before = port.expires_at

    run_action(ops, "extend_ports", [port], days=10)

    assert SandboxPort.objects.get().expires_at == before + timedelta(days=10)


def test_reconfigure_moves_the_port(ops, port):
    run_action(ops, "reconfigure_ports", [port], country="us")

    port.refresh_from_db()
    assert port.country_code == "US"


def test_change_credentials_never_shows_the_new_password_to_staff(ops, port):
    old = SandboxPort.objects.get().password

    _, done = run_action(ops, "change_credentials", [port])

    new = SandboxPort.objects.get().password
    assert new != old
    followed = ops.get(done["Location"]).content.decode()
    assert new not in followed
    assert not any(new in str(e.data) for e in AuditEntry.objects.all())


def test_release_needs_the_confirmation_and_the_delete_permission(client, port):
    limited = StaffFactory(is_superuser=False)
    limited.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_port", "change_port"], content_type__app_label="ports")
    )
    client.force_login(limited)

    client.post(CHANGELIST, {"action": "release_ports", "_selected_action": [port.pk], "index": 0})
    assert SandboxPort.objects.count() == 1

    client.force_login(StaffFactory())
    page, unconfirmed = run_action(client, "release_ports", [port])
    assert unconfirmed.status_code == 200 and SandboxPort.objects.count() == 1
    run_action(client, "release_ports", [port], confirm="on")
    assert SandboxPort.objects.count() == 0
    port.refresh_from_db()
    assert port.released_at is not None


def test_customers_cannot_reach_the_console(client, port):
    client.force_login(UserFactory())

    assert client.get(CHANGELIST).status_code == 302


def test_port_plans_are_edited_in_the_console(ops):
    response = ops.post(
        "/admin/ports/portplan/add/",
        {"plan_slug": "port-de-7d", "sharing": "private", "country_code": "DE", "carrier": "", "period_days": 7},
    )

    assert response.status_code == 302
    assert PortPlan.objects.get(plan_slug="port-de-7d").period_days == 7
    assert {"port-shared-30d", "port-private-30d"} <= set(PortPlan.objects.values_list("plan_slug", flat=True))


def test_the_port_plan_list_shows_the_wholesale_cost_per_period(client, operator):
    from apps.ports.models import UpstreamAccountSnapshot

    client.force_login(operator)
    before = client.get("/admin/ports/portplan/").content.decode()
    UpstreamAccountSnapshot.objects.create(currency="USD", slot_prices={"shared": "10.00", "private": "25.00"})

    after = client.get("/admin/ports/portplan/").content.decode()

    assert "tariffs not read yet" in before
    assert "10.00 USD" in after and "25.00 USD" in after
