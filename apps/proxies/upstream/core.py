"""One upstream call: the request, bounded retries with backoff, error mapping, logging and
health recording. `PoolGatewayClient` (client.py) is the public face; this is its engine.

Secrets: the X-API-Key header is never logged (httpx does not log headers either), and every
piece of upstream text that reaches a log line or an exception passes through
`mask_secrets` plus a literal replacement of our own API key, whatever its shape.
"""

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from apps.core.logging import mask_secrets
from apps.core.metrics import counter_increments, histogram_increments, metrics_add
from apps.core.retry_after import parse_retry_after

from .errors import (
    TerminalUpstreamError,
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamConflict,
    UpstreamError,
    UpstreamNetworkError,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
    UpstreamValidationError,
)
from .health import upstream_health_record_error, upstream_health_record_success
from .parsing import parse_error_body
from .retry import RetryPolicy

logger = logging.getLogger("apps.proxies.upstream")

USER_AGENT = "storefront-pool-client/1"

_STATUS_ERRORS: dict[int, type[UpstreamError]] = {
    400: UpstreamValidationError,
    422: UpstreamValidationError,
    401: UpstreamAuthError,
    403: UpstreamAuthError,
    404: UpstreamNotFound,
    409: UpstreamConflict,
}


class UpstreamCaller:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        transport: httpx.BaseTransport | None,
        timeout: httpx.Timeout,
        policy: RetryPolicy,
        sleep: Callable[[float], None],
        now: Callable[[], datetime],
        random: Callable[[], float],
    ) -> None:
        if not api_key or any(ch in api_key for ch in "\r\n"):
            raise ValueError("The upstream API key is missing or malformed.")
        self._api_key = api_key
        self.policy = policy
        self._sleep = sleep
        self._now = now
        self._random = random
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            headers={"X-API-Key": api_key, "Accept": "application/json", "User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        self._http.close()

    def mask(self, text: str) -> str:
        return mask_secrets(text.replace(self._api_key, "psx_…"))

    def call(
        self,
        method: str,
        path: str,
        *,
        op: str,
        body: dict | None = None,
        params: dict | None = None,
        idempotency_key: str | None = None,
        parse: Callable[[Any], Any] | None = None,
        authenticated: bool = True,
    ) -> Any:
        """Send with retries; return `parse(json)` (or None when `parse` is None)."""
        headers = {}
        content = None
        if idempotency_key is not None:
            # Same key on every attempt: a retried write is replayed upstream, not repeated.
            headers["Idempotency-Key"] = idempotency_key
        if body is not None:
            headers["Content-Type"] = "application/json"
            content = json.dumps(body, separators=(",", ":"), default=_json_default).encode()
        url_path = path.lstrip("/")
        attempts = self.policy.max_attempts
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            response = None
            try:
                response = self._http.request(method, url_path, content=content, params=params, headers=headers)
            # httpx exceptions are not chained: they hold the request, X-API-Key header included.
            except httpx.TimeoutException as exc:
                error: UpstreamError = UpstreamTimeout(f"{op}: the upstream did not answer in time ({_name(exc)})")
            except httpx.DecodingError as exc:
                error = UpstreamBadResponse(f"{op}: unreadable reply body ({_name(exc)})", field="body")
            except httpx.RequestError as exc:
                error = UpstreamNetworkError(
                    f"{op}: could not reach the upstream ({_name(exc)}: {self.mask(str(exc))[:200]})"
                )
            else:
                outcome = self._outcome(response, op=op, parse=parse)
                if isinstance(outcome, _Value):
                    self._log_success(method, path, response, attempt, started)
                    _record_call(op, str(response.status_code), started)
                    upstream_health_record_success(
                        at=self._now(),
                        method=method,
                        path=path,
                        request_id=response.headers.get("X-Request-ID"),
                        authenticated=authenticated,
                    )
                    return outcome.value
                error = outcome
            error.attempts = attempt
            retry = error.retryable and attempt < attempts
            delay = self.policy.delay(attempt, retry_after=self._retry_after(response), random=self._random)
            self._log_failure(method, path, error, attempt, started, delay if retry else None)
            _record_call(op, str(error.status) if error.status else type(error).__name__, started)
            upstream_health_record_error(at=self._now(), method=method, path=path, error=error)
            if not retry:
                raise error
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    # Outcome of one response -------------------------------------------------------------

    def _outcome(
        self, response: httpx.Response, *, op: str, parse: Callable[[Any], Any] | None
    ) -> "_Value | UpstreamError":
        request_id = response.headers.get("X-Request-ID")
        if not response.is_success:
            return self._error_for(response, op=op)
        if parse is None:
            return _Value(None)
        try:
            data = _decode_json(response)
            return _Value(parse(data))
        except UpstreamBadResponse as exc:
            return UpstreamBadResponse(
                self.mask(f"{op}: unexpected reply: {exc.message}"),
                field=exc.field,
                status=response.status_code,
                request_id=request_id,
            )

    def _error_for(self, response: httpx.Response, *, op: str) -> UpstreamError:
        status = response.status_code
        try:
            data = json.loads(response.content) if response.content else None
        except ValueError:
            is_text = response.headers.get("Content-Type", "").startswith("text/plain")
            data = response.text[:300] if is_text else None
        message, code, body_request_id = parse_error_body(data)
        request_id = response.headers.get("X-Request-ID") or body_request_id
        text = f"{op} failed: {status} {response.reason_phrase}".rstrip()
        if message:
            text = f"{text}: {message}"
        text = self.mask(text)
        if status == 429:
            return UpstreamRateLimited(
                text, retry_after=self._retry_after(response), status=status, request_id=request_id, code=code
            )
        error_class = UpstreamUnavailable if status >= 500 else _STATUS_ERRORS.get(status, TerminalUpstreamError)
        return error_class(text, status=status, request_id=request_id, code=code)

    def _retry_after(self, response: httpx.Response | None) -> float | None:
        if response is None or response.is_success:
            return None
        return parse_retry_after(response.headers.get("Retry-After"), now=self._now())

    # Logging -------------------------------------------------------------------------------

    def _log_success(self, method: str, path: str, response: httpx.Response, attempt: int, started: float) -> None:
        ms = round((time.perf_counter() - started) * 1000)
        request_id = response.headers.get("X-Request-ID") or "-"
        logger.info(
            self.mask(
                f"upstream {method} {path} -> {response.status_code} in {ms} ms "
                f"(attempt {attempt}/{self.policy.max_attempts}, upstream request id {request_id})"
            ),
            extra=_extra(method, path, response.status_code, attempt, request_id, ms),
        )

    def _log_failure(
        self, method: str, path: str, error: UpstreamError, attempt: int, started: float, delay: float | None
    ) -> None:
        ms = round((time.perf_counter() - started) * 1000)
        status = error.status if error.status is not None else type(error).__name__
        next_step = f"retrying in {delay:.2f} s" if delay is not None else "giving up"
        logger.warning(
            self.mask(
                f"upstream {method} {path} -> {status} in {ms} ms "
                f"(attempt {attempt}/{self.policy.max_attempts}, upstream request id {error.request_id or '-'}): "
                f"{error.message}; {next_step}"
            ),
            extra=_extra(method, path, error.status, attempt, error.request_id or "-", ms),
        )


class _Value:
    """A successful outcome (so that None can be a value)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _decode_json(response: httpx.Response) -> Any:
    if not response.content.strip():
        return None
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError:
        content_type = response.headers.get("Content-Type", "unknown").split(";")[0]
        raise UpstreamBadResponse(f"body: expected JSON, got {content_type}", field="body") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot send {type(value).__name__} to the upstream")


def _name(exc: Exception) -> str:
    return type(exc).__name__


def _extra(method: str, path: str, status: int | None, attempt: int, request_id: str, ms: int) -> dict:
    return {
        "upstream_method": method,
        "upstream_path": path,
        "upstream_status": status,
        "upstream_attempt": attempt,
        "upstream_request_id": request_id,
        "upstream_ms": ms,
    }


def _record_call(op: str, outcome: str, started: float) -> None:
    """Prometheus: one upstream call attempt, by operation and outcome (status code or error)."""
    metrics_add(
        counter_increments("storefront_upstream_calls", labels={"operation": op, "outcome": outcome}),
        histogram_increments(
            "storefront_upstream_call_duration_seconds", labels={"operation": op}, value=time.perf_counter() - started
        ),
    )
