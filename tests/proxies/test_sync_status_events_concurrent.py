"""Two refreshes that read the same upstream change at the same moment announce it once: the
status before is read under the sync's and the row's locks, in the transaction that writes
(PostgreSQL: real concurrent transactions, one thread each)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from apps.events.models import Event, EventType
from apps.proxies.services import pool_key_sync, pool_key_sync_all
from apps.sandbox.upstream.models import SandboxKey
from tests.proxies.fakes import CountingClient, sandbox_client, use_upstream
from tests.proxies.support import mint_key

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class MeetAfterReading(CountingClient):
    """Both refreshes have their upstream reply in hand before either writes: the race."""

    def __init__(self, client, barrier: threading.Barrier) -> None:
        super().__init__(client)
        self.barrier = barrier

    def __getattr__(self, name: str):
        call = super().__getattr__(name)
        if name not in {"list_keys", "get_key"}:
            return call

        def then_meet(*args, **kwargs):
            reply = call(*args, **kwargs)
            self.barrier.wait(timeout=10)
            return reply

        return then_meet


def run_together(*calls) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(call):
        try:
            call()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.parametrize("second", ["all keys", "one key"])
def test_a_suspension_seen_by_two_concurrent_syncs_is_announced_once(monkeypatch, customer, second):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent transactions)")
    use_upstream(monkeypatch, sandbox_client(max_attempts=1))
    key = mint_key(customer, cap_gb=Decimal(1))
    SandboxKey.objects.filter(public_id=key.upstream_id).update(traffic_used_mb=Decimal(1024), enabled=False)
    use_upstream(monkeypatch, MeetAfterReading(sandbox_client(max_attempts=1), threading.Barrier(2)))

    other = pool_key_sync_all if second == "all keys" else (lambda: pool_key_sync(key=key))
    errors = run_together(pool_key_sync_all, other)

    assert errors == []
    suspended = Event.objects.filter(resource_id=str(key.pk), type=EventType.KEY_SUSPENDED)
    assert suspended.count() == 1
    assert suspended.get().extra["reason"] == "cap"
