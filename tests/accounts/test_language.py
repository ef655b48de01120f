"""The language: Accept-Language for visitors, the switcher (a POST to Django's set_language)
saving the choice on the account, `?lang=` for the hreflang alternates, LANGUAGES_ENABLED."""

import pytest
from django.urls import reverse

from apps.core.i18n import language_offered

pytestmark = pytest.mark.django_db


def test_a_visitor_gets_the_language_their_browser_asks_for(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="ru,en;q=0.5").content.decode()

    assert '<html lang="ru"' in html
    assert "Войти" in html


def test_the_page_lists_an_hreflang_alternate_for_every_language(client, settings):
    html = client.get("/").content.decode()

    for code, _ in settings.LANGUAGES:
        assert f'hreflang="{code}" href="{settings.SITE_URL}/?lang={code}"' in html
    assert 'hreflang="x-default"' in html


def test_lang_in_the_address_shows_that_language(client):
    html = client.get("/?lang=zh-hans").content.decode()

    assert '<html lang="zh-hans"' in html


def test_the_switcher_saves_the_choice_on_the_account(client, user):
    client.force_login(user)

    response = client.post(reverse("accounts:language"), {"language": "ru", "next": "/account/"})

    assert response.status_code == 302 and response.url == "/account/"
    user.refresh_from_db()
    assert user.language == "ru"
    # The saved choice follows the customer, whatever their browser says.
    html = client.get("/account/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="ru"' in html


def test_the_switcher_ignores_a_language_the_shop_does_not_offer(client, user):
    client.force_login(user)

    client.post(reverse("accounts:language"), {"language": "xx", "next": "/account/"})

    user.refresh_from_db()
    assert user.language == ""


def test_an_anonymous_switch_sets_only_the_cookie(client):
    response = client.post(reverse("accounts:language"), {"language": "de", "next": "/"})

    assert response.cookies["language"].value == "de"


def test_languages_enabled_limits_what_is_offered(settings):
    settings.LANGUAGES = [("en", "English"), ("de", "Deutsch")]

    assert language_offered("de") == "de"
    assert language_offered("ru") is None
    assert language_offered("pt_BR") is None


def test_the_account_page_has_the_language_switcher(client, user):
    client.force_login(user)

    html = client.get("/account/").content.decode()

    assert 'action="/account/language/"' in html
    assert 'name="language"' in html


def test_signed_in_pages_carry_no_hreflang_alternates(customer_client):
    html = customer_client.get("/account/").content.decode()
    assert 'hreflang="' not in html
