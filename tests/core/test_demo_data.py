"""manage.py demo_data: idempotent demo logins, only in sandbox mode with DEBUG on."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.test import override_settings

from apps.accounts.models import User
from apps.core.models import AuditEntry


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


@override_settings(DEBUG=True)
def test_demo_data_creates_a_customer_and_an_operator_and_prints_the_logins(db):
    output = _run("--url", "http://127.0.0.1:8000/")

    customer = User.objects.get(email="demo@example.com")
    operator = User.objects.get(email="admin@example.com")
    assert customer.check_password("storefront-demo")
    assert not customer.is_staff
    assert operator.check_password("storefront-admin")
    assert operator.is_staff and operator.is_superuser
    assert EmailAddress.objects.filter(user=customer, verified=True, primary=True).exists()
    assert "Storefront (sandbox mode) at http://127.0.0.1:8000/" in output
    assert "customer: demo@example.com / storefront-demo" in output
    assert "operator: admin@example.com / storefront-admin" in output
    assert AuditEntry.objects.filter(action="demo_data.user_created").count() == 2


@override_settings(DEBUG=True)
def test_demo_data_is_idempotent(db):
    _run()
    output = _run()

    assert User.objects.filter(email__in=["demo@example.com", "admin@example.com"]).count() == 2
    assert EmailAddress.objects.count() == 2
    assert "Created" not in output
    assert AuditEntry.objects.filter(action="demo_data.user_created").count() == 2


@override_settings(DEBUG=True)
def test_demo_data_does_not_print_a_password_that_no_longer_works(db):
    _run()
    customer = User.objects.get(email="demo@example.com")
    customer.set_password("my-own-new-password")
    customer.save()

    output = _run()

    assert "storefront-demo" not in output
    assert "--reset-passwords" in output
    customer.refresh_from_db()
    assert customer.check_password("my-own-new-password")

    output = _run("--reset-passwords")

    customer.refresh_from_db()
    assert customer.check_password("storefront-demo")
    assert "customer: demo@example.com / storefront-demo" in output


@pytest.mark.parametrize(
    "overrides",
    [{"DEBUG": False}, {"DEBUG": True, "SANDBOX_ACTIVE": False}],
    ids=["debug-off", "no-sandbox"],
)
def test_demo_data_refuses_outside_sandbox_development(db, overrides):
    with override_settings(**overrides), pytest.raises(CommandError, match="only runs in sandbox mode with DEBUG on"):
        _run()

    assert not User.objects.exists()


@override_settings(DEBUG=True)
def test_demo_data_banner_says_where_emails_go(db):
    output = _run()

    assert "emails:   printed in this terminal" in output


@pytest.mark.django_db(transaction=True)  # commits, so the paid order is provisioned as in `make run`
@override_settings(DEBUG=True)
def test_demo_customer_starts_with_a_paid_order_a_key_and_usage_history(monkeypatch):
    from decimal import Decimal

    from apps.billing.models import Order, Plan
    from apps.proxies.models import PoolKey, PoolKeyUsageSample
    from tests.proxies.fakes import sandbox_upstream

    sandbox_upstream(monkeypatch)
    Plan.objects.get_or_create(  # a transactional test may have flushed the data migration's plans
        slug="starter", defaults={"name": "Starter", "gb": Decimal(5), "price": Decimal(35), "validity_days": 30}
    )
    _run()
    _run()  # idempotent: still one order

    customer = User.objects.get(email="demo@example.com")
    [order] = Order.objects.filter(customer=customer)
    assert order.status == Order.Status.PROVISIONED
    [key] = PoolKey.objects.filter(customer=customer)
    assert key.used_mb > 0
    days = list(PoolKeyUsageSample.objects.filter(pool_key=key).values_list("last_used_mb", flat=True))
    assert len(days) >= 14
    assert days == sorted(days) and days[-1] == key.used_mb
