"""The console site's login rules: staff only, through allauth, and two-factor auth for superusers
on every console page (the model pages and the console's own pages alike) in production."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import override_settings
from django.urls import reverse

from tests.core.fresh_settings import import_settings
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@override_settings(STAFF_REQUIRE_MFA=True)
@pytest.mark.parametrize("path", ["/admin/", "/admin/overview/", "/admin/proxies/poolkey/", "/admin/core/auditentry/"])
def test_a_superuser_without_two_factor_is_sent_to_enrol_everywhere_in_the_console(client, path):
    superuser = StaffFactory(is_superuser=True)
    client.force_login(superuser)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@override_settings(STAFF_REQUIRE_MFA=True)
def test_a_superuser_with_two_factor_reaches_the_console(client):
    superuser = StaffFactory(is_superuser=True)
    TOTP.activate(superuser, generate_totp_secret())
    client.force_login(superuser)

    assert client.get("/admin/overview/").status_code == 200


def test_two_factor_is_required_in_production_by_default(monkeypatch):
    from tests.core.test_settings_env import PRODUCTION, production_env

    production = import_settings(PRODUCTION, production_env(), monkeypatch)

    assert production.STAFF_REQUIRE_MFA is True


def test_the_deploy_check_flags_production_without_two_factor(settings):
    from django.core.checks import run_checks

    settings.STAFF_REQUIRE_MFA = False
    ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert "storefront.W004" in ids

    settings.STAFF_REQUIRE_MFA = True
    ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert "storefront.W004" not in ids


# The site ---------------------------------------------------------------------------------------


def test_the_console_site_is_the_admin_site_with_its_overview():
    from django.contrib import admin

    from apps.console.site import ConsoleSite

    assert isinstance(admin.site, ConsoleSite)
    assert reverse("admin:overview") == "/admin/overview/"
    assert admin.site.site_header == "Storefront console"


def test_records_written_by_services_are_read_only_even_for_a_superuser(rf):
    from django.contrib import admin

    from apps.billing.models import Order, ProviderEvent
    from apps.core.models import AuditEntry, OperatorAlert
    from apps.proxies.models import PoolKey, PoolKeyAlert

    request = rf.get("/admin/")
    request.user = StaffFactory(is_superuser=True)
    for model in (AuditEntry, Order, ProviderEvent, PoolKey, PoolKeyAlert, OperatorAlert):
        model_admin = admin.site.get_model_admin(model)
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
        assert model_admin.has_view_permission(request), model
