"""Domain errors shared by every app. Outside-system failures reach callers in other apps as
RetryableError or TerminalError (each app's own errors subclass them), so a caller can decide
"try again later" or "give up and tell an operator" without importing the callee's internals."""


class ApplicationError(Exception):
    """A domain error with a message that is safe to show to the user."""

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotFound(ApplicationError):
    """The one "not found" of the domain: selectors and services raise it for anything missing or
    not the caller's; views and the API answer 404 (never 403, so nothing leaks)."""


class RetryableError(ApplicationError):
    """May succeed later (an outside system is down, slow or rate-limiting). `retry_after` is the
    wait in seconds the outside system asked for, when it said."""

    def __init__(self, message: str, *, retry_after: float | None = None, extra: dict | None = None) -> None:
        super().__init__(message, extra=extra)
        self.retry_after = retry_after


class TerminalError(ApplicationError):
    """Will not succeed by retrying (refused, invalid, gone): an operator has to decide."""
