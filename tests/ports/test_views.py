"""The Ports dashboard and the public rotation link through Django's test client, against the
simulator: a customer reaches only their own ports, the password shows only after the audited
reveal, rotation tells the cooldown, and the shop's link rotates without a login."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.ports.models import PortRotation, PortRotationLink
from apps.sandbox.ports.models import SandboxPort
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client, port):
    client.force_login(port.customer)
    return client


@pytest.fixture
def frozen():
    """Time stands still, so a cooldown reads the same on every run."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def _op(response) -> str:
    return response.context["nonce"]


def test_the_list_and_the_page_show_only_the_customers_own_ports(client, port):
    stranger = UserFactory()
    client.force_login(stranger)

    assert port.server_ip not in client.get(reverse("ports:list")).content.decode()
    assert client.get(reverse("ports:detail", args=[port.pk])).status_code == 404
    assert client.post(reverse("ports:reveal", args=[port.pk])).status_code == 404
    assert client.post(reverse("ports:rotate", args=[port.pk]), {"op": "x" * 20}).status_code == 404
    assert SandboxPort.objects.get().rotation_count == 0


def test_the_dashboard_needs_a_login(client, port):
    response = client.get(reverse("ports:detail", args=[port.pk]))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_shows_every_format_masked_and_never_the_password(owner, port):
    password = SandboxPort.objects.get().password

    response = owner.get(reverse("ports:detail", args=[port.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert password not in html
    assert f"http://{port.login}:••••••••@{port.server_ip}:{port.http_port}" in html
    assert f"socks5://{port.login}:••••••••@{port.server_ip}:{port.socks_port}" in html
    assert {f.key for f in response.context["formats"]} >= {"http_url", "socks5_url", "curl", "python_requests", "node"}
    assert "no-store" in response["Cache-Control"]


def test_reveal_gives_the_owner_the_password_as_json_and_audits_it(owner, port):
    password = SandboxPort.objects.get().password

    response = owner.post(reverse("ports:reveal", args=[port.pk]), HTTP_ACCEPT="application/json")

    assert response.json() == {"password": password}
    assert AuditEntry.objects.filter(action="port.reveal", actor=port.customer).count() == 1
    page = owner.post(reverse("ports:reveal", args=[port.pk]))
    assert f"http://{port.login}:{password}@" in page.content.decode()
    assert "no-store" in page["Cache-Control"]


def test_rotate_now_then_the_cooldown_is_told_with_the_time_left(owner, port, frozen):
    page = owner.get(reverse("ports:detail", args=[port.pk]))

    first = owner.post(reverse("ports:rotate", args=[port.pk]), {"op": _op(page)}, follow=True)
    second = owner.post(reverse("ports:rotate", args=[port.pk]), {"op": _op(first)}, follow=True)

    assert "Rotated: your new IP is" in first.content.decode()
    assert "You can rotate it again in 5 min" in second.content.decode()
    assert SandboxPort.objects.get().rotation_count == 1
    assert PortRotation.objects.filter(port=port).count() == 1
    assert 'id="rotate-button" disabled' in second.content.decode()


def test_can_rotate_is_answered_before_the_click(owner, port):
    url = reverse("ports:can_rotate", args=[port.pk])

    ready = owner.get(url).content.decode()
    owner.post(reverse("ports:rotate", args=[port.pk]), {"op": "a" * 32})
    with time_machine.travel(timezone.now() + timedelta(seconds=60), tick=False):
        waiting = owner.get(url).content.decode()

    assert 'data-can-rotate="1"' in ready
    assert 'data-can-rotate="0"' in waiting and 'data-remaining="240"' in waiting
    assert "You can rotate again in 4 min" in waiting


def test_a_double_submitted_rotate_rotates_once(owner, port):
    page = owner.get(reverse("ports:detail", args=[port.pk]))
    op = _op(page)

    owner.post(reverse("ports:rotate", args=[port.pk]), {"op": op})
    owner.post(reverse("ports:rotate", args=[port.pk]), {"op": op})

    assert SandboxPort.objects.get().rotation_count == 1


def test_the_rotation_link_is_shown_once_and_rotates_without_a_login(owner, client, port, frozen):
    page = owner.post(reverse("ports:link_create", args=[port.pk]))
    url = page.context["new_link_url"]
    token = url.rsplit("/", 1)[1]
    assert "no-store" in page["Cache-Control"]
    assert token not in owner.get(reverse("ports:detail", args=[port.pk])).content.decode()

    client.logout()
    done = client.get(f"/r/{token}")
    again = client.post(f"/r/{token}")

    assert done.status_code == 200 and done.json()["ok"] is True and done.json()["new_ip"]
    assert again.status_code == 429 and int(again["Retry-After"]) > 0
    assert "You can rotate it again in 5 min" in again.json()["error"]
    assert client.get("/r/rl_nothing-here").status_code == 404
    assert PortRotation.objects.get(port=port).trigger == "api_token"


def test_a_revoked_link_stops_working(owner, client, port):
    token = owner.post(reverse("ports:link_create", args=[port.pk])).context["new_link_url"].rsplit("/", 1)[1]

    owner.post(reverse("ports:link_revoke", args=[port.pk]))

    assert client.get(f"/r/{token}").status_code == 404
    assert not PortRotationLink.objects.filter(revoked_at__isnull=True).exists()


def test_auto_rotation_settings_keep_to_the_bounds(owner, port):
    url = reverse("ports:rotation_settings", args=[port.pk])
    op = _op(owner.get(reverse("ports:detail", args=[port.pk])))

    refused = owner.post(url, {"op": op, "enabled": "on", "interval_minutes": "2"})
    saved = owner.post(url, {"op": op, "enabled": "on", "interval_minutes": "30", "match_city": "on"}, follow=True)

    assert refused.status_code == 400 and "5 min to 24 h" in refused.content.decode()
    assert "every 30 min" in saved.content.decode()
    upstream_port = SandboxPort.objects.get()
    assert (upstream_port.auto_enabled, upstream_port.interval_seconds, upstream_port.match_city) == (True, 1800, True)


def test_fingerprint_and_credentials_change(owner, port):
    op = _op(owner.get(reverse("ports:detail", args=[port.pk])))
    owner.post(reverse("ports:os_fingerprint", args=[port.pk]), {"op": op, "os_fingerprint": "android:3"})
    old = SandboxPort.objects.get().password

    unconfirmed = owner.post(reverse("ports:credentials", args=[port.pk]), {"op": op})
    changed = owner.post(reverse("ports:credentials", args=[port.pk]), {"op": op, "confirm": "on"})

    upstream_port = SandboxPort.objects.get()
    assert upstream_port.os_fingerprint == "android:3"
    assert unconfirmed.status_code == 400
    assert upstream_port.password != old
    assert upstream_port.password in changed.content.decode()
    assert "no-store" in changed["Cache-Control"]


def test_the_port_test_answers_in_json(owner, port):
    response = owner.post(reverse("ports:check", args=[port.pk]), HTTP_ACCEPT="application/json")

    body = response.json()
    assert body["online"] is True and body["ip"] == SandboxPort.objects.get().device.ip


def test_a_bad_nonce_changes_nothing(owner, port):
    response = owner.post(reverse("ports:rotate", args=[port.pk]), {"op": "short"}, follow=True)

    assert "Reload it and try again" in response.content.decode()
    assert SandboxPort.objects.get().rotation_count == 0


def test_the_page_shows_automatic_rotations_once_they_happened(owner, port):
    op = _op(owner.get(reverse("ports:detail", args=[port.pk])))
    owner.post(reverse("ports:rotation_settings", args=[port.pk]), {"op": op, "enabled": "on", "interval_minutes": "5"})

    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        page = owner.get(reverse("ports:detail", args=[port.pk]))

    assert [r.trigger for r in page.context["history"]] == ["automatic"]
    assert page.context["port"].last_ip == page.context["history"][0].to_ip


def test_an_upstream_outage_still_renders_the_page_from_the_mirror(owner, port):
    from apps.sandbox.upstream.faults import inject

    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False), inject(status=503, times=None):
        page = owner.get(reverse("ports:detail", args=[port.pk]))

    assert page.status_code == 200 and port.server_ip in page.content.decode()


def test_the_page_offers_a_renewal_through_checkout_with_plans_of_the_ports_kind(owner, port):
    response = owner.get(reverse("ports:detail", args=[port.pk]))

    html = response.content.decode()
    shared = reverse("billing:checkout", args=["port-shared-30d"])
    assert f'action="{shared}"' in html
    assert f'<input type="hidden" name="target" value="{port.pk}">' in html
    assert '<input type="hidden" name="plan" value="port-shared-30d">' in html
    assert reverse("billing:checkout", args=["port-private-30d"]) not in html  # a shared port renews as shared


def test_a_hidden_renewal_plan_is_not_offered(owner, port):
    from apps.billing.models import Plan

    Plan.objects.filter(slug="port-shared-30d").update(active=False)

    html = owner.get(reverse("ports:detail", args=[port.pk])).content.decode()

    assert 'name="target"' not in html
    assert "No renewal plan for this kind of port is on sale right now." in html


def test_a_released_port_offers_no_renewal(owner, port):
    from apps.ports.services import port_release

    port_release(port=port, idempotency_key="release-view-1")

    html = owner.get(reverse("ports:detail", args=[port.pk])).content.decode()

    assert 'id="renew"' not in html
