"""Reply parsing: accepted variants of the contract's shapes, and a named field for every
shape we cannot accept (never a KeyError or TypeError)."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from apps.proxies.upstream import fields, parsing
from apps.proxies.upstream.errors import UpstreamBadResponse
from tests.proxies.test_client_support import PAK, key_payload, session_payload


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-01T00:00:00.000Z", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T02:00:00+02:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T00:00:00", datetime(2026, 1, 1, tzinfo=UTC)),  # naive means UTC
        (1767225600000, datetime(2026, 1, 1, tzinfo=UTC)),
        (Decimal("1767225600000.0"), datetime(2026, 1, 1, tzinfo=UTC)),
        ("1767225600000", datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
def test_dates_are_iso_strings_or_unix_milliseconds(value, expected):
    assert fields.to_datetime(value, "createdAt") == expected


@pytest.mark.parametrize("value", ["yesterday", True, -1, 10**16, {"$date": 1}, [1], Decimal("NaN")])
def test_unreadable_dates_name_the_field(value):
    with pytest.raises(UpstreamBadResponse, match=r"^createdAt: expected a date") as caught:
        fields.to_datetime(value, "createdAt")
    assert caught.value.field == "createdAt"


def test_dates_come_back_in_utc():
    value = datetime(2026, 1, 1, 5, tzinfo=timezone(timedelta(hours=5))).isoformat()
    assert fields.to_datetime(value, "x").tzinfo == UTC


@pytest.mark.parametrize(
    ("value", "expected"), [(10, Decimal(10)), (Decimal("0.1"), Decimal("0.1")), ("12.50", Decimal("12.50"))]
)
def test_numbers_become_decimals(value, expected):
    assert fields.to_decimal(value, "trafficCapGB") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "expected a number, got 'abc'"),
        (True, "expected a number, got true"),
        (None, "expected a number, got null"),
        (-1, "expected a number >= 0, got -1"),
        ("Infinity", "expected a finite number"),
    ],
)
def test_bad_numbers_name_the_field(value, message):
    with pytest.raises(UpstreamBadResponse, match=message):
        fields.to_decimal(value, "trafficUsedMB")


def test_pool_key_falls_back_to_gb_usage_when_mb_is_missing():
    payload = key_payload(trafficUsedGB=1.5)
    del payload["trafficUsedMB"]

    assert parsing.parse_pool_key(payload).traffic_used_mb == Decimal("1536.0")


def test_pool_key_without_any_usage_has_used_nothing():
    payload = key_payload()
    del payload["trafficUsedMB"], payload["trafficUsedGB"]

    assert parsing.parse_pool_key(payload).traffic_used_mb == Decimal(0)


def test_pool_key_accepts_mongo_style_ids():
    payload = key_payload()
    payload["_id"] = payload.pop("id")

    assert parsing.parse_pool_key(payload).id == "pk_1"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id": None}, "id"),
        ({"id": ""}, "id"),
        ({"enabled": "yes"}, "enabled"),
        ({"trafficCapGB": "lots"}, "trafficCapGB"),
        ({"trafficCapGB": -5}, "trafficCapGB"),
        ({"expiresAt": "soon"}, "expiresAt"),
        ({"label": 5}, "label"),
        ({"key": 123}, "key"),
        ({"isExpired": "no"}, "isExpired"),
    ],
)
def test_pool_key_shape_errors_name_the_field(overrides, field):
    with pytest.raises(UpstreamBadResponse) as caught:
        parsing.parse_pool_key(key_payload(**overrides))
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: expected")


def test_pool_key_without_enabled_is_refused():
    payload = key_payload()
    del payload["enabled"]

    with pytest.raises(UpstreamBadResponse, match="enabled: expected a value, got nothing"):
        parsing.parse_pool_key(payload)


def test_a_secret_error_never_shows_the_value():
    with pytest.raises(UpstreamBadResponse) as caught:
        parsing.parse_pool_key(key_payload(key=[PAK]))
    assert PAK not in str(caught.value)


def test_masked_secret_in_a_list_is_not_a_secret():
    assert parsing.parse_pool_key(key_payload(key="pak_…4567")).secret is None


def test_the_record_repr_hides_the_secret_but_offers_a_hint():
    record = parsing.parse_pool_key(key_payload())

    assert PAK not in repr(record)
    assert record.secret_hint == "pak_…4567"


@pytest.mark.parametrize("data", [{"keys": [key_payload()]}, {"data": [key_payload()]}, [key_payload()]])
def test_key_lists_may_come_bare_or_wrapped(data):
    assert [r.id for r in parsing.parse_pool_keys(data)] == ["pk_1"]


@pytest.mark.parametrize("data", [None, "[]", {"keys": "none"}, 5])
def test_a_key_list_that_is_not_a_list_is_refused(data):
    with pytest.raises(UpstreamBadResponse, match="^keys: expected a list"):
        parsing.parse_pool_keys(data)


def test_a_key_list_item_that_is_not_an_object_names_its_index():
    with pytest.raises(UpstreamBadResponse, match=r"^keys\[1\]: expected an object, got 'x'"):
        parsing.parse_pool_keys([key_payload(), "x"])


def test_stock_totals_are_computed_when_missing():
    stock = parsing.parse_stock({"pools": {"mbl": {"us": 2, "de": 3}, "peer": {"us": 5}}})

    assert stock.totals == {"mbl": 5, "peer": 5, "all": 10}
    assert stock.generated_at is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "pools"),
        ({"pools": []}, "pools"),
        ({"pools": {"mbl": {"us": "many"}}}, "pools.mbl.us"),
        ({"pools": {"mbl": {"us": -1}}}, "pools.mbl.us"),
        ({"pools": {"mbl": {}}, "totals": {"all": 1.5}}, "totals.all"),
    ],
)
def test_stock_shape_errors_name_the_field(data, field):
    with pytest.raises(UpstreamBadResponse) as caught:
        parsing.parse_stock(data)
    assert caught.value.field == field


def test_unknown_incident_severity_is_kept_lowercased():
    incident = parsing.parse_incident(
        {"id": 7, "severity": "Maintenance", "title": "t", "startedAt": "2026-01-01T00:00:00Z"}
    )

    assert incident.severity == "maintenance"
    assert incident.id == "7"


def test_incident_affects_must_be_strings():
    with pytest.raises(UpstreamBadResponse, match=r"^incidents\[0\]\.affects"):
        parsing.parse_incidents(
            [{"id": "i", "severity": "info", "title": "t", "startedAt": "2026-01-01T00:00:00Z", "affects": [1]}]
        )


def test_sessions_must_come_in_their_envelope_or_as_a_list():
    assert len(parsing.parse_sessions({"sessions": [session_payload()], "count": 1})) == 1
    assert len(parsing.parse_sessions([session_payload()])) == 1
    with pytest.raises(UpstreamBadResponse, match=r"^sessions\[0\]\.sessionKey"):
        parsing.parse_sessions({"sessions": [session_payload(sessionKey=None)]})


def test_session_with_nulls_for_optional_fields_is_accepted():
    session = parsing.parse_session(
        session_payload(country=None, carrier=None, currentIp=None, ttl=None, requestCount=None, proxyUrl=None)
    )

    assert session.country == "" and session.carrier is None and session.ttl is None and session.request_count == 0


def test_session_close_needs_success():
    with pytest.raises(UpstreamBadResponse, match="^success: expected a value"):
        parsing.parse_session_close({"message": "ok"})


def test_pricing_without_shared_price_is_accepted():
    pricing = parsing.parse_pricing({"currency": "USD"})

    assert pricing.shared_per_gb is None and pricing.currency == "USD"


def test_pricing_with_a_bad_price_names_the_field():
    with pytest.raises(UpstreamBadResponse, match=r"^shared\.perGB: expected a number"):
        parsing.parse_pricing({"shared": {"perGB": "cheap"}})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"statusCode": 400, "message": ["a", "b"], "error": "Bad Request"}, ("a; b", None, None)),
        (
            {"error": {"type": "invalid_request", "code": "missing", "message": "m", "request_id": "r1"}},
            ("m", "missing", "r1"),
        ),
        ({"message": "m", "code": "c", "requestId": "r2"}, ("m", "c", "r2")),
        ({"error": "Forbidden"}, ("Forbidden", None, None)),
        ("plain text", ("plain text", None, None)),
        (None, ("", None, None)),
        ([1, 2], ("", None, None)),
    ],
)
def test_error_bodies_of_every_known_shape_are_read(body, expected):
    assert parsing.parse_error_body(body) == expected


def test_long_error_messages_are_shortened():
    message, _, _ = parsing.parse_error_body({"message": "x" * 1000})

    assert len(message) == 300
