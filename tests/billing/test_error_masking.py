"""Review regressions: Stripe's error text is masked before it is stored on the order or in the
audit log (a secret key must never reach the admin or the audit trail)."""

import pytest

from apps.billing.models import Order
from apps.core.models import AuditEntry

pytestmark = pytest.mark.django_db

LEAKED_KEY = "sk_test_" + "9" * 24


def test_stripe_error_text_is_masked_in_the_failure_reason_and_the_audit_log(customer_client, plan, stripe_api):
    stripe_api.failures = [401]
    stripe_api.failure_message = f"Invalid API Key provided: {LEAKED_KEY}"

    customer_client.post("/billing/checkout/starter/")

    order = Order.objects.get()
    assert order.status == Order.Status.FAILED
    assert "Invalid API Key provided: sk_test_9999…" in order.failure_reason
    assert LEAKED_KEY not in order.failure_reason
    entry = AuditEntry.objects.get(action="order.failed", target_id=str(order.pk))
    assert "sk_test_9999…" in entry.reason
    assert LEAKED_KEY not in entry.reason
    assert LEAKED_KEY not in str(entry.data)
