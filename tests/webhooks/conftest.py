"""A real receiver: a threaded http.server on 127.0.0.1 that records each request and answers
with the statuses a test queues (200 when none)."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.webhooks.services import webhook_endpoint_create
from tests.proxies.conftest import key, upstream  # noqa: F401 (a sandbox-minted key, shared)


@dataclass
class Received:
    headers: dict
    body: str


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict]] = field(default_factory=list)

    def answer(self, status: int, **headers) -> None:
        self.answers.append((status, headers))


@pytest.fixture
def receiver():
    state: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length).decode()
            rec: Receiver = state["receiver"]
            rec.requests.append(Received(headers={k.lower(): v for k, v in self.headers.items()}, body=body))
            status, headers = rec.answers.pop(0) if rec.answers else (200, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["receiver"]
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint_and_secret(customer, receiver, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    return webhook_endpoint_create(customer=customer, url=receiver.url)


@pytest.fixture
def endpoint(endpoint_and_secret):
    return endpoint_and_secret[0]
