"""The one operator-notification service (apps.core.services.notifications): mailed now or from
a job after the commit, at most once per dedup key (and window), secrets masked, a failed send
released so a retry sends it."""

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from apps.core.models import OperatorAlert
from apps.core.services.notifications import operators_notify, operators_notify_on_commit

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _operators(settings):
    settings.OPERATOR_EMAILS = ["ops@example.com"]


def _operator_mails() -> list:
    return [m for m in mail.outbox if m.to == ["ops@example.com"]]


def test_an_alert_without_a_dedup_key_is_mailed_every_time_and_not_recorded():
    assert operators_notify(subject="Order R-1 needs attention", body="details") is True
    assert operators_notify(subject="Order R-1 needs attention", body="details") is True

    assert len(_operator_mails()) == 2
    assert "operator] Order R-1 needs attention" in _operator_mails()[0].subject
    assert OperatorAlert.objects.count() == 0


def test_a_dedup_key_mails_once_and_records_the_alert():
    assert operators_notify(kind="upstream_auth", dedup_key="auth", subject="Key rejected", body="b") is True
    assert operators_notify(kind="upstream_auth", dedup_key="auth", subject="Key rejected", body="b") is False

    assert len(_operator_mails()) == 1
    [alert] = OperatorAlert.objects.all()
    assert (alert.kind, alert.dedup_key, alert.sent_at is not None) == ("upstream_auth", "auth", True)


def test_a_dedup_window_mails_again_in_the_next_window_only():
    window = timedelta(hours=6)
    notify = {"dedup_key": "auth", "dedup_window": window, "subject": "Key rejected", "body": "b"}

    assert operators_notify(now=NOW, **notify) is True
    assert operators_notify(now=NOW + timedelta(hours=1), **notify) is False
    assert operators_notify(now=NOW + timedelta(hours=7), **notify) is True

    assert len(_operator_mails()) == 2


def test_a_failed_send_releases_the_claim_so_the_retry_sends_it(monkeypatch):
    def smtp_down(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    with monkeypatch.context() as patched:
        patched.setattr("apps.core.services.notifications.mail_send", smtp_down)
        with pytest.raises(smtplib.SMTPServerDisconnected):
            operators_notify(dedup_key="auth", subject="Key rejected", body="b")
    assert OperatorAlert.objects.count() == 0
    assert _operator_mails() == []

    assert operators_notify(dedup_key="auth", subject="Key rejected", body="b") is True
    assert len(_operator_mails()) == 1


def test_secrets_never_reach_the_operator_mail_nor_the_record():
    operators_notify(dedup_key="leak", subject="Key psx_abcdef123456 rejected", body="used pak_ZYXW98765432")

    [message] = _operator_mails()
    assert "psx_abcdef123456" not in message.subject and "psx_abcd…" in message.subject
    assert "pak_ZYXW98765432" not in message.body
    alert = OperatorAlert.objects.get()
    assert "psx_abcdef123456" not in alert.subject and "pak_ZYXW98765432" not in alert.body


def test_without_operator_emails_the_admins_are_mailed(settings):
    settings.OPERATOR_EMAILS = []
    settings.ADMINS = ["admin@example.com"]

    operators_notify(subject="Order R-1 needs attention", body="details")

    assert [m.to for m in mail.outbox] == [["admin@example.com"]]


def test_the_job_mails_only_once_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        operators_notify_on_commit(subject="Refund effect failed", body="details")
        assert _operator_mails() == []

    assert len(callbacks) == 1
    assert len(_operator_mails()) == 1


def test_a_broker_outage_neither_raises_nor_mails(django_capture_on_commit_callbacks, monkeypatch, caplog):
    from apps.core.tasks import operators_notify_job

    def broker_down(*args, **kwargs):
        raise OSError("Connection refused")

    monkeypatch.setattr(operators_notify_job, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        operators_notify_on_commit(subject="Refund effect failed", body="details")

    assert _operator_mails() == []
    assert "could not enqueue core.operators_notify" in caplog.text
