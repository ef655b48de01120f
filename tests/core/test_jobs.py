"""Jobs are enqueued by their Celery name after the commit; an enqueue failure is logged, never
raised into the caller whose work is already committed."""

import pytest
from celery import shared_task
from django.test import TestCase

from apps.core.jobs import job_enqueue_on_commit

pytestmark = pytest.mark.django_db

RAN: list[tuple] = []


@shared_task(name="tests.core.record")
def record(*args) -> None:
    RAN.append(args)


def test_a_job_is_enqueued_by_name_after_the_commit():
    RAN.clear()
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        job_enqueue_on_commit("tests.core.record", 7, "receipt")
        assert RAN == []  # nothing before the commit

    for callback in callbacks:
        callback()
    assert RAN == [(7, "receipt")]


def test_a_job_that_cannot_be_enqueued_is_logged_not_raised(log_output):
    output = log_output("text")
    with TestCase.captureOnCommitCallbacks(execute=True):
        job_enqueue_on_commit("tests.core.no_such_job", 1)

    assert "could not enqueue tests.core.no_such_job(1,)" in output.getvalue()
