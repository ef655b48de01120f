"""Reproducible builds: hash-locked dependencies used by the image and by `make install`, and the
vulnerability audit's verdicts."""

import importlib.util

from .fresh_settings import ROOT

spec = importlib.util.spec_from_file_location("audit_report", ROOT / "scripts" / "audit_report.py")
audit_report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_report)

VULN = {"id": "GHSA-xxxx", "fix_versions": ["1.2.4"], "aliases": [], "description": ""}


def test_a_vulnerability_with_a_fix_fails_the_audit():
    report = {"dependencies": [{"name": "foo", "version": "1.2.3", "vulns": [VULN]}]}

    status, lines = audit_report.judge("prod.lock", report, required=False)

    assert status == 1
    assert lines == ["audit: prod.lock: foo 1.2.3 has GHSA-xxxx; fixed in 1.2.4"]


def test_a_vulnerability_without_a_fix_does_not_fail_the_audit():
    report = {"dependencies": [{"name": "foo", "version": "1.2.3", "vulns": [{**VULN, "fix_versions": []}]}]}

    assert audit_report.judge("prod.lock", report, required=False)[0] == 0


def test_an_unreachable_service_is_reported_and_fails_only_when_required():
    report = {"dependencies": [{"name": "foo", "version": "1.2.3", "skip_reason": "Dependency not found on PyPI"}]}

    assert audit_report.judge("prod.lock", report, required=False)[0] == 0
    status, lines = audit_report.judge("prod.lock", report, required=True)
    assert status == 1 and "NOT audited" in lines[0]


def test_every_locked_requirement_carries_a_hash():
    for name in ("prod.lock", "dev.lock"):
        text = (ROOT / "requirements" / name).read_text()
        pins = [line for line in text.splitlines() if "==" in line and not line.startswith((" ", "#"))]
        assert pins, name
        assert all(line.rstrip().endswith("\\") for line in pins), name  # each pin continues with --hash lines
        assert text.count("--hash=sha256:") >= len(pins)


def test_the_image_installs_the_locked_c_build_of_psycopg():
    dockerfile = (ROOT / "Dockerfile").read_text()
    prod = (ROOT / "requirements" / "prod.lock").read_text()

    assert "--require-hashes" in dockerfile and "requirements/prod.lock" in dockerfile
    assert "psycopg-c==" in prod and "psycopg-binary" not in prod
    assert "libpq5" in dockerfile


def test_make_install_uses_the_dev_lock():
    makefile = (ROOT / "Makefile").read_text()

    assert "--require-hashes -r requirements/dev.lock" in makefile
