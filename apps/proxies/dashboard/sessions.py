"""Live sessions, scoped to one customer.

The upstream's sessions feed is scoped by the reseller's API key: it lists every customer's
sessions together and a session carries no key id. Every URL the shop builds for a customer
carries a session id that starts with their key's `session_tag`: `sid-<tag>_<part>` ("_", as
the grammar keeps "-" for separating tokens). A session belongs to a customer exactly when its
sid starts with one of their tags (tags are 8 of [a-z0-9], so one never prefixes another). Sessions
without such a prefix (synthesized ids, hand-written sids, other customers) are never shown
to, nor closed for, a customer. Closing uses the single-session call for each of the
customer's own sessions: the upstream's "close all" would close every customer's sessions.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apps.core.errors import ApplicationError
from apps.core.services import audit_log
from apps.proxies.models import PoolKey
from apps.proxies.upstream.errors import UpstreamError, UpstreamNotFound
from apps.proxies.upstream.records import SessionRecord

from . import feeds

logger = logging.getLogger(__name__)


class SessionNotFound(ApplicationError):
    """Not one of the caller's live sessions (or not live any more): the view answers 404."""


def customer_session_tags(*, customer) -> list[str]:
    return list(PoolKey.objects.live().filter(customer=customer).values_list("session_tag", flat=True))


def sid_value(session: SessionRecord) -> str:
    """The sid as the customer wrote it after `sid-` (tolerates a feed that keeps the token)."""
    sid = session.session_id or ""
    return sid[4:] if sid.startswith("sid-") else sid


def session_belongs_to(session: SessionRecord, tags: list[str]) -> bool:
    sid = sid_value(session)
    return any(tag and sid.startswith(f"{tag}_") and len(sid) > len(tag) + 1 for tag in tags)


@dataclass(frozen=True)
class CustomerSessions:
    sessions: list[SessionRecord]
    hidden_synthesized: int
    fetched_at: datetime | None
    stale: bool
    failed: bool

    @property
    def available(self) -> bool:
        return self.fetched_at is not None


def session_list_for_customer(*, customer, fetch: bool, include_synthesized: bool = False) -> CustomerSessions:
    """The customer's own sessions, newest activity first."""
    feed = feeds.sessions_feed(fetch=fetch)
    tags = customer_session_tags(customer=customer)
    own = [s for s in (feed.value or []) if session_belongs_to(s, tags)]
    shown = own if include_synthesized else [s for s in own if not s.is_synthesized_sid]
    shown.sort(key=lambda s: s.last_activity_at or s.created_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return CustomerSessions(
        sessions=shown,
        hidden_synthesized=len(own) - len(shown),
        fetched_at=feed.fetched_at,
        stale=feed.stale,
        failed=feed.failed,
    )


UNREADABLE = "Live sessions can't be read right now. Please try again in a minute."


def _own(feed: feeds.Feed, tags: list[str]) -> list[SessionRecord]:
    return [s for s in (feed.value or []) if session_belongs_to(s, tags)]


def _own_live_sessions(*, customer, wanted: Callable[[SessionRecord], bool]) -> list[SessionRecord]:
    """The customer's sessions that `wanted` picks, as the upstream lists them now.

    The cached feed answers first (one upstream read every few seconds serves every customer):
    when it holds none of the wanted sessions there is nothing to close, and no uncached read of
    the reseller-wide feed is spent on a made-up session key. Otherwise ownership is confirmed
    against the live feed, never the cache: the cache may be old, and a session_key alone says
    nothing about who owns it."""
    tags = customer_session_tags(customer=customer)
    cached = feeds.sessions_feed(fetch=True)
    if cached.failed:  # the upstream is failing right now: no forced read to add to it
        raise ApplicationError(UNREADABLE)
    if cached.value is not None and not any(wanted(s) for s in _own(cached, tags)):
        return []
    live = feeds.sessions_feed(fetch=True, force=True)
    if live.failed:
        raise ApplicationError(UNREADABLE)
    return [s for s in _own(live, tags) if wanted(s)]


def session_close_for_customer(*, customer, session_key: str, ip: str | None = None) -> SessionRecord:
    """Closes one of the customer's sessions. Raises SessionNotFound for anyone else's."""
    own = _own_live_sessions(customer=customer, wanted=lambda s: s.session_key == session_key)
    if not own:
        raise SessionNotFound("No such session.")
    session = own[0]
    try:
        feeds._client().close_session(session.session_key)
    except UpstreamNotFound:
        pass  # already gone: closing is idempotent
    except UpstreamError as exc:
        feeds.sessions_feed_invalidate()  # closed or not: the next read tells
        raise ApplicationError("The session could not be closed right now. Please try again.") from exc
    feeds.sessions_feed_forget(session_keys=[session.session_key])
    audit_log(
        action="session_close",
        actor=customer,
        customer=customer,
        ip=ip,
        data={"session_key": session.session_key, "sid": sid_value(session)},
    )
    return session


@dataclass(frozen=True)
class CloseAllResult:
    closed: int
    failed: int


def session_close_all_for_customer(*, customer, ip: str | None = None) -> CloseAllResult:
    """Closes each of the customer's own sessions, one call per session."""
    closed, failed, keys = 0, 0, []
    for session in _own_live_sessions(customer=customer, wanted=lambda s: True):
        try:
            feeds._client().close_session(session.session_key)
        except UpstreamNotFound:
            pass
        except UpstreamError as exc:
            logger.warning("closing session failed: %s", exc)
            failed += 1
            continue
        closed += 1
        keys.append(session.session_key)
    if failed:
        feeds.sessions_feed_invalidate()
    else:
        feeds.sessions_feed_forget(session_keys=keys)
    audit_log(
        action="session_close_all",
        actor=customer,
        customer=customer,
        ip=ip,
        data={"closed": closed, "failed": failed, "session_keys": keys[:200]},
    )
    return CloseAllResult(closed=closed, failed=failed)
