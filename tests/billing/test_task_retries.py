"""The billing jobs retry as often as BILLING_PROVISION_MAX_RETRIES says, then leave the work
to the reconciler: run the way a worker runs them (not eager), with the re-queue recorded."""

import pytest
from celery.canvas import Signature
from celery.exceptions import Retry

from apps.billing.services.results import JobResult
from apps.billing.tasks import apply_key_adjustment, provision_order

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
