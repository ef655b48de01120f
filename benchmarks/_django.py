"""Shared set-up for the benchmark scripts: Django on the benchmark database, and timing helpers.

Benchmarks measure speed; behaviour is checked by the test suite. Every loop here is bounded."""

import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"


def setup(*, db_name: str, settings: str = "storefront.settings.local", migrate: bool = True) -> None:
    """Points Django at `db_name` on the benchmark PostgreSQL (created if missing) and migrates it."""
    import psycopg

    server = os.environ.get("BENCH_DATABASE_SERVER", DEFAULT_SERVER)
    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=10) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name]).fetchone():
            conn.execute(f'CREATE DATABASE "{db_name}"')
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    os.environ["DATABASE_URL"] = f"{server}/{db_name}"
    os.environ.setdefault("STOREFRONT_ENV_FILE", "")
    os.environ["DEBUG"] = "false"  # no per-query bookkeeping in the timings
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ["EMAIL_URL"] = "memorymail://"  # emails are built and kept in memory, not printed
    for name in ("REDIS_URL", "PROXIES_SX_API_KEY", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        os.environ.pop(name, None)  # jobs inline, sandbox Stripe
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)


class QueryCounter:
    """Counts SQL statements through Django's execute_wrapper."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def count_queries():
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        yield counter


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "min": ordered[0],
        "median": statistics.median(ordered),
        "max": ordered[-1],
    }


def machine() -> str:
    import platform

    return f"{platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · {platform.platform()}"


def checkouts_start(count: int, *, email_prefix: str) -> list:
    """`count` new customers, each with an open checkout of the bench plan (the real checkout
    service, against whichever payment provider the settings name): their orders."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from apps.billing.models import Plan
    from apps.billing.services import checkout_start

    plan, _ = Plan.objects.get_or_create(
        slug="bench", defaults={"name": "Bench", "gb": Decimal(5), "price": Decimal("35.00"), "validity_days": 30}
    )
    users = get_user_model()
    orders = []
    for n in range(count):
        user = users.objects.create_user(email=f"{email_prefix}-{n}@example.com", password=None)
        orders.append(checkout_start(customer=user, plan=plan).order)
    return orders
