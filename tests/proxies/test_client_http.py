"""The client over real HTTP: `manage.py sandbox_upstream` runs in a subprocess on a free
loopback port (with its own SQLite file, so it is independent of the test database), and the
client talks to it through httpx's normal network stack. Faults are set through the server's
`/_sandbox/faults` endpoint. Retries use an injected sleep; only the timeout test lets a short
read timeout (0.2 s) elapse, because that is what it is about."""

import logging
import os
import queue
import re
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from apps.proxies.upstream import errors
from apps.proxies.upstream.client import PoolGatewayClient
from tests.proxies.test_client_support import Clock

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 60  # seconds to wait for the server's "listening" line before giving up


def _drain(stream, lines: "queue.Queue[str]") -> None:
    for line in stream:
        lines.put(line)


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sandbox-http")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "storefront.settings.test",
        "DATABASE_URL": f"sqlite:///{workdir / 'sandbox.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(
        [*manage, "migrate", "proxies_sandbox", "-v0"], env=env, cwd=ROOT, check=True, timeout=180, capture_output=True
    )
    stderr = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        [*manage, "sandbox_upstream", "--port", "0", "--hang-seconds", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_drain, args=(process.stdout, lines), daemon=True).start()
    try:
        url = None
        while url is None:
            try:
                line = lines.get(timeout=READY_TIMEOUT)
            except queue.Empty:
                pytest.fail(f"sandbox_upstream did not start; see {workdir / 'server.log'}")
            match = re.search(r"listening on (http://\S+)", line)
            url = match.group(1) if match else None
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        stderr.close()


def control(server_url: str, method: str, body: dict | None = None) -> None:
    response = httpx.request(
        method,
        server_url.removesuffix("/v1") + "/_sandbox/faults",
        json=body,
        headers={"X-API-Key": settings.PROXIES_SX_SANDBOX_API_KEY},
        timeout=10,
    )
    response.raise_for_status()


@pytest.fixture
def faults(server_url):
    yield lambda body: control(server_url, "PUT", body)
    control(server_url, "DELETE")


@pytest.fixture
def clock():
    return Clock()


def make(server_url, clock, **kwargs):
    kwargs.setdefault("api_key", settings.PROXIES_SX_SANDBOX_API_KEY)
    return PoolGatewayClient(base_url=server_url, sleep=clock.sleep, random=lambda: 0.5, **kwargs)


@pytest.fixture
def client(server_url, clock):
    with make(server_url, clock) as client:
        yield client


def test_key_lifecycle_over_http(client):
    minted = client.create_key(
        label="http-1", traffic_cap_gb=Decimal("2"), expires_at=None, idempotency_key="http_mint_1"
    )
    replayed = client.create_key(
        label="http-1", traffic_cap_gb=Decimal("2"), expires_at=None, idempotency_key="http_mint_1"
    )
    assert replayed.id == minted.id and replayed.secret == minted.secret

    assert client.get_key(minted.id).traffic_cap_gb == Decimal("2")
    assert minted.id in {k.id for k in client.list_keys()}
    topped = client.top_up_key(minted.id, add_traffic_gb=Decimal("3"), extend_days=7, idempotency_key="http_topup_1")
    assert topped.traffic_cap_gb == Decimal("5") and topped.expires_at is not None
    fresh = client.regenerate_key(minted.id, idempotency_key="http_regen_1")
    assert fresh.secret != minted.secret
    assert client.reveal_key(minted.id).secret == fresh.secret
    assert "reveal" in {event.action for event in client.key_audit(minted.id)}

    client.delete_key(minted.id, idempotency_key="http_delete_1")
    with pytest.raises(errors.UpstreamNotFound) as caught:
        client.get_key(minted.id)
    assert caught.value.request_id


def test_feeds_and_sessions_over_http(client):
    assert client.stock().totals
    assert isinstance(client.incidents(), list)
    assert client.pricing().currency
    assert isinstance(client.sessions(), list)
    assert client.close_all_sessions().success


def test_a_wrong_key_is_an_auth_error_over_http(server_url, clock):
    with make(server_url, clock, api_key="psx_wrong_key_0000") as wrong, pytest.raises(errors.UpstreamAuthError):
        wrong.list_keys()
    assert clock.sleeps == []


def test_unavailable_then_success_over_http(client, clock, faults):
    faults({"rules": [{"status": 503, "times": 2, "path": "/reseller/pool-keys"}]})

    client.list_keys()

    assert clock.sleeps == [0.125, 0.25]


def test_retry_after_over_http(client, clock, faults):
    faults({"rules": [{"status": 429, "retryAfter": 3, "times": 1}]})

    client.stock()

    assert clock.sleeps == [3.0]


def test_a_reset_connection_is_retried_over_http(client, clock, faults):
    faults({"rules": [{"drop": "reset", "times": 1}]})

    client.list_keys()

    assert len(clock.sleeps) == 1


def test_injected_latency_beyond_the_read_timeout_is_a_timeout_over_http(server_url, clock, faults):
    faults({"latencyMs": 1500})

    with (
        make(server_url, clock, read_timeout=0.2, max_attempts=2) as slow,
        pytest.raises(errors.UpstreamTimeout) as caught,
    ):
        slow.list_keys()

    assert caught.value.attempts == 2
    assert clock.sleeps == [0.125]


def test_no_secret_in_debug_logs_over_http(server_url, clock, faults, caplog):
    loggers = [logging.getLogger(name) for name in ("httpx", "httpcore", "apps.proxies.upstream")]
    saved = [(lg, lg.level) for lg in loggers]
    caplog.set_level(logging.DEBUG)
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.addHandler(caplog.handler)
    try:
        with make(server_url, clock) as client:
            minted = client.create_key(
                label="logs", traffic_cap_gb=None, expires_at=None, idempotency_key="http_logs_1"
            )
            client.reveal_key(minted.id)
            faults({"rules": [{"status": 500, "times": None}]})
            with pytest.raises(errors.UpstreamUnavailable) as caught:
                client.regenerate_key(minted.id, idempotency_key="http_logs_regen")
    finally:
        for lg, level in saved:
            lg.removeHandler(caplog.handler)
            lg.setLevel(level)

    assert any(r.name.startswith("httpcore") for r in caplog.records), "httpcore debug logs should be captured"
    text = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records) + str(caught.value)
    assert settings.PROXIES_SX_SANDBOX_API_KEY not in text
    assert minted.secret not in text
