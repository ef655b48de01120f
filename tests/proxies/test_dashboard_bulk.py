"""The bulk generator: N URLs with unique session ids, previewed masked, downloaded (POST only)
as .txt or .csv with the real secret."""

import csv
import io
import re

import pytest
from django.urls import reverse

from apps.proxies.dashboard.bulk import BULK_MAX, bulk_sid_parts
from apps.proxies.urlgrammar import parse_proxy_url


def bulk(client, key, fmt, **fields):
    data = {
        "bulk-count": "50",
        "bulk-pool": "mbl",
        "bulk-country": "us",
        "bulk-rotation": "sticky",
        "bulk-ttl": "",
        "bulk-protocol": "http",
        "bulk-seed": "q7x2ab",
        "bulk-format": fmt,
    }
    data.update({f"bulk-{k}": v for k, v in fields.items()})
    return client.post(reverse("proxies:key_bulk", args=[key.pk]), data)


def secret_of(upstream, key):
    return upstream.client.reveal_key(key.upstream_id).secret


def test_sid_parts_are_unique_and_fixed_width():
    parts = bulk_sid_parts(seed="abc123", count=BULK_MAX)
    assert len(set(parts)) == BULK_MAX
    assert parts[0] == "abc1230001" and parts[-1] == "abc1231000"


def test_txt_download_has_n_urls_with_unique_sessions_and_the_real_secret(upstream, customer_client, key):
    response = bulk(customer_client, key, "txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="proxies-url-50-q7x2ab.txt"'
    assert "no-store" in response["Cache-Control"]
    lines = response.content.decode().splitlines()
    assert len(lines) == 50
    parsed = [parse_proxy_url(line) for line in lines]
    assert len({p.options.sid for p in parsed}) == 50
    assert all(p.options.sid.startswith(f"{key.session_tag}_q7x2ab") for p in parsed)
    assert {p.secret for p in parsed} == {secret_of(upstream, key)}
    assert {(p.options.country, p.options.rotation) for p in parsed} == {("us", "sticky")}


def test_csv_download_has_a_header_and_one_row_per_url(upstream, customer_client, key):
    response = bulk(customer_client, key, "csv", count="3", protocol="socks5", ttl="600")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[0] == [
        "proxy_url",
        "protocol",
        "host",
        "port",
        "username",
        "password",
        "session_id",
        "country",
        "rotation",
    ]
    assert len(rows) == 4
    url, protocol, host, port, username, password, sid, country, rotation = rows[1]
    assert (protocol, host, port, country, rotation) == ("socks5", "gw.proxies.sx", "7001", "us", "sticky")
    assert password == secret_of(upstream, key)
    assert parse_proxy_url(url).username == username
    assert username.endswith(f"-sid-{sid}-rot-sticky-ttl-600")


def test_downloads_read_the_secret_through_the_audited_reveal(upstream, customer_client, key):
    bulk(customer_client, key, "txt")
    assert upstream.calls["reveal_key"] == 1


def test_preview_is_masked_and_matches_the_download(upstream, customer_client, key):
    html = bulk(customer_client, key, "preview").content.decode()
    preview = re.search(r'<textarea id="bulk-output"[^>]*>(.*?)</textarea>', html, re.S).group(1).split()
    download = bulk(customer_client, key, "txt").content.decode().split()
    secret = secret_of(upstream, key)
    assert len(preview) == 50
    assert [line.replace(key.secret_hint, secret) for line in preview] == download
    assert secret not in html


def test_new_ids_picks_a_new_seed(upstream, customer_client, key):
    html = bulk(customer_client, key, "reseed").content.decode()
    seed = re.search(r'name="bulk-seed" value="([a-z0-9]{6})"', html).group(1)
    assert seed != "q7x2ab"
    assert f"{key.session_tag}_{seed}0001" in html


@pytest.mark.parametrize("count", ["0", "1001", "-5", "many"])
def test_out_of_range_counts_are_refused_without_touching_the_upstream(upstream, customer_client, key, count):
    response = bulk(customer_client, key, "txt", count=count)
    assert response.status_code == 400
    assert "field-error" in response.content.decode()
    assert upstream.calls["reveal_key"] == 0


def test_bulk_is_post_only(upstream, customer_client, key):
    assert customer_client.get(reverse("proxies:key_bulk", args=[key.pk])).status_code == 405


def test_a_thousand_urls_in_one_download(upstream, customer_client, key):
    lines = bulk(customer_client, key, "txt", count="1000").content.decode().splitlines()
    assert len(lines) == 1000 == len(set(lines))


@pytest.mark.parametrize(
    ("layout", "name", "content_type"),
    [
        ("url", "proxies-url-3-q7x2ab.txt", "text/plain"),
        ("host_port_user_pass", "proxies-host_port_user_pass-3-q7x2ab.txt", "text/plain"),
        ("user_pass_host_port", "proxies-user_pass_host_port-3-q7x2ab.txt", "text/plain"),
        ("host_port_auth", "proxies-host_port_auth-3-q7x2ab.tsv", "text/tab-separated-values"),
        ("json", "proxies-json-3-q7x2ab.json", "application/json"),
        ("csv", "proxies-csv-3-q7x2ab.csv", "text/csv"),
    ],
)
def test_every_download_layout_says_format_and_count_and_holds_the_same_proxies(
    upstream, customer_client, key, layout, name, content_type
):
    import json

    response = bulk(customer_client, key, "download", count="3", layout=layout)
    assert response.status_code == 200
    assert response["Content-Type"] == f"{content_type}; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    body = response.content.decode()
    secret = secret_of(upstream, key)
    urls = bulk(customer_client, key, "txt", count="3").content.decode().splitlines()
    parsed = [parse_proxy_url(u) for u in urls]
    host = f"{parsed[0].host}:{parsed[0].port}"
    if layout == "url":
        assert body.splitlines() == urls
    elif layout == "host_port_user_pass":
        assert body.splitlines() == [f"{host}:{p.encoded_username}:{secret}" for p in parsed]
    elif layout == "user_pass_host_port":
        assert body.splitlines() == [f"{p.encoded_username}:{secret}@{host}" for p in parsed]
    elif layout == "host_port_auth":
        assert body.splitlines() == ["proxy\tusername\tpassword"] + [f"{host}\t{p.username}\t{secret}" for p in parsed]
    elif layout == "json":
        records = json.loads(body)
        assert [r["url"] for r in records] == urls
        assert {r["password"] for r in records} == {secret}
        assert records[0]["session_id"].startswith(f"{key.session_tag}_q7x2ab")
    else:
        rows = list(csv.reader(io.StringIO(body)))
        assert [r[0] for r in rows[1:]] == urls


def test_the_bulk_panel_offers_every_layout(upstream, customer_client, key):
    html = customer_client.get(reverse("proxies:dashboard")).content.decode()
    for layout in ("url", "host_port_user_pass", "user_pass_host_port", "host_port_auth", "json", "csv"):
        assert f'<option value="{layout}"' in html
