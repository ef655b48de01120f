"""Actions that know the key's state (issue 15): one action menu on the key page offering only
what the state allows (Enable on disabled keys, Disable on enabled ones), the same refusal on the
list, no reason asked for a read-only Sync, GB shown one way, and the operator guide linked."""

from decimal import Decimal

import pytest

from apps.core.admin_helpers import gb_text
from apps.core.models import AuditEntry
from apps.proxies.models import PoolKey
from tests.factories import UserFactory
from tests.proxies.fakes import sandbox_upstream

from .console_support import CHANGELIST, change_url, mint, run_action, upstream_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(monkeypatch):
    sandbox_upstream(monkeypatch)
    return mint(UserFactory(email="alice@example.com"), cap_gb=Decimal(10))


def _menu(ops, key) -> str:
    html = ops.get(change_url(key)).content.decode()
    start = html.index('id="key-action"')
    return html[start : html.index("</select>", start)]


def test_the_key_page_has_one_action_menu_offering_disable_only_on_an_enabled_key(ops, key):
    html = ops.get(change_url(key)).content.decode()
    menu = _menu(ops, key)

    assert html.count('name="CHANGE_FORM-action"') == 1  # no second (admin) action bar
    assert 'value="disable_keys"' in menu and 'value="enable_keys"' not in menu
    assert 'value="sync_now"' in menu


def test_a_disabled_key_offers_enable_and_not_disable(ops, key):
    run_action(ops, "disable_keys", [key])
    key.refresh_from_db()

    menu = _menu(ops, key)

    assert 'value="enable_keys"' in menu and 'value="disable_keys"' not in menu


def test_the_list_skips_keys_whose_state_does_not_allow_the_action(ops, key):
    other = mint(cap_gb=Decimal(5))
    run_action(ops, "disable_keys", [key])

    _page, response = run_action(ops, "disable_keys", [key, other])

    assert response.status_code == 302
    assert not upstream_key(other).enabled
    html = ops.get(CHANGELIST).content.decode()
    assert "1 selected key(s) skipped (disabled already, or deleted)" in html
    assert AuditEntry.objects.filter(action="pool_key.disable").count() == 2  # once per key, never twice


def test_enable_on_an_enabled_key_changes_nothing_and_says_why(ops, key):
    response = ops.post(CHANGELIST, {"action": "enable_keys", "_selected_action": [key.pk], "index": 0})

    assert response.status_code == 302
    assert "skipped (enabled already, or deleted)" in ops.get(CHANGELIST).content.decode()
    assert not AuditEntry.objects.filter(action="pool_key.enable").exists()


def test_sync_needs_no_reason(ops, key):
    _page, response = run_action(ops, "sync_now", [key], reason="")

    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="pool_key.sync", target_id=str(key.pk)).exists()


def test_a_changing_action_still_needs_a_reason(ops, key):
    _page, response = run_action(ops, "disable_keys", [key], reason="")

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert upstream_key(key).enabled


def test_gb_is_shown_one_way_on_the_list_the_key_page_and_in_messages(ops, key):
    PoolKey.objects.filter(pk=key.pk).update(used_mb=Decimal(8704))  # 8.5 GB

    listing = ops.get(CHANGELIST).content.decode()
    page = ops.get(change_url(key)).content.decode()
    _form, response = run_action(ops, "grant_gb", [key], gb="5")
    message = ops.get(response["Location"]).content.decode()

    assert "8.50 GB of 10.00 GB" in listing and "8.50 GB of 10.00 GB" in page
    assert "cap now 15.00 GB" in message
    assert (gb_text(None), gb_text(Decimal("0.001")), gb_text(Decimal("1234.5"))) == (
        "unlimited",
        "< 0.01 GB",
        "1,234.50 GB",
    )


def test_the_operator_guide_is_linked_from_every_console_page_and_rendered(ops, key):
    home = ops.get("/admin/").content.decode()
    guide = ops.get("/admin/guide/")

    assert 'href="/admin/guide/"' in home
    assert guide.status_code == 200
    html = guide.content.decode()
    assert '<h3 id="actions">Actions</h3>' in html
    assert "<table>" in html


def test_the_operator_guide_is_staff_only(client, key):
    client.force_login(UserFactory())

    assert "/login/" in client.get("/admin/guide/")["Location"]
