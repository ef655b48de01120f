"""One HTTP attempt: sign with Standard Webhooks, POST to the pinned address, read at most 64 KB,
follow no redirect, give up after 10 s in all."""

import math
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import certifi
import httpx
from standardwebhooks import Webhook

from apps.core.retry_after import parse_retry_after

from .targets import Target

CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 10.0
MAX_READ_BYTES = 64 * 1024
USER_AGENT = "storefront-webhooks/1"
# Built once: a new client per attempt would otherwise load the CA bundle every time.
TLS_CONTEXT = ssl.create_default_context(cafile=certifi.where())


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    body: str
    error: str
    latency_ms: int
    retry_after: int | None = None


def signature_header(*, secrets: list[str], msg_id: str, timestamp: datetime, payload: str) -> str:
    """`v1,<b64>` per secret, space-separated (both during a rotation's overlap)."""
    return " ".join(Webhook(secret).sign(msg_id, timestamp, payload) for secret in secrets)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> int | None:
    """Whole seconds from Retry-After (delta-seconds or an HTTP date; a past date is 0), or None."""
    seconds = parse_retry_after(value, now=now or datetime.now(UTC))
    return None if seconds is None else math.ceil(seconds)


def send(
    *, target: Target, payload: str, msg_id: str, timestamp: datetime, secrets: list[str], transport=None
) -> SendResult:
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "host": target.host_header,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature_header(secrets=secrets, msg_id=msg_id, timestamp=timestamp, payload=payload),
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    timeout = httpx.Timeout(TOTAL_TIMEOUT, connect=CONNECT_TIMEOUT)
    started = time.monotonic()
    deadline = started + TOTAL_TIMEOUT
    try:
        with httpx.Client(
            timeout=timeout, follow_redirects=False, transport=transport, trust_env=False, verify=TLS_CONTEXT
        ) as client:
            request = client.build_request(
                "POST", target.pinned_url, content=payload.encode(), headers=headers, extensions=extensions
            )
            response = client.send(request, stream=True)
            try:
                body = b""
                for chunk in response.iter_raw():
                    body += chunk
                    if len(body) >= MAX_READ_BYTES or time.monotonic() > deadline:
                        break
            finally:
                response.close()
    except httpx.TimeoutException:
        return SendResult(None, "", "timeout", elapsed_ms(started))
    except httpx.HTTPError as exc:
        return SendResult(None, "", f"connection error: {type(exc).__name__}", elapsed_ms(started))
    return SendResult(
        response.status_code,
        body[:MAX_READ_BYTES].decode("utf-8", "replace"),
        "",
        elapsed_ms(started),
        retry_after_seconds(response.headers.get("retry-after")),
    )


def elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
