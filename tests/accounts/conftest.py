import re

import pytest
from django.core import mail
from django.test import Client, TestCase

from tests.factories import StaffFactory, UserFactory

LOGIN_URL = "/accounts/login/"


class CommittingClient(Client):
    """Runs what a request defers to after its commit (emails are sent from a job queued on
    commit) before the response returns, as in production; inside a test transaction nothing
    really commits, so the callbacks are run explicitly."""

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client():
    return CommittingClient()


@pytest.fixture
def smtp(settings):
    """The mail server as a switch: `smtp.down = True` (or `smtp.fail_next = n`) makes sends
    fail like smtplib."""
    from tests.core.mail_backends import SwitchableSmtpBackend

    settings.MAILERS = {"default": {"BACKEND": "tests.core.mail_backends.SwitchableSmtpBackend"}}
    SwitchableSmtpBackend.down = False
    SwitchableSmtpBackend.fail_next = SwitchableSmtpBackend.failures = 0
    yield SwitchableSmtpBackend
    SwitchableSmtpBackend.down = False
    SwitchableSmtpBackend.fail_next = 0


@pytest.fixture
def user(db):
    return UserFactory(email="alice@example.com")


@pytest.fixture
def staff(db):
    return StaffFactory(email="operator@example.com")


def last_mail_link(pattern: str) -> str:
    """The first URL in the newest email whose path matches `pattern`."""
    assert mail.outbox, "no email was sent"
    body = mail.outbox[-1].body
    match = re.search(r"https?://\S*" + pattern + r"\S*", body)
    assert match, f"no link matching {pattern!r} in:\n{body}"
    return match.group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session
