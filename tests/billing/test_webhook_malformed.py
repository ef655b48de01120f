"""Signed deliveries with values PostgreSQL cannot store (NaN, NUL bytes, lone surrogates) or a
structure too deep to parse: a clean 400 "malformed", nothing stored, the order untouched. Signed
exactly as Stripe signs, so only the body is at fault."""

import json

import pytest
from django.db import DataError, OperationalError

from apps.billing.models import Order, ProviderEvent

from .stripe_events import completed_paid, outcome_of, post_event
from .support import upstream_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_event(start_checkout):
    order, session = start_checkout()
    return order, completed_paid(session)


def assert_refused_as_malformed(response, order: Order) -> None:
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert outcome_of(response) == "malformed"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert ProviderEvent.objects.count() == 0
    assert upstream_keys() == []


def _with_metadata(event: dict, value) -> dict:
    event["data"]["object"]["metadata"]["note"] = value
    return event


BAD_BODIES = {
    "nan": lambda event: json.dumps(_with_metadata(event, float("nan"))),
    "infinity": lambda event: json.dumps(_with_metadata(event, float("inf"))),
    "minus_infinity": lambda event: json.dumps(_with_metadata(event, float("-inf"))),
    # 1e400 is valid JSON that Python reads as infinity.
    "overflowing_number": lambda event: json.dumps(_with_metadata(event, 0)).replace('"note": 0', '"note": 1e400'),
    "nul_in_event_id": lambda event: json.dumps({**event, "id": event["id"] + "\x00"}),
    "nul_in_type": lambda event: json.dumps({**event, "type": event["type"] + "\x00"}),
    "nul_in_a_nested_string": lambda event: json.dumps(_with_metadata(event, ["ok", "a\x00b"])),
    "nul_in_a_key": lambda event: json.dumps(_with_metadata(event, {"k\x00": 1})),
    "lone_surrogate": lambda event: json.dumps(_with_metadata(event, "x")).replace('"note": "x"', '"note": "\\ud800"'),
    "lone_surrogate_in_event_id": lambda event: json.dumps(event).replace(event["id"], event["id"] + "\\udfff"),
}


@pytest.mark.postgres
@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_values_postgresql_cannot_store_are_refused_as_malformed(client, paid_event, name):
    order, event = paid_event

    response = post_event(client, BAD_BODIES[name](event))

    assert_refused_as_malformed(response, order)


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_is_refused_as_malformed(client, paid_event, depth):
    order, event = paid_event
    body = json.dumps(_with_metadata(event, 0)).replace('"note": 0', '"note": ' + "[" * depth + "]" * depth)

    response = post_event(client, body)

    assert_refused_as_malformed(response, order)


def test_the_same_event_with_ordinary_values_is_accepted(client, paid_event):
    order, event = paid_event

    response = post_event(client, json.dumps(_with_metadata(event, ["ok", 1.5, {"nested": "fine"}])))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED


@pytest.mark.parametrize(
    ("error", "status", "outcome"),
    [(DataError("value refused"), 400, "malformed"), (OperationalError("database gone"), 503, "retry_later")],
)
def test_a_delivery_that_cannot_be_stored_gets_a_clean_answer(client, paid_event, monkeypatch, error, status, outcome):
    order, event = paid_event

    def refuse(**kwargs):
        raise error

    monkeypatch.setattr("apps.billing.services.events.provider_event_record", refuse)

    response = post_event(client, event)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert outcome_of(response) == outcome
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
