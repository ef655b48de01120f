"""Fault options shared by `sandbox_upstream` and `sandbox_faults`."""

import argparse

from django.core.management.base import CommandError

from . import faults


def _statuses(raw: str) -> list[int]:
    try:
        return [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated statuses, e.g. 500,503; got {raw!r}") from None


def add_fault_arguments(parser) -> None:
    group = parser.add_argument_group("faults")
    group.add_argument("--latency-ms", type=int, help="Added latency on every call.")
    group.add_argument("--jitter-ms", type=int, help="Up to this much extra latency, drawn per call.")
    group.add_argument("--error-rate", type=float, help="Share of calls (0-1) answered with a random 5xx.")
    group.add_argument("--error-statuses", type=_statuses, help="Statuses for --error-rate (default 500,502,503,504).")
    group.add_argument("--drop-rate", type=float, help="Share of calls (0-1) whose connection is dropped.")
    group.add_argument("--drop-mode", choices=["reset", "timeout", "refused"], help="How a dropped call ends.")
    group.add_argument("--seed", type=int, help="Makes the random draws repeatable.")
    group.add_argument("--fail-status", type=int, help="Answer the next --fail-times calls with this status.")
    group.add_argument("--fail-drop", choices=["reset", "timeout", "refused"], help="Drop the next --fail-times calls.")
    group.add_argument("--fail-times", type=int, default=1, help="How many calls the forced fault hits (0: all).")
    group.add_argument("--fail-path", default="", help="Only calls whose path after /v1 matches this glob.")
    group.add_argument("--fail-method", default="", help="Only calls with this HTTP method.")
    group.add_argument(
        "--fail-phase",
        choices=["before", "after"],
        default="before",
        help="after: the call takes effect, then the reply is replaced or lost.",
    )
    group.add_argument("--retry-after", help="Retry-After for the forced status (seconds or an HTTP date).")


def apply_fault_options(options: dict) -> bool:
    """Writes the faults the options name. Returns whether any was given."""
    mapping = {
        "latency_ms": "latency_ms",
        "jitter_ms": "jitter_ms",
        "error_rate": "error_rate",
        "error_statuses": "error_statuses",
        "drop_rate": "drop_rate",
        "drop_mode": "drop_mode",
        "seed": "seed",
    }
    config = {field: options[opt] for opt, field in mapping.items() if options.get(opt) is not None}
    try:
        if config:
            faults.faults_configure(**config)
        if options.get("fail_status") or options.get("fail_drop"):
            faults.faults_add_rule(
                status=options.get("fail_status"),
                drop=options.get("fail_drop") or "",
                times=options.get("fail_times") or None,
                path=options.get("fail_path") or "",
                method=options.get("fail_method") or "",
                phase=options.get("fail_phase") or "before",
                retry_after=options.get("retry_after"),
            )
            return True
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    return bool(config)


def describe_faults() -> str:
    state = faults.faults_state()
    lines = [
        f"latency {state['latencyMs']} ms (+ up to {state['jitterMs']} ms jitter), "
        f"error rate {state['errorRate']} ({', '.join(map(str, state['errorStatuses']))}), "
        f"drop rate {state['dropRate']} ({state['dropMode']}), seed {state['seed']}"
    ]
    for rule in state["rules"]:
        effect = f"status {rule['status']}" if rule["status"] else f"drop ({rule['drop']})"
        if rule["retryAfter"]:
            effect += f" Retry-After {rule['retryAfter']}"
        times = "every call" if rule["remaining"] is None else f"next {rule['remaining']} calls"
        scope = " ".join(x for x in (rule["method"], rule["path"]) if x) or "any path"
        lines.append(f"rule {rule['id']}: {effect}, {times}, {scope}, phase {rule['phase']}")
    return "\n".join(lines)
