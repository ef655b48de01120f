"""Outgoing webhook deliveries per second on loopback: N events fanned out to E endpoints (a
threaded http.server on 127.0.0.1 answering 200), each delivery signed and sent by the real
services (fan-out, then each delivery inline), one after another in this process (one worker's rate).

    .venv/bin/python benchmarks/webhooks_out.py [--events 300] [--endpoints 3] [--json out.json]
"""

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _django  # noqa: E402

DB_NAME = "storefront_bench_webhooks"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        Handler.received += 1
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def run(events: int, endpoints: int) -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from apps.events.models import Event
    from apps.webhooks.models import WebhookDelivery, WebhookEndpoint
    from apps.webhooks.services import webhook_endpoint_create, webhook_fan_out

    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    WebhookEndpoint.objects.all().delete()
    customer, _ = get_user_model().objects.get_or_create(email="bench-webhooks@example.com")
    for n in range(endpoints):
        webhook_endpoint_create(customer=customer, url=f"{url}/{n}")
    # Rows written directly: fan-out is what is timed. Without a broker jobs run inline, so each
    # fan-out's deliveries are signed and sent within it (a single worker's throughput).
    events_made = Event.objects.bulk_create(
        Event(type="order.paid", customer=customer, resource_type="order", resource_id=str(n)) for n in range(events)
    )
    ids = [event.pk for event in events_made]
    _, seconds = _django.timed(lambda: [webhook_fan_out(event_id=event_id) for event_id in ids])
    succeeded = WebhookDelivery.objects.filter(event_id__in=ids, status="succeeded").count()
    server.shutdown()
    return {
        "events": events,
        "endpoints": endpoints,
        "deliveries_succeeded": succeeded,
        "received": Handler.received,
        "seconds": round(seconds, 2),
        "deliveries_per_s": round(succeeded / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--endpoints", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
    _django.setup(db_name=DB_NAME)
    result = run(args.events, args.endpoints)
    print(_django.machine())
    for name, value in result.items():
        print(f"{name:>16}: {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
