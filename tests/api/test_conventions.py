"""The conventions every endpoint shares: one error envelope (DRF's errors, unknown URLs, 405,
415 and 500 included; never HTML under /api/), rate limits per key and per IP with their headers
on every answer, cursor pagination, ISO 8601 UTC times, amounts as strings with a currency."""

import re
from urllib.parse import urlsplit

import pytest

from apps.api.views import account
from tests.api.conftest import *  # noqa: F403 (the shared API fixtures)
from tests.api.conftest import Api, api_for, error_of
from tests.proxies.support import make_order, mint_key

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v2/keys", "/api/", "/api", "/api/v1/keys/abc"])
def test_unknown_urls_under_api_are_a_json_404(api, method, path):
    response = getattr(api, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "unknown_endpoint"


def test_a_method_the_endpoint_does_not_have_is_a_405_envelope(api):
    response = api.post("/api/v1/me", {})
    assert response.status_code == 405
    assert error_of(response)["type"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_a_body_that_is_not_json_is_a_415(api):
    response = api.post("/api/v1/proxy-urls", "pool=mbl", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert error_of(response)["type"] == "unsupported_media_type"


def test_malformed_json_is_a_400(api):
    response = api.client.post(
        "/api/v1/proxy-urls", "{not json", content_type="application/json", headers=api._headers(None)
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_a_field_error_names_the_param(api, key):
    response = api.post("/api/v1/proxy-urls", {"count": 1001})
    assert response.status_code == 400
    error = error_of(response)
    assert error["type"] == "invalid_request" and error["param"] == "count" and error["code"] == "max_value"


def test_an_unknown_query_parameter_is_refused(api):
    response = api.get("/api/v1/keys", {"limt": "5"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "unknown_parameter" and error["param"] == "limt"


def test_an_unexpected_failure_is_a_500_envelope_not_an_html_page(client, raw_key, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(account, "pool_key_list_for_customer", broken)
    client.raise_request_exception = False
    response = Api(client, raw_key).get("/api/v1/me")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    error = error_of(response)
    assert error["type"] == "internal_error" and "boom" not in error["message"]
    assert response["RateLimit-Limit"]


def test_the_request_id_is_echoed_in_the_header_and_the_envelope(anonymous):
    response = anonymous.get("/api/v1/me", headers={"X-Request-ID": "client-chosen-id-1234"})
    assert response["X-Request-ID"] == "client-chosen-id-1234"
    assert error_of(response)["request_id"] == "client-chosen-id-1234"


def test_answers_are_never_cached(api):
    assert "no-store" in api.get("/api/v1/me")["Cache-Control"]


# Rate limits -----------------------------------------------------------------------------------


def test_every_answer_carries_the_rate_limit_headers(api, anonymous):
    for response in (api.get("/api/v1/me"), api.get("/api/v1/nope"), anonymous.get("/api/v1/me")):
        assert int(response["RateLimit-Limit"]) > 0
        assert 0 <= int(response["RateLimit-Remaining"]) < int(response["RateLimit-Limit"])
        assert 1 <= int(response["RateLimit-Reset"]) <= 60


def test_the_key_limit_counts_down_and_then_answers_429(api, settings):
    settings.API_RATE_LIMIT_PER_KEY = "3/min"
    remaining = [int(api.get("/api/v1/me")["RateLimit-Remaining"]) for _ in range(3)]
    assert remaining == [2, 1, 0]
    response = api.get("/api/v1/me")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    error = error_of(response)
    assert error["type"] == "rate_limited" and error["code"] == "rate_limited"


def test_the_limit_is_per_key(client, customer, settings):
    settings.API_RATE_LIMIT_PER_KEY = "1/min"
    first, second = api_for(client, customer), api_for(client, customer)
    assert first.get("/api/v1/me").status_code == 200
    assert first.get("/api/v1/me").status_code == 429
    assert second.get("/api/v1/me").status_code == 200


def test_the_ip_limit_applies_before_authentication(db, client, settings):
    settings.API_RATE_LIMIT_PER_IP = "2/min"
    guesser = Api(client, "sfk_test_" + "x" * 40)
    assert [guesser.get("/api/v1/me").status_code for _ in range(3)] == [401, 401, 429]
    # Another address is not affected.
    assert guesser.get("/api/v1/me", REMOTE_ADDR="198.51.100.5").status_code == 401


# Pagination ------------------------------------------------------------------------------------


def test_lists_page_with_a_cursor_a_next_link_and_a_link_header(api, upstream, customer):
    keys = [mint_key(customer) for _ in range(3)]
    seen, url, pages = [], "/api/v1/keys?limit=2", 0
    while url:
        response = api.get(url)
        body = response.json()
        assert body["object"] == "list" and len(body["data"]) <= 2
        seen += [item["id"] for item in body["data"]]
        pages += 1
        if body["next"]:
            assert response["Link"] == f'<{body["next"]}>; rel="next"'
            assert body["has_more"] and body["next_cursor"] in body["next"]
            url = urlsplit(body["next"]).path + "?" + urlsplit(body["next"]).query
        else:
            assert "Link" not in response and body["next_cursor"] is None
            url = None
    assert pages == 2
    assert seen == [k.pk for k in reversed(keys)]  # newest first, each once


def test_in_memory_lists_page_the_same_way(api, upstream):
    first = api.get("/api/v1/countries", {"limit": 3}).json()
    second = api.get("/api/v1/countries", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert len(first["data"]) == 3 and first["has_more"]
    assert {c["code"] for c in first["data"]}.isdisjoint({c["code"] for c in second["data"]})


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "2.5"])
def test_a_limit_outside_1_to_100_is_refused(api, limit):
    response = api.get("/api/v1/keys", {"limit": limit})
    assert response.status_code == 400
    assert error_of(response)["param"] == "limit"


@pytest.mark.parametrize("path", ["/api/v1/keys", "/api/v1/countries"])
def test_a_made_up_cursor_is_refused(api, path):
    response = api.get(path, {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_cursor" and error["param"] == "cursor"


# Formats ---------------------------------------------------------------------------------------


def test_times_are_iso_8601_utc_and_amounts_are_strings_with_a_currency(api, customer, key):
    make_order(customer, fulfilment_ref=str(key.pk))
    order = api.get("/api/v1/orders").json()["data"][0]
    assert ISO_UTC.match(order["created_at"]) and ISO_UTC.match(order["paid_at"])
    assert order["amount"] == "35.00" and order["currency"] == "usd" and order["gb"] == "5.00"
    listed = api.get("/api/v1/keys").json()["data"][0]
    assert ISO_UTC.match(listed["expires_at"])
    assert listed["cap_gb"] == "10.000" and listed["used_gb"] == "0.000"
    plan = api.get("/api/v1/plans").json()["data"][0]
    assert isinstance(plan["price"], str) and re.fullmatch(r"\d+\.\d{2}", plan["price"]) and plan["currency"]


def test_plans_and_orders_say_which_product_they_sell(api, customer, key):
    make_order(customer, fulfilment_ref=str(key.pk))
    products = {plan["slug"]: plan["product"] for plan in api.get("/api/v1/plans").json()["data"]}
    assert products["starter"] == "pool_traffic"
    assert products["port-shared-30d"] == "dedicated_port"
    order = api.get("/api/v1/orders").json()["data"][0]
    assert (order["product"], order["key_id"]) == ("pool_traffic", key.pk)
