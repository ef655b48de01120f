"""The MCP server over Streamable HTTP with the official client: every tool answers from the same
services as the API, scopes apply exactly as there, and a request without a good key is a 401."""

import httpx2
import pytest

from apps.accounts.models import ApiKey
from apps.billing.models import Order
from apps.core.models import AuditEntry
from apps.proxies.models import ProxyTest
from apps.sandbox.ports.models import SandboxPort
from tests.api.conftest import make_api_key
from tests.factories import UserFactory
from tests.ports.support import make_port, sandbox_ports_client, use_ports_client

from .conftest import call, text_of, with_client

EVERY_TOOL = {
    "list_plans",
    "get_stock",
    "list_incidents",
    "list_keys",
    "key_usage",
    "reveal_key_secret",
    "build_proxy_urls",
    "test_proxy",
    "list_proxy_tests",
    "list_orders",
    "create_order",
    "list_sessions",
    "close_session",
    "close_all_sessions",
    "list_ports",
    "rotate_port",
    "change_port_credentials",
    "get_port_rotation_settings",
    "set_port_rotation_settings",
}


@pytest.fixture
def port(customer, monkeypatch):
    use_ports_client(monkeypatch, sandbox_ports_client())
    return make_port(customer, order_ref="MCP-1")


def test_the_tools_are_listed_with_descriptions_and_input_schemas(mcp_url, read_key):
    listed = with_client(mcp_url, read_key, lambda client: client.list_tools())

    tools = {tool.name: tool for tool in listed.tools}
    assert set(tools) == EVERY_TOOL
    assert all(tool.description and tool.input_schema["type"] == "object" for tool in tools.values())
    assert tools["build_proxy_urls"].input_schema["properties"]["rotation"]["enum"][-2:] == ["sticky", "hard"]
    assert tools["rotate_port"].annotations.read_only_hint is False


def test_read_tools_answer_like_the_api(mcp_url, read_key, key, plan):
    plans = call(mcp_url, read_key, "list_plans")
    keys = call(mcp_url, read_key, "list_keys")
    usage = call(mcp_url, read_key, "key_usage", {"key_id": key.pk})
    stock = call(mcp_url, read_key, "get_stock")
    incidents = call(mcp_url, read_key, "list_incidents")
    sessions = call(mcp_url, read_key, "list_sessions")
    orders = call(mcp_url, read_key, "list_orders")

    results = (plans, keys, usage, stock, incidents, sessions, orders)
    assert not any(result.is_error for result in results), [text_of(r) for r in results if r.is_error]
    assert "mcp-gb" in [p["slug"] for p in plans.structured_content["plans"]]
    listed = keys.structured_content["keys"]
    assert [k["id"] for k in listed] == [key.pk] and listed[0]["secret_hint"] == key.secret_hint
    assert usage.structured_content["key_id"] == key.pk and len(usage.structured_content["days"]) == 30
    assert "countries" in stock.structured_content and "incidents" in incidents.structured_content
    assert sessions.structured_content == {"sessions": []} and orders.structured_content == {"orders": []}


def test_proxy_urls_use_every_builder_option_and_never_carry_the_secret(mcp_url, read_key, key, upstream):
    result = call(
        mcp_url,
        read_key,
        "build_proxy_urls",
        {
            "country": "us",
            "carrier": "tmobile",
            "session": "job",
            "rotation": "sticky",
            "ttl": 600,
            "count": 3,
            "protocol": "socks5",
            "format": "host_port_user_pass",
            "pool": "mbl",
            "city": "newyork",
        },
    )

    assert not result.is_error, text_of(result)
    data = result.structured_content
    assert data["count"] == 3 and data["secret_included"] is False
    assert [item["session_id"] for item in data["data"]] == [f"{key.session_tag}_job{n:04d}" for n in (1, 2, 3)]
    assert all(item["url"].startswith("socks5://") and key.secret_hint in item["url"] for item in data["data"])
    assert upstream.client.reveal_key(key.upstream_id).secret not in text_of(result)


def test_a_bad_builder_option_is_a_tool_error_not_a_traceback(mcp_url, read_key, key):
    result = call(mcp_url, read_key, "build_proxy_urls", {"country": "usa"})

    assert result.is_error and "country" in text_of(result) and "Traceback" not in text_of(result)


def test_the_secret_comes_only_from_the_reveal_tool_with_keys_write(mcp_url, full_key, read_key, key, upstream):
    refused = call(mcp_url, read_key, "reveal_key_secret", {"key_id": key.pk})
    revealed = call(mcp_url, full_key, "reveal_key_secret", {"key_id": key.pk})

    assert refused.is_error and "'keys:write' scope" in text_of(refused)
    assert revealed.structured_content["secret"] == upstream.client.reveal_key(key.upstream_id).secret


def test_a_read_only_key_on_a_write_tool_names_the_missing_scope_and_nothing_happens(mcp_url, read_key, plan):
    result = call(mcp_url, read_key, "create_order", {"plan": "mcp-gb"})

    assert result.is_error and "lacks the 'orders:write' scope" in text_of(result)
    assert not Order.objects.exists()
    denied = AuditEntry.objects.get(action="api_key.denied")
    assert denied.data["missing"] == ["orders:write"] and denied.data["tool"] == "create_order"


def test_create_order_returns_the_checkout_url(mcp_url, full_key, plan, customer):
    result = call(mcp_url, full_key, "create_order", {"plan": "mcp-gb", "target": "new"})

    assert not result.is_error, text_of(result)
    order = Order.objects.get(customer=customer)
    data = result.structured_content["order"]
    assert data["id"] == str(order.public_id) and data["checkout_url"].startswith("http")


def test_another_customers_key_is_not_found(mcp_url, full_key, transactional_db):
    from tests.proxies.support import mint_key

    stranger_key = mint_key(UserFactory())

    for name, arguments in (
        ("key_usage", {"key_id": stranger_key.pk}),
        ("reveal_key_secret", {"key_id": stranger_key.pk}),
        ("test_proxy", {"key_id": stranger_key.pk}),
        ("build_proxy_urls", {"key_id": stranger_key.pk}),
    ):
        result = call(mcp_url, full_key, name, arguments)
        assert result.is_error and "Not found" in text_of(result), (name, text_of(result))


def test_sessions_tools_close_only_the_callers_sessions(mcp_url, full_key, key):
    closed_one = call(mcp_url, full_key, "close_session", {"session_key": "someone-else"})
    closed_all = call(mcp_url, full_key, "close_all_sessions")

    assert closed_one.is_error and "Not found" in text_of(closed_one)
    assert closed_all.structured_content == {"closed": 0, "failed": 0}


def test_test_proxy_records_a_test_and_lists_it(mcp_url, read_key, key):
    started = call(mcp_url, read_key, "test_proxy", {"key_id": key.pk, "username": "bad username!"})
    listed = call(mcp_url, read_key, "list_proxy_tests", {"key_id": key.pk})

    assert not started.is_error, text_of(started)
    test = ProxyTest.objects.get(pool_key=key)
    assert started.structured_content["id"] == test.pk
    assert [row["id"] for row in listed.structured_content["tests"]] == [test.pk]


def test_port_tools_list_rotate_and_change_rotation(mcp_url, full_key, port):
    listed = call(mcp_url, full_key, "list_ports")
    settings_before = call(mcp_url, full_key, "get_port_rotation_settings", {"port_id": port.pk})
    changed = call(
        mcp_url, full_key, "set_port_rotation_settings", {"port_id": port.pk, "enabled": True, "interval_seconds": 600}
    )
    too_short = call(mcp_url, full_key, "set_port_rotation_settings", {"port_id": port.pk, "interval_seconds": 5})
    rotated = call(mcp_url, full_key, "rotate_port", {"port_id": port.pk})

    assert [p["id"] for p in listed.structured_content["ports"]] == [port.pk]
    assert SandboxPort.objects.get().password not in text_of(listed)
    assert settings_before.structured_content["min_interval_seconds"] == 300
    assert changed.structured_content["enabled"] is True and changed.structured_content["interval_seconds"] == 600
    assert too_short.is_error and "interval_seconds" in text_of(too_short)
    assert not rotated.is_error, text_of(rotated)
    assert rotated.structured_content["new_ip"] != rotated.structured_content["old_ip"]


def test_a_retried_rotation_with_an_idempotency_key_rotates_once(mcp_url, full_key, port):
    first = call(mcp_url, full_key, "rotate_port", {"port_id": port.pk, "idempotency_key": "agent-rot-1"})
    retried = call(mcp_url, full_key, "rotate_port", {"port_id": port.pk, "idempotency_key": "agent-rot-1"})

    assert not first.is_error and not retried.is_error, text_of(retried)
    assert retried.structured_content["new_ip"] == first.structured_content["new_ip"]
    assert SandboxPort.objects.get().rotation_count == 1
    assert AuditEntry.objects.filter(action="port.rotate").count() == 1


def test_a_rotation_without_a_key_inside_the_cooldown_says_how_long_to_wait(mcp_url, full_key, port):
    call(mcp_url, full_key, "rotate_port", {"port_id": port.pk})
    again = call(mcp_url, full_key, "rotate_port", {"port_id": port.pk})

    assert again.is_error and "rotate it again in" in text_of(again)
    assert SandboxPort.objects.get().rotation_count == 1


def test_a_bad_idempotency_key_is_a_tool_error_and_nothing_rotates(mcp_url, full_key, port):
    result = call(mcp_url, full_key, "rotate_port", {"port_id": port.pk, "idempotency_key": "has space"})

    assert result.is_error and "idempotency_key" in text_of(result)
    assert SandboxPort.objects.get().rotation_count == 0


def test_change_port_credentials_answers_the_new_password_once_and_a_retry_gets_the_same(mcp_url, full_key, port):
    args = {"port_id": port.pk, "login": "agentlogin", "idempotency_key": "agent-cred-1"}
    first = call(mcp_url, full_key, "change_port_credentials", args)
    retried = call(mcp_url, full_key, "change_port_credentials", args)

    assert not first.is_error, text_of(first)
    upstream_port = SandboxPort.objects.get()
    assert first.structured_content["password"] == upstream_port.password
    assert retried.structured_content["password"] == first.structured_content["password"]
    assert first.structured_content["port"]["login"] == "agentlogin" == upstream_port.login
    assert AuditEntry.objects.filter(action="port.credentials_change").count() == 1
    assert upstream_port.password not in str(AuditEntry.objects.values_list("data", flat=True))


def test_a_bad_password_is_a_tool_error_and_the_credentials_stay(mcp_url, full_key, port):
    before = SandboxPort.objects.get().password
    result = call(mcp_url, full_key, "change_port_credentials", {"port_id": port.pk, "password": "no spaces!"})

    assert result.is_error and "password" in text_of(result).lower()
    assert SandboxPort.objects.get().password == before


def test_a_read_only_key_cannot_change_port_credentials(mcp_url, read_key, port):
    before = SandboxPort.objects.get().password
    result = call(mcp_url, read_key, "change_port_credentials", {"port_id": port.pk})

    assert result.is_error and "'ports:write' scope" in text_of(result)
    assert SandboxPort.objects.get().password == before


def test_a_read_only_key_cannot_rotate_a_port(mcp_url, read_key, port):
    result = call(mcp_url, read_key, "rotate_port", {"port_id": port.pk})

    assert result.is_error and "'ports:write' scope" in text_of(result)


@pytest.mark.parametrize("header", [None, "Bearer sfk_test_" + "x" * 40, "Basic abc"])
def test_a_request_without_a_good_key_is_a_401(mcp_url, header):
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    if header:
        headers["Authorization"] = header
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}

    response = httpx2.post(mcp_url, json=body, headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_required"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_working_at_once(mcp_url, customer):
    from apps.accounts.services import api_key_revoke

    raw = make_api_key(customer, scopes=["read"])
    api_key_revoke(key=ApiKey.objects.get(customer=customer))
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}

    response = httpx2.post(mcp_url, json=body, headers={"Authorization": f"Bearer {raw}"})

    assert response.status_code == 401 and response.json()["error"]["code"] == "api_key_revoked"


def test_tool_calls_count_against_the_keys_api_rate_limit(mcp_url, read_key, settings):
    settings.API_RATE_LIMIT_PER_KEY = "2/min"

    answers = [call(mcp_url, read_key, "list_keys") for _ in range(3)]

    assert [answer.is_error for answer in answers] == [False, False, True]
    assert "Too many calls with this API key" in text_of(answers[2])
