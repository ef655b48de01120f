"""Stripe webhook acknowledgements on the whole stack (issue 17, goal 3), on loopback.

- gunicorn as deployed (`docker/entrypoint.sh web`, production settings, WEB_CONCURRENCY=2 sync
  workers) on PostgreSQL, with a real `STRIPE_SECRET_KEY` mode: the official library checks
  each delivery's signature;
- the processing jobs queued in Redis and run by --celery-workers Celery workers
  (`docker/entrypoint.sh worker`, --celery-concurrency processes each);
- the re-read of each checkout session answered by a fake Stripe API over HTTP
  (tests/billing/stripe_fakes.py) after --reread-ms;
- the keys minted on the sandbox upstream over HTTP, --upstream-ms added to every call.

N customers start a checkout first (the real checkout service, against the fake Stripe). Then
`wrk` POSTs N distinct signed `checkout.session.completed` deliveries, one per order, each sent
once, over --connections connections (one wrk thread each, a Lua script reading the pre-signed
deliveries). It reports acknowledgements per second and their latency, then waits until every
order is provisioned, and stops without numbers if a delivery was not stored, an order was not
provisioned, or a key was minted other than once per order.

    .venv/bin/python benchmarks/webhook_stack.py [--orders 1500] [--connections 4]

Needs wrk (`apt-get install -y wrk`), PostgreSQL and Redis on 127.0.0.1.
"""

# Fixed argv lists and loopback URLs built here, never from outside input.
# ruff: noqa: S603, S607

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import _django, http_load  # noqa: E402
from tests.billing.stripe_fakes import FakeStripeServer  # noqa: E402

DB_NAME = os.environ.get("BENCH_WEBHOOK_STACK_DATABASE", "storefront_bench_webhook_stack")
WEBHOOK_PATH = "/billing/stripe/webhook/"
MEASURED_SHARE = 0.9

# One wrk thread per connection, each sending its own file of pre-signed deliveries once, in
# order (the next after the previous one's answer), and stopping after the last answer: every
# request is a distinct delivery.
LUA = """
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
local requests, next = {}, 1
function init(args)
  for line in io.lines(string.format("%s/deliveries-%d.txt", DIR, id)) do
    local signature, body = line:match("^([^\\t]*)\\t(.*)$")
    requests[#requests + 1] = wrk.format("POST", PATH, {
      ["Host"] = HOST, ["X-Forwarded-Proto"] = "https",
      ["Content-Type"] = "application/json", ["Stripe-Signature"] = signature,
    }, body)
  end
end
-- wrk calls request() once more than it sends (it checks thread 0's script): the next
-- delivery moves on only when the previous one was answered.
function request()
  return requests[next]
end
function response(status, headers, body)
  next = next + 1
  if next > #requests then wrk.thread:stop() end
end
"""


def recreate_database(server: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def stack_env(work: Path, *, web_port: int, upstream_port: int, stripe_url: str, args) -> dict[str, str]:
    env = http_load.server_env(
        work, bind=f"127.0.0.1:{web_port}", upstream_port=upstream_port, redis_url=args.redis_url
    )
    env.update(
        DATABASE_URL=f"{http_load.SERVER}/{DB_NAME}",
        STRIPE_SECRET_KEY="sk_test_" + secrets.token_hex(12),
        STRIPE_WEBHOOK_SECRET="whsec_bench_" + secrets.token_hex(16),
        STRIPE_API_BASE=stripe_url,
        EMAIL_URL="dummymail://",
        CELERY_WORKER_CONCURRENCY=str(args.celery_concurrency),
    )
    return env


def prepare_orders(count: int) -> list[tuple[int, str]]:
    """`count` customers, each with an open checkout on the fake Stripe: [(order id, session id)]."""
    orders = _django.checkouts_start(count, email_prefix="bench-stack")
    return [(order.pk, order.payments.get().reference) for order in orders]


def write_deliveries(work: Path, orders: list[tuple[int, str]], fake, *, threads: int, secret: str) -> None:
    """Pays each session on the fake (what the re-read will see) and writes the signed event
    Stripe would send, round-robin into one file per wrk thread. Signed now: a signature is
    accepted for five minutes."""
    from apps.billing.providers.stripe.client import webhook_signature_header

    files = [(work / f"deliveries-{n}.txt").open("w") for n in range(threads)]
    for index, (_order_id, session_id) in enumerate(orders):
        session = fake.pay(session_id)
        event = {
            "id": f"evt_bench_{index:06d}",
            "object": "event",
            "type": "checkout.session.completed",
            "livemode": False,
            "created": int(time.time()),
            "data": {"object": dict(session)},
        }
        body = json.dumps(event, separators=(",", ":"))
        files[index % threads].write(f"{webhook_signature_header(payload=body, secret=secret)}\t{body}\n")
    for handle in files:
        handle.close()


def run_wrk(base: str, work: Path, *, connections: int, expected: int, timeout_s: int) -> dict:
    """wrk until MEASURED_SHARE of the deliveries are stored, then SIGINT (wrk reports the time
    it actually ran). Not to the last one: a wrk thread that ran out of deliveries reconnects
    and leaves the connection idle, which holds a sync gunicorn worker until its timeout (the
    TLS proxy in front never opens such connections). send_rest() delivers the remainder."""
    from apps.billing.models import ProviderEvent

    script = work / "deliveries.lua"
    script.write_text(f'DIR = "{work}"\nPATH = "{WEBHOOK_PATH}"\nHOST = "{http_load.HOST}"\n{LUA}')
    cmd = ["wrk", f"-t{connections}", f"-c{connections}", f"-d{timeout_s}s", "--latency", "--timeout", "10s"]
    wrk = subprocess.Popen([*cmd, "-s", str(script), base + WEBHOOK_PATH], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout_s
    while wrk.poll() is None and time.monotonic() < deadline:
        if ProviderEvent.objects.filter(event_id__startswith="evt_bench_").count() >= expected * MEASURED_SHARE:
            wrk.send_signal(signal.SIGINT)
            break
        time.sleep(0.1)
    out = wrk.communicate(timeout=60)[0]
    done = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.M))
    if not done or set(percentiles) != {"50", "75", "90", "99"}:
        raise SystemExit(f"could not read wrk's output:\n{out}")
    seconds = float(done.group(2)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[done.group(3)]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {
        "requests": int(done.group(1)),
        "seconds": seconds,
        "p50_ms": http_load._ms(percentiles["50"]),
        "p90_ms": http_load._ms(percentiles["90"]),
        "p99_ms": http_load._ms(percentiles["99"]),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def warm_up(base: str) -> None:
    """Each worker's first webhook request imports and connects what later ones reuse: a few
    unsigned deliveries (refused with 400, nothing stored) before the measured ones."""
    import httpx

    headers = {"Host": http_load.HOST, "X-Forwarded-Proto": "https", "Content-Type": "application/json"}
    with httpx.Client(base_url=base, timeout=httpx.Timeout(30.0, connect=5.0)) as client:
        for _ in range(16):
            client.post(WEBHOOK_PATH, content=b'{"id": "evt_warm_up"}', headers=headers)


def send_rest(base: str, work: Path, *, secret: str) -> int:
    """POSTs, one by one and unmeasured, the deliveries wrk did not get stored (signed again)."""
    import httpx

    from apps.billing.models import ProviderEvent
    from apps.billing.providers.stripe.client import webhook_signature_header

    stored = set(ProviderEvent.objects.filter(event_id__startswith="evt_bench_").values_list("event_id", flat=True))
    headers = {"Host": http_load.HOST, "X-Forwarded-Proto": "https", "Content-Type": "application/json"}
    sent = 0
    with httpx.Client(base_url=base, timeout=httpx.Timeout(30.0, connect=5.0)) as client:
        for path in sorted(work.glob("deliveries-*.txt")):
            for line in path.read_text().splitlines():
                body = line.split("\t", 1)[1]
                if json.loads(body)["id"] in stored:
                    continue
                signature = webhook_signature_header(payload=body, secret=secret)
                client.post(WEBHOOK_PATH, content=body, headers={**headers, "Stripe-Signature": signature})
                sent += 1
    return sent


def upstream_mints() -> int:
    """Keys the simulated upstream created (its audit; a retried mint with the same idempotency
    key is not a second one). Read from its table: the shop does not install the simulators."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM proxies_sandbox_sandboxauditevent WHERE action = 'create'")
        return cursor.fetchone()[0]


def wait_provisioned(order_ids: list[int], *, stall_s: float) -> float:
    """Seconds until every order is provisioned; stops if none progressed for `stall_s`."""
    from apps.billing.models import Order

    start = last_change = time.monotonic()
    last = -1
    while True:
        done = Order.objects.filter(pk__in=order_ids, status=Order.Status.PROVISIONED).count()
        if done == len(order_ids):
            return time.monotonic() - start
        if done != last:
            last, last_change = done, time.monotonic()
        elif time.monotonic() - last_change > stall_s:
            raise SystemExit(f"{done} of {len(order_ids)} orders provisioned, none more for {stall_s:.0f} s")
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1500, help="distinct deliveries (one order each)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent deliveries (wrk threads)")
    parser.add_argument("--reread-ms", type=int, default=300, help="latency of each re-read from Stripe")
    parser.add_argument("--upstream-ms", type=int, default=100, help="latency of each sandbox upstream call")
    parser.add_argument("--celery-workers", type=int, default=2)
    parser.add_argument("--celery-concurrency", type=int, default=8, help="processes per Celery worker")
    parser.add_argument(
        "--process-during-load",
        action="store_true",
        help="start the Celery workers before the deliveries (they then share the cores with gunicorn)",
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    work = Path(tempfile.mkdtemp(prefix="storefront-webhook-stack-"))
    procs: list[subprocess.Popen] = []
    with FakeStripeServer() as fake:
        try:
            upstream_port, web_port = http_load.free_port(), http_load.free_port()
            env = stack_env(work, web_port=web_port, upstream_port=upstream_port, stripe_url=fake.url, args=args)
            print(f"webhook_stack: database {DB_NAME}, upstream :{upstream_port}, gunicorn :{web_port}", flush=True)
            # The simulated upstream is another system: it runs with the simulators installed
            # (payments sandboxed there), the shop in real Stripe mode. One database holds both.
            simulator_env = {k: v for k, v in env.items() if not k.startswith("STRIPE_")}
            manage = [http_load.PYTHON, "manage.py"]
            recreate_database(http_load.SERVER)
            subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=simulator_env, check=True)
            subprocess.run(["redis-cli", "-u", args.redis_url, "FLUSHDB"], check=False, capture_output=True)
            helpers = str(Path(__file__).with_name("_http_helpers.py"))
            procs.append(
                subprocess.Popen(
                    [http_load.PYTHON, helpers, "upstream", str(upstream_port)], cwd=ROOT, env=simulator_env
                )
            )
            http_load.wait_for(f"http://127.0.0.1:{upstream_port}/__bench/calls", headers={}, proc=procs[-1])
            latency = ["sandbox_faults", "--latency-ms", str(args.upstream_ms)]
            subprocess.run([*manage, *latency], cwd=ROOT, env=simulator_env, check=True, capture_output=True)
            os.environ.update(env)
            import django

            django.setup()
            from apps.billing.models import Order, ProviderEvent

            print(f"webhook_stack: {args.orders} checkouts …", flush=True)
            orders = prepare_orders(args.orders)
            write_deliveries(work, orders, fake, threads=args.connections, secret=env["STRIPE_WEBHOOK_SECRET"])
            fake.read_delay_s = args.reread_ms / 1000

            log = (work / "server.log").open("w")
            entrypoint = str(ROOT / "docker" / "entrypoint.sh")
            web = subprocess.Popen([entrypoint, "web"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            procs.append(web)

            def start_workers() -> None:
                for n in range(args.celery_workers):
                    worker_log = (work / f"worker-{n}.log").open("w")
                    command = [entrypoint, "worker", "--hostname", f"bench{n}@%h"]
                    procs.append(
                        subprocess.Popen(command, cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT)
                    )
                time.sleep(10)  # their pools start

            base = f"http://127.0.0.1:{web_port}"
            http_load.wait_for(f"{base}/healthz", headers={"Host": http_load.HOST}, proc=web)
            warm_up(base)
            if args.process_during_load:
                start_workers()

            mints_before = upstream_mints()
            print(f"webhook_stack: {args.orders} deliveries over {args.connections} connections …", flush=True)
            acks = run_wrk(
                base, work, connections=args.connections, expected=args.orders, timeout_s=max(60, args.orders // 10)
            )
            rest = send_rest(base, work, secret=env["STRIPE_WEBHOOK_SECRET"])
            stored = ProviderEvent.objects.filter(event_id__startswith="evt_bench_").count()
            processing_started = time.monotonic()
            if not args.process_during_load:
                start_workers()  # the queue waited in Redis meanwhile
            order_ids = [order_id for order_id, _ in orders]
            wait_provisioned(order_ids, stall_s=120)
            provisioned_s = time.monotonic() - processing_started
            mints = upstream_mints() - mints_before
            provisioned = Order.objects.filter(pk__in=order_ids, status=Order.Status.PROVISIONED).count()
        finally:
            for proc in reversed(procs):
                http_load.stop(proc)

    result = {
        "orders": args.orders,
        "connections": args.connections,
        "requests": acks["requests"],
        "sent_after": rest,
        "non_2xx": acks["non_2xx"],
        "stored": stored,
        "acks_per_s": round(acks["requests"] / acks["seconds"], 1),
        "p50_ms": acks["p50_ms"],
        "p90_ms": acks["p90_ms"],
        "p99_ms": acks["p99_ms"],
        "provisioned": provisioned,
        "keys_minted": mints,
        "all_provisioned_after_s": round(provisioned_s, 1),
        "reread_ms": args.reread_ms,
        "upstream_ms": args.upstream_ms,
        "celery": f"{args.celery_workers}×{args.celery_concurrency}",
        "processed": "during the load" if args.process_during_load else "after the load",
    }
    print(f"\n# webhook_stack · {os.cpu_count()} CPUs · gunicorn workers={env['WEB_CONCURRENCY']} (sync)")
    columns = (
        "deliveries | connections | measured (200s) | sent after | stored | acks/s | p50 ms | p90 ms | p99 ms "
        "| provisioned | keys minted | all provisioned after s | re-read ms | upstream ms | Celery workers × processes "
        "| processed"
    )
    print(f"| {columns} |")
    print("|" + " ---: |" * (columns.count("|") - 1) + " --- | --- |")
    values = (
        f"{result['orders']:,}",
        result["connections"],
        f"{acks['requests'] - acks['non_2xx']:,}",
        f"{rest:,}",
        f"{stored:,}",
        result["acks_per_s"],
        f"{result['p50_ms']:.1f}",
        f"{result['p90_ms']:.1f}",
        f"{result['p99_ms']:.1f}",
        f"{provisioned:,}",
        f"{mints:,}",
        result["all_provisioned_after_s"],
        args.reread_ms,
        args.upstream_ms,
        result["celery"],
        result["processed"],
    )
    print("| " + " | ".join(str(value) for value in values) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    expected = args.orders
    if acks["requests"] < expected * MEASURED_SHARE or acks["non_2xx"]:
        raise SystemExit(f"wrk: {acks['requests']} deliveries answered, {acks['non_2xx']} not 2xx")
    if stored != expected or provisioned != expected or mints != expected:
        raise SystemExit(f"expected {expected} stored, provisioned and minted; got {stored}, {provisioned}, {mints}")


if __name__ == "__main__":
    main()
