"""The brand: env defaults, edited in the admin without a redeploy, shown on every page."""

import pytest
from django.core.checks import Error
from django.test import override_settings

from apps.accounts.checks import brand_defaults_check
from apps.accounts.models import BrandSettings, readable_text_on
from apps.accounts.selectors import brand_get
from apps.accounts.services import brand_update
from apps.core.models import AuditEntry

BRAND_FORM = {
    "name": "Acme Proxies",
    "tagline": "Bandwidth for grown-ups.",
    "logo_url": "",
    "primary_color": "#0f766e",
    "accent_color": "#f59e0b",
    "support_email": "help@acme.example",
    "terms_url": "https://acme.example/terms",
    "privacy_url": "https://acme.example/privacy",
}
PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]


@pytest.fixture
def admin_client_mfa_off(client, staff, settings):
    settings.STAFF_REQUIRE_MFA = False
    client.force_login(staff)
    return client


def test_defaults_come_from_settings_when_no_row_exists(client, db):
    with override_settings(BRAND_DEFAULTS={**BrandSettings.defaults(), "name": "Envbrand", "primary_color": "#123456"}):
        page = client.get("/").content.decode()

    assert "Envbrand" in page
    assert "--primary: #123456;" in page
    assert not BrandSettings.objects.exists()


def test_brand_change_shows_on_every_page_without_restart(client, db):
    for url in PAGES:  # warm the cache with the defaults
        assert b"Storefront" in client.get(url).content

    brand_update(brand=BrandSettings(**BRAND_FORM))

    for url in PAGES:
        page = client.get(url).content.decode()
        assert "Acme Proxies" in page, url
        assert "--primary: #0f766e;" in page, url
        assert "help@acme.example" in page, url
        assert 'href="https://acme.example/terms"' in page, url


def test_brand_update_validates_and_saves_nothing_when_invalid(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        brand_update(brand=BrandSettings(**{**BRAND_FORM, "primary_color": "red"}))

    assert not BrandSettings.objects.exists()
    assert brand_get().name == "Storefront"


def test_brand_update_writes_an_audit_entry_with_the_changed_fields(db, staff):
    brand = brand_update(brand=BrandSettings(**BRAND_FORM), actor=staff)
    brand.tagline = "New tagline"
    brand_update(brand=brand, actor=staff)

    latest = AuditEntry.objects.filter(action="brand.updated").first()
    assert latest.actor == staff
    assert latest.data == {"fields": ["tagline"]}


def test_admin_brand_edit_goes_live_at_once(admin_client_mfa_off):
    client = admin_client_mfa_off
    assert b"Storefront" in client.get("/").content

    response = client.post("/admin/accounts/brandsettings/add/", BRAND_FORM)

    assert response.status_code == 302
    assert BrandSettings.objects.get().pk == 1
    assert b"Acme Proxies" in client.get("/").content

    response = client.post("/admin/accounts/brandsettings/1/change/", {**BRAND_FORM, "name": "Acme Two"})

    assert response.status_code == 302
    assert b"Acme Two" in client.get("/account/").content


def test_admin_refuses_a_bad_colour_and_changes_nothing(admin_client_mfa_off):
    response = admin_client_mfa_off.post("/admin/accounts/brandsettings/add/", {**BRAND_FORM, "accent_color": "#12"})

    assert response.status_code == 200
    assert b"Use a colour like" in response.content
    assert not BrandSettings.objects.exists()


def test_admin_refuses_a_line_break_in_the_brand_name_and_changes_nothing(admin_client_mfa_off):
    response = admin_client_mfa_off.post(
        "/admin/accounts/brandsettings/add/", {**BRAND_FORM, "name": "Acme\r\nBcc: thief@evil.example"}
    )

    assert response.status_code == 200
    assert b"Use a single line of text" in response.content
    assert not BrandSettings.objects.exists()


def test_brand_admin_changelist_leads_to_add_form_prefilled_with_defaults(admin_client_mfa_off):
    response = admin_client_mfa_off.get("/admin/accounts/brandsettings/")
    assert response["Location"] == "/admin/accounts/brandsettings/add/"

    page = admin_client_mfa_off.get("/admin/accounts/brandsettings/add/").content.decode()

    assert 'value="Storefront"' in page
    assert 'value="#4f46e5"' in page


def test_brand_admin_is_a_singleton(admin_client_mfa_off):
    client = admin_client_mfa_off
    brand_update(brand=BrandSettings(**BRAND_FORM))

    assert client.get("/admin/accounts/brandsettings/")["Location"] == "/admin/accounts/brandsettings/1/change/"
    assert client.get("/admin/accounts/brandsettings/add/").status_code == 403
    assert client.post("/admin/accounts/brandsettings/add/", {**BRAND_FORM, "name": "Second"}).status_code == 403
    assert client.get("/admin/accounts/brandsettings/1/delete/").status_code == 403
    assert client.post("/admin/accounts/brandsettings/1/delete/", {"post": "yes"}).status_code == 403
    assert BrandSettings.objects.get().name == "Acme Proxies"
    change_page = client.get("/admin/accounts/brandsettings/1/change/").content
    assert b"deletelink" not in change_page
    assert b"_addanother" not in change_page
    BrandSettings.objects.all().delete()
    assert b"_addanother" not in client.get("/admin/accounts/brandsettings/add/").content


@pytest.mark.parametrize(
    ("field", "value", "variable"),
    [
        ("primary_color", "red;} body {display:none", "BRAND_PRIMARY_COLOR"),
        ("support_email", "nope", "BRAND_SUPPORT_EMAIL"),
    ],
)
def test_bad_brand_env_values_fail_the_system_check_naming_the_variable(settings, field, value, variable):
    settings.BRAND_DEFAULTS = {**settings.BRAND_DEFAULTS, field: value}

    errors = brand_defaults_check(None)

    assert len(errors) == 1
    assert isinstance(errors[0], Error)
    assert errors[0].msg.startswith(variable + ":")


def test_good_brand_env_values_pass_the_system_check():
    assert brand_defaults_check(None) == []


@pytest.mark.parametrize(
    ("background", "text"),
    [("#4f46e5", "#ffffff"), ("#facc15", "#0f172a"), ("#10b981", "#0f172a"), ("#000000", "#ffffff")],
)
def test_button_text_colour_stays_readable_on_any_brand_colour(background, text):
    assert readable_text_on(background) == text
