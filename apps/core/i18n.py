"""The customer's language outside a request: emails and background jobs that write to them."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import translation


def language_offered(code: str | None) -> str | None:
    """`code` when the shop offers it (LANGUAGES), in its settings spelling; else None."""
    if not code:
        return None
    code = code.lower().replace("_", "-")
    offered = {lang for lang, _ in settings.LANGUAGES}
    return code if code in offered else None


def user_language(user: object) -> str:
    """The language a customer chose (User.language), or the shop's default."""
    return language_offered(getattr(user, "language", "")) or settings.LANGUAGE_CODE


@contextmanager
def language_of(user: object) -> Iterator[str]:
    """Renders everything inside (subject, body, dates) in `user`'s language."""
    language = user_language(user)
    with translation.override(language):
        yield language
