"""Sessions through the API are scoped exactly as on the dashboard; orders start the same
checkout as the pricing page, once per Idempotency-Key."""

import pytest

from apps.api.models import IdempotencyRecord
from apps.api.services import idempotency_request_hash
from apps.api.views import orders as order_views
from apps.billing.models import Order
from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry
from apps.sandbox.payments.models import SandboxCheckoutSession
from apps.sandbox.upstream.models import SandboxSession
from tests.api.conftest import *  # noqa: F403 (the shared API fixtures)
from tests.api.conftest import api_for, error_of
from tests.proxies.support import make_order, mint_key, open_session


def alive(session) -> bool:
    return SandboxSession.objects.filter(session_key=session.session_key).exists()


# Sessions --------------------------------------------------------------------------------------


def test_sessions_lists_only_the_customers_own(api, upstream, key, other_customer):
    mine = open_session(key, "scraper1")
    open_session(mint_key(other_customer), "theirs")
    open_session(key, "x", sid="alice")  # no prefix: never attributed to anyone
    rows = api.get("/api/v1/sessions").json()["data"]
    assert [row["session_id"] for row in rows] == [mine.session_id]
    assert rows[0]["session_key"] == mine.session_key and rows[0]["ip"] == mine.current_ip


def test_sessions_name_their_key_and_can_be_listed_per_key(api, upstream, key, customer, other_customer):
    second = mint_key(customer)
    open_session(key, "first")
    open_session(second, "second")
    data = api.get("/api/v1/sessions").json()["data"]
    assert {(s["session_id"], s["key_id"]) for s in data} == {
        (f"{key.session_tag}_first", key.pk),
        (f"{second.session_tag}_second", second.pk),
    }
    only = api.get(f"/api/v1/sessions?key_id={second.pk}").json()["data"]
    assert [s["key_id"] for s in only] == [second.pk]
    theirs = mint_key(other_customer)
    assert api.get(f"/api/v1/sessions?key_id={theirs.pk}").status_code == 404


def test_closing_one_of_my_sessions(api, upstream, key, customer):
    session = open_session(key, "bot1")
    response = api.delete(f"/api/v1/sessions/{session.session_key}")
    assert response.json() == {"session_key": session.session_key, "closed": True}
    assert not alive(session)
    assert AuditEntry.objects.get(action="session_close").customer == customer


def test_close_all_closes_only_mine(api, upstream, key, other_customer):
    mine = [open_session(key, "a"), open_session(key, "b")]
    theirs = open_session(mint_key(other_customer), "theirs")
    assert api.delete("/api/v1/sessions").json() == {"closed": 2, "failed": 0}
    assert not any(alive(s) for s in mine) and alive(theirs)
    assert upstream.calls["close_all_sessions"] == 0


# Orders ----------------------------------------------------------------------------------------


def test_an_order_starts_the_checkout_and_returns_its_url(api, db, customer):
    response = api.post("/api/v1/orders", {"plan": "starter"})
    assert response.status_code == 201
    body = response.json()
    order = Order.objects.get(customer=customer)
    assert body["id"] == str(order.public_id) and body["status"] == "pending" and body["amount"] == "35.00"
    session = SandboxCheckoutSession.objects.get(order=order)
    assert body["checkout_url"] == f"http://testserver/sandbox/checkout/{session.id}/"
    assert api.get(f"/api/v1/orders/{order.public_id}").json()["checkout_url"] == body["checkout_url"]


def test_the_same_idempotency_key_and_body_replays_the_first_answer(api, db, customer):
    headers = {"Idempotency-Key": "order-7f3a"}
    first = api.post("/api/v1/orders", {"plan": "starter"}, headers=headers)
    again = api.post("/api/v1/orders", {"plan": "starter"}, headers=headers)
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Order.objects.filter(customer=customer).count() == 1


def test_the_same_idempotency_key_with_another_body_is_a_422(api, db, customer):
    headers = {"Idempotency-Key": "order-7f3a"}
    api.post("/api/v1/orders", {"plan": "starter"}, headers=headers)
    response = api.post("/api/v1/orders", {"plan": "pro"}, headers=headers)
    assert response.status_code == 422
    assert error_of(response)["code"] == "idempotency_key_reused"
    assert list(Order.objects.values_list("plan__slug", flat=True)) == ["starter"]


def test_idempotency_keys_are_per_customer(client, db, customer, other_customer):
    headers = {"Idempotency-Key": "shared-name"}
    api_for(client, customer).post("/api/v1/orders", {"plan": "starter"}, headers=headers)
    response = api_for(client, other_customer).post("/api/v1/orders", {"plan": "starter"}, headers=headers)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Order.objects.count() == 2


def test_a_request_still_running_with_the_key_is_a_409(api, db, customer):
    body = {"plan": "starter"}
    request_hash = idempotency_request_hash(method="POST", path="/api/v1/orders", body=body)
    IdempotencyRecord.objects.create(customer=customer, key="busy", request_hash=request_hash)
    response = api.post("/api/v1/orders", body, headers={"Idempotency-Key": "busy"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_key_in_use"
    assert not Order.objects.exists()


def test_a_failed_attempt_can_be_retried_with_the_same_key(api, db, customer, monkeypatch):
    def provider_down(**kwargs):
        raise ApplicationError("We could not reach the payment provider.")

    headers = {"Idempotency-Key": "retry-me"}
    with monkeypatch.context() as patch:
        patch.setattr(order_views, "checkout_start", provider_down)
        failed = api.post("/api/v1/orders", {"plan": "starter"}, headers=headers)
    assert failed.status_code == 503 and error_of(failed)["code"] == "payment_provider_unavailable"
    retried = api.post("/api/v1/orders", {"plan": "starter"}, headers=headers)
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried


def test_an_unknown_plan_is_a_404_naming_it(api, db):
    response = api.post("/api/v1/orders", {"plan": "platinum"})
    assert response.status_code == 404 and error_of(response)["param"] == "plan"
    assert not Order.objects.exists()


def test_an_order_can_top_up_any_of_the_customers_keys(api, upstream, customer):
    older = mint_key(customer)
    mint_key(customer)
    response = api.post("/api/v1/orders", {"plan": "starter", "key_id": older.pk})
    assert response.status_code == 201
    assert Order.objects.get().target_ref == str(older.pk)


@pytest.mark.parametrize("target", ["new", ""])
def test_an_order_says_where_it_goes(api, upstream, customer, target):
    mint_key(customer)
    response = api.post("/api/v1/orders", {"plan": "starter", "target": target})
    assert response.status_code == 201 and response.json()["target"] == target
    assert Order.objects.get().target_ref == target


def test_a_target_the_shop_refuses_is_a_422_before_any_order(api, upstream, customer, settings):
    settings.POOL_MAX_KEYS_PER_CUSTOMER = 1
    mint_key(customer)
    response = api.post("/api/v1/orders", {"plan": "starter", "target": "new"})
    assert response.status_code == 422
    assert (error_of(response)["code"], error_of(response)["param"]) == ("target_refused", "target")
    assert "the most one account can hold" in error_of(response)["message"]
    assert not Order.objects.exists()


@pytest.mark.parametrize("order_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_order_is_a_404(api, db, order_id):
    assert api.get(f"/api/v1/orders/{order_id}").status_code == 404


def test_orders_list_newest_first_with_amounts(api, customer, key):
    old = make_order(customer, fulfilment_ref=str(key.pk))
    new = make_order(customer, status=Order.Status.PENDING)
    data = api.get("/api/v1/orders").json()["data"]
    assert [o["id"] for o in data] == [str(new.public_id), str(old.public_id)]
    assert data[1]["amount_paid"] == "35.00" and data[1]["key_id"] == key.pk and data[1]["checkout_url"] is None
