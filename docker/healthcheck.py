"""Container HEALTHCHECK: GET /healthz on the local gunicorn, exit 0 only on HTTP 200.

Uses the first ALLOWED_HOSTS name as Host header (Django refuses unknown hosts); /healthz is
exempt from the https redirect. Plain Python: the image needs no curl."""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
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


if __name__ == "__main__":
    sys.exit(main())
