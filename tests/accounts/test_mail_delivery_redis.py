"""Account emails through a real Celery worker on Redis: the sign-up answers at once, and the
worker retries the confirmation email until the mail server takes it."""

import threading

import pytest
from celery.signals import task_postrun
from django.core import mail
from django.test import Client, override_settings

from apps.accounts.models import User
from apps.core.tasks import mail_deliver
from tests.support import JOB_TIMEOUT_SECONDS

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-brand-new-Passphrase-42"


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_signup_mail_is_retried_by_the_worker_and_sent_once_smtp_is_back(worker, smtp, monkeypatch):
    monkeypatch.setattr("apps.core.tasks.MAIL_RETRY_BASE_SECONDS", 0)  # retry at once, not in 30 s
    smtp.fail_next = 2
    outcomes: list = []
    done = threading.Event()

    def on_postrun(sender=None, retval=None, **kwargs):
        if sender is not None and sender.name == mail_deliver.name:
            outcomes.append(retval)
            if retval is True:
                done.set()

    task_postrun.connect(on_postrun, weak=False)
    try:
        response = Client().post(
            "/accounts/signup/", {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}
        )
        assert response.status_code == 302
        assert User.objects.filter(email="new@example.com").exists()
        assert done.wait(JOB_TIMEOUT_SECONDS), "the worker did not send the email"
    finally:
        task_postrun.disconnect(on_postrun)

    assert smtp.failures == 2
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body
