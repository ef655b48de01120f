"""The client against the sandbox upstream in-process (SandboxTransport, no sockets): every
call, the contract's semantics as the client sees them, error classes, retries, Retry-After,
idempotent replay and timeouts. Injected sleep: no real waiting."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from apps.proxies.services.client import get_upstream_client, reset_upstream_client
from apps.proxies.upstream import errors
from apps.proxies.upstream.client import PoolGatewayClient
from apps.sandbox.upstream.faults import inject
from apps.sandbox.upstream.services import sandbox_key_accepts
from apps.sandbox.upstream.traffic import sandbox_simulate_traffic
from apps.sandbox.upstream.transport import SandboxTransport
from tests.proxies.test_client_support import Clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def client(clock):
    return PoolGatewayClient(
        base_url="https://api.proxies.sx/v1",
        api_key=settings.PROXIES_SX_SANDBOX_API_KEY,
        transport=SandboxTransport(sleep=clock.sleep),
        read_timeout=2.0,
        sleep=clock.sleep,
        random=lambda: 0.5,
    )


def mint(client, key="order_1_mint", **kwargs):
    kwargs.setdefault("label", "sf-u1-order1")
    kwargs.setdefault("traffic_cap_gb", Decimal("10"))
    kwargs.setdefault("expires_at", None)
    return client.create_key(idempotency_key=key, **kwargs)


def test_mint_get_and_list(client):
    expires = timezone.now() + timedelta(days=30)

    minted = mint(client, expires_at=expires)

    assert minted.secret and minted.secret.startswith("pak_")
    assert minted.enabled and minted.traffic_cap_gb == Decimal("10") and minted.traffic_used_mb == 0
    assert abs(minted.expires_at - expires) < timedelta(seconds=1)
    fetched = client.get_key(minted.id)
    assert (fetched.id, fetched.label, fetched.traffic_cap_gb) == (minted.id, "sf-u1-order1", Decimal("10"))
    assert [k.id for k in client.list_keys()] == [minted.id]


def test_mint_replays_on_the_same_idempotency_key(client):
    first = mint(client, key="stripe_cs_123")
    second = mint(client, key="stripe_cs_123")

    assert second.id == first.id and second.secret == first.secret
    assert len(client.list_keys()) == 1


def test_reusing_an_idempotency_key_for_another_body_is_a_validation_error(client):
    mint(client, key="stripe_cs_123")

    with pytest.raises(errors.UpstreamValidationError) as caught:
        mint(client, key="stripe_cs_123", label="something else")

    assert caught.value.code == "idempotency_key_reused"
    assert caught.value.request_id


def test_update_disables_and_relabels_and_removes_the_cap(client):
    key = mint(client)

    updated = client.update_key(
        key.id, label="renamed", enabled=False, traffic_cap_gb=None, idempotency_key="update_1_op"
    )

    assert (updated.label, updated.enabled, updated.traffic_cap_gb) == ("renamed", False, None)


def test_top_up_adds_gb_and_days_and_does_not_re_enable(client):
    expires = timezone.now() + timedelta(days=5)
    key = mint(client, expires_at=expires)
    client.update_key(key.id, enabled=False, idempotency_key="disable_1")

    topped = client.top_up_key(key.id, add_traffic_gb=Decimal("5.5"), extend_days=30, idempotency_key="topup_inv_1")

    assert topped.traffic_cap_gb == Decimal("15.5")
    assert abs(topped.expires_at - (expires + timedelta(days=30))) < timedelta(seconds=1)
    assert topped.enabled is False
    assert client.update_key(key.id, enabled=True, idempotency_key="reenable_1").enabled is True


def test_top_up_replay_does_not_add_twice(client):
    key = mint(client)

    client.top_up_key(key.id, add_traffic_gb=Decimal("5"), idempotency_key="topup_inv_2")
    client.top_up_key(key.id, add_traffic_gb=Decimal("5"), idempotency_key="topup_inv_2")

    assert client.get_key(key.id).traffic_cap_gb == Decimal("15")


def test_regenerate_issues_a_new_secret_and_the_old_one_stops_working(client):
    key = mint(client)

    fresh = client.regenerate_key(key.id, idempotency_key="regen_1_op")

    assert fresh.id == key.id and fresh.secret != key.secret
    assert not sandbox_key_accepts(key.secret)
    assert sandbox_key_accepts(fresh.secret)


def test_reveal_returns_the_current_secret_and_is_audited(client):
    key = mint(client)

    revealed = client.reveal_key(key.id)

    assert revealed.secret == key.secret
    actions = [event.action for event in client.key_audit(key.id)]
    assert "reveal" in actions and "create" in actions
    assert {event.pak_id for event in client.audit(action="reveal")} == {key.id}


def test_audit_pages_with_limit_and_before(client):
    key = mint(client)
    for n in range(3):
        client.update_key(key.id, label=f"l{n}", idempotency_key=f"relabel_{n}_x")

    page = client.key_audit(key.id, limit=2)
    older = client.key_audit(key.id, before=page[-1].created_at, limit=200)

    assert len(page) == 2
    assert page[0].created_at >= page[1].created_at
    assert all(event.created_at <= page[-1].created_at for event in older)
    assert len(client.audit(limit=1)) == 1


def test_delete_removes_the_key_and_then_get_is_not_found(client):
    key = mint(client)

    assert client.delete_key(key.id, idempotency_key="delete_1_op") is None

    with pytest.raises(errors.UpstreamNotFound) as caught:
        client.get_key(key.id)
    assert caught.value.status == 404 and caught.value.request_id
    assert client.list_keys() == []


def test_gateway_feeds(client):
    stock = client.stock()
    incidents = client.incidents()
    pricing = client.pricing()

    assert stock.totals["all"] == sum(stock.totals[p] for p in stock.pools)
    assert all(incident.severity for incident in incidents)
    assert pricing.currency
    assert pricing.shared_per_gb is None or pricing.shared_per_gb > 0


def test_sessions_list_and_close(client):
    mint(client)
    sandbox_simulate_traffic(rng=random.Random(7), mb=5)

    sessions = client.sessions()
    assert sessions, "simulated traffic should open sessions"
    target = next(s for s in sessions if not s.is_synthesized_sid)

    closed = client.close_session(target.session_key)
    assert closed.success
    assert target.session_key not in {s.session_key for s in client.sessions()}

    everything = client.close_all_sessions()
    assert everything.success and client.sessions() == []


def test_a_wrong_api_key_is_an_auth_error(clock):
    wrong = PoolGatewayClient(
        base_url="https://api.proxies.sx/v1",
        api_key="psx_wrong_key_000",
        transport=SandboxTransport(sleep=clock.sleep),
        sleep=clock.sleep,
    )

    with pytest.raises(errors.UpstreamAuthError) as caught:
        wrong.list_keys()

    assert caught.value.status == 401 and caught.value.attempts == 1 and clock.sleeps == []


def test_an_expiry_in_the_past_is_a_validation_error(client):
    with pytest.raises(errors.UpstreamValidationError) as caught:
        mint(client, expires_at=timezone.now() - timedelta(days=1))

    assert caught.value.status == 422 and caught.value.code == "expires_at_in_past"
    assert client.list_keys() == []


def test_unavailable_twice_then_success(client, clock):
    with inject(status=503, times=2, path="/reseller/pool-keys"):
        assert client.list_keys() == []

    assert clock.sleeps == [0.125, 0.25]


def test_rate_limited_retry_after_is_honoured(client, clock):
    with inject(status=429, retry_after=2, times=1):
        client.stock()

    assert clock.sleeps == [2.0]


def test_conflict_is_not_retried(client, clock):
    with inject(status=409, times=1), pytest.raises(errors.UpstreamConflict):
        client.list_keys()

    assert clock.sleeps == []


def test_persistent_5xx_stops_at_the_attempt_bound(client, clock):
    with inject(status=502, times=None), pytest.raises(errors.UpstreamUnavailable) as caught:
        client.list_keys()

    assert caught.value.attempts == 3 and len(clock.sleeps) == 2


def test_a_dropped_connection_is_retried(client, clock):
    with inject(drop="reset", times=1):
        assert client.list_keys() == []

    assert len(clock.sleeps) == 1


def test_latency_beyond_the_read_timeout_is_a_timeout(client, clock):
    with inject(latency_ms=5000), pytest.raises(errors.UpstreamTimeout) as caught:
        client.list_keys()

    assert caught.value.attempts == 3
    # The sandbox "waited" the client's 2 s read timeout per attempt; the client backed off between.
    assert clock.sleeps == [2.0, 0.125, 2.0, 0.25, 2.0]


def test_a_mint_whose_reply_is_lost_is_retried_and_replayed_not_minted_twice(client):
    with inject(drop="reset", times=1, phase="after", path="/reseller/pool-keys", method="POST"):
        key = mint(client, key="stripe_cs_lost")

    assert [k.id for k in client.list_keys()] == [key.id]


def test_a_top_up_that_timed_out_after_taking_effect_is_applied_once(client):
    key = mint(client)
    with inject(drop="timeout", times=1, phase="after", path=f"/reseller/pool-keys/{key.id}/topup"):
        topped = client.top_up_key(key.id, add_traffic_gb=Decimal("1"), idempotency_key="topup_inv_lost")

    assert topped.traffic_cap_gb == Decimal("11")
    assert client.get_key(key.id).traffic_cap_gb == Decimal("11")


def test_the_shared_client_uses_the_sandbox_in_sandbox_mode():
    with override_settings(PROXIES_SX_SANDBOX=True):
        reset_upstream_client()
        try:
            client = get_upstream_client()
            assert isinstance(client._caller._http._transport, SandboxTransport)
            minted = mint(client, key="shared_client_1")
            assert client.get_key(minted.id).id == minted.id
        finally:
            reset_upstream_client()
