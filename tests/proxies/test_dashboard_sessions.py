"""Live sessions: the reseller-wide feed scoped to one customer by their sid prefix. Only their
own sessions are listed and closable; "close all" closes each of theirs, never everyone's."""

from django.urls import reverse

from apps.core.models import AuditEntry
from apps.sandbox.upstream.faults import inject
from apps.sandbox.upstream.models import SandboxSession
from tests.proxies.support import mint_key, open_session

HTMX = {"HX-Request": "true"}


def sessions_html(client, **params) -> str:
    response = client.get(reverse("proxies:sessions"), params)
    assert response.status_code == 200
    return response.content.decode()


def alive(session) -> bool:
    return SandboxSession.objects.filter(session_key=session.session_key).exists()


def test_only_the_customers_own_sessions_are_listed(upstream, customer_client, key, other_customer):
    mine = open_session(key, "scraper1")
    theirs = open_session(mint_key(other_customer), "theirs")
    untagged = open_session(key, "x", sid="alice")  # a hand-written sid without the prefix
    html = sessions_html(customer_client)
    assert mine.session_id in html
    assert theirs.session_id not in html
    assert ">alice<" not in html and untagged.session_key not in html
    assert mine.current_ip in html


def test_synthesized_sessions_are_hidden_and_never_attributed(upstream, customer_client, key):
    synthesized = open_session(key, "auto", synthesized=True)
    assert synthesized.session_id not in sessions_html(customer_client)
    # They carry no sid, so not even the "show synthesized" switch can attribute them to anyone.
    assert synthesized.session_id not in sessions_html(customer_client, synth="1")


def test_own_sessions_flagged_synthesized_are_hidden_until_asked_for(upstream, customer_client, key):
    flagged = open_session(key, "flagged")
    SandboxSession.objects.filter(pk=flagged.pk).update(is_synthesized=True)
    html = sessions_html(customer_client)
    assert flagged.session_id not in html
    assert "(1 hidden)" in html
    assert flagged.session_id in sessions_html(customer_client, synth="1")


def test_another_customer_with_a_similar_tag_prefix_is_not_matched(upstream, customer_client, key, other_customer):
    other = mint_key(other_customer)
    spoof = open_session(other, "x", sid=f"{key.session_tag}x_lookalike")
    assert spoof.session_id not in sessions_html(customer_client)


def test_table_shows_sid_ip_rotation_ttl_bytes_and_requests(upstream, customer_client, key):
    session = open_session(key, "bot7", country="de")
    html = sessions_html(customer_client)
    for text in (session.session_id, session.current_ip, "DE", f"{session.request_count:,}", "KB / "):
        assert text in html


def test_close_one_of_my_sessions(upstream, customer_client, key, customer):
    session = open_session(key, "bot1")
    response = customer_client.post(reverse("proxies:session_close", args=[session.session_key]), headers=HTMX)
    assert response.status_code == 200
    assert "closed" in response.content.decode()
    assert not alive(session)
    entry = AuditEntry.objects.get(action="session_close")
    assert entry.customer == customer and entry.data["sid"] == session.session_id


def test_closing_someone_elses_session_is_a_404_and_closes_nothing(upstream, customer_client, key, other_customer):
    theirs = open_session(mint_key(other_customer), "theirs")
    response = customer_client.post(reverse("proxies:session_close", args=[theirs.session_key]), headers=HTMX)
    assert response.status_code == 404
    assert alive(theirs)
    assert upstream.calls["close_session"] == 0


def test_closing_without_javascript_redirects_back_with_a_message(upstream, customer_client, key):
    session = open_session(key, "bot2")
    response = customer_client.post(reverse("proxies:session_close", args=[session.session_key]))
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/#sessions"
    assert not alive(session)


def test_close_all_closes_each_of_mine_and_nobody_elses(upstream, customer_client, key, other_customer):
    mine = [open_session(key, f"m{i}") for i in range(3)]
    theirs = open_session(mint_key(other_customer), "theirs")
    synthesized = open_session(key, "auto", synthesized=True)
    response = customer_client.post(reverse("proxies:sessions_close_all"), headers=HTMX)
    assert "Closed 3 sessions." in response.content.decode()
    assert not any(alive(s) for s in mine)
    assert alive(theirs) and alive(synthesized)
    assert upstream.calls["close_all_sessions"] == 0
    assert upstream.calls["close_session"] == 3


def test_close_while_the_upstream_fails_says_so_and_keeps_the_session(upstream, customer_client, key):
    session = open_session(key, "bot3")
    with inject(error_rate=1.0, error_statuses=[502]):
        response = customer_client.post(reverse("proxies:session_close", args=[session.session_key]), headers=HTMX)
    assert response.status_code == 200
    assert "can't be read right now" in response.content.decode()
    assert alive(session)


def test_sessions_panel_refreshes_itself(upstream, customer_client, key):
    html = customer_client.get("/dashboard/").content.decode()
    assert f'hx-get="{reverse("proxies:sessions")}"' in html
    assert "every 15s" in html
