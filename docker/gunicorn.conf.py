"""gunicorn settings for docker/entrypoint.sh `web`; every value can be set from the environment."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.core.logging import logging_config  # noqa: E402

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never takes the shop down (0 turns it off).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The TLS proxy in front sets X-Forwarded-Proto; Django reads it (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
# Temporary files in memory: the container's root file system may be read-only.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (gunicorn's advice)
# No runtime control socket: it would need a writable home directory and nobody uses it here.
control_socket_disable = True
# Same JSON lines as Django's. Django writes one access line per request (with the request
# id), so gunicorn's own access log stays silent.
accesslog = None
logconfig_dict = logging_config(
    os.environ.get("LOG_FORMAT", "json") or "json", (os.environ.get("LOG_LEVEL", "INFO") or "INFO").upper()
)
# The masking filters sit on the logger itself, so a handler added to it later (an operator
# passing --access-logfile and lowering the level) still gets request lines with tokens masked.
logconfig_dict["loggers"]["gunicorn.access"] = {
    "handlers": [],
    "level": "CRITICAL",
    "propagate": False,
    "filters": ["request_id", "mask_secrets"],
}
