"""Live gateway sessions: the feed (scoped to the reseller, never naming a key), closing one or
all, and the helpers simulated traffic uses to open and refresh them."""

import random
from datetime import datetime, timedelta
from urllib.parse import quote

from django.conf import settings

from .models import SandboxSession
from .wire import ApiError, Reply, SandboxRequest, new_id, unix_ms

MAX_LIVE_SESSIONS = 50
STICKY_SECONDS = 30 * 60
SYNTHESIZED_SECONDS = 5 * 60
CARRIERS = {
    "us": ("att", "tmobile", "verizon"),
    "gb": ("ee", "vodafone", "three"),
    "de": ("telekom", "vodafone", "o2"),
    "pl": ("orange", "play", "plus"),
    "fr": ("orange", "sfr", "bouygues"),
    "es": ("movistar", "vodafone", "orange"),
}


def account_id() -> str:
    return settings.PROXIES_SX_USERNAME


def _session_key(session_id: str) -> str:
    return f"gw:session:{account_id()}:{session_id}"


def _username(session: SandboxSession) -> str:
    tokens = [account_id(), session.pool, session.country]
    if session.carrier:
        tokens.append(f"carrier-{session.carrier}")
    if not session.is_synthesized:
        tokens.append(f"sid-{session.session_id}")
    if session.rotation and session.rotation != "none":
        tokens.append(f"rot-{session.rotation}")
    return quote("-".join(tokens), safe="")


def session_payload(session: SandboxSession, *, now: datetime) -> dict:
    host = settings.PROXIES_SX_GATEWAY_HOST
    username = _username(session)
    return {
        "sessionKey": session.session_key,
        "accountId": account_id(),
        "sessionId": session.session_id,
        "pool": session.pool,
        "country": session.country,
        "carrier": session.carrier or None,
        "currentIp": session.current_ip,
        "createdAt": unix_ms(session.created_at),
        "lastActivityAt": unix_ms(session.last_activity_at),
        "expiresAt": unix_ms(session.expires_at),
        "requestCount": session.request_count,
        "bytesIn": session.bytes_in,
        "bytesOut": session.bytes_out,
        "endpointId": session.endpoint_id,
        "rotation": session.rotation or "none",
        "ttl": max(0, int((session.expires_at - now).total_seconds())),
        "proxyUrl": f"http://{username}:<PASSWORD>@{host}:7000",
        "socks5Url": f"socks5://{username}:<PASSWORD>@{host}:7001",
        "isSynthesizedSid": session.is_synthesized,
    }


def _live(now: datetime):
    return SandboxSession.objects.filter(expires_at__gt=now)


def sessions_list(request: SandboxRequest, now: datetime) -> Reply:
    sessions = [session_payload(s, now=now) for s in _live(now).order_by("-last_activity_at", "-id")]
    return Reply(200, {"sessions": sessions, "count": len(sessions)})


def session_close(request: SandboxRequest, now: datetime, session_key: str) -> Reply:
    # Ownership check: a key outside this account's namespace is somebody else's.
    if not session_key.startswith(_session_key("")):
        raise ApiError(404, "session_not_found", "Session not found.")
    matching = SandboxSession.objects.filter(session_key=session_key)
    closed = matching.filter(expires_at__gt=now).exists()
    matching.delete()
    message = "Session closed" if closed else "Session already closed"
    return Reply(200, {"success": True, "message": message})


def sessions_close_all(request: SandboxRequest, now: datetime) -> Reply:
    count = _live(now).count()
    SandboxSession.objects.all().delete()
    return Reply(200, {"success": True, "message": f"Closed {count} sessions", "count": count})


def sessions_close_for_key(*, pak_id: str) -> int:
    return SandboxSession.objects.filter(pak_id=pak_id).delete()[0]


def sessions_purge(*, now: datetime) -> int:
    return SandboxSession.objects.filter(expires_at__lte=now).delete()[0]


def _ip(rng: random.Random) -> str:
    first = rng.choice((37, 46, 77, 92, 109, 176, 188))
    return f"{first}.{rng.randint(1, 254)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def session_touch(
    *,
    pak_id: str,
    session_id: str | None,
    now: datetime,
    rng: random.Random,
    bytes_total: int,
    pool: str = "mbl",
    country: str = "us",
) -> SandboxSession:
    """Opens or refreshes a session. session_id None opens a synthesized `auto_*` session, as the
    gateway does for a URL without `-sid-`."""
    synthesized = session_id is None
    sid = session_id or new_id("auto_", 4)
    lifetime = SYNTHESIZED_SECONDS if synthesized else STICKY_SECONDS
    session = SandboxSession.objects.filter(session_key=_session_key(sid), expires_at__gt=now).first()
    if session is None:
        SandboxSession.objects.filter(session_key=_session_key(sid)).delete()  # an expired leftover
        session = SandboxSession(
            session_key=_session_key(sid),
            session_id=sid,
            pak_id=pak_id,
            pool=pool,
            country=country,
            carrier=rng.choice(CARRIERS[country]) if pool == "mbl" and country in CARRIERS else "",
            current_ip=_ip(rng),
            endpoint_id=new_id("ep_", 6),
            rotation="none" if synthesized else rng.choice(("sticky", "sticky", "auto10", "none")),
            lifetime_seconds=lifetime,
            is_synthesized=synthesized,
            created_at=now,
            last_activity_at=now,
            expires_at=now + timedelta(seconds=lifetime),
        )
    elif session.rotation.startswith("auto") and rng.random() < 0.5:
        session.current_ip = _ip(rng)  # an auto-rotating session moves on
    session.request_count += rng.randint(20, 400)
    session.bytes_in += int(bytes_total * 0.85)
    session.bytes_out += bytes_total - int(bytes_total * 0.85)
    session.last_activity_at = now
    if not synthesized:
        session.expires_at = now + timedelta(seconds=lifetime)  # activity keeps a sticky session alive
    session.save()
    _evict_over_limit(now)
    return session


def _evict_over_limit(now: datetime) -> None:
    """An account holds at most about 50 live sessions; the least recently active go first."""
    live = _live(now).order_by("-last_activity_at", "-id").values_list("id", flat=True)
    extra = list(live[MAX_LIVE_SESSIONS:])
    if extra:
        SandboxSession.objects.filter(id__in=extra).delete()
