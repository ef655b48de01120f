"""Closing a customer's live sessions.

The upstream's sessions feed is reseller-wide (see `apps.proxies.selectors`, which scopes it to
one customer by sid prefix). Closing uses the single-session call for each of the customer's own
sessions: the upstream's "close all" would close every customer's sessions. Ownership is
confirmed against the live feed, never the cache, and anyone else's session is a NotFound.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from apps.core.errors import ApplicationError, NotFound
from apps.core.services import audit_log
from apps.proxies.models import PoolKey
from apps.proxies.selectors import session_belongs_to, session_sid, session_tags_for_customer
from apps.proxies.upstream.errors import UpstreamError, UpstreamNotFound
from apps.proxies.upstream.records import SessionRecord

from . import client, feeds

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

UNREADABLE = "Live sessions can't be read right now. Please try again in a minute."


def _own(feed: feeds.Feed, tags: list[str]) -> list[SessionRecord]:
    return [s for s in (feed.value or []) if session_belongs_to(s, tags)]


def _own_live_sessions(
    *, customer: "User", wanted: Callable[[SessionRecord], bool], key: PoolKey | None = None
) -> list[SessionRecord]:
    """The customer's sessions that `wanted` picks, as the upstream lists them now.

    The cached feed answers first (one upstream read every few seconds serves every customer):
    when it holds none of the wanted sessions there is nothing to close, and no uncached read of
    the reseller-wide feed is spent on a made-up session key. Otherwise ownership is confirmed
    against the live feed, never the cache: the cache may be old, and a session_key alone says
    nothing about who owns it."""
    tags = session_tags_for_customer(customer=customer, key=key)
    cached = feeds.sessions_feed(fetch=True)
    if cached.failed:  # the upstream is failing right now: no forced read to add to it
        raise ApplicationError(UNREADABLE)
    if cached.value is not None and not any(wanted(s) for s in _own(cached, tags)):
        return []
    live = feeds.sessions_feed(fetch=True, force=True)
    if live.failed:
        raise ApplicationError(UNREADABLE)
    return [s for s in _own(live, tags) if wanted(s)]


def session_close(*, customer: "User", session_key: str, ip: str | None = None) -> SessionRecord:
    """Closes one of the customer's sessions. Raises NotFound for anyone else's (or one that is
    not live any more), ApplicationError when the upstream cannot say or close it now."""
    own = _own_live_sessions(customer=customer, wanted=lambda s: s.session_key == session_key)
    if not own:
        raise NotFound(gettext("No such session."))
    session = own[0]
    try:
        client.upstream_client().close_session(session.session_key)
    except UpstreamNotFound:
        pass  # already gone: closing is idempotent
    except UpstreamError as exc:
        feeds.sessions_feed_invalidate()  # closed or not: the next read tells
        raise ApplicationError(gettext("The session could not be closed right now. Please try again.")) from exc
    feeds.sessions_feed_forget(session_keys=[session.session_key])
    audit_log(
        action="session_close",
        actor=customer,
        customer=customer,
        ip=ip,
        data={"session_key": session.session_key, "sid": session_sid(session)},
    )
    return session


@dataclass(frozen=True)
class CloseAllResult:
    closed: int
    failed: int


def sessions_close_all(*, customer: "User", ip: str | None = None, key: PoolKey | None = None) -> CloseAllResult:
    """Closes each of the customer's own sessions (with `key`, that key's only), one call per session."""
    closed, failed, keys = 0, 0, []
    for session in _own_live_sessions(customer=customer, wanted=lambda s: True, key=key):
        try:
            client.upstream_client().close_session(session.session_key)
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
