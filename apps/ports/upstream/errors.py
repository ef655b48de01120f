"""Ports-specific upstream errors, in the pool client's taxonomy (retryable vs terminal), so
whoever handles a pool-client error handles these too."""

from apps.proxies.upstream.errors import (
    RetryableUpstreamError,
    TerminalUpstreamError,
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamConflict,
    UpstreamError,
    UpstreamNetworkError,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
    UpstreamValidationError,
)


class PortRotationCooldown(TerminalUpstreamError):
    """A rotation refused because the port's cooldown is running (429 on a rotate). Terminal:
    retrying within seconds cannot succeed. `retry_after` is the seconds left, when known."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class PortNoCapacity(UpstreamConflict):
    """No free slot of the port's type, or no free device in the country (409). `reason` is
    "slots" or "devices"."""

    def __init__(self, message: str, *, reason: str = "slots", **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.reason = reason


__all__ = [
    "PortNoCapacity",
    "PortRotationCooldown",
    "RetryableUpstreamError",
    "TerminalUpstreamError",
    "UpstreamAuthError",
    "UpstreamBadResponse",
    "UpstreamConflict",
    "UpstreamError",
    "UpstreamNetworkError",
    "UpstreamNotFound",
    "UpstreamRateLimited",
    "UpstreamTimeout",
    "UpstreamUnavailable",
    "UpstreamValidationError",
]
