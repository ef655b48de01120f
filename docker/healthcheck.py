"""Container HEALTHCHECK. Plain Python (the image needs no curl), exit 0 only when healthy.

  python docker/healthcheck.py          web: GET /healthz on the local gunicorn answers 200
  python docker/healthcheck.py worker   the worker's heartbeat in Redis is fresh
  python docker/healthcheck.py beat     beat's heartbeat in Redis is fresh

The web check uses the first ALLOWED_HOSTS name as Host header (Django refuses unknown hosts);
/healthz is exempt from the https redirect. The worker and beat checks read the keys that
apps/core/heartbeats.py writes, without starting Django (a probe every minute stays cheap)."""

import os
import sys
import time
import urllib.error
import urllib.request

HEARTBEAT_KEY_PREFIX = "storefront:heartbeat:"  # apps/core/heartbeats.py KEY_PREFIX


def web() -> int:
    port = os.environ.get("BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (fixed http URL)
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"healthcheck: {exc}", file=sys.stderr)
        return 1


def heartbeat(role: str) -> int:
    import redis

    stale_after = float(os.environ.get("HEARTBEAT_STALE_SECONDS") or 120)
    try:
        client = redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=3, socket_timeout=3)
        value = client.get(HEARTBEAT_KEY_PREFIX + role)
    except (KeyError, redis.RedisError) as exc:
        print(f"healthcheck: cannot read the {role} heartbeat: {exc.__class__.__name__}", file=sys.stderr)
        return 1
    if value is None:
        print(f"healthcheck: no {role} heartbeat yet", file=sys.stderr)
        return 1
    age = time.time() - float(value)
    if age > stale_after:
        print(f"healthcheck: the {role} heartbeat is {age:.0f} s old", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    role = argv[1] if len(argv) > 1 else "web"
    if role == "web":
        return web()
    if role in {"worker", "beat"}:
        return heartbeat(role)
    print(f"healthcheck: unknown role {role!r} (web, worker or beat)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
