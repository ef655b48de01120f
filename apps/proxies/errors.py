"""Proxies' domain errors for callers in other apps: an upstream failure reaches them as a core
RetryableError or TerminalError (apps/core/errors.py), never as an upstream client exception."""

from collections.abc import Iterator
from contextlib import contextmanager

from apps.core.errors import ApplicationError, RetryableError, TerminalError
from apps.proxies.upstream.errors import RetryableUpstreamError, UpstreamError


class UpstreamRetryable(RetryableError):
    """The Pool Gateway is down, slow or rate-limiting; `retry_after` when it said (429)."""


class UpstreamRefused(TerminalError):
    """The Pool Gateway refused the call (4xx) or answered something we cannot read."""


class KeyTargetRefused(ApplicationError):
    """A purchase or a GB move cannot go to this key (not the customer's, deleted, held disabled
    by the shop) or cannot make a new key (the customer's limit): the message says why."""


@contextmanager
def upstream_errors_as_domain() -> Iterator[None]:
    """Re-raises upstream client errors as the domain errors above (same text, so stored
    failure reasons read as before)."""
    try:
        yield
    except RetryableUpstreamError as exc:
        raise UpstreamRetryable(str(exc), retry_after=getattr(exc, "retry_after", None)) from exc
    except UpstreamError as exc:
        raise UpstreamRefused(str(exc)) from exc
