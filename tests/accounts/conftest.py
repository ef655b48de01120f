import re

import pytest
from django.core import mail

from tests.factories import StaffFactory, UserFactory

LOGIN_URL = "/accounts/login/"


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
