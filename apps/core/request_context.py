"""The current request id, readable from anywhere (logs, upstream calls, tasks)."""

import contextvars

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
