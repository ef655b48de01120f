"""`manage.py sandbox_upstream` as a real HTTP server on a free loopback port."""

import io
import os
import select
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from apps.sandbox.upstream import faults
from apps.sandbox.upstream.models import SandboxKey

KEY = {"X-API-Key": "psx_sandbox_local_key"}
READY_TIMEOUT = 20  # seconds; a bound on waiting for the server, not a timing assertion


@pytest.fixture
def running_server(transactional_db):
    """Runs the command on a thread. In-memory SQLite is shared with the server's threads (as
    Django's LiveServerThread does); PostgreSQL gets separate connections, as a real deployment."""
    override = {}
    shared = connections["default"]  # the connection itself, not the thread-local proxy
    if shared.vendor == "sqlite" and shared.is_in_memory_db():
        shared.inc_thread_sharing()
        override = {"default": shared}
    ready = threading.Event()
    holder = {}

    def on_ready(server):
        holder["server"] = server
        ready.set()

    thread = threading.Thread(
        target=call_command,
        args=("sandbox_upstream", "--port", "0", "--latency-ms", "0"),
        kwargs={"on_ready": on_ready, "connections_override": override, "stdout": io.StringIO()},
        daemon=True,
    )
    thread.start()
    assert ready.wait(READY_TIMEOUT), "sandbox_upstream did not start"
    server = holder["server"]
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(READY_TIMEOUT)
        if override:
            shared.dec_thread_sharing()


def test_the_server_answers_real_http_calls(running_server):
    base = running_server.base_url
    assert base.startswith("http://127.0.0.1:")
    with httpx.Client(base_url=base, headers=KEY, timeout=10) as client:
        minted = client.post(
            "/reseller/pool-keys",
            json={"label": "over-http", "trafficCapGB": 1},
            headers={"Idempotency-Key": "http_order_1"},
        )
        replay = client.post(
            "/reseller/pool-keys",
            json={"label": "over-http", "trafficCapGB": 1},
            headers={"Idempotency-Key": "http_order_1"},
        )
        fetched = client.get(f"/reseller/pool-keys/{minted.json()['id']}")
        missing = client.get("/reseller/pool-keys/pk_nope")
        unauthorised = client.get("/reseller/pool-keys", headers={"X-API-Key": "psx_wrong"})
        stock = client.get("/gateway/pool/stock", headers={"X-API-Key": ""})

    assert minted.status_code == 201
    assert replay.json()["key"] == minted.json()["key"]
    assert fetched.json()["label"] == "over-http"
    assert missing.status_code == 404
    assert unauthorised.status_code == 401
    assert stock.status_code == 200
    for response in (minted, replay, fetched, missing, unauthorised, stock):
        assert response.headers["X-Request-ID"].startswith("req_")
    assert SandboxKey.objects.count() == 1


def test_the_server_applies_faults_changed_while_it_runs(running_server):
    with httpx.Client(base_url=running_server.base_url, headers=KEY, timeout=10) as client:
        faults.faults_add_rule(status=503, retry_after=1, times=1)
        unavailable = client.get("/x402/pricing")
        healthy = client.get("/x402/pricing")
        faults.faults_add_rule(drop="reset", times=1)
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/x402/pricing")
        after_drop = client.get("/x402/pricing")

    assert (unavailable.status_code, unavailable.headers["Retry-After"]) == (503, "1")
    assert healthy.status_code == 200
    assert after_drop.status_code == 200


def test_the_server_health_endpoint_needs_no_key(running_server):
    host, port = running_server.server_address[:2]
    assert httpx.get(f"http://{host}:{port}/_sandbox/health", timeout=10).json() == {"ok": True, "sandbox": True}


def test_the_command_refuses_a_public_address_without_opt_in(db):
    with pytest.raises(CommandError, match="loopback"):
        call_command("sandbox_upstream", "--host", "0.0.0.0")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.postgres
def test_the_command_serves_from_a_separate_process(transactional_db):
    """A subprocess on the test database, as another process pointing PROXIES_SX_API_URL at it."""
    port = _free_port()
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "storefront.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    manage = Path(settings.BASE_DIR) / "manage.py"
    process = subprocess.Popen(
        [sys.executable, str(manage), "sandbox_upstream", "--port", str(port), "--latency-ms", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Wait (bounded) for the line the command prints once it listens; no polling, no sleeping.
        readable, _, _ = select.select([process.stdout], [], [], READY_TIMEOUT)
        assert readable, "sandbox_upstream did not start"
        line = process.stdout.readline()
        assert "listening on" in line, line + process.stdout.read()
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/_sandbox/health", timeout=10).status_code == 200
        minted = httpx.post(f"{base}/v1/reseller/pool-keys", json={"label": "subprocess"}, headers=KEY, timeout=10)
        assert minted.status_code == 201
        assert SandboxKey.objects.filter(public_id=minted.json()["id"]).exists()  # same database, committed
    finally:
        process.terminate()
        process.wait(READY_TIMEOUT)
        process.stdout.close()
