"""Upstream errors -> ports errors, at the edge of every service that calls the upstream, so
callers (views, admin, billing) handle ApplicationError and its retryable/terminal kinds only."""

from collections.abc import Iterator
from contextlib import contextmanager

from apps.ports.errors import PortCapacityError, PortCooldownError, PortsRetryableError, PortsTerminalError
from apps.ports.models import Port
from apps.ports.upstream.errors import (
    PortNoCapacity,
    PortRotationCooldown,
    RetryableUpstreamError,
    UpstreamAuthError,
    UpstreamError,
    UpstreamNotFound,
)

UNAVAILABLE = "The proxy network did not answer. Please try again in a minute."


def cooldown_text(seconds: int) -> str:
    """ "2 min 14 s", "45 s"."""
    minutes, rest = divmod(max(int(seconds), 0), 60)
    if minutes and rest:
        return f"{minutes} min {rest} s"
    return f"{minutes} min" if minutes else f"{rest} s"


def cooldown_message(seconds: int) -> str:
    return f"This port was rotated moments ago. You can rotate it again in {cooldown_text(seconds)}."


def capacity_message(reason: str) -> str:
    if reason == "devices":
        return "No device is free in that location right now. Please choose another country or try later."
    return "No port of this type is available right now. Please try again later."


@contextmanager
def upstream_call(port: Port | None = None) -> Iterator[None]:
    """Around one or more upstream calls. A 404 about `port` marks its mirror missing."""
    from .mirror import port_mark_missing

    try:
        yield
    except PortRotationCooldown as exc:
        remaining = int(exc.retry_after or 0)
        raise PortCooldownError(cooldown_message(remaining), remaining=remaining) from None
    except PortNoCapacity as exc:
        raise PortCapacityError(capacity_message(exc.reason), reason=exc.reason, extra={"upstream": str(exc)}) from None
    except UpstreamNotFound as exc:
        if port is not None:
            port_mark_missing(port=port)
        raise PortsTerminalError("This port no longer exists upstream.", extra={"upstream": str(exc)}) from None
    except RetryableUpstreamError as exc:
        retry_after = getattr(exc, "retry_after", None)
        raise PortsRetryableError(UNAVAILABLE, retry_after=retry_after, extra={"upstream": str(exc)}) from exc
    except UpstreamAuthError as exc:
        raise PortsTerminalError(
            "The shop's upstream key was refused; an operator has to check it.", extra={"upstream": str(exc)}
        ) from exc
    except UpstreamError as exc:
        raise PortsTerminalError(f"The proxy network refused: {exc.message}", extra={"upstream": str(exc)}) from exc
