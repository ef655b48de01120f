from datetime import UTC, datetime

import httpx

BASE_URL = "https://api.proxies.sx/v1"
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def error_code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


def free_devices(api: httpx.Client, code: str) -> int:
    rows = api.get("/countries/with-devices").json()
    return next((row["freeDeviceCount"] for row in rows if row["code"] == code), 0)
