"""Throughput of signed checkout.session.completed deliveries through the real webhook view.

N customers each start a checkout (the real checkout service, sandbox Stripe); then N signed
`checkout.session.completed` (paid) events are POSTed one after another to
/billing/stripe/webhook/ with Django's test client (full middleware stack, real commits).

The webhook only acknowledges: it verifies, stores the delivery and enqueues its processing job.
Here the broker is a list (the job's `delay` appends the event's id), so the POSTs measure the
acknowledgement alone. Then --workers threads drain that list, each running the real job (the
re-read from the payment side, delayed by --reread-ms as a remote Stripe would be, the order
transition, and provisioning inline: a key minted on the sandbox upstream, emails built).
Reports acknowledgements/s, their latency, SQL per acknowledgement, and how long the workers took
to provision every order. Stops without numbers if an order is lost or minted twice.

    .venv/bin/python benchmarks/webhook.py [--orders 200] [--workers 2] [--reread-ms 300]
"""

import argparse
import json
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _django  # noqa: E402

DB_NAME = "storefront_bench_webhook"
WEBHOOK_URL = "/billing/stripe/webhook/"


def prepare(count: int, run_id: str) -> list:
    from apps.sandbox.payments.models import SandboxCheckoutSession

    orders = _django.checkouts_start(count, email_prefix=f"bench-{run_id}")
    return [SandboxCheckoutSession.objects.get(order=order) for order in orders]


def paid_event(session) -> str:
    from apps.sandbox.payments.checkout import sandbox_session_dict
    from apps.sandbox.payments.events import sandbox_event
    from apps.sandbox.payments.models import SandboxCheckoutSession

    # What Stripe does before it sends the event: the session is complete and paid, and the
    # webhook's re-read sees exactly that.
    SandboxCheckoutSession.objects.filter(pk=session.pk).update(status="complete", payment_status="paid")
    session.refresh_from_db()
    return json.dumps(sandbox_event(type="checkout.session.completed", obj=sandbox_session_dict(session)))


def queue_jobs_in_a_list() -> list[int]:
    """The broker, for this run: the processing job's `delay` appends the stored event's id."""
    from apps.billing import tasks

    queued: list[int] = []
    tasks.process_provider_event.delay = queued.append  # type: ignore[method-assign]
    return queued


def delay_rereads(seconds: float) -> None:
    """Each re-read from the payment side takes `seconds`, as a call to Stripe would."""
    import time as clock

    from apps.sandbox.payments.backend import SandboxPayments

    real = SandboxPayments.checkout_session_retrieve

    def slow(session_id: str):
        clock.sleep(seconds)
        return real(session_id)

    SandboxPayments.checkout_session_retrieve = staticmethod(slow)  # type: ignore[method-assign]


def drain_queue(queued: list[int], *, workers: int) -> float:
    """`workers` threads run the queued jobs (provisioning runs inline inside each); seconds taken."""
    import threading

    from django.db import connections

    from apps.billing import tasks

    def work() -> None:
        try:
            while True:
                try:
                    event_pk = queued.pop(0)
                except IndexError:
                    return
                tasks.process_provider_event(event_pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="threads that run the processing jobs")
    parser.add_argument("--reread-ms", type=int, default=300, help="latency of each re-read from the payment side")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    _django.setup(db_name=DB_NAME)

    from django.conf import settings
    from django.test import Client

    from apps.billing.models import Order
    from apps.billing.providers.stripe.client import webhook_signature_header
    from apps.sandbox.upstream.models import SandboxAuditEvent

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        raise SystemExit("REDIS_URL is set: jobs would not run inline")
    # Sandbox payments take no webhook deliveries unless a secret is configured: configure one.
    settings.STRIPE_WEBHOOK_SECRET = "whsec_bench_" + secrets.token_hex(16)
    run_id = time.strftime("%Y%m%d%H%M%S")
    print(f"# webhook · {_django.machine()}", flush=True)
    print(f"preparing {args.orders} checkouts …", flush=True)
    sessions = prepare(args.orders, run_id)
    bodies = [paid_event(session) for session in sessions]
    order_ids = [session.order_id for session in sessions]
    client = Client()
    queued = queue_jobs_in_a_list()
    delay_rereads(args.reread_ms / 1000)
    mints_before = SandboxAuditEvent.objects.filter(action="create").count()

    latencies, statuses = [], []
    with _django.count_queries() as queries:
        start = time.perf_counter()
        for body in bodies:
            # Signed at send time, like Stripe (the signature's timestamp must be recent).
            header = webhook_signature_header(payload=body, secret=settings.STRIPE_WEBHOOK_SECRET)
            sent = time.perf_counter()
            response = client.post(
                WEBHOOK_URL, data=body, content_type="application/json", headers={"Stripe-Signature": header}
            )
            latencies.append(time.perf_counter() - sent)
            statuses.append(response.status_code)
        elapsed = time.perf_counter() - start

    drained_s = drain_queue(queued, workers=args.workers)
    provisioned = Order.objects.filter(pk__in=order_ids, status=Order.Status.PROVISIONED).count()
    mints = SandboxAuditEvent.objects.filter(action="create").count() - mints_before
    ordered = sorted(latencies)
    result = {
        "orders": args.orders,
        "http_200": statuses.count(200),
        "provisioned": provisioned,
        "upstream_mints": mints,
        "total_s": round(elapsed, 2),
        "deliveries_per_s": round(args.orders / elapsed, 1),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "queries_per_delivery": round(queries.count / args.orders, 1),
        "workers": args.workers,
        "reread_ms": args.reread_ms,
        "processed_all_s": round(drained_s, 2),
        "processed_per_s": round(args.orders / drained_s, 1),
    }
    print(
        "| orders | 200s | provisioned | keys minted | acks took s | acks/s | ack p50 ms | ack p99 ms "
        "| ack max ms | SQL per ack | workers | re-read ms | all provisioned after s | processed/s |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {result['orders']} | {result['http_200']} | {result['provisioned']} | {result['upstream_mints']} "
        f"| {result['total_s']} | {result['deliveries_per_s']} | {result['p50_ms']} | {result['p99_ms']} "
        f"| {result['max_ms']} | {result['queries_per_delivery']} | {result['workers']} | {result['reread_ms']} "
        f"| {result['processed_all_s']} | {result['processed_per_s']} |"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    if provisioned != args.orders or mints != args.orders:
        raise SystemExit(f"expected {args.orders} provisioned orders and keys, got {provisioned} and {mints}")


if __name__ == "__main__":
    main()
