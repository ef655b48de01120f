"""HTTP load on the shop under gunicorn with production settings, as scripts/smoke-production runs
it (docker/entrypoint.sh web, JSON logs, Redis, WEB_CONCURRENCY=2, SANDBOX_ALLOWED=true), on
loopback. The upstream is the sandbox over real HTTP in its own process, counting every request,
so the dashboard's upstream calls are measured rather than assumed. Load comes from `wrk` in a
second process: bounded runs of --duration seconds each.

    .venv/bin/python benchmarks/http_load.py [--duration 10] [--connections 16] [--web-replicas N]

With --web-replicas N (N > 1) every endpoint is measured twice in the same run: behind one
gunicorn, then behind N gunicorn processes sharing the port (benchmarks/_replicas.py), and the
ratio N vs 1 is printed. It stops without numbers if a replica did not serve part of the load.

Needs wrk (`apt-get install -y wrk`), PostgreSQL and Redis on 127.0.0.1.
"""

# Fixed argv lists and loopback http:// URLs built here, never from outside input.
# ruff: noqa: S310, S603, S607

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import _replicas  # noqa: E402

PYTHON = os.environ.get("PYTHON", str(ROOT / ".venv" / "bin" / "python"))
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_HTTP_DATABASE", "storefront_bench_http")
HOST = "bench.storefront.test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def server_env(work: Path, *, bind: str, upstream_port: int, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "DEBUG")}
    env.update(
        PATH=f"{Path(PYTHON).parent}:{env.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="storefront.settings.production",
        STOREFRONT_ENV_FILE="",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"https://{HOST}",
        DATABASE_URL=f"{SERVER}/{DB_NAME}",
        REDIS_URL=redis_url,
        SANDBOX_ALLOWED="true",
        STATIC_ROOT=str(work / "static"),
        BIND=bind,
        WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "2"),
        LOG_FORMAT="json",
        LOG_LEVEL="WARNING",  # one INFO line per request would measure the log writer
        MIGRATE_ON_START="false",
        # Steady state: a worker recycled mid-run (every ~2,000 requests in production) would be
        # measured as its restart and cold caches, a cost that production spreads over 2,000 requests.
        GUNICORN_MAX_REQUESTS="0",
        # The sandbox upstream over real HTTP (not in-process): every call crosses a socket and is counted.
        PROXIES_SX_API_KEY="psx_sandbox_local_key",
        PROXIES_SX_API_URL=f"http://127.0.0.1:{upstream_port}/v1",
        PROXIES_SX_USERNAME="psx_sandbox",
        # The API's limits would turn most of a load run into 429s: measure the endpoint instead.
        API_RATE_LIMIT_PER_KEY="10000000/min",
        API_RATE_LIMIT_PER_IP="10000000/min",
    )
    return env


def wait_for(url: str, *, headers: dict, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"{proc.args} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer within {seconds} s")
        time.sleep(0.3)


def get(url: str, headers: dict) -> tuple[int, bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def upstream_calls(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__bench/calls", timeout=5) as reply:
        return json.loads(reply.read())


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * _UNITS[unit]


def run_wrk(url: str, headers: dict, *, duration: int, connections: int, threads: int) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.M))
    if set(percentiles) != {"50", "75", "90", "99"}:
        raise SystemExit(f"could not read wrk's output:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _ms(percentiles["50"]),
        "p90_ms": _ms(percentiles["90"]),
        "p99_ms": _ms(percentiles["99"]),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def stop(proc: subprocess.Popen | None) -> None:
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def backend_pids() -> list[int]:
    """The PostgreSQL backends connected to the benchmark database (the web workers' connections)."""
    import psycopg

    with psycopg.connect(f"{SERVER}/{DB_NAME}", autocommit=True, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [DB_NAME]
        ).fetchall()
    return [pid for (pid,) in rows]


def measure(base: str, endpoints: list, args, upstream_port: int, webs: list) -> list[dict]:
    """wrk on each endpoint; also the CPU that the web processes and PostgreSQL spent per request."""
    results = []
    meter = _replicas.CpuMeter(webs, backend_pids)
    for name, path, headers in endpoints:
        before = upstream_calls(upstream_port)
        meter.start()
        row = run_wrk(base + path, headers, duration=args.duration, connections=args.connections, threads=args.threads)
        cpu = meter.stop()
        after = upstream_calls(upstream_port)
        row["endpoint"] = name
        row["upstream_calls"] = sum(after.values()) - sum(before.values())
        row["upstream_detail"] = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
        row["replica_cpu_s"] = [round(value, 2) for value in cpu["web_cpu_s"]]
        row["web_cpu_ms_per_request"] = round(1000 * sum(cpu["web_cpu_s"]) / max(row["requests"], 1), 2)
        row["db_cpu_ms_per_request"] = round(1000 * cpu["db_cpu_s"] / max(row["requests"], 1), 2)
        results.append(row)
        print(f"http_load: {name}: {row}", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (bounded)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--web-replicas", type=int, default=1, choices=range(1, 9), metavar="N", help="also measure N gunicorns (1-8)"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    work = Path(tempfile.mkdtemp(prefix="storefront-bench-"))
    upstream_port, web_port = free_port(), free_port()
    env = server_env(work, bind=f"127.0.0.1:{web_port}", upstream_port=upstream_port, redis_url=args.redis_url)
    upstream = web = None
    extra: list[subprocess.Popen] = []
    try:
        print(f"http_load: database {DB_NAME}, upstream :{upstream_port}, gunicorn :{web_port}", flush=True)
        recreate_database()
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run(["redis-cli", "-u", args.redis_url, "FLUSHDB"], check=False, capture_output=True)
        helpers = str(Path(__file__).with_name("_http_helpers.py"))
        upstream = subprocess.Popen([PYTHON, helpers, "upstream", str(upstream_port)], cwd=ROOT, env=env)
        wait_for(f"http://127.0.0.1:{upstream_port}/__bench/calls", headers={}, proc=upstream)
        # The customer buys through the sandbox checkout with jobs inline (no REDIS_URL in this
        # one process), so the key is minted upstream before the load starts.
        setup_env = {**env, "REDIS_URL": ""}
        cookie = json.loads(
            subprocess.run(
                [PYTHON, helpers, "customer"], cwd=ROOT, env=setup_env, check=True, capture_output=True, text=True
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        log = (work / "server.log").open("w")
        reuse = ["--reuse-port"] if args.web_replicas > 1 else []
        web = subprocess.Popen(
            [str(ROOT / "docker" / "entrypoint.sh"), "web", *reuse],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{web_port}"
        https = {"Host": HOST, "X-Forwarded-Proto": "https"}
        wait_for(f"{base}/healthz", headers={"Host": HOST}, proc=web)
        logged_in = {**https, "Cookie": f"{cookie['name']}={cookie['value']}"}
        api_key = {**https, "Authorization": f"Bearer {cookie['api_key']}"}
        status, body = get(f"{base}/dashboard/", logged_in)
        if status != 200 or re.search(rb"pak_[0-9a-f]{24}", body):
            raise SystemExit(f"GET /dashboard/ answered {status} (or leaked a secret); cannot measure it")
        status, body = get(f"{base}/api/v1/keys", api_key)
        if status != 200 or b'"data":[{' not in body:
            raise SystemExit(f"GET /api/v1/keys answered {status}; cannot measure it")
        # Warm each worker once, then measure.
        targets = (("/healthz", {"Host": HOST}), ("/", https), ("/dashboard/", logged_in), ("/api/v1/keys", api_key))
        for path, headers in targets:
            for _ in range(8):
                get(base + path, headers)

        endpoints = [
            ("GET /healthz", "/healthz", {"Host": HOST}),
            ("GET / (landing)", "/", https),
            ("GET /dashboard/ (logged in, active key)", "/dashboard/", logged_in),
            ("GET /api/v1/keys (API key, one proxy key)", "/api/v1/keys", api_key),
        ]
        results = measure(base, endpoints, args, upstream_port, [web])
        multi: list[dict] = []
        if args.web_replicas > 1:
            for n in range(1, args.web_replicas):
                extra.append(_replicas.start_replica(env, work / f"server-{n}.log"))
            _replicas.wait_listeners(web_port, args.web_replicas, [web, *extra])
            for path, headers in (("/healthz", {"Host": HOST}), ("/", https), ("/dashboard/", logged_in)):
                for _ in range(8 * args.web_replicas):
                    get(base + path, headers)
            multi = measure(base, endpoints, args, upstream_port, [web, *extra])
            _replicas.check_spread(multi)

        print(
            f"\n# http_load · {os.cpu_count()} CPUs · gunicorn workers={env['WEB_CONCURRENCY']} (sync) · "
            f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s"
        )
        print("| endpoint | requests | req/s | p50 ms | p90 ms | p99 ms | non-2xx | upstream calls |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for row in results:
            print(
                f"| {row['endpoint']} | {row['requests']:,} | {row['rps']:.0f} | {row['p50_ms']:.1f} | "
                f"{row['p90_ms']:.1f} | {row['p99_ms']:.1f} | {row['non_2xx']} | {row['upstream_calls']} |"
            )
        _replicas.print_cpu(results)
        if multi:
            _replicas.print_ratios(results, multi, args.web_replicas, env["WEB_CONCURRENCY"])
        if args.json:
            data = {"single": results, "replicas": multi} if multi else results
            Path(args.json).write_text(json.dumps(data, indent=2))
    finally:
        for proc in extra:
            stop(proc)
        stop(web)
        stop(upstream)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
