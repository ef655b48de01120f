"""Fault injection for tests and benchmarks: added latency (with jitter), a random error rate, a
random drop rate, and rules that force a status (with Retry-After) or drop the connection for the
next N matching requests.

Faults are stored in the sandbox's tables, so the in-process transport and a running
`sandbox_upstream` server read the same settings, and a test or benchmark can change the faults
of a server it did not start (`manage.py sandbox_faults`, `PUT /_sandbox/faults`, or `inject()`).
With a seed the random draws are repeatable: draw n uses Random(f"{seed}:{n}").

Drop modes: `reset` (connection closed without a reply), `timeout` (no reply until the client
gives up), `refused` (in-process: connect error; over HTTP it behaves like `reset`). Phase
`after` lets the call take effect first and then loses the reply, the case idempotency keys exist for.
"""

import contextlib
import fnmatch
import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q

from .models import SandboxFaultConfig, SandboxFaultRule

DEFAULT_ERROR_STATUSES = [500, 502, 503, 504]
CONFIG_FIELDS = ("latency_ms", "jitter_ms", "error_rate", "error_statuses", "drop_rate", "drop_mode", "seed")


@dataclass(frozen=True)
class FaultDecision:
    latency_s: float = 0.0
    status: int | None = None
    retry_after: str = ""
    drop: str = ""
    phase: str = "before"
    reason: str = ""

    @property
    def active(self) -> bool:
        return bool(self.status or self.drop)


def _config() -> SandboxFaultConfig:
    return SandboxFaultConfig.objects.get_or_create(pk=1)[0]


def _rng(config: SandboxFaultConfig) -> random.Random:
    if config.seed is None:
        return random.Random()
    with transaction.atomic():
        locked = SandboxFaultConfig.objects.select_for_update().get(pk=1)
        draw = locked.counter
        SandboxFaultConfig.objects.filter(pk=1).update(counter=F("counter") + 1)
    return random.Random(f"{config.seed}:{draw}")


def _claim_rule(method: str, path: str) -> SandboxFaultRule | None:
    rules = SandboxFaultRule.objects.filter(Q(remaining__isnull=True) | Q(remaining__gt=0))
    for rule in rules.filter(Q(method="") | Q(method=method.upper())):
        if rule.path_glob and not fnmatch.fnmatchcase(path, rule.path_glob):
            continue
        if rule.remaining is None:
            return rule
        # Atomic decrement: with concurrent requests each use of a rule is claimed once.
        if SandboxFaultRule.objects.filter(pk=rule.pk, remaining__gt=0).update(remaining=F("remaining") - 1):
            return rule
    return None


def decide(method: str, path: str) -> FaultDecision:
    """The faults for one request to `path` (the path after /v1)."""
    config = _config()
    rule = _claim_rule(method, path)
    needs_draws = config.jitter_ms or config.error_rate or config.drop_rate
    rng = _rng(config) if needs_draws else None
    latency = config.latency_ms + (rng.uniform(0, config.jitter_ms) if rng and config.jitter_ms else 0)
    latency_s = latency / 1000
    if rule is not None:
        return FaultDecision(
            latency_s=latency_s,
            status=rule.status,
            retry_after=rule.retry_after,
            drop=rule.drop_mode,
            phase=rule.phase,
            reason=f"rule {rule.pk}",
        )
    if rng is not None and rng.random() < config.drop_rate:
        return FaultDecision(latency_s=latency_s, drop=config.drop_mode or "reset", reason="drop_rate")
    if rng is not None and rng.random() < config.error_rate:
        status = rng.choice(config.error_statuses or DEFAULT_ERROR_STATUSES)
        return FaultDecision(latency_s=latency_s, status=status, reason="error_rate")
    return FaultDecision(latency_s=latency_s)


def _check(*, error_rate=None, drop_rate=None, drop_mode=None, status=None, phase=None, error_statuses=(), **_) -> None:
    for code in error_statuses or ():
        if not isinstance(code, int) or not 400 <= code <= 599:
            raise ValueError(f"error statuses must be 400-599, got {code!r}.")
    for name, rate in (("error_rate", error_rate), ("drop_rate", drop_rate)):
        if rate is not None and not 0 <= rate <= 1:
            raise ValueError(f"{name} must be between 0 and 1, got {rate}.")
    if drop_mode and drop_mode not in SandboxFaultRule.DROP_MODES:
        raise ValueError(f"drop mode must be one of {', '.join(SandboxFaultRule.DROP_MODES)}, got {drop_mode!r}.")
    if status is not None and not 400 <= status <= 599:
        raise ValueError(f"a forced status must be 400-599, got {status}.")
    if phase is not None and phase not in SandboxFaultRule.PHASES:
        raise ValueError(f"phase must be before or after, got {phase!r}.")


def faults_configure(**fields) -> SandboxFaultConfig:
    """Sets standing faults; fields not given keep their value. Setting a seed restarts the draws."""
    unknown = set(fields) - set(CONFIG_FIELDS)
    if unknown:
        raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
    _check(**fields)
    config = _config()
    for name, value in fields.items():
        setattr(config, name, list(value) if name == "error_statuses" else value)
    if "seed" in fields:
        config.counter = 0
    config.save()
    return config


def faults_add_rule(
    *,
    status: int | None = None,
    retry_after: int | float | str | None = None,
    drop: str = "",
    times: int | None = 1,
    path: str = "",
    method: str = "",
    phase: str = "before",
) -> SandboxFaultRule:
    """Forces `status` (with Retry-After) or drops the connection for the next `times` requests
    (0 or None: every request, until removed) whose path after /v1 matches the glob `path`."""
    if bool(status) == bool(drop):
        raise ValueError("give exactly one of status or drop")
    if times == 0:  # as documented for the CLI and the HTTP control: 0 means every call
        times = None
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise ValueError(f"times must be a whole number of calls (0 or None for every call), got {times!r}")
    _check(status=status, drop_mode=drop, phase=phase)
    if isinstance(retry_after, float) and retry_after.is_integer():
        retry_after = int(retry_after)
    return SandboxFaultRule.objects.create(
        status=status,
        retry_after="" if retry_after is None else str(retry_after),
        drop_mode=drop,
        remaining=times,
        path_glob=path,
        method=method.upper(),
        phase=phase,
    )


def faults_clear() -> None:
    SandboxFaultRule.objects.all().delete()
    SandboxFaultConfig.objects.update_or_create(
        pk=1,
        defaults={
            "latency_ms": 0,
            "jitter_ms": 0,
            "error_rate": 0.0,
            "error_statuses": [],
            "drop_rate": 0.0,
            "drop_mode": "reset",
            "seed": None,
            "counter": 0,
        },
    )


def faults_state() -> dict:
    config = _config()
    return {
        "latencyMs": config.latency_ms,
        "jitterMs": config.jitter_ms,
        "errorRate": config.error_rate,
        "errorStatuses": config.error_statuses or DEFAULT_ERROR_STATUSES,
        "dropRate": config.drop_rate,
        "dropMode": config.drop_mode,
        "seed": config.seed,
        "rules": [
            {
                "id": r.pk,
                "status": r.status,
                "retryAfter": r.retry_after or None,
                "drop": r.drop_mode or None,
                "remaining": r.remaining,
                "path": r.path_glob or None,
                "method": r.method or None,
                "phase": r.phase,
            }
            for r in SandboxFaultRule.objects.all()
        ],
    }


@contextlib.contextmanager
def inject(
    *,
    status: int | None = None,
    retry_after: int | float | str | None = None,
    drop: str = "",
    times: int | None = None,
    path: str = "",
    method: str = "",
    phase: str = "before",
    **config,
) -> Iterator[SandboxFaultRule | None]:
    """Faults for the duration of a block, e.g. `with inject(status=429, retry_after=2, times=1):`
    or `with inject(latency_ms=150):`. Restores the previous settings on exit."""
    previous = {name: getattr(_config(), name) for name in CONFIG_FIELDS}
    previous_counter = _config().counter
    rule = None
    try:
        if config:
            faults_configure(**config)
        if status or drop:
            rule = faults_add_rule(
                status=status, retry_after=retry_after, drop=drop, times=times, path=path, method=method, phase=phase
            )
        yield rule
    finally:
        if rule is not None:
            SandboxFaultRule.objects.filter(pk=rule.pk).delete()
        if config:
            SandboxFaultConfig.objects.filter(pk=1).update(**previous, counter=previous_counter)
