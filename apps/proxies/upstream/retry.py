"""The retry policy of the official SDK (see the upstream contract): retry 5xx, 429,
timeouts and network errors; full-jitter exponential backoff
``min(max_delay, base * 2**n) * random()``; ``Retry-After`` (seconds or HTTP date)
honoured but capped at the max delay."""

from collections.abc import Callable
from dataclasses import dataclass

BASE_DELAY_SECONDS = 0.25
MAX_DELAY_SECONDS = 4.0


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay: float = BASE_DELAY_SECONDS
    max_delay: float = MAX_DELAY_SECONDS

    def __post_init__(self) -> None:
        if not 1 <= self.max_attempts <= 10:
            raise ValueError(f"max_attempts must be between 1 and 10, got {self.max_attempts!r}")

    def delay(self, failed_attempt: int, *, retry_after: float | None, random: Callable[[], float]) -> float:
        """Seconds to wait after attempt number `failed_attempt` (1-based) failed."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * 2 ** (failed_attempt - 1))
        return ceiling * random()
