"""The sandbox gateway proxies for real: plain HTTP, CONNECT and SOCKS5, with the key's own
credentials, and counts the bytes into the key's usage."""

import base64
import socket

import httpx
import pytest

from apps.sandbox.upstream.models import SandboxKey, SandboxSession

pytestmark = pytest.mark.postgres  # the gateway thread needs a database shared across connections


def echo_url(gateway, path: str = "/") -> str:
    return f"http://127.0.0.1:{gateway.ports.echo}{path}"


def test_a_copied_url_fetches_the_echo_through_the_gateway(gateway, sandbox_key, proxy_url):
    key = sandbox_key()
    with httpx.Client(proxy=proxy_url(key["key"], "mbl-us-sid-alice"), timeout=10) as client:
        body = client.get(echo_url(gateway)).json()
    assert body["country"] == "US"
    assert body["sessionId"] == "alice"
    assert body["ip"] != "127.0.0.1"
    assert SandboxSession.objects.get(session_id="alice").current_ip == body["ip"]


def test_usage_grows_after_traffic(gateway, sandbox_key, proxy_url):
    key = sandbox_key()
    with httpx.Client(proxy=proxy_url(key["key"]), timeout=10) as client:
        assert len(client.get(echo_url(gateway, "/?bytes=2097152")).content) == 2097152
    gateway.wait_idle()
    used = SandboxKey.objects.get(public_id=key["id"]).traffic_used_mb
    assert 2 <= used < 2.1


def test_a_key_over_its_cap_is_suspended_by_its_own_traffic(gateway, sandbox_key, proxy_url):
    key = sandbox_key(trafficCapGB=0.001)
    with httpx.Client(proxy=proxy_url(key["key"]), timeout=10) as client:
        assert client.get(echo_url(gateway, "/?bytes=1200000")).status_code == 200
        gateway.wait_idle()
        refused = client.get(echo_url(gateway))
    assert refused.status_code == 407
    assert refused.headers["X-Gateway-Reason"] == "disabled"
    assert SandboxKey.objects.get(public_id=key["id"]).enabled is False


def test_a_sticky_sid_keeps_its_exit_and_hard_rotation_moves(gateway, sandbox_key, proxy_url):
    key = sandbox_key()
    with httpx.Client(proxy=proxy_url(key["key"], "mbl-de-sid-bot1-rot-sticky"), timeout=10) as client:
        first, second = (client.get(echo_url(gateway)).json() for _ in range(2))
    assert first["ip"] == second["ip"] and first["country"] == "DE"
    with httpx.Client(proxy=proxy_url(key["key"], "mbl-de-sid-bot2-rot-hard"), timeout=10) as client:
        ips = {client.get(echo_url(gateway)).json()["ip"] for _ in range(3)}
    assert len(ips) > 1


def test_a_sticky_sid_without_a_country_keeps_its_country_and_ip(gateway, sandbox_key, proxy_url):
    key = sandbox_key()
    with httpx.Client(proxy=proxy_url(key["key"], "mbl-sid-anywhere1-rot-sticky"), timeout=10) as client:
        exits = {(body["country"], body["ip"]) for body in (client.get(echo_url(gateway)).json() for _ in range(6))}
    assert len(exits) == 1


def test_destinations_off_this_machine_get_the_echo(gateway, sandbox_key, proxy_url):
    key = sandbox_key()
    with httpx.Client(proxy=proxy_url(key["key"], "peer-br"), timeout=10) as client:
        body = client.get("http://example.com/ip").json()
    assert body["sandbox"] is True and body["country"] == "BR"


def test_https_to_a_site_off_this_machine_fails_in_tls(gateway, sandbox_key, proxy_url):
    key = sandbox_key()
    with httpx.Client(proxy=proxy_url(key["key"]), timeout=10) as client:
        try:
            client.get("https://example.com/")
        except httpx.ConnectError as exc:
            assert "SSL" in str(exc) or "TLS" in str(exc) or "handshake" in str(exc)
        else:
            raise AssertionError("the echo has no certificate for example.com")


def test_connect_tunnels_to_a_loopback_port(gateway, sandbox_key):
    key = sandbox_key()
    user = "psx_sandbox-mbl-gb-sid-tunnel"
    token = base64.b64encode(f"{user}:{key['key']}".encode()).decode()
    with socket.create_connection(("127.0.0.1", gateway.ports.http), timeout=10) as sock:
        target = f"127.0.0.1:{gateway.ports.echo}"
        sock.sendall(
            f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nProxy-Authorization: Basic {token}\r\n\r\n".encode()
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET / HTTP/1.1\r\nHost: echo\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert b'"country": "GB"' in answer and b'"sessionId": "tunnel"' in answer


def test_socks5_proxies_with_username_and_password(gateway, sandbox_key, proxy_url):
    key = sandbox_key()
    with httpx.Client(proxy=proxy_url(key["key"], "mbl-pl-sid-s5", protocol="socks5"), timeout=10) as client:
        body = client.get(echo_url(gateway)).json()
    gateway.wait_idle()
    assert (body["country"], body["sessionId"]) == ("PL", "s5")
    assert SandboxKey.objects.get(public_id=key["id"]).traffic_used_mb > 0


def test_auto_rotation_moves_to_a_new_ip_after_its_interval(gateway, sandbox_key, proxy_url):
    from django.utils import timezone

    from apps.sandbox.upstream.clock import ManualClock, use_clock

    key = sandbox_key()
    clock = ManualClock(timezone.now())
    with use_clock(clock), httpx.Client(proxy=proxy_url(key["key"], "mbl-us-sid-rot5-rot-auto5"), timeout=10) as client:
        first, again = (client.get(echo_url(gateway)).json()["ip"] for _ in range(2))
        clock.advance(minutes=6)
        later = client.get(echo_url(gateway)).json()["ip"]
    assert first == again
    assert later != first  # rot-auto5: a new exit once five minutes have passed
