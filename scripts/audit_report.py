"""Judges one pip-audit JSON report (scripts/audit): exit 1 on a vulnerability with a fix, or on
a report where nothing could be audited while AUDIT_REQUIRED=true."""

import json
import os
import sys


def judge(lock: str, data: dict, *, required: bool) -> tuple[int, list[str]]:
    deps = data.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    lines = [
        f"audit: {lock}: {d['name']} {d['version']} has {v['id']}; fixed in {', '.join(v['fix_versions'])}"
        for d in audited
        for v in d.get("vulns", [])
        if v.get("fix_versions")
    ]
    if lines:
        return 1, lines
    if deps and not audited:
        note = " (AUDIT_REQUIRED=true: failing)" if required else ""
        return (1 if required else 0), [
            f"audit: {lock}: the vulnerability service was unreachable; {len(deps)} packages NOT audited{note}"
        ]
    skipped = len(deps) - len(audited)
    return 0, [f"audit: {lock}: {len(audited)} packages audited, no fixable vulnerability ({skipped} skipped)"]


def main(argv: list[str]) -> int:
    lock, path = argv[1], argv[2]
    try:
        with open(path) as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        print(f"audit: {lock}: pip-audit produced no report", file=sys.stderr)
        return 1
    status, lines = judge(lock, data, required=os.environ.get("AUDIT_REQUIRED", "").lower() == "true")
    for line in lines:
        print(line, file=sys.stderr if status or "NOT audited" in line else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
