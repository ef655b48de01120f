"""The secret on the dashboard: masked by default, revealed by a POST through the upstream's
audited reveal, regenerated only after a confirmation step. Never in a URL, never cached."""

import re

import pytest
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.sandbox.upstream.faults import inject
from tests.proxies.fakes import key_accepts

REVEAL_LIMIT = 4


def reveal_url(key):
    return reverse("proxies:key_reveal", args=[key.pk])


def regenerate_url(key):
    return reverse("proxies:key_regenerate", args=[key.pk])


def current_secret(upstream, key) -> str:
    return upstream.client.reveal_key(key.upstream_id).secret


def test_reveal_returns_the_secret_to_the_page_script_uncached(upstream, customer_client, key):
    response = customer_client.post(reveal_url(key), headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"secret": current_secret(upstream, key)}
    assert "no-store" in response["Cache-Control"]


def test_reveal_goes_through_the_audited_upstream_reveal(upstream, customer_client, key, customer):
    customer_client.post(reveal_url(key), headers={"Accept": "application/json"})
    assert upstream.calls["reveal_key"] == 1
    entry = AuditEntry.objects.get(action="pool_key.reveal")
    assert entry.actor == customer
    assert "pak_" not in str(entry.data).replace("pak_••••", "")  # the hint only, never the secret


def test_reveal_without_javascript_renders_the_page_with_the_secret(upstream, customer_client, key):
    response = customer_client.post(reveal_url(key))
    html = response.content.decode()
    secret = current_secret(upstream, key)
    assert response.status_code == 200
    assert f'<code id="secret-value" data-masked="{key.secret_hint}">{secret}</code>' in html
    assert secret in re.search(r'<code id="out-url">([^<]+)</code>', html).group(1)
    assert "no-store" in response["Cache-Control"]


def test_reveal_from_the_builder_form_keeps_the_chosen_options(upstream, customer_client, key):
    data = {"pool": "peer", "country": "de", "sid_part": "x1", "rotation": "hard", "protocol": "http", "ttl": ""}
    html = customer_client.post(reveal_url(key), data).content.decode()
    url = re.search(r'<code id="out-url">([^<]+)</code>', html).group(1)
    assert url.startswith(f"http://psx_sandbox-peer-de-sid-{key.session_tag}_x1-rot-hard:pak_")


def test_reveal_is_post_only(upstream, customer_client, key):
    assert customer_client.get(reveal_url(key)).status_code == 405
    assert upstream.calls["reveal_key"] == 0


def test_reveal_is_rate_limited(upstream, customer_client, key, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "key_reveal": f"{REVEAL_LIMIT}/10m/user"}
    for _ in range(REVEAL_LIMIT):
        assert customer_client.post(reveal_url(key), headers={"Accept": "application/json"}).status_code == 200
    response = customer_client.post(reveal_url(key), headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert "secret" not in response.json()
    assert upstream.calls["reveal_key"] == REVEAL_LIMIT


def test_reveal_while_the_upstream_fails_explains_and_shows_nothing(upstream, customer_client, key):
    with inject(status=503, path="/reseller/pool-keys/*/reveal"):
        response = customer_client.post(reveal_url(key), headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert "try again" in response.json()["error"]
    assert not AuditEntry.objects.filter(action="pool_key.reveal").exists()


def test_the_secret_never_goes_in_a_url(upstream, customer_client, key):
    html = customer_client.get("/dashboard/").content.decode()
    assert not re.search(r'<form[^>]*method="get"[^>]*action="[^"]*(reveal|bulk)', html)
    for form in re.findall(r"<form[^>]*>", html):
        if "reveal" in form or "bulk" in form or "regenerate" in form:
            assert 'method="post"' in form


# Regenerate -------------------------------------------------------------------------------------


def test_regenerate_starts_with_a_confirmation_step(upstream, customer_client, key):
    response = customer_client.get(regenerate_url(key))
    html = response.content.decode()
    assert response.status_code == 200
    assert "stops working immediately" in html
    assert upstream.calls["regenerate_key"] == 0


def _confirm_data(customer_client, key, **extra):
    html = customer_client.get(regenerate_url(key)).content.decode()
    op = re.search(r'name="op" value="([a-f0-9]{32})"', html).group(1)
    return {"op": op, "confirm": "on", **extra}


def test_regenerate_without_the_checkbox_changes_nothing(upstream, customer_client, key):
    old = current_secret(upstream, key)
    data = _confirm_data(customer_client, key)
    del data["confirm"]
    response = customer_client.post(regenerate_url(key), data)
    assert response.status_code == 400
    assert upstream.calls["regenerate_key"] == 0
    assert key_accepts(old)


def test_regenerate_shows_the_new_secret_and_the_old_one_stops_working(upstream, customer_client, key, customer):
    old = current_secret(upstream, key)
    posted = customer_client.post(regenerate_url(key), _confirm_data(customer_client, key))
    assert posted.status_code == 303  # redirect after POST: a reload does not post again
    assert posted["Location"] == f"{reverse('proxies:dashboard')}?key={key.pk}"
    response = customer_client.get(posted["Location"])
    html = response.content.decode()
    new = current_secret(upstream, key)
    assert response.status_code == 200
    assert new != old
    assert new not in posted["Location"]
    assert new in html
    assert "Your old secret stopped working" in html
    assert "no-store" in response["Cache-Control"]
    assert not key_accepts(old)
    assert key_accepts(new)
    entry = AuditEntry.objects.get(action="pool_key.regenerate")
    assert entry.actor == customer
    assert old not in str(entry.data) and new not in str(entry.data)
    assert new not in customer_client.get(reverse("proxies:dashboard")).content.decode()  # shown once


def test_a_double_submitted_confirmation_regenerates_once(upstream, customer_client, key):
    data = _confirm_data(customer_client, key)
    customer_client.post(regenerate_url(key), data)
    first = customer_client.get(reverse("proxies:dashboard")).content.decode()
    secret = current_secret(upstream, key)
    customer_client.post(regenerate_url(key), data)
    second = customer_client.get(reverse("proxies:dashboard")).content.decode()
    assert secret in first and secret in second
    assert key_accepts(secret)
    assert len(set(upstream.idempotency_keys("regenerate_key"))) == 1


def test_regenerate_failure_keeps_the_old_secret_and_says_so(upstream, customer_client, key):
    old = current_secret(upstream, key)
    data = _confirm_data(customer_client, key)
    with inject(status=500, path="/reseller/pool-keys/*/regenerate"):
        response = customer_client.post(regenerate_url(key), data)
    assert response.status_code == 503
    assert "it still works" in response.content.decode()
    assert key_accepts(old)


@pytest.mark.parametrize("op", ["", "not-hex", "a" * 31])
def test_regenerate_rejects_a_malformed_nonce(upstream, customer_client, key, op):
    response = customer_client.post(regenerate_url(key), {"op": op, "confirm": "on"})
    assert response.status_code == 400
    assert upstream.calls["regenerate_key"] == 0
