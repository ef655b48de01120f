"""POST /proxy-urls: the dashboard builder's URLs from code, through the same Python grammar
(held to the shared vectors), scoped to the customer's key, with the secret only when the API
key may reveal it."""

import json
import re
from pathlib import Path

import pytest

from apps.core.models import AuditEntry
from apps.proxies.urlgrammar import encode_userinfo
from tests.api.conftest import *  # noqa: F403 (the shared API fixtures)
from tests.api.conftest import api_for, error_of

VECTORS = json.loads((Path(__file__).parent.parent / "proxies/vectors/proxy_urls.json").read_text(encoding="utf-8"))
# The API always adds the key's session prefix and uses the gateway's port: the vectors without a
# sid or a port are the ones whose URL it must reproduce exactly.
PLAIN = [v for v in VECTORS if "sid" not in v["options"] and v["port"] is None]
OPTION_NAMES = {"sid": "session"}


def test_the_plain_vectors_are_enough_to_matter():
    assert len(PLAIN) >= 10


@pytest.mark.parametrize("vector", PLAIN, ids=[v["name"] for v in PLAIN])
def test_urls_match_the_shared_builder_vectors(client, settings, upstream, customer, key, vector):
    settings.PROXIES_SX_USERNAME = vector["reseller_username"]
    settings.PROXIES_SX_GATEWAY_HOST = vector["host"]
    options = {OPTION_NAMES.get(k, k): v for k, v in vector["options"].items()}
    options.setdefault("rotation", "none")  # the vectors' default; the API's is sticky, like the dashboard's
    response = api_for(client, customer, scopes=["read"]).post("/api/v1/proxy-urls", {**options, "format": "url"})
    assert response.status_code == 200, response.content
    body = response.json()
    expected = vector["expected"]["url"].replace(encode_userinfo(vector["secret"]), key.secret_hint)
    assert body["data"][0]["url"] == expected and body["secret_included"] is False


def test_the_secret_is_included_with_keys_write_through_the_audited_reveal(api, upstream, key):
    body = api.post("/api/v1/proxy-urls", {"country": "us", "session": "bot1", "format": "curl"}).json()
    secret = upstream.client.reveal_key(key.upstream_id).secret
    item = body["data"][0]
    assert body["secret_included"] is True
    assert item["url"] == f"http://psx_sandbox-mbl-us-sid-{key.session_tag}_bot1-rot-sticky:{secret}@gw.proxies.sx:7000"
    assert item["session_id"] == f"{key.session_tag}_bot1"
    assert item["text"].startswith("curl --proxy 'http://psx_sandbox-") and secret in item["text"]
    assert AuditEntry.objects.filter(action="pool_key.reveal").count() == 1


def test_without_keys_write_the_urls_carry_the_masked_hint(client, upstream, customer, key):
    body = api_for(client, customer, scopes=["read"]).post("/api/v1/proxy-urls", {}).json()
    assert body["secret_included"] is False and key.secret_hint in body["data"][0]["url"]
    assert upstream.calls["reveal_key"] == 0


def test_include_secret_false_skips_the_reveal(api, upstream, key):
    assert api.post("/api/v1/proxy-urls", {"include_secret": False}).json()["secret_included"] is False
    assert upstream.calls["reveal_key"] == 0


def test_a_bulk_list_of_1000_has_unique_session_ids_under_the_keys_prefix(api, upstream, key):
    body = api.post("/api/v1/proxy-urls", {"count": 1000, "session": "run7", "include_secret": False}).json()
    sids = [item["session_id"] for item in body["data"]]
    assert body["count"] == 1000 and len(set(sids)) == 1000
    assert sids[0] == f"{key.session_tag}_run70001" and sids[-1] == f"{key.session_tag}_run71000"


def test_count_is_1_to_1000(api, key):
    for count in (0, 1001):
        response = api.post("/api/v1/proxy-urls", {"count": count})
        assert response.status_code == 400 and error_of(response)["param"] == "count"


@pytest.mark.parametrize(
    ("options", "param"),
    [({"country": "usa"}, "country"), ({"session": "a-b"}, "session"), ({"ttl": 5}, "ttl"), ({"pool": "x"}, "pool")],
)
def test_a_bad_option_is_a_400_naming_it_and_reveals_nothing(api, upstream, key, options, param):
    response = api.post("/api/v1/proxy-urls", options)
    assert response.status_code == 400 and error_of(response)["param"] == param
    assert upstream.calls["reveal_key"] == 0


def test_without_a_key_yet_it_is_a_404(client, db, customer):
    response = api_for(client, customer).post("/api/v1/proxy-urls", {})
    assert response.status_code == 404 and error_of(response)["code"] == "no_key"


def test_socks5_urls_use_the_socks_port(api, key):
    url = api.post("/api/v1/proxy-urls", {"protocol": "socks5", "include_secret": False}).json()["data"][0]["url"]
    assert re.match(r"^socks5://.+@gw\.proxies\.sx:7001$", url)
