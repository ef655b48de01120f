"""The MCP server on a free loopback port (uvicorn in a thread, so the tests are transactional and
the server's threads see their rows), reached with the official `mcp` client over Streamable HTTP."""

import socket
import threading
from decimal import Decimal

import anyio
import httpx2
import pytest
import uvicorn
from django.db import connections
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from apps.billing.models import Plan
from apps.mcp_server.server import http_app
from tests.api.conftest import make_api_key
from tests.proxies.conftest import key, upstream  # noqa: F401 (shared fixtures)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mcp_url(transactional_db, monkeypatch):
    # The server's worker threads close their connections after each call (as CONN_MAX_AGE=0
    # does for requests), so none is left open on the test database when it is dropped.
    monkeypatch.setitem(connections.databases["default"], "CONN_MAX_AGE", 0)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(http_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        threading.Event().wait(0.01)
    yield f"http://127.0.0.1:{port}/mcp"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def plan(transactional_db):
    return Plan.objects.create(slug="mcp-gb", name="MCP 5 GB", gb=Decimal(5), price=Decimal("9.00"), validity_days=30)


@pytest.fixture
def full_key(customer) -> str:
    return make_api_key(customer)


@pytest.fixture
def read_key(customer) -> str:
    return make_api_key(customer, scopes=["read"])


def with_client(url: str, raw_key: str, work):
    """Runs `work(client)` on a connected MCP client authenticated with `raw_key`."""

    async def main():
        headers = {"Authorization": f"Bearer {raw_key}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            Client(streamable_http_client(url, http_client=http)) as client,
        ):
            return await work(client)

    return anyio.run(main)


def call(url: str, raw_key: str, name: str, arguments: dict | None = None):
    return with_client(url, raw_key, lambda client: client.call_tool(name, arguments or {}))


def text_of(result) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)
