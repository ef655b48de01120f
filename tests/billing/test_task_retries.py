"""The billing jobs retry as often as BILLING_PROVISION_MAX_RETRIES says, then leave the work
to the reconciler: run the way a worker runs them (not eager), with the re-queue recorded. Mail
jobs retry on a worker only: eagerly (no Redis) a retry would hold the request that queued it."""

import smtplib

import pytest
from celery.canvas import Signature
from celery.exceptions import Retry
from django.utils import timezone

from apps.billing.models import Order
from apps.billing.services.results import JobResult
from apps.billing.tasks import apply_key_adjustment, provision_order, send_operator_alert, send_order_email

from .factories import OrderFactory

JOBS = [(provision_order, "order_provision"), (apply_key_adjustment, "key_adjustment_apply")]


@pytest.fixture
def requeued(monkeypatch) -> list[Signature]:
    """The retries a worker would send to the broker."""
    sent: list[Signature] = []
    monkeypatch.setattr(Signature, "apply_async", lambda self, *args, **kwargs: sent.append(self))
    return sent


def run_as_worker(task, *, retries: int) -> str:
    """One delivery of the job as a worker runs it: attempt number `retries`, not eager."""
    task.push_request(id="job-1", args=[1], kwargs={}, retries=retries, is_eager=False, called_directly=False)
    try:
        return task.run(1)
    except Retry:
        return "retried"
    finally:
        task.pop_request()


@pytest.mark.parametrize(("task", "service"), JOBS)
def test_a_failing_job_is_retried_as_many_times_as_configured(task, service, settings, monkeypatch, requeued):
    settings.BILLING_PROVISION_MAX_RETRIES = 8
    monkeypatch.setattr(f"apps.billing.tasks.{service}", lambda **kwargs: JobResult("upstream_down", retry_in=30))

    outcomes = [run_as_worker(task, retries=attempt) for attempt in range(10)]

    assert outcomes == ["retried"] * 8 + ["upstream_down"] * 2
    assert [signature.options["retries"] for signature in requeued] == list(range(1, 9))
    assert {signature.options["countdown"] for signature in requeued} == {30}


@pytest.mark.parametrize(("task", "service"), JOBS)
def test_no_retries_configured_leaves_the_first_failure_to_the_reconciler(
    task, service, settings, monkeypatch, requeued
):
    settings.BILLING_PROVISION_MAX_RETRIES = 0
    monkeypatch.setattr(f"apps.billing.tasks.{service}", lambda **kwargs: JobResult("upstream_down", retry_in=30))

    assert run_as_worker(task, retries=0) == "upstream_down"
    assert requeued == []


@pytest.mark.parametrize(("task", "service"), JOBS)
def test_a_job_with_nothing_left_to_do_is_not_retried(task, service, settings, monkeypatch, requeued):
    monkeypatch.setattr(f"apps.billing.tasks.{service}", lambda **kwargs: JobResult("provisioned"))

    assert run_as_worker(task, retries=0) == "provisioned"
    assert requeued == []


# Mail jobs -------------------------------------------------------------------------------------


@pytest.fixture
def smtp_down(monkeypatch) -> list[str]:
    """Every send fails as an unreachable mail server does; the attempts are counted."""
    attempts: list[str] = []

    def refuse(self, fail_silently=False):
        attempts.append(self.subject)
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    return attempts


def test_an_eager_receipt_with_the_mail_server_down_is_tried_once_and_left_to_the_reconciler(db, smtp_down):
    order = OrderFactory(status=Order.Status.PAID, paid_at=timezone.now())

    assert send_order_email.delay(order.pk, "receipt").get() is False

    assert len(smtp_down) == 1  # no inline retries holding the request that queued it
    order.refresh_from_db()
    assert order.receipt_sent_at is None  # released: the reconciler sends it later


def test_an_eager_operator_alert_with_the_mail_server_down_is_tried_once(db, smtp_down):
    assert send_operator_alert.delay("Something broke", "details").get() is False
    assert len(smtp_down) == 1


def test_a_worker_retries_a_receipt_while_the_mail_server_is_down(db, smtp_down, requeued):
    order = OrderFactory(status=Order.Status.PAID, paid_at=timezone.now())
    send_order_email.push_request(id="job-1", retries=0, is_eager=False, called_directly=False)
    try:
        with pytest.raises(Retry):
            send_order_email.run(order.pk, "receipt")
    finally:
        send_order_email.pop_request()

    assert len(smtp_down) == 1
    [retry] = requeued
    assert retry.options["countdown"] == 30
