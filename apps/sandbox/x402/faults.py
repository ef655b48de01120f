"""Fault injection for the sandbox facilitator: the next N calls to verify, settle or supported
time out or answer a 5xx, before or after the call takes effect (like apps/sandbox/upstream's)."""

from dataclasses import dataclass

from django.db.models import F

from .models import SandboxX402Fault


@dataclass(frozen=True)
class Fault:
    mode: str
    status: int
    after: bool


def inject(endpoint: str, *, mode: str = "status", status: int = 500, times: int = 1, after: bool = False) -> None:
    SandboxX402Fault.objects.create(endpoint=endpoint, mode=mode, status=status, remaining=times, after=after)


def clear() -> None:
    SandboxX402Fault.objects.all().delete()


def claim(endpoint: str) -> Fault | None:
    """The fault for one call to `endpoint`, if any is left (each use claimed atomically)."""
    for rule in SandboxX402Fault.objects.filter(endpoint=endpoint, remaining__gt=0).order_by("pk"):
        if SandboxX402Fault.objects.filter(pk=rule.pk, remaining__gt=0).update(remaining=F("remaining") - 1):
            return Fault(mode=rule.mode, status=rule.status, after=rule.after)
    return None
