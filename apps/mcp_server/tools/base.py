"""The tool decorator: every tool checks the caller's scope exactly as the API does (the same
audit entry and message), runs with fresh database connections, and turns the domain's errors
into tool errors a model can read. Nothing else leaves a tool: an unexpected failure is logged
here and answered with a generic line, never a traceback."""

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections
from mcp.server.mcpserver.exceptions import ToolError
from rest_framework.exceptions import ValidationError

from apps.accounts.models import ApiKeyScope
from apps.accounts.services import api_key_audit_denied
from apps.api.throttling import ApiKeyRateThrottle
from apps.core.errors import ApplicationError, NotFound
from apps.proxies.urlgrammar import ProxyUrlError

from ..caller import CALLER, Caller, NotAuthenticated, current_caller

logger = logging.getLogger("apps.mcp_server")

READ = ApiKeyScope.READ.value
UNEXPECTED = "The shop could not complete this call; it has been logged. Try again in a minute."


@dataclass(frozen=True)
class ToolSpec:
    fn: Callable[..., Any]
    name: str
    title: str
    scope: str
    read_only: bool
    destructive: bool


REGISTRY: list[ToolSpec] = []


def rate_check(caller: Caller) -> None:
    """The API's per-key limit (API_RATE_LIMIT_PER_KEY), one budget whichever door the key uses."""
    throttle = ApiKeyRateThrottle()
    if not throttle.allow_request(SimpleNamespace(auth=caller.key), None):
        raise ToolError(f"Too many calls with this API key; try again in {int(throttle.wait())} seconds.")


def scope_check(caller: Caller, scope: str, tool: str) -> None:
    if not caller.key.has_scope(scope):
        api_key_audit_denied(
            key=caller.key, code="insufficient_scope", ip=caller.ip, data={"missing": [scope], "tool": tool}
        )
        raise ToolError(f"This API key lacks the {scope!r} scope (needed by {tool}).")


def _validation_text(exc: ValidationError) -> str:
    detail = exc.detail
    if isinstance(detail, dict):
        return "; ".join(f"{field}: {' '.join(str(m) for m in messages)}" for field, messages in detail.items())
    return " ".join(str(m) for m in detail) if isinstance(detail, list) else str(detail)


def tool(*, title: str, scope: str = READ, read_only: bool = True, destructive: bool = False):
    """Registers a tool. Its docstring is the description the model reads; its typed parameters
    (pydantic `Annotated[..., Field(description=...)]`) are the input schema."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        name = fn.__name__

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            close_old_connections()
            token = None
            try:
                caller = current_caller()
                token = CALLER.set(caller)  # a stdio key is checked once per call, not per read
                rate_check(caller)
                scope_check(caller, scope, name)
                return fn(*args, **kwargs)
            except ToolError:
                raise
            except NotAuthenticated as exc:
                raise ToolError(str(exc)) from None
            except NotFound as exc:
                raise ToolError(f"Not found: {exc.message}") from None
            except ProxyUrlError as exc:
                raise ToolError(f"{exc.field}: {exc.message}") from None
            except ApplicationError as exc:
                raise ToolError(exc.message) from None
            except ValidationError as exc:
                raise ToolError(_validation_text(exc)) from None
            except Exception:
                logger.exception("MCP tool %s failed", name)
                raise ToolError(UNEXPECTED) from None
            finally:
                if token is not None:
                    CALLER.reset(token)
                close_old_connections()

        REGISTRY.append(
            ToolSpec(fn=run, name=name, title=title, scope=scope, read_only=read_only, destructive=destructive)
        )
        return run

    return decorate


def caller() -> Caller:
    """The authenticated caller, inside a tool (the decorator has checked it)."""
    return current_caller()


def plain(data: Any) -> Any:
    """An API serializer's output as plain JSON values (decimals and dates as the API writes them)."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))
