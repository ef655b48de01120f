"""Account emails are sent from a job after the commit: a mail server outage neither fails the
page nor rolls back the account, and the job retries until the server is back."""

import logging
from contextlib import contextmanager

import pytest
from allauth.account.models import EmailAddress
from celery.exceptions import Retry
from celery.signals import before_task_publish
from django.core import mail
from django.test import Client, TestCase, override_settings

from apps.accounts.models import BrandSettings, User
from apps.core.mail import mail_payload
from apps.core.tasks import mail_deliver
from storefront.celery import app

from .conftest import last_mail_link, path_of

PASSWORD = "a-brand-new-Passphrase-42"
SIGNUP = {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}


def _log_text(caplog) -> str:
    return "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_signup_with_the_mail_server_down_creates_the_account_and_says_the_mail_is_on_its_way(client, db, smtp):
    smtp.down = True

    response = client.post("/accounts/signup/", SIGNUP, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/accounts/confirm-email/"
    assert b"is on its way" in response.content
    user = User.objects.get(email="new@example.com")
    assert EmailAddress.objects.filter(user=user, verified=False).exists()
    assert smtp.failures == 1
    assert mail.outbox == []


def test_password_reset_with_the_mail_server_down_answers_normally(client, user, smtp, caplog):
    smtp.down = True

    with caplog.at_level(logging.WARNING):
        response = client.post("/accounts/password/reset/", {"email": user.email}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/accounts/password/reset/done/"
    assert b"is on its way" in response.content
    assert smtp.failures == 1
    assert "gave up on the password_reset_key email to alice@example.com" in caplog.text


def test_login_by_code_with_the_mail_server_down_answers_normally(client, user, smtp):
    smtp.down = True

    response = client.post("/accounts/login/code/", {"email": user.email})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/code/confirm/"
    assert smtp.failures == 1


def test_account_email_is_queued_on_commit_not_sent_inside_the_request(db):
    """Sent in the request, an SMTP error would roll the sign-up back; so nothing is sent until
    the transaction has committed."""
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        response = Client().post("/accounts/signup/", SIGNUP)

    assert response.status_code == 302
    assert User.objects.filter(email="new@example.com").exists()
    assert mail.outbox == []

    for callback in callbacks:
        callback()
    assert "/accounts/confirm-email/" in mail.outbox[-1].body


def _reset_mail_payload(client, user) -> tuple[dict, str]:
    """The password reset message the adapter renders, as its job receives it, and its key path."""
    client.post("/accounts/password/reset/", {"email": user.email})
    key_path = path_of(last_mail_link("/accounts/password/reset/key/"))
    return mail_payload(mail.outbox.pop()), key_path


def _run_like_a_worker(*, payload: dict, retries: int):
    """Runs the mail job as a worker does (not inline), so a failure asks for a retry."""
    kwargs = {"payload": payload, "kind": "password_reset_key"}
    mail_deliver.push_request(
        id=f"mail-job-{retries}", retries=retries, is_eager=False, called_directly=False, args=[], kwargs=kwargs
    )
    try:
        return mail_deliver.run(**kwargs)
    finally:
        mail_deliver.pop_request()


@contextmanager
def queued_retries():
    """Retries go to the (in-memory) broker instead of running inline; their headers are kept."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    sent: list[dict] = []

    def keep(headers=None, **kwargs):
        sent.append(headers)

    before_task_publish.connect(keep, weak=False)
    try:
        yield sent
    finally:
        before_task_publish.disconnect(keep)
        app.conf.task_always_eager = eager


def test_mail_job_retries_with_backoff_while_smtp_is_down_and_sends_once_it_is_back(client, user, smtp, caplog):
    payload, key_link = _reset_mail_payload(client, user)
    smtp.down = True

    with caplog.at_level(logging.DEBUG), queued_retries() as published:
        with pytest.raises(Retry) as first:
            _run_like_a_worker(payload=payload, retries=0)
        with pytest.raises(Retry) as second:
            _run_like_a_worker(payload=payload, retries=1)

    assert (first.value.when, second.value.when) == (30, 60)
    assert mail.outbox == []
    # What Celery logs for the queued retries is not the message with its live link.
    masked = "{'kind': 'password_reset_key', 'payload': '<email, not logged>'}"
    assert [h["kwargsrepr"] for h in published] == [masked, masked]
    assert key_link not in _log_text(caplog)

    smtp.down = False
    assert _run_like_a_worker(payload=payload, retries=2) is True

    assert len(mail.outbox) == 1
    assert key_link in mail.outbox[0].body


def test_mail_job_gives_up_after_its_last_retry_and_logs_no_secret(client, user, smtp, caplog):
    payload, key_link = _reset_mail_payload(client, user)
    smtp.down = True

    with caplog.at_level(logging.DEBUG), queued_retries() as published:
        assert _run_like_a_worker(payload=payload, retries=8) is False

    assert published == []
    assert "gave up on the password_reset_key email to alice@example.com after 9 attempt(s)" in caplog.text
    assert key_link not in _log_text(caplog)


@pytest.fixture
def brand_with_a_line_break(db):
    """A brand row saved before names were validated (or written around the admin)."""
    BrandSettings.objects.create(pk=1, **{**BrandSettings.defaults(), "name": "Acme\r\nBcc: thief@evil.example"})


def _assert_one_clean_mail_to(address: str) -> None:
    assert [m.to for m in mail.outbox] == [[address]]
    message = mail.outbox[0]
    assert message.subject.startswith("[Acme Bcc: thief@evil.example] ")
    assert message.message()["Bcc"] is None


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_signup_with_a_line_break_in_the_stored_brand_name_sends_its_mail(client, brand_with_a_line_break):
    response = client.post("/accounts/signup/", SIGNUP)

    assert response.status_code == 302
    assert User.objects.filter(email="new@example.com").exists()
    _assert_one_clean_mail_to("new@example.com")


def test_password_reset_with_a_line_break_in_the_stored_brand_name_sends_its_mail(
    client, user, brand_with_a_line_break
):
    response = client.post("/accounts/password/reset/", {"email": user.email})

    assert response.status_code == 302
    _assert_one_clean_mail_to(user.email)


def test_login_by_code_with_a_line_break_in_the_stored_brand_name_sends_its_mail(client, user, brand_with_a_line_break):
    response = client.post("/accounts/login/code/", {"email": user.email})

    assert response.status_code == 302
    _assert_one_clean_mail_to(user.email)
