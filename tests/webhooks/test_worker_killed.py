"""1,000 events fan out to 3 endpoints while the Celery worker is killed (SIGKILL, mid-delivery)
and started again: every (endpoint, event) delivery succeeds exactly once in the books and
reaches its receiver at least once with a valid Standard Webhooks signature.

A real `celery worker` process (prefork, 4 children) on Redis and the test's PostgreSQL
database; the jobs it held when it died are lost with it, and the sweep re-drives them."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection
from standardwebhooks import Webhook, WebhookVerificationError

from apps.events.models import Event, EventType, ResourceType
from apps.events.services import event_record
from apps.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from apps.webhooks.services import webhook_endpoint_create, webhook_sweep
from tests.factories import UserFactory
from tests.support import redis_celery_app, redis_reachable

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 1000
ENDPOINTS = 3
KILL_AFTER_RECEIVED = 600
WORKER_CONCURRENCY = 4
SWEEP_EVERY_SECONDS = 2
DEADLINE_SECONDS = 300


class VerifyingReceiver:
    """Loopback receiver with one path per endpoint; counts each verified (path, webhook-id)."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.seen: Counter[tuple[str, str]] = Counter()
        self.refused: list[str] = []
        self.cut = 0  # requests whose sender was killed mid-body: nothing complete arrived to check
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                if len(raw) < length:  # the worker died while sending: no reply, nobody to read it
                    with receiver.lock:
                        receiver.cut += 1
                    self.close_connection = True
                    return
                body = raw.decode()
                headers = {
                    name: self.headers.get(name, "")
                    for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
                }
                try:
                    Webhook(receiver.secrets[self.path]).verify(body, headers)
                except (KeyError, WebhookVerificationError) as exc:
                    with receiver.lock:
                        receiver.refused.append(f"{self.path}: {exc!r}")
                    self.send_response(400)
                else:
                    with receiver.lock:
                        receiver.seen[(self.path, headers["webhook-id"])] += 1
                    self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def received(self) -> int:
        with self.lock:
            return len(self.seen)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def database_url_of_this_test() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_start(*, env: dict[str, str], queue: str, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "storefront", "worker", "-P", "prefork"]
    command += ["-c", str(WORKER_CONCURRENCY), "-Q", queue, "-l", "WARNING"]
    command += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
    with log.open("a") as out:
        # A session of its own, so one signal reaches the parent and its pool children.
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def worker_kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def wait_until(condition, *, deadline: float, every: float = 0.2, between=None) -> bool:
    last = 0.0
    while time.monotonic() < deadline:
        if condition():
            return True
        if between is not None and time.monotonic() - last >= SWEEP_EVERY_SECONDS:
            between()
            last = time.monotonic()
        time.sleep(every)
    return condition()


def test_a_worker_killed_mid_run_loses_and_doubles_no_delivery(redis_url, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks shared with a worker process)")
    if not redis_reachable(redis_url):
        pytest.skip(f"needs a reachable Redis at TEST_REDIS_URL ({redis_url})")
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    receiver = VerifyingReceiver()
    customer = UserFactory()
    for n in range(ENDPOINTS):
        path = f"/hooks/{n}"
        _endpoint, secret = webhook_endpoint_create(customer=customer, url=receiver.base_url + path)
        receiver.secrets[path] = secret
    queue = f"storefront-killed-{uuid.uuid4().hex[:8]}"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.webhooks.worker_settings",
        "DATABASE_URL": database_url_of_this_test(),
        "WORKER_BROKER_URL": redis_url,
        "WORKER_QUEUE": queue,
        "PYTHONPATH": str(ROOT),
    }
    log = tmp_path / "worker.log"
    expected = ENDPOINTS * EVENTS
    deadline = time.monotonic() + DEADLINE_SECONDS

    def sweep() -> None:
        webhook_sweep(limit=5000, event_grace=timedelta(seconds=2), delivery_grace=timedelta(seconds=5))

    def all_delivered() -> bool:
        fanned = not Event.objects.filter(fanned_out_at__isnull=True).exists()
        return fanned and WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == expected

    worker = worker_start(env=env, queue=queue, log=log)
    try:
        with redis_celery_app(redis_url, queue=queue):
            for n in range(EVENTS):
                event_record(
                    type=EventType.KEY_TOPPED_UP, customer_id=customer.pk, resource_type=ResourceType.KEY, resource_id=n
                )
            killed_mid_run = wait_until(lambda: receiver.received() >= KILL_AFTER_RECEIVED, deadline=deadline)
            worker_kill(worker)
            received_at_kill = receiver.received()
            worker = worker_start(env=env, queue=queue, log=log)
            finished = wait_until(all_delivered, deadline=deadline, between=sweep)
    finally:
        worker_kill(worker)
        receiver.close()

    worker_log = log.read_text()[-3000:]
    assert killed_mid_run and received_at_kill < expected, f"the kill came too late ({received_at_kill})\n{worker_log}"
    assert finished, f"not all delivered in {DEADLINE_SECONDS} s\n{worker_log}"
    assert receiver.refused == []
    assert receiver.cut <= 4  # at most the requests in flight when the worker was killed
    deliveries = WebhookDelivery.objects.all()
    assert deliveries.count() == expected
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    # Exactly once in the books: one successful attempt per delivery, none on another.
    successes = WebhookAttempt.objects.filter(succeeded=True)
    assert successes.count() == expected
    assert successes.values("delivery").distinct().count() == expected
    # At least once on the wire: every (endpoint, event) arrived; repeats only for what was in flight.
    wanted = {
        (path, public_id)
        for path in receiver.secrets
        for public_id in Event.objects.values_list("public_id", flat=True)
    }
    assert set(receiver.seen) == wanted
    repeats = sum(receiver.seen.values()) - expected
    print(f"killed after {received_at_kill} received; {repeats} repeated on the wire")
    assert repeats <= WORKER_CONCURRENCY, f"{repeats} repeated on the wire"
