"""Errors raised by the upstream client. Retryable ones (5xx, 429, timeouts, network) may
succeed later; terminal ones (any other 4xx, a reply we cannot read) will not."""


class UpstreamError(Exception):
    retryable: bool = False
    # How many requests the client made before giving up (set by the client).
    attempts: int = 1

    def __init__(
        self, message: str, *, status: int | None = None, request_id: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.request_id = request_id
        self.code = code

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"status={self.status}")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        return " ".join(parts)


class RetryableUpstreamError(UpstreamError):
    retryable = True


class UpstreamUnavailable(RetryableUpstreamError):
    """5xx from the upstream."""


class UpstreamRateLimited(RetryableUpstreamError):
    """429; `retry_after` is seconds, when the upstream said."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class UpstreamTimeout(RetryableUpstreamError):
    """Connect or read timeout."""


class UpstreamNetworkError(RetryableUpstreamError):
    """Connection refused, reset or dropped."""


class TerminalUpstreamError(UpstreamError):
    retryable = False


class UpstreamValidationError(TerminalUpstreamError):
    """400 / 422: the request was wrong; retrying will not help."""


class UpstreamAuthError(TerminalUpstreamError):
    """401 / 403: the reseller key is invalid, revoked or lacks a scope. Alert the operator."""


class UpstreamNotFound(TerminalUpstreamError):
    """404: the key is gone or belongs to another reseller."""


class UpstreamConflict(TerminalUpstreamError):
    """409."""


class UpstreamBadResponse(TerminalUpstreamError):
    """The reply did not have the shape the contract promises. `field` names what was wrong."""

    def __init__(self, message: str, *, field: str | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.field = field
