"""Actions that cost an upstream call are limited per customer (regenerate, reveal, closing
sessions), and closing a session the cached feed does not list as the customer's costs no
upstream read at all: a made-up session key is answered from the cache."""

import re

from django.urls import reverse

from apps.proxies.services import feeds
from apps.sandbox.upstream.faults import inject
from apps.sandbox.upstream.models import SandboxSession
from tests.proxies.support import mint_key, open_session
from tests.proxies.test_dashboard_bulk import bulk

HTMX = {"HX-Request": "true"}


def limit(settings, action: str, rate: str) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, action: rate}


def alive(session) -> bool:
    return SandboxSession.objects.filter(session_key=session.session_key).exists()


def close_url(session_key: str) -> str:
    return reverse("proxies:session_close", args=[session_key])


def load_panel(client) -> None:
    assert client.get(reverse("proxies:sessions")).status_code == 200


# Regenerate ------------------------------------------------------------------------------------


def _regenerate(client, key):
    url = reverse("proxies:key_regenerate", args=[key.pk])
    op = re.search(r'name="op" value="([a-f0-9]{32})"', client.get(url).content.decode()).group(1)
    return client.post(url, {"op": op, "confirm": "on"})


def test_regenerating_again_and_again_gets_the_branded_429_and_no_upstream_write(
    upstream, customer_client, key, settings
):
    limit(settings, "key_regenerate", "2/10m/user")
    assert [_regenerate(customer_client, key).status_code for _ in range(2)] == [303, 303]

    response = _regenerate(customer_client, key)

    assert response.status_code == 429
    assert "regenerated this secret many times" in response.content.decode()
    assert upstream.calls["regenerate_key"] == 2


def test_the_regenerate_limit_is_per_customer(upstream, client, key, other_customer, settings):
    limit(settings, "key_regenerate", "1/10m/user")
    client.force_login(key.customer)
    assert _regenerate(client, key).status_code == 303
    client.force_login(other_customer)

    assert _regenerate(client, mint_key(other_customer)).status_code == 303
    assert upstream.calls["regenerate_key"] == 2


# Reveal (and the downloads that reveal) ------------------------------------------------------------


def test_a_bulk_download_counts_against_the_reveal_limit(upstream, customer_client, key, settings):
    limit(settings, "key_reveal", "1/10m/user")
    assert customer_client.post(reverse("proxies:key_reveal", args=[key.pk]), headers={"Accept": "application/json"})

    response = bulk(customer_client, key, "txt")

    assert response.status_code == 429
    assert upstream.calls["reveal_key"] == 1


# Sessions ----------------------------------------------------------------------------------------


def test_closing_made_up_session_keys_reads_the_upstream_feed_at_most_once(upstream, customer_client, key, settings):
    limit(settings, "session_close", "off")
    mine = open_session(key, "bot1")
    load_panel(customer_client)
    reads = upstream.calls["sessions"]

    statuses = {customer_client.post(close_url(f"sk_madeup_{n}"), headers=HTMX).status_code for n in range(30)}

    assert statuses == {404}
    assert upstream.calls["sessions"] == reads
    assert upstream.calls["close_session"] == 0
    assert alive(mine)


def test_closing_someone_elses_session_from_the_cache_reads_nothing_more(
    upstream, customer_client, key, other_customer, settings
):
    theirs = open_session(mint_key(other_customer), "theirs")
    load_panel(customer_client)
    reads = upstream.calls["sessions"]

    assert customer_client.post(close_url(theirs.session_key), headers=HTMX).status_code == 404
    assert upstream.calls["sessions"] == reads
    assert alive(theirs)


def test_closing_my_session_confirms_it_live_and_then_drops_it_from_the_panel(upstream, customer_client, key):
    mine, other = open_session(key, "bot1"), open_session(key, "bot2")
    load_panel(customer_client)
    reads = upstream.calls["sessions"]

    html = customer_client.post(close_url(mine.session_key), headers=HTMX).content.decode()

    assert upstream.calls["sessions"] == reads + 1  # the live check, and the panel from the cache
    assert not alive(mine)
    assert close_url(mine.session_key) not in html  # its row is gone...
    assert close_url(other.session_key) in html  # ...the other one is still listed


def test_close_all_without_sessions_of_mine_in_the_cache_reads_nothing_more(
    upstream, customer_client, key, other_customer
):
    open_session(mint_key(other_customer), "theirs")
    load_panel(customer_client)
    reads = upstream.calls["sessions"]

    response = customer_client.post(reverse("proxies:sessions_close_all"), headers=HTMX)

    assert "Closed 0 sessions." in response.content.decode()
    assert upstream.calls["sessions"] == reads


def test_closing_sessions_again_and_again_gets_a_429_with_a_message(upstream, customer_client, key, settings):
    limit(settings, "session_close", "2/10m/user")
    limit(settings, "sessions_close_all", "1/10m/user")
    sessions = [open_session(key, f"bot{n}") for n in range(3)]
    for session in sessions[:2]:
        assert customer_client.post(close_url(session.session_key), headers=HTMX).status_code == 200
    assert customer_client.post(reverse("proxies:sessions_close_all"), headers=HTMX).status_code == 200
    last = open_session(key, "late")
    closes = upstream.calls["close_session"]

    panel = customer_client.post(close_url(last.session_key), headers=HTMX)
    page = customer_client.post(close_url(last.session_key))
    close_all = customer_client.post(reverse("proxies:sessions_close_all"), headers=HTMX)

    assert (panel.status_code, page.status_code, close_all.status_code) == (429, 429, 429)
    assert "closed sessions many times" in panel.content.decode()
    assert "Too many attempts" in page.content.decode()
    assert upstream.calls["close_session"] == closes
    assert alive(last)


def test_htmx_is_told_to_show_a_429_panel(customer_client, key):
    html = customer_client.get("/dashboard/").content.decode()

    assert '{"code": "429", "swap": true}' in html


def test_while_the_feed_is_failing_a_close_says_so_without_another_read(upstream, customer_client, key):
    mine = open_session(key, "bot1")
    load_panel(customer_client)
    with inject(error_rate=1.0, error_statuses=[502]):
        feeds.sessions_feed_invalidate()
        load_panel(customer_client)  # the refresh fails: the feed backs off
        reads = upstream.calls["sessions"]
        response = customer_client.post(close_url(mine.session_key), headers=HTMX)

    assert "can't be read right now" in response.content.decode()
    assert upstream.calls["sessions"] == reads
    assert alive(mine)
