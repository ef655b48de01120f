"""Shared helpers for the ports client tests (no tests here): payloads shaped like seed 003's
examples, and a PortsClient over a scripted httpx.MockTransport."""

import httpx

from apps.ports.upstream.client import PortsClient
from tests.proxies.test_client_support import API_KEY, BASE_URL, Clock, ScriptedUpstream, reply

PASSWORD = "gyQ4n6hP8R"
TOKEN = "32c2144a26f1ff1a3a0b79c4e31b7369"
IDEM = "order_77_port"

__all__ = ["API_KEY", "BASE_URL", "IDEM", "PASSWORD", "TOKEN", "Clock", "ScriptedUpstream", "make_client", "reply"]


def make_client(upstream: ScriptedUpstream, clock: Clock | None = None, *, max_attempts: int = 3) -> PortsClient:
    clock = clock or Clock()
    return PortsClient(
        base_url=BASE_URL,
        api_key=API_KEY,
        transport=httpx.MockTransport(upstream),
        max_attempts=max_attempts,
        sleep=clock.sleep,
        now=clock.now,
        random=lambda: 0.5,
    )


def port_payload(**overrides) -> dict:
    payload = {
        "_id": "6935a7065cb903907b750c64",
        "id": "6935a7065cb903907b750c64",
        "name": "psx_8cc33c_91vjml",
        "displayName": "sf-u1-order77",
        "httpPort": 8522,
        "socksPort": 5522,
        "serverIp": "138.201.158.43",
        "proxyLogin": "user_8cc33c91vjml",
        "proxyPassword": PASSWORD,
        "slotType": "shared",
        "exclusive": False,
        "osFingerprint": "windows:1",
        "suspended": False,
        "status": "active",
        "expiresAt": 1765210246994,
        "createdAt": 1733587846996,
        "rotationToken": TOKEN,
        "rotationSettings": {
            "enabled": True,
            "intervalMinutes": 30,
            "intervalSeconds": 1800,
            "lastRotatedAt": "2025-12-17T09:30:00.000Z",
            "rotationCount": 5,
        },
        "usedTraffic": 1.5,
        "rotationLink": f"https://api.proxies.sx/rotate/{TOKEN}",
        "device": {
            "_id": "69280411c01b1bb60efc4ab7",
            "name": "dongle501_de",
            "country": {"name": "Germany", "code": "DE"},
            "carrier": {"name": "Vodafone D2 GmbH", "brand": "Vodafone"},
            "region": {"name": "Berlin"},
        },
    }
    payload.update(overrides)
    return payload


def created_payload(**overrides) -> dict:
    payload = {
        "_id": "675123abc0000000000000aa",
        "displayName": "sf-u1-order77",
        "serverIp": "62.30.207.124",
        "httpPort": 8002,
        "socksPort": 5002,
        "proxyLogin": "auto_generated",
        "proxyPassword": PASSWORD,
        "expiresAt": 1702320967890,
    }
    payload.update(overrides)
    return payload


def summary_payload(**overrides) -> dict:
    payload = {
        "balance": 50.00,
        "currency": "USD",
        "shared": {
            "slots": {"total": 5, "used": 2, "available": 3},
            "trafficGB": {"total": 10, "used": 2.5, "available": 7.5},
            "expiresAt": "2025-01-15T00:00:00.000Z",
            "daysRemaining": 29,
        },
        "private": {
            "slots": {"total": 0, "used": 0, "available": 0},
            "trafficGB": {"total": 0, "used": 0, "available": 0},
        },
        "alerts": [{"type": "low_traffic", "message": "Traffic is running low", "severity": "info"}],
    }
    payload.update(overrides)
    return payload
