"""What the gateway decides, synchronously and in the database: may this username/password pass
(`gateway_admit`), and how much did it use (`gateway_account`). The servers in server.py call
these from a worker thread."""

import random
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_UP, Decimal
from urllib.parse import quote

from django.conf import settings
from django.db import transaction

from apps.proxies.urlgrammar import ProxyOptions, ProxyUrlError, parse_proxy_url
from apps.sandbox.upstream import clock
from apps.sandbox.upstream.events import mask_secret
from apps.sandbox.upstream.feeds import stock
from apps.sandbox.upstream.models import SandboxAuditEvent, SandboxKey, SandboxSession
from apps.sandbox.upstream.services import key_auto_suspend_cap, sandbox_key_accepts
from apps.sandbox.upstream.sessions import CARRIERS

from .exits import exit_live_country, exit_open

_MB = Decimal(1024 * 1024)
# What the gateway says when it refuses; the real gateway says less, the sandbox helps.
AUTH_MESSAGES = {
    "missing_credentials": "The proxy needs a username and password (user:pass@host:port).",
    "unknown_account": "The username does not start with this shop's proxy username.",
    "bad_username": "The username is malformed",
    "unknown_key": "This password is not a current key secret: it is wrong, or it was regenerated.",
    "disabled": "This key is disabled.",
    "expired": "This key has expired.",
    "cap_exceeded": "This key has used its traffic cap and was suspended.",
}


@dataclass(frozen=True)
class Refusal:
    status: int  # 407: authentication; 502: no exit for this routing
    reason: str
    message: str


@dataclass(frozen=True)
class Exit:
    """An admitted connection: the key it is counted to and the identity it leaves with."""

    pak_id: str
    session_key: str
    session_id: str
    ip: str
    pool: str
    country: str
    carrier: str
    rotation: str
    options: dict = field(default_factory=dict)

    def describe(self) -> dict:
        return {
            "ip": self.ip,
            "country": self.country.upper(),
            "carrier": self.carrier or None,
            "pool": self.pool,
            "sessionId": self.session_id,
            "rotation": self.rotation,
        }


def _refuse_auth(reason: str, detail: str = "") -> Refusal:
    message = AUTH_MESSAGES[reason] + (f": {detail}" if detail else "")
    return Refusal(407, reason, message)


def _options(username: str, password: str) -> ProxyOptions:
    url = f"http://{quote(username, safe='')}:{quote(password or 'x', safe='')}@127.0.0.1:1"
    return parse_proxy_url(url).options


def _route(options: ProxyOptions, now: datetime, rng: random.Random) -> tuple[str, str] | Refusal:
    """The pool and country with an online endpoint for these options, or a 502 as the real
    gateway answers when nothing matches."""
    pools: dict[str, dict[str, int]] = stock(None, now).payload["pools"]  # type: ignore[arg-type]  # unused
    candidates = ["mbl", "peer"] if options.pool == "any" else [options.pool]
    for pool in candidates:
        counts = pools.get(pool, {})
        if options.country:
            if counts.get(options.country, 0) <= 0:
                continue
            country = options.country
        else:
            online = sorted(cc for cc, n in counts.items() if n > 0)
            if not online:
                continue
            kept = exit_live_country(sid=options.sid, pool=pool, now=now)
            country = kept if kept in online else rng.choice(online)
        if (
            options.carrier
            and pool == "mbl"
            and country in CARRIERS
            and options.carrier.lower() not in CARRIERS[country]
        ):
            return Refusal(502, "no_stock", f"No {pool} endpoint online for carrier {options.carrier!r} in {country}.")
        return pool, country
    where = f"country {options.country!r}" if options.country else "any country"
    return Refusal(502, "no_stock", f"No {options.pool} endpoint online for {where}.")


def _failure_reason(password: str) -> str:
    """The reason the upstream's check just recorded for this secret (its audit event)."""
    hint = mask_secret(password)
    events = SandboxAuditEvent.objects.filter(action="gateway_auth_failure").order_by("-created_at", "-id")[:20]
    for event in events:
        if (event.metadata or {}).get("keyHint") == hint:
            reason = event.metadata.get("reason", "")
            return reason if reason in AUTH_MESSAGES else "unknown_key"
    return "unknown_key"


def gateway_admit(*, username: str, password: str, rng: random.Random | None = None) -> Exit | Refusal:
    """The gateway's decision for one connection: auth first (the upstream's own check, which
    writes gateway_auth_success/failure), then the routing the username asks for."""
    rng = rng or random.Random()
    if not username or not password:
        return _refuse_auth("missing_credentials")
    if username.partition("-")[0] != settings.PROXIES_SX_USERNAME:
        return _refuse_auth("unknown_account")
    try:
        options = _options(username, password)
    except ProxyUrlError as exc:
        return _refuse_auth("bad_username", str(exc))
    if not sandbox_key_accepts(password):
        return _refuse_auth(_failure_reason(password))
    now = clock.now()
    route = _route(options, now, rng)
    if isinstance(route, Refusal):
        return route
    pool, country = route
    with transaction.atomic():
        key = SandboxKey.objects.get(secret=password)
        session = exit_open(pak_id=key.public_id, options=options, pool=pool, country=country, now=now, rng=rng)
    return Exit(
        pak_id=key.public_id,
        session_key=session.session_key,
        session_id=session.session_id,
        ip=session.current_ip,
        pool=pool,
        country=country,
        carrier=session.carrier,
        rotation=options.rotation,
        options={name: value for name, value in vars(options).items() if value not in (None, "")},
    )


def gateway_account(*, exit: Exit, bytes_up: int, bytes_down: int) -> bool:
    """Counts a finished connection's bytes into the key's usage and the session, suspending the
    key when it reaches its cap (as the upstream does). Returns whether it suspended the key."""
    total = bytes_up + bytes_down
    if total <= 0:
        return False
    now = clock.now()
    with transaction.atomic():
        key = SandboxKey.objects.select_for_update().filter(public_id=exit.pak_id).first()
        if key is None:
            return False
        key.traffic_used_mb = Decimal(key.traffic_used_mb) + (Decimal(total) / _MB).quantize(Decimal("0.001"), ROUND_UP)
        key.last_used_at = now
        key.save(update_fields=["traffic_used_mb", "last_used_at"])
        session = SandboxSession.objects.filter(session_key=exit.session_key).first()
        if session is not None:
            session.bytes_out += bytes_up
            session.bytes_in += bytes_down
            session.save(update_fields=["bytes_out", "bytes_in"])
        return key_auto_suspend_cap(key=key, now=now)
