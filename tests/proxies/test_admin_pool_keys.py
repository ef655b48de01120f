"""The pool-key console through the test client: the list (columns, status filters, search), the
key page, and every action (intermediate page with a reason, then the service layer, the
upstream and the audit log), plus who may not use them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.proxies.models import PoolKey, PoolKeyAlert, PoolKeyAlertKind, PoolKeyUsageSample
from apps.sandbox.upstream.faults import inject
from apps.sandbox.upstream.models import SandboxKey
from tests.factories import StaffFactory, UserFactory
from tests.proxies.factories import PoolKeyFactory
from tests.proxies.fakes import key_accepts, sandbox_upstream

from .console_support import CHANGELIST, change_url, mint, nonce_of, run_action, set_upstream_usage, upstream_key

pytestmark = pytest.mark.django_db


def audit_url(key):
    return reverse("admin:proxies_poolkey_upstream_audit", args=[key.pk])


def csv_url(key):
    return reverse("admin:proxies_poolkey_key_usage_csv", args=[key.pk])


@pytest.fixture
def upstream(monkeypatch):
    return sandbox_upstream(monkeypatch)


@pytest.fixture
def key(upstream):
    return mint(UserFactory(email="alice@example.com"), cap_gb=Decimal(10))


def _console_entries(name: str, key: PoolKey):
    return list(AuditEntry.objects.filter(action=f"console.{name}", target_id=str(key.pk)))


# The list --------------------------------------------------------------------------------------


def test_list_shows_customer_usage_percent_status_expiry_and_sync_times(ops, key):
    PoolKey.objects.filter(pk=key.pk).update(used_mb=Decimal(8704), expires_at=timezone.now() + timedelta(days=3))

    html = ops.get(CHANGELIST).content.decode()

    assert "alice@example.com" in html
    assert key.label in html
    assert "8.50 GB of 10.00 GB" in html
    assert "85 %" in html
    assert "Near cap" in html
    for column in ("expires", "last used", "synced"):
        assert f">{column}</a>" in html.lower()  # the sortable column headers


@pytest.mark.parametrize("status", ["active", "near_cap", "suspended_cap", "expired", "disabled", "missing"])
def test_each_status_filter_lists_exactly_the_keys_in_that_status(ops, status):
    keys = {}
    for name, values in [
        ("active", {}),
        ("near_cap", {"used_mb": Decimal(8500)}),
        ("suspended_cap", {"used_mb": Decimal(10240), "enabled": False}),
        ("expired", {"expires_at": timezone.now() - timedelta(days=1)}),
        ("disabled", {"enabled": False, "disabled_by_operator": True}),
        ("missing", {"missing_upstream": True}),
    ]:
        keys[name] = PoolKeyFactory(label=f"key-{name}", **values)

    html = ops.get(f"{CHANGELIST}?status={status}").content.decode()

    assert f">key-{status}<" in html
    for other in keys:
        if other != status:
            assert f">key-{other}<" not in html


def test_expiring_filter_lists_keys_expiring_within_7_days_only(ops):
    now = timezone.now()
    PoolKeyFactory(label="soon", expires_at=now + timedelta(days=6))
    PoolKeyFactory(label="later", expires_at=now + timedelta(days=8))
    PoolKeyFactory(label="gone", expires_at=now - timedelta(hours=1))
    PoolKeyFactory(label="forever", expires_at=None)

    html = ops.get(f"{CHANGELIST}?expiring=7d").content.decode()

    assert ">soon<" in html
    for label in ("later", "gone", "forever"):
        assert f">{label}<" not in html


@pytest.mark.parametrize("term", ["alice@example.com", "ALICE@", "console", "upstream"])
def test_search_finds_keys_by_email_label_or_upstream_id(ops, key, term):
    PoolKeyFactory(label="someone-else", upstream_id="pk_other_key")
    query = key.upstream_id if term == "upstream" else term

    html = ops.get(CHANGELIST, {"q": query}).content.decode()

    assert key.label in html
    assert "someone-else" not in html


# The key page ----------------------------------------------------------------------------------


def test_key_page_shows_chart_actions_and_trails_but_never_the_secret(ops, key, upstream):
    PoolKeyUsageSample.objects.create(
        pool_key=key,
        day=timezone.now().date(),
        first_used_mb=0,
        last_used_mb=Decimal(512),
        first_sampled_at=timezone.now(),
        last_sampled_at=timezone.now(),
    )
    secret = upstream_key(key).secret

    response = ops.get(change_url(key))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "Traffic per day" in html
    assert "512 MB used in the last 30 days" in html
    for title in ("Grant GB (manual top-up)", "Extend expiry", "Enable", "Disable", "Regenerate secret", "Sync now"):
        assert title in html
    assert 'value="delete_keys"' in html  # one action menu
    assert "Upstream audit log" in html
    assert "pool_key.mint" in html  # the local audit trail
    assert secret not in html
    assert key.secret_hint in html
    assert 'style="' not in html.split("<body", 1)[1].split("</header>")[-1]  # CSP: no inline styles of ours


def test_key_page_of_a_deleted_key_offers_no_actions(ops, key):
    PoolKey.objects.filter(pk=key.pk).update(deleted_at=timezone.now())

    html = ops.get(change_url(key)).content.decode()

    assert 'value="grant_gb"' not in html
    assert "was deleted on" in html


# Actions -------------------------------------------------------------------------------------


def test_grant_gb_tops_up_upstream_reenables_and_audits_with_reason_and_ip(ops, key, operator):
    set_upstream_usage(key, used_mb=10240, enabled=False)  # suspended at its cap
    PoolKey.objects.filter(pk=key.pk).update(used_mb=Decimal(10240), enabled=False)

    page, response = run_action(ops, "grant_gb", [key], gb="5", days="", reenable="on")

    assert "Adds traffic" in page.content.decode()
    assert response.status_code == 302
    stored = upstream_key(key)
    assert stored.traffic_cap_gb == Decimal(15)
    assert stored.enabled is True
    key.refresh_from_db()
    assert key.cap_gb == Decimal(15) and key.enabled
    service_entry = AuditEntry.objects.get(action="pool_key.top_up", target_id=str(key.pk))
    assert service_entry.actor == operator
    assert service_entry.reason == "support ticket 42"
    (console,) = _console_entries("grant_gb", key)
    assert console.actor == operator
    assert console.ip == "127.0.0.1"
    assert console.data["outcome"] == "ok"
    assert console.data["gb"] == "5"


def test_grant_gb_from_the_key_page_returns_to_the_key_page(ops, key):
    _page, response = run_action(ops, "grant_gb", [key], from_key_page=True, gb="1.5", reenable="on")

    assert response.status_code == 302
    assert response["Location"] == change_url(key)
    assert upstream_key(key).traffic_cap_gb == Decimal("11.5")


def test_a_double_submitted_grant_adds_the_gb_once(ops, key):
    url, data = CHANGELIST, {"action": "grant_gb", "_selected_action": [key.pk], "index": 0}
    confirm = {**data, "apply": 1, "nonce": nonce_of(ops.post(url, data)), "reason": "goodwill", "gb": "2"}

    ops.post(url, confirm)
    ops.post(url, confirm)  # the browser sent it twice

    assert upstream_key(key).traffic_cap_gb == Decimal(12)
    assert len(_console_entries("grant_gb", key)) == 1


def test_grant_gb_resets_the_usage_alerts_it_takes_the_key_under(ops, key):
    PoolKey.objects.filter(pk=key.pk).update(used_mb=Decimal(8704))  # 85 %
    set_upstream_usage(key, used_mb=8704)
    PoolKeyAlert.objects.create(pool_key=key, kind=PoolKeyAlertKind.USAGE_80, claimed_at=timezone.now())

    run_action(ops, "grant_gb", [key], gb="10")

    assert not PoolKeyAlert.objects.filter(pool_key=key).exists()


def test_an_action_without_a_reason_changes_nothing(ops, key):
    page, response = run_action(ops, "grant_gb", [key], gb="5", reason="")

    assert response.status_code == 200  # the form again, with the error
    assert "This field is required" in response.content.decode()
    assert upstream_key(key).traffic_cap_gb == Decimal(10)
    assert not _console_entries("grant_gb", key)


def test_extend_expiry_moves_the_expiry_upstream(ops, key):
    _page, response = run_action(ops, "extend_expiry", [key], days="30")

    assert response.status_code == 302
    stored = upstream_key(key)
    assert stored.expires_at is not None
    assert timedelta(days=29) < stored.expires_at - timezone.now() <= timedelta(days=30)
    key.refresh_from_db()
    assert abs(key.expires_at - stored.expires_at) < timedelta(milliseconds=1)  # the wire carries milliseconds
    assert AuditEntry.objects.filter(action="pool_key.extend", reason="support ticket 42").exists()


def test_disable_then_enable_through_the_console(ops, key):
    run_action(ops, "disable_keys", [key])

    assert upstream_key(key).enabled is False
    key.refresh_from_db()
    assert key.disabled_by_operator and key.status == "disabled"

    run_action(ops, "enable_keys", [key])

    assert upstream_key(key).enabled is True
    key.refresh_from_db()
    assert key.enabled and not key.disabled_by_operator
    assert [e.action for e in AuditEntry.objects.filter(action__in=["pool_key.disable", "pool_key.enable"])] == [
        "pool_key.enable",
        "pool_key.disable",
    ]


def test_regenerate_issues_a_new_secret_that_staff_never_see(ops, key):
    old = upstream_key(key).secret

    _page, response = run_action(ops, "regenerate_secret", [key])
    landing = ops.get(response["Location"])

    new = upstream_key(key).secret
    assert new != old
    assert not key_accepts(old)
    assert key_accepts(new)
    html = landing.content.decode()
    assert new not in html and old not in html
    assert "new secret pak_••••" + new[-4:] in html
    entry = AuditEntry.objects.get(action="pool_key.regenerate")
    assert entry.ip == "127.0.0.1"
    assert new not in str(entry.data)


def test_sync_now_refreshes_the_mirror_and_records_todays_reading(ops, key):
    set_upstream_usage(key, used_mb=2048)

    run_action(ops, "sync_now", [key, mint(cap_gb=Decimal(5))])

    key.refresh_from_db()
    assert key.used_mb == Decimal(2048)
    sample = PoolKeyUsageSample.objects.get(pool_key=key)
    assert sample.last_used_mb == Decimal(2048)
    assert AuditEntry.objects.filter(action="pool_key.sync", target_id=str(key.pk)).exists()


def test_delete_needs_the_confirmation_box(ops, key):
    _page, response = run_action(ops, "delete_keys", [key])

    assert response.status_code == 200
    assert SandboxKey.objects.filter(public_id=key.upstream_id).exists()
    key.refresh_from_db()
    assert key.deleted_at is None


def test_delete_with_confirmation_deletes_upstream_and_keeps_the_record(ops, key):
    _page, response = run_action(ops, "delete_keys", [key], confirm="on")

    assert response.status_code == 302
    assert not SandboxKey.objects.filter(public_id=key.upstream_id).exists()
    key.refresh_from_db()
    assert key.deleted_at is not None and key.status == "deleted"
    assert AuditEntry.objects.filter(action="pool_key.delete", reason="support ticket 42").exists()


def test_an_upstream_failure_is_reported_and_audited_as_failed(ops, key):
    with inject(status=500, path=f"/reseller/pool-keys/{key.upstream_id}/topup", method="POST"):
        _page, response = run_action(ops, "grant_gb", [key], gb="5")

    follow = ops.get(response["Location"]).content.decode()
    assert "not answering right now" in follow
    assert upstream_key(key).traffic_cap_gb == Decimal(10)
    (console,) = _console_entries("grant_gb", key)
    assert console.data["outcome"] == "failed"


def test_a_bulk_action_refuses_more_keys_than_it_can_do_in_one_request(ops, monkeypatch, key):
    monkeypatch.setattr("apps.proxies.admin.pool_keys.MAX_KEYS_PER_OPERATION", 1)
    other = mint()

    response = ops.post(CHANGELIST, {"action": "disable_keys", "_selected_action": [key.pk, other.pk], "index": 0})

    assert response.status_code == 302
    assert "select at most 1 keys" in ops.get(CHANGELIST).content.decode()
    assert upstream_key(key).enabled and upstream_key(other).enabled


# Upstream audit log and CSV ------------------------------------------------------------------


def test_upstream_audit_page_shows_auth_failures_and_successes_of_the_key(ops, key):
    secret = upstream_key(key).secret
    key_accepts(secret)
    SandboxKey.objects.filter(public_id=key.upstream_id).update(enabled=False)
    key_accepts(secret)  # refused: disabled

    html = ops.get(audit_url(key)).content.decode()

    assert "gateway_auth_success" in html
    assert "gateway_auth_failure" in html
    assert "console-row-danger" in html
    assert "disabled" in html  # the failure's reason, from the event's metadata
    assert ">create<" in html
    assert secret not in html


def test_upstream_audit_page_filters_by_action(ops, key):
    key_accepts(upstream_key(key).secret)

    html = ops.get(audit_url(key) + "?action=gateway_auth_success").content.decode()

    assert "<code>gateway_auth_success</code>" in html
    assert "<code>create</code>" not in html


def test_upstream_audit_page_survives_an_upstream_outage(ops, key):
    with inject(status=503, path=f"/reseller/pool-keys/{key.upstream_id}/audit", method="GET"):
        response = ops.get(audit_url(key))

    assert response.status_code == 200
    assert "Could not read the upstream audit log" in response.content.decode()


def test_usage_csv_of_one_key_lists_30_days(ops, key):
    today = timezone.now().date()
    for offset, used in ((2, 100), (1, 350), (0, 400)):
        PoolKeyUsageSample.objects.create(
            pool_key=key,
            day=today - timedelta(days=offset),
            first_used_mb=used,
            last_used_mb=used,
            first_sampled_at=timezone.now(),
            last_sampled_at=timezone.now(),
        )

    response = ops.get(csv_url(key))

    lines = b"".join(response.streaming_content).decode().splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0] == "date,customer_email,key_label,upstream_id,used_mb,used_gb,counter_mb"
    assert len(lines) == 31
    assert lines[-1].startswith(f"{today.isoformat()},alice@example.com,{key.label},{key.upstream_id},50.000,")
    assert lines[-2].split(",")[4] == "250.000"
    assert AuditEntry.objects.filter(action="console.usage_export").count() == 1


def test_usage_csv_of_all_keys(ops, key):
    other = mint(UserFactory(email="bob@example.com"))
    today = timezone.now().date()
    for k, used in ((key, 10), (other, 20)):
        PoolKeyUsageSample.objects.create(
            pool_key=k,
            day=today,
            first_used_mb=0,
            last_used_mb=used,
            first_sampled_at=timezone.now(),
            last_sampled_at=timezone.now(),
        )

    response = ops.get(CHANGELIST + "usage.csv?days=7")

    body = b"".join(response.streaming_content).decode()
    assert "alice@example.com" in body and "bob@example.com" in body
    assert len(body.splitlines()) == 3


# Who may not ---------------------------------------------------------------------------------


def test_non_staff_cannot_reach_the_list_the_key_page_or_any_action(client, key):
    client.force_login(UserFactory())

    for url in (CHANGELIST, change_url(key), audit_url(key), csv_url(key)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    response = client.post(
        CHANGELIST,
        {"action": "grant_gb", "_selected_action": [key.pk], "apply": 1, "nonce": "x" * 20, "reason": "r", "gb": "5"},
    )
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert upstream_key(key).traffic_cap_gb == Decimal(10)
    assert not AuditEntry.objects.filter(action__startswith="console.").exists()


def test_anonymous_visitors_are_sent_to_the_login(client, key):
    response = client.get(change_url(key))

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_with_view_permission_only_see_keys_but_cannot_act(client, key):
    viewer = StaffFactory(is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_poolkey"))
    client.force_login(viewer)

    assert client.get(CHANGELIST).status_code == 200
    html = client.get(change_url(key)).content.decode()
    assert 'value="grant_gb"' not in html
    response = client.post(
        CHANGELIST,
        {"action": "grant_gb", "_selected_action": [key.pk], "apply": 1, "nonce": "x" * 20, "reason": "r", "gb": "5"},
    )
    assert response.status_code == 302  # back to the list: no such action for them
    assert upstream_key(key).traffic_cap_gb == Decimal(10)
    assert 'value="grant_gb"' not in client.get(CHANGELIST).content.decode()


def test_staff_without_delete_permission_cannot_delete(client, key):
    operator = StaffFactory(is_superuser=False)
    operator.user_permissions.add(*Permission.objects.filter(codename__in=["view_poolkey", "change_poolkey"]))
    client.force_login(operator)

    response = client.post(CHANGELIST, {"action": "delete_keys", "_selected_action": [key.pk], "index": 0})

    assert response.status_code == 302
    actions = client.get(CHANGELIST).content.decode()
    assert 'value="disable_keys"' in actions and 'value="delete_keys"' not in actions
    assert SandboxKey.objects.filter(public_id=key.upstream_id).exists()


def test_staff_without_any_permission_get_403_on_extra_pages(client, key):
    client.force_login(StaffFactory(is_superuser=False))

    assert client.get(audit_url(key)).status_code == 403
    assert client.get(CHANGELIST + "usage.csv").status_code == 403
