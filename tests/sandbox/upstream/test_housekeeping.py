"""Reset and purge: what tests and the periodic tick use to keep the sandbox tidy."""

import random
from datetime import timedelta

from apps.sandbox.upstream import clock as sandbox_clock
from apps.sandbox.upstream import faults
from apps.sandbox.upstream.models import (
    SandboxAuditEvent,
    SandboxFaultRule,
    SandboxIdempotencyRecord,
    SandboxIncident,
    SandboxKey,
    SandboxSession,
)
from apps.sandbox.upstream.services import sandbox_purge, sandbox_reset
from apps.sandbox.upstream.traffic import sandbox_simulate_traffic

from .support import START


def test_reset_empties_every_sandbox_table(api, mint, clock):
    mint()
    api.post("/reseller/pool-keys", json={"label": "b"}, headers={"Idempotency-Key": "reset_test_1"})
    api.get("/gateway/incidents")
    sandbox_simulate_traffic(now=clock(), rng=random.Random(1))
    faults.faults_add_rule(status=503, times=5)

    sandbox_reset()

    for model in (
        SandboxKey,
        SandboxAuditEvent,
        SandboxIdempotencyRecord,
        SandboxSession,
        SandboxIncident,
        SandboxFaultRule,
    ):
        assert not model.objects.exists(), model.__name__
    assert sandbox_clock.now() != START  # the real clock is back


def test_purge_forgets_old_replies_events_and_dead_sessions(api, mint, clock):
    mint()
    api.post("/reseller/pool-keys", json={"label": "b"}, headers={"Idempotency-Key": "purge_test_1"})
    sandbox_simulate_traffic(now=clock(), rng=random.Random(2))

    sandbox_purge(now=START + timedelta(minutes=1))
    assert SandboxIdempotencyRecord.objects.exists()
    assert SandboxSession.objects.exists()

    sandbox_purge(now=START + timedelta(days=91))
    assert not SandboxIdempotencyRecord.objects.exists()
    assert not SandboxSession.objects.exists()
    assert not SandboxAuditEvent.objects.exists()
    assert SandboxKey.objects.count() == 2  # keys are never purged
