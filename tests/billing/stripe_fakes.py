"""A tiny Stripe API on a local port, for tests of the real (non-sandbox) mode. The official
library talks to it over HTTP through STRIPE_API_BASE, exactly as it would to stripe-mock: the
request encoding, API version and idempotency headers, timeouts and error mapping are all the
library's own. It answers the few calls the shop makes and records every request."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

# The webhook secret the `stripe_api` fixture (conftest.py) configures for the real mode.
REAL_WEBHOOK_SECRET = "whsec_test_realmode_0123456789abcdef"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    form: dict


@dataclass
class FakeStripe:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    sessions: dict[str, dict] = field(default_factory=dict)
    charges: dict[str, dict] = field(default_factory=dict)
    payment_intents: dict[str, dict] = field(default_factory=dict)
    invoices: dict[str, dict] = field(default_factory=dict)
    # Statuses to answer with before serving normally, e.g. [500] for one server error.
    failures: list[int] = field(default_factory=list)
    failure_message: str = "Something went wrong on Stripe's end."
    # Seconds every GET waits before its answer: a remote Stripe's re-read (benchmarks/webhook_stack.py).
    read_delay_s: float = 0.0
    _counter: int = 0

    def next_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}_fake{self._counter:04d}"

    def calls(self, method: str, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def answer(self, method: str, path: str, form: dict) -> tuple[int, dict]:
        if self.failures:
            status = self.failures.pop(0)
            return status, {"error": {"type": "api_error", "message": self.failure_message}}
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/customers":
            return 200, {"id": self.next_id("cus"), "object": "customer", "email": form.get("email")}
        if method == "POST" and path == "/v1/checkout/sessions":
            session_id = self.next_id("cs_test")
            session = {
                "id": session_id,
                "object": "checkout.session",
                "mode": form.get("mode"),
                "url": f"https://checkout.stripe.com/c/pay/{session_id}",
                "status": "open",
                "expires_at": int(time.time()) + 24 * 3600,  # Stripe's default lifetime
                "payment_status": "unpaid",
                "payment_intent": None,
                "customer": form.get("customer"),
                "client_reference_id": form.get("client_reference_id"),
                "metadata": {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")},
                "amount_total": int(form.get("line_items[0][price_data][unit_amount]", 0)),
                "currency": form.get("line_items[0][price_data][currency]"),
            }
            self.sessions[session_id] = session
            return 200, session
        if method == "POST" and path == "/v1/refunds":
            refund = {"id": self.next_id("re"), "object": "refund", "status": "succeeded"}
            return 200, refund | {"amount": int(form["amount"]), "payment_intent": form["payment_intent"]}
        if method == "GET" and parts[:3] == ["v1", "checkout", "sessions"] and len(parts) == 4:
            session = self.sessions.get(parts[3])
            return (200, session) if session else _missing(parts[3])
        for name, store in (
            ("charges", self.charges),
            ("payment_intents", self.payment_intents),
            ("invoices", self.invoices),
        ):
            if method == "GET" and parts[:2] == ["v1", name] and len(parts) == 3:
                obj = store.get(parts[2])
                return (200, obj) if obj else _missing(parts[2])
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({path})."}}

    def pay(self, session_id: str, *, payment_status: str = "paid") -> dict:
        session = self.sessions[session_id]
        session.update(
            status="complete",
            payment_status=payment_status,
            payment_intent=session.get("payment_intent") or self.next_id("pi"),
        )
        return session


def _missing(object_id: str) -> tuple[int, dict]:
    return 404, {
        "error": {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "message": f"No such object: '{object_id}'",
        }
    }


def _handler(fake: FakeStripe):
    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            path, _, query = self.path.partition("?")
            form = dict(parse_qsl(raw or query, keep_blank_values=True))
            fake.requests.append(Recorded(self.command, path, {k.lower(): v for k, v in self.headers.items()}, form))
            if self.command == "GET" and fake.read_delay_s:
                time.sleep(fake.read_delay_s)
            status, body = fake.answer(self.command, path, form)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Request-Id", f"req_fake{len(fake.requests):04d}")
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, *args):  # quiet
            pass

    return Handler


class FakeStripeServer:
    def __init__(self) -> None:
        self.fake = FakeStripe()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.fake))
        self.fake.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeStripe:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
