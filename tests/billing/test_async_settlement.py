"""Review regressions: an async-success event whose re-read session does not read paid yet is
left unprocessed and answered 5xx (Stripe redelivers); a redelivery or the reconciler marks the
order paid once the session reads paid."""

import pytest

from apps.billing.models import Order, ProviderEvent
from apps.sandbox.payments.models import SandboxCheckoutSession

from .stripe_events import outcome_of, post_event, session_event
from .support import reconcile_later, upstream_keys, upstream_mints

pytestmark = pytest.mark.django_db

SUCCEEDED = "checkout.session.async_payment_succeeded"


@pytest.fixture
def unsettled(client, start_checkout):
    """A completed-but-unpaid checkout, then an async success the session does not confirm yet."""
    order, session = start_checkout()
    post_event(client, session_event(session, payment_status="unpaid", status="complete"))
    event = session_event(session, SUCCEEDED)  # the re-read still says unpaid
    response = post_event(client, event)
    return order, session, event, response


def _session_reads_paid(session: SandboxCheckoutSession) -> None:
    SandboxCheckoutSession.objects.filter(pk=session.pk).update(payment_status="paid")


def test_unsettled_async_success_is_left_unprocessed_for_a_redelivery(unsettled):
    order, _session, event, response = unsettled

    assert response.status_code == 200  # acknowledged; its job did the processing
    assert outcome_of(response) == "awaiting_settlement"
    stored = ProviderEvent.objects.get(event_id=event["id"])
    assert stored.processed_at is None
    assert "PaymentNotSettled" in stored.error
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert upstream_keys() == []


def test_redelivery_marks_the_order_paid_once_the_session_reads_paid(client, unsettled):
    order, session, event, _response = unsettled
    _session_reads_paid(session)

    response = post_event(client, event)

    assert response.status_code == 200
    assert outcome_of(response) == "paid"
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert upstream_mints() == 1


def test_reconciler_marks_the_order_paid_once_the_session_reads_paid(client, unsettled):
    order, session, event, _response = unsettled
    _session_reads_paid(session)

    reconcile_later()
    post_event(client, event)  # Stripe's own redelivery, later: nothing more happens

    stored = ProviderEvent.objects.get(event_id=event["id"])
    assert stored.processed_at is not None
    assert stored.outcome == "paid"
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert upstream_mints() == 1


def test_reconciler_changes_nothing_while_the_session_is_still_unpaid(unsettled):
    order, _session, event, _response = unsettled

    reconcile_later()

    stored = ProviderEvent.objects.get(event_id=event["id"])
    assert stored.processed_at is None
    assert stored.attempts == 2
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert upstream_keys() == []
