"""The dashboard page: its states, the usage panel, the builder without JavaScript, and how it
behaves when the upstream is slow to answer or failing."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from apps.billing.models import Order
from apps.proxies.dashboard.formats import MASK_PLACEHOLDER
from apps.proxies.models import PoolKey
from apps.proxies.services import feeds
from apps.proxies.urlgrammar import ProxyOptions, build_proxy_url, parse_proxy_url
from apps.sandbox.upstream.faults import inject
from tests.proxies.support import make_order, mint_key

DASHBOARD = "/dashboard/"


def page(client, **kwargs):
    response = client.get(DASHBOARD, **kwargs)
    assert response.status_code == 200
    return response, response.content.decode()


def shown_url(html: str) -> str:
    match = re.search(r'<code id="out-url">([^<]+)</code>', html)
    assert match, "no URL on the page"
    return match.group(1).replace("&amp;", "&")


# States ---------------------------------------------------------------------------------------


def test_dashboard_requires_login(db, client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_customer_without_key_sees_plans_and_a_buy_button(upstream, customer_client):
    _, html = page(customer_client)  # the default plans come from a data migration
    assert "Get your first proxy" in html
    assert reverse("billing:checkout", args=["starter"]) in html
    assert 'id="builder-form"' not in html


def test_paid_order_without_key_shows_preparing_with_live_status(upstream, customer_client, customer):
    make_order(customer, status=Order.Status.PAID)
    _, html = page(customer_client)
    assert "preparing your proxy" in html
    assert f'hx-get="{reverse("orders:provisioning")}"' in html


def test_status_poll_keeps_polling_while_the_key_is_prepared(upstream, customer_client, customer):
    make_order(customer, status=Order.Status.PAID)
    response = customer_client.get(reverse("orders:provisioning"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Refresh" not in response
    assert 'hx-trigger="every 2s"' in response.content.decode()


def test_status_poll_reloads_the_page_once_the_key_exists(upstream, customer_client, customer):
    make_order(customer, status=Order.Status.PROVISIONED, fulfilment_ref=str(mint_key(customer).pk))
    response = customer_client.get(reverse("orders:provisioning"), headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"


def test_failed_provisioning_tells_the_customer_to_contact_support(upstream, customer_client, customer):
    order = make_order(customer, status=Order.Status.FAILED, paid_at=timezone.now())
    _, html = page(customer_client)
    assert "We're still setting up your proxy" in html
    assert "support@example.com" in html
    assert str(order.public_id) in html


def test_active_key_shows_builder_and_masked_secret(upstream, customer_client, key):
    secret = upstream.client.reveal_key(key.upstream_id).secret
    response, html = page(customer_client)
    assert 'id="builder-form"' in html
    assert f"pak_••••{secret[-4:]}" in html
    assert secret not in html
    shown = re.sub(r'<script id="builder-config"[^<]*</script>', "", html)
    assert MASK_PLACEHOLDER not in shown  # only the script's config knows the placeholder
    assert "no-store" in response["Cache-Control"]


def test_suspended_at_cap_offers_more_gb(upstream, customer_client, key):
    PoolKey.objects.filter(pk=key.pk).update(used_mb=Decimal(10 * 1024), enabled=False)
    _, html = page(customer_client)
    assert "You've used all your traffic" in html
    assert "Buy more GB" in html


def test_expired_key_offers_renewal(upstream, customer_client, key):
    PoolKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    _, html = page(customer_client)
    assert "Your proxy has expired" in html
    assert ">Renew<" in html
    assert "expiry-red" in html


def test_key_disabled_by_operator_says_why_and_sells_no_traffic_into_it(upstream, customer_client, key, settings):
    settings.REFUND_POLICY = "disable"
    PoolKey.objects.filter(pk=key.pk).update(enabled=False, disabled_by_operator=True)
    _, html = page(customer_client)
    assert "Our team switched this key off" in html
    assert "more GB can't be bought for it" in html
    assert 'href="mailto:support@example.com"' in html
    assert "Contact support" in html
    # Issue 15 item 4: no "Buy more GB" for it; the buy buttons offer a new key only.
    assert "Buy more GB" not in html
    buy = customer_client.get(reverse("proxies:key_buy", args=[key.pk])).content.decode()
    assert f'<option value="{key.pk}"' not in buy
    assert '<option value="new" selected>A new key</option>' in buy


# Usage ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("used_gb", "level", "width"),
    [(Decimal("2.5"), "ok", "25"), (Decimal("8.0"), "warn", "80"), (Decimal("9.6"), "critical", "96")],
)
def test_usage_bar_draws_percent_with_colour_levels(upstream, customer_client, key, used_gb, level, width):
    PoolKey.objects.filter(pk=key.pk).update(used_mb=used_gb * 1024)
    _, html = page(customer_client)
    assert f'class="usage-bar level-{level}"' in html
    assert f'<rect class="usage-fill" x="0" y="0" width="{width}" height="10"/>' in html
    assert f"{used_gb:.2f} GB" in html
    assert "of 10 GB" in html


def test_pages_have_no_inline_styles_or_handlers(upstream, customer_client, key):
    _, html = page(customer_client)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert "<script>" not in html  # every script is external or JSON data


def test_unlimited_key_says_unlimited_and_draws_no_bar(upstream, customer_client, customer):
    mint_key(customer, cap_gb=None)
    _, html = page(customer_client)
    assert "Unlimited" in html
    assert "usage-bar" not in html


@pytest.mark.parametrize(
    ("delta", "tone"), [(timedelta(days=20), "dim"), (timedelta(days=3), "amber"), (timedelta(days=-1), "red")]
)
def test_expiry_notice_tone(upstream, customer_client, key, delta, tone):
    PoolKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() + delta)
    _, html = page(customer_client)
    assert f"expiry expiry-{tone}" in html


def test_last_used_is_shown(upstream, customer_client, key):
    PoolKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now() - timedelta(minutes=5))
    _, html = page(customer_client)
    assert "5\xa0minutes ago" in html


# Degrading, not failing -----------------------------------------------------------------------


def _warm(client):
    """Fills the feed caches as the page's htmx partials would."""
    for name in ("proxies:stock", "proxies:incidents", "proxies:sessions"):
        assert client.get(reverse(name)).status_code == 200


def test_plain_page_load_makes_no_upstream_call_when_the_mirror_is_fresh(upstream, customer_client, key):
    _warm(customer_client)
    upstream.calls.clear()
    page(customer_client)
    assert sum(upstream.calls.values()) == 0


def test_page_load_makes_no_upstream_call_even_when_the_mirror_is_old(upstream, customer_client, key, settings):
    """Issue 17: a stale mirror no longer makes the page wait for the upstream (even a slow one);
    the usage card asks for the refresh after render."""
    settings.POOL_KEY_REFRESH_SECONDS = 1
    _warm(customer_client)
    PoolKey.objects.filter(pk=key.pk).update(last_synced_at=timezone.now() - timedelta(minutes=10))
    upstream.calls.clear()
    with inject(latency_ms=2000):
        _, html = page(customer_client)
    assert sum(upstream.calls.values()) == 0
    assert 'hx-get="{}"'.format(reverse("proxies:key_usage", args=[key.pk])) in html

    customer_client.get(reverse("proxies:key_usage", args=[key.pk]))
    assert sum(upstream.calls.values()) == 1  # the partial reads it, once per interval


def test_page_renders_fully_while_the_upstream_fails(upstream, customer_client, key, settings):
    settings.POOL_KEY_REFRESH_SECONDS = 1
    PoolKey.objects.filter(pk=key.pk).update(last_synced_at=timezone.now() - timedelta(minutes=10))
    with inject(error_rate=1.0, error_statuses=[503]):
        response, html = page(customer_client)
        usage_html = customer_client.get(reverse("proxies:key_usage", args=[key.pk])).content.decode()
        for name in ("proxies:stock", "proxies:incidents", "proxies:sessions"):
            assert customer_client.get(reverse(name)).status_code == 200
        sessions_html = customer_client.get(reverse("proxies:sessions")).content.decode()
        stock_html = customer_client.get(reverse("proxies:stock")).content.decode()
    assert 'hx-get="{}"'.format(reverse("proxies:key_usage", args=[key.pk])) in html  # refreshed after render
    assert "Usage as of" in usage_html
    assert 'id="builder-form"' in html
    assert "can't be read right now" in sessions_html
    assert "can't be read right now" in stock_html


def test_stale_stock_is_shown_with_its_time_when_the_upstream_fails(upstream, customer_client, key):
    _warm(customer_client)
    entry = cache.get("proxies:feed:stock")
    cache.set("proxies:feed:stock", {**entry, "fetched_at": entry["fetched_at"] - timedelta(minutes=5)})
    with inject(error_rate=1.0, error_statuses=[500]):
        html = customer_client.get(reverse("proxies:stock")).content.decode()
    assert "Stock as of" in html
    assert "stock-table" in html


def test_failed_feed_is_not_retried_on_every_request(upstream, customer_client, key):
    with inject(error_rate=1.0, error_statuses=[500]):
        customer_client.get(reverse("proxies:stock"))
        customer_client.get(reverse("proxies:stock"))
    assert upstream.calls["stock"] == 1


def test_stock_feed_is_cached_between_requests(upstream, customer_client, key):
    customer_client.get(reverse("proxies:stock"))
    customer_client.get(reverse("proxies:stock"))
    assert upstream.calls["stock"] == 1
    assert feeds.stock_feed(fetch=False).stale is False


# The builder without JavaScript ----------------------------------------------------------------


def builder_post(client, **fields):
    data = {
        "pool": "mbl",
        "country": "",
        "carrier": "",
        "city": "",
        "sid_part": "abc",
        "rotation": "sticky",
        "ttl": "",
        "protocol": "http",
        **fields,
    }
    response = client.post(DASHBOARD, data)
    assert response.status_code == 200
    return response.content.decode()


def test_builder_post_rebuilds_the_url_with_the_chosen_options(upstream, customer_client, key):
    html = builder_post(customer_client, pool="peer", country="de", rotation="auto10", ttl="3600", protocol="socks5")
    url = shown_url(html).replace(key.secret_hint, "pak_x")
    parsed = parse_proxy_url(url)
    assert parsed.options == ProxyOptions(
        pool="peer", country="de", sid=f"{key.session_tag}_abc", rotation="auto10", ttl=3600, protocol="socks5"
    )
    assert parsed.port == 7001


def test_builder_url_matches_the_python_builder_with_the_secret_masked(upstream, customer_client, key, settings):
    html = builder_post(customer_client, country="us", carrier="att", city="nyc")
    expected = build_proxy_url(
        secret=MASK_PLACEHOLDER,
        options=ProxyOptions(country="us", carrier="att", city="nyc", sid=f"{key.session_tag}_abc", rotation="sticky"),
    ).url.replace(MASK_PLACEHOLDER, key.secret_hint)
    assert shown_url(html) == expected


def test_random_button_without_js_picks_a_new_session_id(upstream, customer_client, key):
    html = builder_post(customer_client, sid_part="keepme", action="random_sid")
    assert f"sid-{key.session_tag}_keepme" not in shown_url(html)
    assert f"sid-{key.session_tag}_" in shown_url(html)


def test_bad_builder_input_is_explained_not_a_500(upstream, customer_client, key):
    html = builder_post(customer_client, country="usa", sid_part="has-dash")
    assert "field-error" in html
    assert "Use letters, digits and _ only." in html
    assert '<code id="out-url"></code>' in html  # no stale or default URL to copy by mistake
    assert re.search(r'data-copy="url"[^>]*disabled', html)


def test_residential_pool_builds_no_carrier_token(upstream, customer_client, key):
    html = builder_post(customer_client, pool="peer", country="us", carrier="att")
    assert "carrier-att" not in shown_url(html)
    assert re.search(r'id="carrier-field"\s+hidden', html)


def test_countries_come_from_live_stock_with_counts_and_empty_ones_marked(upstream, customer_client, key):
    _warm(customer_client)
    stock = feeds.stock_feed(fetch=False).value
    empty = {"mbl": {**stock.pools["mbl"], "zz": 0}, "peer": stock.pools.get("peer", {})}
    entry = cache.get("proxies:feed:stock")
    cache.set(
        "proxies:feed:stock",
        {**entry, "value": type(stock)(pools=empty, totals=stock.totals, generated_at=stock.generated_at)},
    )
    _, html = page(customer_client)
    us = stock.pools["mbl"]["us"]
    assert f"United States (US) — {us:,} online" in html
    assert "ZZ (ZZ) — none online" in html
    assert 'value="zz" data-none="1"' in html


# Incidents, stock health and help --------------------------------------------------------------


def test_active_incidents_show_a_banner_and_mark_the_countries_they_affect(upstream, customer_client, key):
    from apps.sandbox.upstream.services import sandbox_incident_open, sandbox_incident_resolve

    sandbox_incident_open(severity="major", title="Brazil mobile outage", affects=["mbl:br"])
    resolved = sandbox_incident_open(severity="minor", title="Old hiccup", affects=["peer:us"])
    sandbox_incident_resolve(incident=resolved)
    banner = customer_client.get(reverse("proxies:incidents")).content.decode()
    assert "Brazil mobile outage" in banner
    assert "affects Mobile in Brazil" in banner
    assert 'role="alert"' in banner
    assert "Old hiccup" not in banner
    stock = customer_client.get(reverse("proxies:stock")).content.decode()
    assert re.search(r"Brazil.*?pill-danger\">Incident", stock, re.S)
    _, html = page(customer_client)
    assert "Brazil mobile outage" in html  # cached now: on the page without an upstream call


def test_periodic_feed_refresh_renders_the_incident_banner_with_the_page(upstream, customer_client, key):
    from apps.proxies.tasks import live_feeds_refresh
    from apps.sandbox.upstream.services import sandbox_incident_open

    sandbox_incident_open(severity="major", title="Brazil mobile outage", affects=["mbl:br"])
    live_feeds_refresh()
    calls_before = dict(upstream.calls)
    _, html = page(customer_client)
    assert "Brazil mobile outage" in html
    incidents_div = re.search(r'<div id="incidents"[^>]*>', html).group(0)
    assert "load" not in incidents_div  # nothing loaded after the page: no jump
    assert upstream.calls.get("incidents") == calls_before.get("incidents")


def test_bulk_country_select_shows_names_and_live_counts_with_the_page(upstream, customer_client, key):
    from apps.proxies.tasks import live_feeds_refresh

    live_feeds_refresh()
    _, html = page(customer_client)
    bulk_select = re.search(r'<select name="bulk-country".*?</select>', html, re.S).group(0)
    assert re.search(r">United States \(US\) — [\d,]+ online<", bulk_select)


def test_stock_health_pills(upstream, customer_client, key):
    html = customer_client.get(reverse("proxies:stock")).content.decode()
    assert 'pill-ok">Good' in html
    assert 'pill-danger">None online' in html  # the sandbox lists countries with zero endpoints
    assert 'id="stock-data-update"' in html  # the page's builder refreshes its country list from it


def test_getting_started_explains_the_grammar_rotations_and_a_test_command(upstream, customer_client, key):
    _, html = page(customer_client)
    assert 'hx-get="/dashboard/help/"' in html  # loaded after the page: the same for everyone
    help_panel = customer_client.get(reverse("proxies:help")).content.decode()
    assert "curl -x" in help_panel and "https://api.ipify.org" in help_panel
    for mode in ("rot-sticky", "rot-hard", "rot-auto5", "rot-auto60", "rot-ondemand", "(none)"):
        assert mode in help_panel
    assert "pak_YOUR_SECRET" in help_panel  # never a secret, not even a masked one


def test_getting_started_before_the_first_purchase_uses_an_example(upstream, customer_client):
    _, html = page(customer_client)
    assert "http://psx_sandbox-mbl-us-sid-example-rot-sticky:pak_YOUR_SECRET@gw.proxies.sx:7000" in html


def test_builder_offers_all_nine_rotation_modes_each_explained(upstream, customer_client, key):
    from apps.proxies.dashboard.builder import ROTATION_HELP
    from apps.proxies.urlgrammar import ROTATIONS

    _, html = page(customer_client)
    builder = html[html.index('id="builder-form"') : html.index("</form>", html.index('id="builder-form"'))]
    assert set(re.findall(r'name="rotation" value="([a-z0-9]+)"', builder)) == set(ROTATIONS)
    for mode in ROTATIONS:
        assert str(ROTATION_HELP[mode]) in builder  # lazy: in the page's language


def test_builder_offers_both_protocols_with_their_ports(upstream, customer_client, key):
    _, html = page(customer_client)
    assert "HTTP · 7000" in html and "SOCKS5 · 7001" in html


def test_before_stock_is_read_the_builder_offers_common_countries(upstream, customer_client, key):
    _, html = page(customer_client)  # a cold cache: the page does not wait for the stock feed
    assert upstream.calls["stock"] == 0
    assert '<option value="de">Germany (DE)</option>' in html
    assert "Live endpoint counts aren't available yet" in html


def test_usage_figures_say_when_they_were_updated(upstream, customer_client, key):
    from apps.proxies.services import usage_samples_record

    usage_samples_record()  # a reading, so the chart is drawn
    html = customer_client.get("/dashboard/").content.decode()

    usage_card = html.split('id="usage-title"')[1].split("</section>")[0]
    assert re.search(r'class="updated-ago muted">updated <time datetime="[^"]+"[^>]*>\d+ s ago</time>', usage_card)
    chart_html = customer_client.get(reverse("proxies:key_history", args=[key.pk])).content.decode()
    chart = chart_html.split('class="usage-chart"')[1].split("</figure>")[0]
    assert "updated-ago" in chart
