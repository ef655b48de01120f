"""Response examples for the OpenAPI document (what a customer sees in /api/docs/)."""

from drf_spectacular.utils import OpenApiExample

KEY = {
    "id": 42,
    "label": "scraper box 3",
    "status": "active",
    "enabled": True,
    "secret_hint": "pak_••••1a2b",
    "session_prefix": "k7f3x9q2_",
    "cap_gb": "25.000",
    "used_gb": "3.410",
    "remaining_gb": "21.590",
    "percent_used": "13.6",
    "unlimited": False,
    "expires_at": "2027-01-12T10:14:22Z",
    "last_used_at": "2026-12-01T09:58:03Z",
    "usage_as_of": "2026-12-01T10:00:00Z",
    "created_at": "2026-11-12T10:14:22Z",
}

ME = OpenApiExample(
    "Account",
    response_only=True,
    value={
        "email": "ops@example.com",
        "created_at": "2026-04-12T10:14:22Z",
        "sandbox": False,
        "keys_count": 1,
        "unlimited_keys": 0,
        "gb_left": "21.590",
        "next_expiry": "2027-01-12T10:14:22Z",
        "api_key": {
            "id": 7,
            "name": "scraper box 3",
            "hint": "sfk_live_Ab3dE9xQ…7f2a",
            "mode": "live",
            "scopes": ["read", "sessions:write"],
            "expires_at": None,
        },
    },
)

KEY_EXAMPLE = OpenApiExample("A key", response_only=True, value=KEY)

PROXY_URLS = OpenApiExample(
    "Two URLs with the secret",
    response_only=True,
    value={
        "key_id": 42,
        "count": 2,
        "format": "url",
        "secret_included": True,
        "data": [
            {
                "url": "http://psx_abc123-mbl-us-sid-k7f3x9q2_run70001-rot-sticky:pak_0123456789abcdef01231a2b@gw.proxies.sx:7000",
                "session_id": "k7f3x9q2_run70001",
                "text": "http://psx_abc123-mbl-us-sid-k7f3x9q2_run70001-rot-sticky:pak_0123456789abcdef01231a2b@gw.proxies.sx:7000",
            },
            {
                "url": "http://psx_abc123-mbl-us-sid-k7f3x9q2_run70002-rot-sticky:pak_0123456789abcdef01231a2b@gw.proxies.sx:7000",
                "session_id": "k7f3x9q2_run70002",
                "text": "http://psx_abc123-mbl-us-sid-k7f3x9q2_run70002-rot-sticky:pak_0123456789abcdef01231a2b@gw.proxies.sx:7000",
            },
        ],
    },
)

ORDER_CREATED = OpenApiExample(
    "A pending order",
    response_only=True,
    status_codes=["201"],
    value={
        "id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
        "reference": "6f1c2d3e4b5a4c6d",
        "status": "pending",
        "status_label": "Pending payment",
        "plan": "starter",
        "plan_name": "Starter",
        "gb": "5.00",
        "unit": "GB",
        "validity_days": 30,
        "amount": "35.00",
        "amount_paid": None,
        "amount_refunded": "0.00",
        "currency": "usd",
        "product": "pool_traffic",
        "target": "new",
        "key_id": None,
        "checkout_url": "https://checkout.stripe.com/c/pay/cs_live_a1B2c3",
        "created_at": "2026-12-01T09:11:44Z",
        "paid_at": None,
    },
)

USAGE = OpenApiExample(
    "Two days",
    response_only=True,
    value={
        "key_id": 42,
        "start": "2026-11-30",
        "end": "2026-12-01",
        "total_gb": "1.500000",
        "days": [
            {"date": "2026-11-30", "used_mb": "1024.000", "used_gb": "1.000000", "counter_mb": "2560.000"},
            {"date": "2026-12-01", "used_mb": "512.000", "used_gb": "0.500000", "counter_mb": "3072.000"},
        ],
    },
)

PORT_EXAMPLE = OpenApiExample(
    "A shared port in Germany",
    response_only=True,
    value={
        "id": 12,
        "label": "sf-u7-1a2b3c",
        "status": "active",
        "sharing": "shared",
        "country_code": "DE",
        "country_name": "Germany",
        "carrier": "Vodafone",
        "region": "Berlin",
        "host": "de1.ports.example.net",
        "http_port": 10012,
        "socks5_port": 20012,
        "login": "u7p12",
        "os_fingerprint": "",
        "public_ip": "176.0.12.34",
        "public_ip_at": "2026-12-01T09:58:03Z",
        "health": "healthy",
        "rotation_count": 14,
        "last_rotated_at": "2026-12-01T09:58:03Z",
        "cooldown_seconds": 300,
        "cooldown_remaining": 0,
        "auto_rotation": False,
        "expires_at": "2027-01-12T10:14:22Z",
        "created_at": "2026-12-01T09:40:11Z",
    },
)
