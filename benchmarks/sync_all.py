"""pool_key_sync_all on PostgreSQL for 1,000 and 10,000 mirrored keys.

The upstream is the real PoolGatewayClient over an httpx.MockTransport whose list reply is
synthesized (JSON in the contract's shape), so parsing is measured too and no sandbox rows are
needed. Per size and scenario: upstream calls, SQL statements, rows written, wall time; for the
first sync also the old batched path (bulk_update, the SQLite path) on the same rows, and the
ratio old / new.

It stops without numbers if a fact it relies on breaks: more than one upstream call per sync,
a row count other than the scenario's, or SQL statements that grow with the number of keys.

    .venv/bin/python benchmarks/sync_all.py [--sizes 1000 10000] [--repeat 3] [--json out.json]
    .venv/bin/python benchmarks/sync_all.py --against before.json   # adds before / after ratios
"""

import argparse
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _django  # noqa: E402

DB_NAME = "storefront_bench"


class FakeList:
    """The upstream: `keys` by id, served as one GET list reply; counts every request."""

    def __init__(self, ids: list[str]) -> None:
        now = datetime.now(UTC)
        self.calls = 0
        self.keys = {
            key_id: {
                "id": key_id,
                "key": "pak_" + "*" * 20 + key_id[-4:],
                "label": f"bench-{key_id}",
                "enabled": True,
                "trafficCapGB": 10,
                "trafficUsedMB": 0.0,
                "expiresAt": (now + timedelta(days=30)).isoformat(),
                "isExpired": False,
                "lastUsedAt": None,
                "createdAt": int(now.timestamp() * 1000),
            }
            for key_id in ids
        }

    def use_traffic(self, fraction: float, rng: random.Random) -> None:
        for record in rng.sample(list(self.keys.values()), int(len(self.keys) * fraction)):
            record["trafficUsedMB"] = round(record["trafficUsedMB"] + rng.uniform(1, 500), 3)
            record["lastUsedAt"] = datetime.now(UTC).isoformat()

    def handler(self, request):
        import httpx

        self.calls += 1
        assert request.method == "GET" and request.url.path.endswith("/reseller/pool-keys"), request.url
        body = json.dumps({"keys": list(self.keys.values())}).encode()
        return httpx.Response(
            200, content=body, headers={"X-Request-ID": "req_bench", "Content-Type": "application/json"}
        )


def seed(size: int) -> list[str]:
    from django.contrib.auth import get_user_model

    from apps.proxies.models import PoolKey

    User = get_user_model()
    PoolKey.objects.filter(upstream_id__startswith="pk_bench_").delete()
    customer, _ = User.objects.get_or_create(email="bench-sync@example.com")
    ids = [f"pk_bench_{n:06d}" for n in range(size)]
    PoolKey.objects.bulk_create(
        [
            PoolKey(customer=customer, upstream_id=key_id, label="stale", cap_gb=Decimal(5), used_mb=Decimal(1))
            for key_id in ids
        ],
        batch_size=2000,
    )
    return ids


def vacuum() -> None:
    """What autovacuum does between syncs (it may be off on a development server): the row
    versions of earlier runs are dead tuples that every scan would otherwise step over."""
    from django.db import connection

    from apps.proxies.models import PoolKey

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {PoolKey._meta.db_table}")


def first_sync_batched(size: int) -> float:
    """The old path for comparison in the same run: the first sync of `size` stale keys written
    with bulk_update (a CASE per column), as on SQLite. Seeds again afterwards."""
    from types import SimpleNamespace

    from apps.proxies.services import pool_key_sync_all
    from apps.proxies.services import sync as sync_module

    real = sync_module.connection
    sync_module.connection = SimpleNamespace(vendor="portable")  # type: ignore[assignment]
    try:
        vacuum()
        result, seconds = _django.timed(pool_key_sync_all)
    finally:
        sync_module.connection = real
    if result.updated != size:
        raise SystemExit(f"the batched path updated {result.updated} of {size} keys")
    return seconds


def run(size: int, repeat: int) -> list[dict]:
    import httpx

    from apps.proxies.services import client as services_client
    from apps.proxies.services import pool_key_sync_all
    from apps.proxies.upstream.client import PoolGatewayClient

    rng = random.Random(size)
    upstream = FakeList(seed(size))
    gateway = PoolGatewayClient(
        base_url="http://upstream.bench/v1",
        api_key="psx_sandbox_local_key",
        transport=httpx.MockTransport(upstream.handler),
        max_attempts=1,
    )
    services_client.upstream_client = lambda: gateway
    batched_s = first_sync_batched(size)
    seed(size)

    rows = []
    # first: every row differs from upstream (a fresh install adopting an account);
    # steady: 10 % of keys used traffic since the last run; unchanged: nothing moved.
    for scenario, fraction in (("first", None), ("steady (10% changed)", 0.10), ("unchanged", 0.0)):
        times, queries, calls, last = [], [], [], None
        vacuum()
        for _ in range(repeat if scenario != "first" else 1):
            if fraction:
                upstream.use_traffic(fraction, rng)
            before = upstream.calls
            with _django.count_queries() as counter:
                last, seconds = _django.timed(pool_key_sync_all)
            times.append(seconds)
            queries.append(counter.count)
            calls.append(upstream.calls - before)
        rows.append(
            {
                "keys": size,
                "scenario": scenario,
                "runs": len(times),
                "upstream_calls": max(calls),
                "queries": max(queries),
                "updated": last.updated,
                "unchanged": last.unchanged,
                **{f"{k}_s": round(v, 3) for k, v in _django.summary(times).items()},
                **({"batched_s": round(batched_s, 3)} if fraction is None else {}),
            }
        )
        if max(calls) != 1:
            raise SystemExit(f"sync_all made {max(calls)} upstream calls for {size} keys (expected 1)")
        expected = size if fraction is None else int(size * fraction)
        if (last.updated, last.unchanged) != (expected, size - expected):
            raise SystemExit(f"{scenario} with {size} keys: {last.updated} rows updated, expected {expected}")
    from apps.proxies.models import PoolKey

    PoolKey.objects.filter(upstream_id__startswith="pk_bench_").delete()
    return rows


def check_statements_flat(results: list[dict]) -> None:
    """On PostgreSQL the sync is set-based: its statement count must not depend on the key count."""
    by_scenario: dict[str, set[int]] = {}
    for row in results:
        by_scenario.setdefault(row["scenario"], set()).add(row["queries"])
    grown = {scenario: sorted(counts) for scenario, counts in by_scenario.items() if len(counts) > 1}
    if grown:
        raise SystemExit(f"SQL statements grow with the number of keys: {grown}")


def print_table(results: list[dict], against: list[dict] | None) -> None:
    before = {(row["keys"], row["scenario"]): row for row in against or []}
    extra = " | before (median s) | before ÷ after" if against else ""
    print(
        "| keys | scenario | runs | upstream calls | SQL queries | rows updated | rows unchanged "
        f"| median s | min s | max s{extra} |"
    )
    print(
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---:"
        + (" | ---: | ---:" if against else "")
        + " |"
    )
    for row in results:
        line = (
            f"| {row['keys']:,} | {row['scenario']} | {row['runs']} | {row['upstream_calls']} | {row['queries']} "
            f"| {row['updated']:,} | {row['unchanged']:,} | {row['median_s']} | {row['min_s']} | {row['max_s']}"
        )
        if against:
            old = before.get((row["keys"], row["scenario"]))
            line += f" | {old['median_s']} | {old['median_s'] / row['median_s']:.1f}×" if old else " | – | –"
        print(line + " |")


def print_first_sync_ratio(results: list[dict]) -> None:
    print("\n# first sync, same run: batched bulk_update (old, still the SQLite path) vs set-based")
    print("| keys | batched s | set-based s | old ÷ new |")
    print("| ---: | ---: | ---: | ---: |")
    for row in results:
        if "batched_s" in row:
            ratio = row["batched_s"] / row["median_s"]
            print(f"| {row['keys']:,} | {row['batched_s']} | {row['median_s']} | {ratio:.1f}× |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--against", help="results of an earlier run (--json): print before / after ratios")
    args = parser.parse_args()
    against = json.loads(Path(args.against).read_text()) if args.against else None
    _django.setup(db_name=DB_NAME)
    results = []
    for size in args.sizes:
        for row in run(size, args.repeat):
            results.append(row)
            print(f"sync_all: {row}", flush=True)
    check_statements_flat(results)
    print(f"\n# sync_all · {_django.machine()}")
    print_table(results, against)
    print_first_sync_ratio(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
