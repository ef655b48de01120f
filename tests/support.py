"""Helpers shared by every test package (fixtures are in conftest.py)."""

# Generous bound for a loaded CI machine; a test finishes as soon as the job is done.
JOB_TIMEOUT_SECONDS = 60


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except Exception:
        return False
