"""Sandbox-only endpoints outside /v1 (no real upstream has them):

- `GET /_sandbox/health` (no key): readiness for scripts that start the server.
- `GET /_sandbox/faults`, `PUT /_sandbox/faults` (replace all faults), `DELETE /_sandbox/faults`
  (clear): change the faults of a running server from another process. They need the sandbox
  API key in X-API-Key.
"""

from collections.abc import Callable

from django.db import transaction

from . import faults
from .validation import parse_body
from .wire import ApiError, Reply, SandboxRequest, error_reply

_CONFIG_NAMES = {
    "latencyMs": "latency_ms",
    "jitterMs": "jitter_ms",
    "errorRate": "error_rate",
    "errorStatuses": "error_statuses",
    "dropRate": "drop_rate",
    "dropMode": "drop_mode",
    "seed": "seed",
}
_RULE_NAMES = {"status", "retryAfter", "drop", "times", "path", "method", "phase"}


def _replace_faults(body: dict) -> None:
    unknown = set(body) - set(_CONFIG_NAMES) - {"rules"}
    if unknown:
        raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
    rules = body.get("rules") or []
    if not isinstance(rules, list) or not all(isinstance(r, dict) and set(r) <= _RULE_NAMES for r in rules):
        raise ValueError(f"rules must be a list of objects with keys {', '.join(sorted(_RULE_NAMES))}")
    config = {_CONFIG_NAMES[k]: v for k, v in body.items() if k != "rules"}
    for name in ("error_rate", "drop_rate"):
        if name in config:
            config[name] = float(config[name])
    with transaction.atomic():  # a bad rule leaves the old faults in place
        faults.faults_clear()
        faults.faults_configure(**config)
        for rule in rules:
            faults.faults_add_rule(
                status=rule.get("status"),
                retry_after=rule.get("retryAfter"),
                drop=rule.get("drop") or "",
                times=rule.get("times", 1),
                path=rule.get("path") or "",
                method=rule.get("method") or "",
                phase=rule.get("phase") or "before",
            )


def handle(request: SandboxRequest, authenticate: Callable[[SandboxRequest], None]) -> Reply | None:
    """A reply for a control path, or None when the path is unknown."""
    if request.segments == ("_sandbox", "health") and request.method == "GET":
        return Reply(200, {"ok": True, "sandbox": True})
    if request.segments != ("_sandbox", "faults"):
        return None
    try:
        authenticate(request)
        if request.method == "GET":
            return Reply(200, faults.faults_state())
        if request.method == "DELETE":
            faults.faults_clear()
            return Reply(200, faults.faults_state())
        if request.method == "PUT":
            try:
                _replace_faults(parse_body(request))
            except (ValueError, TypeError) as exc:
                raise ApiError(400, "invalid_parameter", str(exc)) from None
            return Reply(200, faults.faults_state())
        raise ApiError(405, "method_not_allowed", "Use GET, PUT or DELETE.", headers={"Allow": "DELETE, GET, PUT"})
    except ApiError as error:
        return error_reply(error, request_id=request.request_id)
