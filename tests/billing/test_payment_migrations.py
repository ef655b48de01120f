"""The data migrations of issue 9 on PostgreSQL: every order's Stripe fields become a Payment row,
every stored StripeEvent a ProviderEvent, every Stripe customer id a ProviderCustomer, and the
way back restores them. Run with Django's MigrationExecutor: migrate to before, create rows the
old way, migrate forward, compare."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("billing", "0008_payments")]
AFTER = [("billing", "0010_payments_drop_stripe_fields")]
PAID_AT = datetime(2026, 5, 1, 12, tzinfo=UTC)
RECEIVED_AT = datetime(2026, 5, 1, 12, 0, 5, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    apps = migrate(BEFORE)
    yield apps
    migrate(latest)


def _old_rows(apps) -> dict:
    """A shop as it was before payments were rows: orders in each state, a profile, events."""
    User = apps.get_model("accounts", "User")
    Plan = apps.get_model("billing", "Plan")
    Order = apps.get_model("billing", "Order")
    BillingProfile = apps.get_model("billing", "BillingProfile")
    StripeEvent = apps.get_model("billing", "StripeEvent")
    customer = User.objects.create(email="old@example.com", password="!")
    plan = Plan.objects.create(slug="old-plan", name="Old", gb=Decimal(5), price=Decimal("35.00"))

    def order(status, **fields):
        return Order.objects.create(
            customer=customer,
            plan=plan,
            plan_name="Old",
            gb=Decimal(5),
            price=Decimal("35.00"),
            currency="usd",
            status=status,
            **fields,
        )

    rows = {
        "paid": order(
            "failed",  # paid, provisioning failed: the payment is still a fact
            paid_at=PAID_AT,
            stripe_checkout_session_id="cs_live_paid",
            stripe_payment_intent_id="pi_live_paid",
            stripe_customer_id="cus_live_1",
            checkout_url="https://checkout.stripe.com/c/pay/cs_live_paid",
            payment_status="paid",
            amount_paid=Decimal("35.00"),
        ),
        "sandbox": order(
            "pending",
            stripe_checkout_session_id="cs_test_sandbox_abc",
            checkout_url="/sandbox/checkout/cs_test_sandbox_abc/",
        ),
        "debit": order(
            "pending",
            stripe_checkout_session_id="cs_live_debit",
            stripe_payment_intent_id="pi_live_debit",
            payment_status="unpaid",
        ),
        "expired": order("expired", stripe_checkout_session_id="cs_live_expired"),
        "foreign": order(
            "failed",
            paid_at=PAID_AT,
            stripe_checkout_session_id="cs_live_eur",
            payment_status="paid",
            failure_reason="paid amount differs from the order: received 35.00 EUR, expected 35.00 USD",
        ),
        "never": order("failed", failure_reason="checkout could not start"),  # no Stripe data at all
    }
    BillingProfile.objects.create(user=customer, stripe_customer_id="cus_live_1")
    for event_id, about in (("evt_live_1", rows["paid"]), ("evt_sandbox_1", rows["sandbox"]), ("evt_other", None)):
        event = StripeEvent.objects.create(
            event_id=event_id,
            type="checkout.session.completed",
            payload={"id": event_id},
            order=about,
            deliveries=2,
            attempts=1,
            processed_at=RECEIVED_AT,
            outcome="paid" if about else "ignored",
        )
        StripeEvent.objects.filter(pk=event.pk).update(received_at=RECEIVED_AT)
    return {name: o.pk for name, o in rows.items()} | {"customer": customer.pk}


def test_orders_events_and_customers_become_rows_and_come_back(old_apps):
    ids = _old_rows(old_apps)

    new = migrate(AFTER)

    Payment = new.get_model("billing", "Payment")
    payments = {p.order_id: p for p in Payment.objects.all()}
    assert set(payments) == {ids[name] for name in ("paid", "sandbox", "debit", "expired", "foreign")}

    paid = payments[ids["paid"]]
    assert (paid.provider, paid.state, paid.amount, paid.currency) == ("stripe", "confirmed", Decimal("35.00"), "usd")
    assert (paid.amount_received, paid.currency_received, paid.confirmed_at) == (Decimal("35.00"), "usd", PAID_AT)
    assert (paid.reference, paid.payment_reference, paid.customer_reference) == (
        "cs_live_paid",
        "pi_live_paid",
        "cus_live_1",
    )
    assert (paid.redirect_url, paid.provider_status) == ("https://checkout.stripe.com/c/pay/cs_live_paid", "paid")
    sandbox = payments[ids["sandbox"]]
    assert (sandbox.provider, sandbox.state, sandbox.redirect_url) == (
        "sandbox",
        "pending",
        "/sandbox/checkout/cs_test_sandbox_abc/",
    )
    debit = payments[ids["debit"]]
    assert (debit.state, debit.payment_reference, debit.provider_status) == ("pending", "pi_live_debit", "unpaid")
    assert payments[ids["expired"]].state == "canceled"
    foreign = payments[ids["foreign"]]  # paid in another currency: confirmed, no amount of the order's
    assert (foreign.state, foreign.amount_received, foreign.currency_received) == ("confirmed", None, "")

    ProviderCustomer = new.get_model("billing", "ProviderCustomer")
    assert list(ProviderCustomer.objects.values_list("provider", "user_id", "reference")) == [
        ("stripe", ids["customer"], "cus_live_1")
    ]

    ProviderEvent = new.get_model("billing", "ProviderEvent")
    events = {e.event_id: e for e in ProviderEvent.objects.all()}
    assert {e.provider for e in events.values()} == {"stripe", "sandbox"}
    assert events["evt_sandbox_1"].provider == "sandbox"
    live = events["evt_live_1"]
    assert (live.provider, live.order_id, live.payment_id) == ("stripe", ids["paid"], paid.pk)
    assert (live.deliveries, live.attempts, live.outcome, live.payload) == (2, 1, "paid", {"id": "evt_live_1"})
    assert (live.received_at, live.processed_at) == (RECEIVED_AT, RECEIVED_AT)
    assert events["evt_other"].order_id is None and events["evt_other"].payment_id is None

    # And back: the old fields and table hold what they held.
    old = migrate(BEFORE)

    Order = old.get_model("billing", "Order")
    back = Order.objects.get(pk=ids["paid"])
    assert (back.stripe_checkout_session_id, back.stripe_payment_intent_id, back.stripe_customer_id) == (
        "cs_live_paid",
        "pi_live_paid",
        "cus_live_1",
    )
    assert (back.amount_paid, back.payment_status) == (Decimal("35.00"), "paid")
    assert Order.objects.get(pk=ids["foreign"]).amount_paid is None
    assert Order.objects.get(pk=ids["never"]).stripe_checkout_session_id == ""
    assert old.get_model("billing", "BillingProfile").objects.get().stripe_customer_id == "cus_live_1"
    StripeEvent = old.get_model("billing", "StripeEvent")
    assert sorted(StripeEvent.objects.values_list("event_id", flat=True)) == [
        "evt_live_1",
        "evt_other",
        "evt_sandbox_1",
    ]
    assert StripeEvent.objects.get(event_id="evt_live_1").received_at == RECEIVED_AT
    assert not old.get_model("billing", "Payment").objects.exists()
