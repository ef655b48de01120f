"""The exit a request leaves from: a SandboxSession (so the sessions feed shows it) with a fake
IP. A sticky `sid` keeps its identity for the session's lifetime; `rot-autoN` moves to a new IP
every N minutes, `rot-hard` on every connection; without a `sid` every connection gets a fresh,
synthesized session, as the real gateway does."""

import hashlib
import random
from datetime import datetime, timedelta

from apps.proxies.urlgrammar import ProxyOptions
from apps.sandbox.upstream.models import SandboxSession
from apps.sandbox.upstream.sessions import CARRIERS, STICKY_SECONDS, SYNTHESIZED_SECONDS, account_id
from apps.sandbox.upstream.wire import new_id

_FIRST_OCTETS = (37, 46, 77, 92, 109, 176, 188)


def fake_ip(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST_OCTETS)}.{rng.randint(1, 254)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _seeded(*parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()
    return random.Random(int(digest[:16], 16))


def _session_key(session_id: str) -> str:
    return f"gw:session:{account_id()}:{session_id}"


def exit_live_country(*, sid: str | None, pool: str, now: datetime) -> str:
    """The country a live sticky session of `sid` in `pool` exits from ("" when none): a username
    without a country keeps the exit its sid got first, as the real gateway does."""
    if not sid:
        return ""
    session = SandboxSession.objects.filter(session_key=_session_key(sid), pool=pool, expires_at__gt=now).first()
    return session.country if session is not None else ""


def _ip_for(session: SandboxSession, rotation: str, now: datetime, rng: random.Random) -> str:
    if rotation == "hard":
        return fake_ip(rng)
    if rotation.startswith("auto"):
        minutes = int(rotation[4:])
        window = int((now - session.created_at).total_seconds() // (minutes * 60))
        return session.current_ip if window == 0 else fake_ip(_seeded(session.endpoint_id, window))
    return session.current_ip  # none, sticky, ondemand: the same IP until the session ends


def exit_open(
    *, pak_id: str, options: ProxyOptions, pool: str, country: str, now: datetime, rng: random.Random
) -> SandboxSession:
    """Opens or refreshes the session this connection uses and returns it with its current IP."""
    carrier = options.carrier or (rng.choice(CARRIERS[country]) if pool == "mbl" and country in CARRIERS else "")
    sid = options.sid
    lifetime = options.ttl or (STICKY_SECONDS if sid else SYNTHESIZED_SECONDS)
    session = None
    if sid:
        session = SandboxSession.objects.filter(session_key=_session_key(sid), expires_at__gt=now).first()
        if session is not None and (session.pak_id, session.pool, session.country) != (pak_id, pool, country):
            session = None  # the same sid with other routing (or another key) is a new session
        if session is None:
            SandboxSession.objects.filter(session_key=_session_key(sid)).delete()
    if session is None:
        sid = sid or new_id("auto_", 4)
        session = SandboxSession(
            session_key=_session_key(sid),
            session_id=sid,
            pak_id=pak_id,
            pool=pool,
            country=country,
            carrier=carrier.lower(),
            current_ip=fake_ip(rng),
            endpoint_id=new_id("ep_", 6),
            rotation=options.rotation,
            lifetime_seconds=lifetime,
            is_synthesized=options.sid is None,
            created_at=now,
            last_activity_at=now,
            expires_at=now + timedelta(seconds=lifetime),
        )
    else:
        session.current_ip = _ip_for(session, options.rotation, now, rng)
        session.rotation = options.rotation
        session.expires_at = now + timedelta(seconds=lifetime)  # activity keeps a session alive
    session.request_count += 1
    session.last_activity_at = now
    session.save()
    return session
