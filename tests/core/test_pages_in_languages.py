"""The customer's pages in Russian and Simplified Chinese: no English UI text left (brand names,
units and codes allowed), rendered as the server sends them."""

import re
from html.parser import HTMLParser

import pytest
from django.utils.html import escape

pytestmark = pytest.mark.django_db

# Brand, protocol and product names, units and codes stay as they are in every language.
ALLOWED_WORDS = {
    "Storefront",
    "Proxies",
    "sx",
    "Stripe",
    "USDC",
    "HTTP",
    "HTTPS",
    "SOCKS",
    "CONNECT",
    "URL",
    "URLs",
    "API",
    "GB",
    "MB",
    "USD",
    "IP",
    "ID",
    "CSV",
    "JSON",
    "TOTP",
    "UTC",
    "curl",
    "Sandbox",
    "Vodafone",
    "sid",  # the URL grammar's tokens
    "ttl",
}
SKIPPED = {"script", "style", "code", "pre", "kbd", "samp", "option", "svg"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.words: set[str] = set()

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.words |= set(re.findall(r"[A-Za-z]{3,}", data))


def _operator_content() -> list[str]:
    """What the operator wrote (brand, plan names and taglines): theirs to word, not ours."""
    from apps.accounts.selectors import brand_get
    from apps.billing.models import Plan

    brand = brand_get()
    texts = [brand.name, brand.tagline, brand.support_email]
    for plan in Plan.objects.all():
        texts += [plan.name, plan.tagline]
    return sorted((text for text in texts if text), key=len, reverse=True)


def english_left(html: str, *, also_allowed: set[str] = frozenset()) -> set[str]:
    for text in _operator_content():
        html = html.replace(escape(text), " ")
    parser = _Text()
    parser.feed(html)
    return parser.words - ALLOWED_WORDS - set(also_allowed)


@pytest.mark.parametrize("language", ["ru", "zh-hans"])
@pytest.mark.parametrize("url", ["/", "/accounts/signup/", "/accounts/login/"])
def test_public_pages_have_no_english_left(client, language, url):
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f'<html lang="{language}"' in html
    assert not english_left(html), sorted(english_left(html))


@pytest.mark.parametrize("language", ["ru", "zh-hans"])
@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/orders/", "/account/"])
def test_customer_pages_have_no_english_left(customer_client, customer, language, url):
    customer.language = language
    customer.save(update_fields=["language"])

    html = customer_client.get(url).content.decode()

    assert f'<html lang="{language}"' in html
    left = english_left(html, also_allowed={*re.findall(r"[A-Za-z]{3,}", customer.email)})
    assert not left, sorted(left)
