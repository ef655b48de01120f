"""Schemathesis against the live OpenAPI document, in process (Django's WSGI handler; no network):
every operation gets a bounded number of generated requests, valid and invalid, with a fixed
seed. No answer may be a 5xx, and every answer (errors included) must match the schema: status
codes, content types, headers and bodies."""

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from tests.api.conftest import *  # noqa: F403 (the shared API fixtures)
from tests.api.conftest import api_key_with_value
from tests.proxies.support import make_order, open_session

SEED = 20261202
EXAMPLES_PER_OPERATION = 6
FUZZ_KEY = "sfk_test_" + "Fuzz" * 10
_ACCEPTED = ["2xx", "401", "403", "404", "409", "429"]
ACCEPT_ALSO_400 = {"expected-statuses": [*_ACCEPTED, "400"]}
ACCEPT_ALSO_422 = {"expected-statuses": [*_ACCEPTED, "422"]}
ACCEPT_WEBHOOK = {"expected-statuses": [*_ACCEPTED, "400", "422"]}

# Loaded once at collection: the document needs no database.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    WSGIHandler(),
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "auth": {"openapi": {"ApiKey": {"bearer": FUZZ_KEY}}},
            "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True},
            # Rules a schema cannot state, so valid-looking data may be refused: the usage range
            # (from <= to, at most 366 days: 400) and an Idempotency-Key drawn twice for two
            # different bodies, or a key that is not the current one (422).
            "operations": [
                {"include-operation-id": "keys_usage", "checks": {"positive_data_acceptance": ACCEPT_ALSO_400}},
                {"include-operation-id": "orders_create", "checks": {"positive_data_acceptance": ACCEPT_ALSO_422}},
                # A webhook URL must resolve to a public address (SSRF rules) and an account holds
                # at most 10 endpoints: 400 / 422 for schema-valid bodies.
                {
                    "include-operation-id": "webhook_endpoints_create",
                    "checks": {"positive_data_acceptance": ACCEPT_WEBHOOK},
                },
                {
                    "include-operation-id": "webhook_endpoints_update",
                    "checks": {"positive_data_acceptance": ACCEPT_WEBHOOK},
                },
                {
                    "include-operation-id": "webhook_deliveries_redeliver",
                    "checks": {"positive_data_acceptance": ACCEPT_WEBHOOK},
                },
            ],
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        }
    ),
)


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """Django closes "old" connections when a request starts and ends, which here would close the
    connection holding the test's transaction; Django's own test client disconnects it too."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Ids of the fuzzing customer's own objects, set by the fixture for the hook below.
OWN: dict[str, object] = {}


@schema.hook
def map_case(context, case):
    """Valid-data cases aim at the customer's own objects (a drawn id would only ever be a 404),
    and send no cursor: one means something only when it came from a previous page, a made-up one
    is refused (400 invalid_cursor) by design. Invalid-data cases keep whatever they drew."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return case
    if case.path_parameters:
        case.path_parameters = {name: OWN.get(name, value) for name, value in case.path_parameters.items()}
    if case.query and "cursor" in case.query:
        case.query = {name: value for name, value in case.query.items() if name != "cursor"}
    return case


def fuzz_port(customer, monkeypatch):
    """The customer's dedicated port, made in the ports simulator."""
    from tests.ports.support import make_port, sandbox_ports_client, use_ports_client

    use_ports_client(monkeypatch, sandbox_ports_client())
    return make_port(customer, order_ref="FUZZ-1", sharing="private").pk


@pytest.fixture
def fuzz_customer(settings, upstream, customer, key, monkeypatch):
    """A customer with a proxy key and an API key (every scope) with the value the schema sends.
    The limits are tested elsewhere: fuzzing sends a few hundred requests with one key."""
    settings.API_RATE_LIMIT_PER_KEY = settings.API_RATE_LIMIT_PER_IP = "100000/min"
    api_key_with_value(customer, FUZZ_KEY)
    OWN.clear()
    OWN.update(
        key_id=key.pk,
        order_id=str(make_order(customer, fulfilment_ref=str(key.pk)).public_id),
        session_key=open_session(key, "fuzz1").session_key,
        port_id=fuzz_port(customer, monkeypatch),
    )
    open_session(key, "fuzz2")
    return customer


@schema.parametrize()
@settings(deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, fuzz_customer):
    case.call_and_validate()
