from datetime import UTC, datetime

import httpx

BASE_URL = "https://api.proxies.sx/v1"
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def error_code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
