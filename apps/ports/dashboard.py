"""The Ports page as data: connection strings in every export format, status and tone, the
cooldown, the forms. Presentation only: reads, never writes. The page never holds the password
unless its owner revealed it: strings carry a placeholder, which the page's script swaps for the
real password (read through the audited reveal) when a copy button is pressed."""

import uuid
from dataclasses import dataclass
from urllib.parse import quote

from django.utils import timezone

from .forms import CredentialsForm, FingerprintForm, RotationSettingsForm
from .models import Port, PortStatus
from .selectors import port_renewal_plan_slugs, port_rotation_link_get, port_rotations
from .upstream.records import AUTO_ROTATION_BOUNDS, OS_FINGERPRINTS

PLACEHOLDER = "__PORT_PASSWORD__"
MASK = "••••••••"
STATUS_TONES: dict[str, str] = {
    PortStatus.ACTIVE: "ok",
    PortStatus.BLOCKED: "danger",
    PortStatus.SUSPENDED: "danger",
    PortStatus.EXPIRED: "danger",
    PortStatus.MISSING: "danger",
    PortStatus.RELEASED: "neutral",
}
TEST_URL = "https://api.ipify.org"


@dataclass(frozen=True)
class FormatView:
    key: str
    label: str
    template: str  # with PLACEHOLDER where the password goes
    text: str  # what the page shows (masked unless revealed)
    multiline: bool = False


def _templates(port: Port) -> list[tuple[str, str, str, bool]]:
    user, pw, host = quote(port.login, safe=""), PLACEHOLDER, port.server_ip
    http = f"http://{user}:{pw}@{host}:{port.http_port}"
    socks = f"socks5://{user}:{pw}@{host}:{port.socks_port}"
    return [
        ("http_url", "HTTP", http, False),
        ("socks5_url", "SOCKS5", socks, False),
        ("http_hpup", "HTTP host:port:user:pass", f"{host}:{port.http_port}:{user}:{pw}", False),
        ("socks5_hpup", "SOCKS5 host:port:user:pass", f"{host}:{port.socks_port}:{user}:{pw}", False),
        ("user_pass_host_port", "user:pass@host:port", f"{user}:{pw}@{host}:{port.http_port}", False),
        ("curl", "curl", f"curl -x {http} {TEST_URL}", False),
        ("curl_socks5", "curl (SOCKS5)", f"curl -x {socks.replace('socks5://', 'socks5h://', 1)} {TEST_URL}", False),
        (
            "python_requests",
            "Python (requests)",
            f'import requests\n\nproxies = {{"http": "{http}", "https": "{http}"}}\n'
            f'print(requests.get("{TEST_URL}", proxies=proxies, timeout=30).text)',
            True,
        ),
        (
            "node",
            "Node.js",
            'import { HttpsProxyAgent } from "https-proxy-agent";\n\n'
            f'const agent = new HttpsProxyAgent("{http}");\n'
            f'const res = await fetch("{TEST_URL}", {{ agent }});\nconsole.log(await res.text());',
            True,
        ),
    ]


def connection_formats(*, port: Port, password: str | None = None) -> list[FormatView]:
    shown = quote(password, safe="") if password else MASK
    return [
        FormatView(key=key, label=label, template=text, text=text.replace(PLACEHOLDER, shown), multiline=multi)
        for key, label, text, multi in _templates(port)
    ]


def new_nonce() -> str:
    return uuid.uuid4().hex


RENEWABLE = (PortStatus.ACTIVE, PortStatus.EXPIRED, PortStatus.SUSPENDED)


def port_card(port: Port) -> dict:
    status = port.status
    now = timezone.now()
    return {
        "port": port,
        "status": status,
        "status_label": PortStatus(status).label,
        "tone": STATUS_TONES.get(status, "neutral"),
        "days_left": max(0, (port.expires_at - now).days),
        "expiring": status == PortStatus.ACTIVE and (port.expires_at - now).days < 7,
        "renewable": status in RENEWABLE,
    }


def port_page_context(*, port: Port, password: str | None = None, **extra) -> dict:
    low, high = AUTO_ROTATION_BOUNDS[port.sharing]
    nonce = new_nonce()
    interval = port.auto_rotation_seconds or low
    settings_form = extra.pop("settings_form", None) or RotationSettingsForm(
        initial={
            "op": nonce,
            "enabled": port.auto_rotation_enabled,
            "interval_minutes": max(1, interval // 60),
            "match_carrier": port.match_carrier,
            "match_city": port.match_city,
        }
    )
    return {
        **port_card(port),
        "formats": connection_formats(port=port, password=password),
        "password": password,
        "placeholder": PLACEHOLDER,
        "mask": MASK,
        "cooldown_remaining": port.cooldown_remaining(),
        "cooldown_seconds": port.cooldown_seconds,
        "interval_bounds": (low // 60, high // 60),
        "history": port_rotations(port=port),
        "link": port_rotation_link_get(port=port),
        "nonce": nonce,
        "settings_form": settings_form,
        "fingerprint_form": extra.pop("fingerprint_form", None)
        or FingerprintForm(initial={"op": nonce, "os_fingerprint": port.os_fingerprint}),
        "credentials_form": extra.pop("credentials_form", None) or CredentialsForm(initial={"op": nonce}),
        "fingerprints": OS_FINGERPRINTS,
        "renewal_slugs": port_renewal_plan_slugs(port=port),
        **extra,
    }
