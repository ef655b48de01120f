"""The errors ports services raise. Other apps see only these (and the core ones they extend):
never the upstream client's."""

from apps.core.errors import ApplicationError, RetryableError, TerminalError


class PortsRetryableError(RetryableError):
    """The upstream is down, slow or rate-limiting: try again later."""


class PortsTerminalError(TerminalError):
    """The upstream refused for good (invalid, gone, forbidden): an operator decides."""


class PortCapacityError(PortsTerminalError):
    """No free slot of the plan's type, or no free device where the plan asks."""

    def __init__(self, message: str, *, reason: str, extra: dict | None = None) -> None:
        super().__init__(message, extra=extra)
        self.reason = reason


class PortCooldownError(ApplicationError):
    """A rotation asked for inside the port's cooldown; `remaining` is the seconds left."""

    def __init__(self, message: str, *, remaining: int) -> None:
        super().__init__(message, extra={"remaining": remaining})
        self.remaining = remaining


class PortNotUsable(ApplicationError):
    """The port is released, blocked, expired, suspended or missing: the action needs a live port."""


class PortRenewalRefused(ApplicationError):
    """Checkout refuses a renewal before any order exists: the port is not the customer's, was
    released, or the plan is of the other kind (shared vs private). The message is the customer's."""
