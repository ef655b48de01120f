"""Who is calling a tool: the API key that authenticated the request (HTTP, checked on every
request by apps/mcp_server/http.py) or the key of a stdio server (checked again on every call).
The SDK carries context variables from the request into the tool, so a tool reads it here."""

import contextvars
from dataclasses import dataclass

from django.db import close_old_connections

from apps.accounts.errors import ApiKeyDenied
from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_authenticate


@dataclass(frozen=True)
class Caller:
    key: ApiKey
    ip: str | None

    @property
    def customer(self):
        return self.key.customer


class NotAuthenticated(Exception):
    pass


CALLER: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("mcp_caller", default=None)
_stdio_key: list[str] = []  # the stdio server's raw key, set once at start


def authenticate(raw_key: str, ip: str | None) -> Caller:
    """The API's own check (revoked, expired, mode, disabled account, IP allow-list); raises
    ApiKeyDenied. Runs in a worker thread, so it closes stale connections like a request does."""
    close_old_connections()
    try:
        return Caller(key=api_key_authenticate(raw_key=raw_key, ip=ip), ip=ip)
    finally:
        close_old_connections()


def stdio_key_set(raw_key: str) -> None:
    _stdio_key[:] = [raw_key]


def current_caller() -> Caller:
    caller = CALLER.get()
    if caller is not None:
        return caller
    if _stdio_key:
        try:
            return Caller(key=api_key_authenticate(raw_key=_stdio_key[0], ip=None), ip=None)
        except ApiKeyDenied as exc:
            raise NotAuthenticated(exc.message) from None
    raise NotAuthenticated("No API key: send Authorization: Bearer <sfk_ key>.")
