"""The proxy URL builder and parser: examples and clear errors."""

import ast
import json
import shlex

import httpx
import pytest
from django.test import override_settings

from apps.proxies.urlgrammar import (
    ROTATIONS,
    ProxyOptions,
    ProxyUrlError,
    build_proxy_url,
    parse_proxy_url,
    shell_quote,
)

PAK = "pak_0123456789abcdef01234567"


def build(**options):
    return build_proxy_url(
        secret=PAK, options=ProxyOptions(**options), reseller_username="psx_abc123", host="gw.proxies.sx"
    )


@override_settings(PROXIES_SX_USERNAME="psx_shop", PROXIES_SX_GATEWAY_HOST="gw.example.test")
def test_reseller_username_and_host_default_to_settings():
    proxy = build_proxy_url(secret=PAK)

    assert proxy.url == f"http://psx_shop-mbl:{PAK}@gw.example.test:7000"


def test_the_sdk_readme_example_builds_the_same_url():
    proxy = build(country="us", sid="alice", rotation="sticky")

    assert proxy.url == f"http://psx_abc123-mbl-us-sid-alice-rot-sticky:{PAK}@gw.proxies.sx:7000"


def test_socks5_uses_port_7001():
    assert build(protocol="socks5").url == f"socks5://psx_abc123-mbl:{PAK}@gw.proxies.sx:7001"


@pytest.mark.parametrize("rotation", ROTATIONS)
def test_every_rotation_mode_is_accepted_and_none_emits_no_token(rotation):
    username = build(rotation=rotation).username

    assert username == ("psx_abc123-mbl" if rotation == "none" else f"psx_abc123-mbl-rot-{rotation}")


def test_empty_form_values_mean_not_set():
    assert ProxyOptions(country="", carrier="", city="", sid="", ttl="") == ProxyOptions()


def test_options_are_normalised():
    options = ProxyOptions(pool=" PEER ", country="DE", rotation="Sticky", ttl="3600", protocol="SOCKS5")

    assert options == ProxyOptions(pool="peer", country="de", rotation="sticky", ttl=3600, protocol="socks5")


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        ({"country": "usa"}, "country", "two-letter ISO 3166-1 code (e.g. 'us', 'de'), not the three-letter 'usa'"),
        ({"country": "u"}, "country", "two-letter"),
        ({"country": 1}, "country", "two-letter"),
        ({"rotation": "auto15"}, "rotation", "must be one of none, auto5, auto10"),
        ({"rotation": None}, "rotation", "must be one of"),
        ({"pool": "dc"}, "pool", "must be one of mbl, peer, any"),
        ({"protocol": "https"}, "protocol", "must be one of http, socks5"),
        ({"sid": "alice-1"}, "sid", "'-' separates username tokens; use '_' instead"),
        ({"sid": "a b"}, "sid", "only letters, digits and '_'"),
        ({"sid": "ü"}, "sid", "only letters, digits and '_'"),
        ({"sid": "a" * 65}, "sid", "at most 64 characters"),
        ({"carrier": "t-mobile"}, "carrier", "use '_' instead"),
        ({"city": "new york"}, "city", "only letters"),
        ({"ttl": 59}, "ttl", "between 60 and 2592000"),
        ({"ttl": 2_592_001}, "ttl", "between 60 and 2592000"),
        ({"ttl": True}, "ttl", "whole number"),
        ({"ttl": 60.5}, "ttl", "whole number"),
    ],
)
def test_bad_options_raise_a_clear_error_naming_the_field(options, field, message):
    with pytest.raises(ProxyUrlError) as caught:
        ProxyOptions(**options)

    assert isinstance(caught.value, ValueError)
    assert caught.value.field == field
    assert message in caught.value.message
    assert str(caught.value).startswith(f"{field}: ")


def test_sid_of_64_characters_and_ttl_bounds_are_accepted():
    ProxyOptions(sid="a" * 64, ttl=60)
    ProxyOptions(ttl=2_592_000)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reseller_username": "psx-abc"}, "reseller_username"),
        ({"reseller_username": ""}, "reseller_username"),
        ({"secret": ""}, "secret"),
        ({"secret": "pak_a\nb"}, "secret"),
        ({"host": "gw.proxies.sx:7000"}, "host"),
        ({"host": "-bad.example"}, "host"),
        ({"port": 0}, "port"),
        ({"port": "7000"}, "port"),
    ],
)
def test_bad_endpoint_parts_are_refused(kwargs, field):
    args = {"secret": PAK, "reseller_username": "psx_abc123", "host": "gw.proxies.sx"} | kwargs

    with pytest.raises(ProxyUrlError) as caught:
        build_proxy_url(**args)

    assert caught.value.field == field


def test_repr_and_str_do_not_show_the_secret():
    proxy = build(country="us")

    assert PAK not in repr(proxy)
    assert PAK not in str(proxy)
    assert str(proxy) == "http://psx_abc123-mbl-us:…@gw.proxies.sx:7000"


def test_parse_reads_every_part_back():
    url = f"socks5://psx_ab12-any-gb-carrier-vodafone-city-london-sid-k7f3_bot07-rot-auto10-ttl-3600:{PAK}@edge.example:9000"

    proxy = parse_proxy_url(url)

    assert proxy.reseller_username == "psx_ab12"
    assert proxy.secret == PAK
    assert (proxy.host, proxy.port, proxy.protocol) == ("edge.example", 9000, "socks5")
    assert proxy.options == ProxyOptions(
        pool="any",
        country="gb",
        carrier="vodafone",
        city="london",
        sid="k7f3_bot07",
        rotation="auto10",
        ttl=3600,
        protocol="socks5",
    )
    assert proxy.url == url


def test_parse_accepts_tokens_in_any_order_and_the_sdks_rot_none():
    proxy = parse_proxy_url(f"http://psx_abc-rot-none-sid-alice-us-peer:{PAK}@gw.proxies.sx:7000")

    assert proxy.options == ProxyOptions(pool="peer", country="us", sid="alice")


def test_parse_without_a_pool_token_means_mbl_and_without_a_port_the_default():
    proxy = parse_proxy_url(f"socks5h://psx_abc:{PAK}@gw.proxies.sx/")

    assert proxy.options == ProxyOptions(protocol="socks5")
    assert proxy.port == 7001


def test_parse_decodes_percent_encoded_userinfo():
    proxy = parse_proxy_url("http://psx_a%3Ab-mbl:pak_x%40y%3Az%25@[2001:db8::1]:7000")

    assert proxy.reseller_username == "psx_a:b"
    assert proxy.secret == "pak_x@y:z%"
    assert proxy.host == "[2001:db8::1]"


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        ("", "url", "empty"),
        (f"https://psx_abc-mbl:{PAK}@gw.proxies.sx:7000", "protocol", "http:// or socks5://"),
        ("gw.proxies.sx:7000", "protocol", "http:// or socks5://"),
        ("http://gw.proxies.sx:7000", "url", "username:password@"),
        ("http://psx_abc-mbl@gw.proxies.sx:7000", "secret", "missing"),
        ("http://psx_abc-mbl:@gw.proxies.sx:7000", "secret", "missing"),
        (f"http://psx_abc-mbl:{PAK}@gw.proxies.sx:7000/path", "url", "path"),
        (f"http://psx_abc-mbl:{PAK}@gw.proxies.sx:http", "port", "number"),
        (f"http://psx_abc-mbl:{PAK}@gw.proxies.sx:99999", "port", "1 to 65535"),
        (f"http://psx_abc-mbl-usa:{PAK}@gw.proxies.sx:7000", "username", "unknown token 'usa'"),
        (f"http://psx_abc-mbl-us-de:{PAK}@gw.proxies.sx:7000", "country", "appears twice"),
        (f"http://psx_abc-mbl-sid:{PAK}@gw.proxies.sx:7000", "sid", "has no value"),
        (f"http://psx_abc-mbl-rot-auto15:{PAK}@gw.proxies.sx:7000", "rotation", "must be one of"),
        (f"http://psx_abc-mbl-ttl-5:{PAK}@gw.proxies.sx:7000", "ttl", "between 60"),
        ("http://psx_abc-mbl:pak_%FF@gw.proxies.sx:7000", "secret", "UTF-8"),
    ],
)
def test_parse_explains_what_is_wrong(url, field, message):
    with pytest.raises(ProxyUrlError) as caught:
        parse_proxy_url(url)

    assert caught.value.field == field
    assert message in caught.value.message


def test_formats_cover_every_client_and_agree_on_the_credentials():
    proxy = build(country="us", sid="alice")
    formats = proxy.formats()

    assert set(formats) == {
        "url",
        "host_port_user_pass",
        "user_pass_host_port",
        "curl",
        "python_requests",
        "python_httpx",
        "node",
    }
    assert formats["host_port_user_pass"] == f"gw.proxies.sx:7000:psx_abc123-mbl-us-sid-alice:{PAK}"
    assert formats["user_pass_host_port"] == f"psx_abc123-mbl-us-sid-alice:{PAK}@gw.proxies.sx:7000"
    assert shlex.split(formats["curl"]) == ["curl", "--proxy", proxy.url, "https://api.ipify.org"]


@pytest.mark.parametrize("protocol", ["http", "socks5"])
def test_python_snippets_are_valid_python_holding_the_proxy_url(protocol):
    proxy = build_proxy_url(
        secret="pak_it's\"odd",
        options=ProxyOptions(protocol=protocol),
        reseller_username="psx_abc",
        host="gw.proxies.sx",
    )
    expected = proxy.url.replace("socks5://", "socks5h://")

    for name in ("python_requests", "python_httpx"):
        tree = ast.parse(proxy.formats()[name])
        literals = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)]
        assert expected in literals


@pytest.mark.parametrize("protocol", ["http", "socks5"])
def test_node_snippet_holds_the_proxy_url_as_a_string_literal(protocol):
    proxy = build(protocol=protocol)
    node = proxy.formats()["node"]
    expected = proxy.url.replace("socks5://", "socks5h://")

    assert json.dumps(expected) in node
    assert ("ProxyAgent" if protocol == "http" else "SocksProxyAgent") in node


def test_socks5_snippets_resolve_dns_at_the_gateway():
    formats = build(protocol="socks5").formats()

    assert "'socks5h://psx_abc123-mbl:" in formats["curl"]
    assert formats["url"].startswith("socks5://")


def test_shell_quote_survives_single_quotes_and_dollars():
    value = 'it\'s $HOME `x` "y"'

    assert shlex.split(f"echo {shell_quote(value)}") == ["echo", value]


@pytest.mark.parametrize("protocol", ["http", "socks5"])
def test_httpx_reads_the_credentials_back_from_the_url(protocol):
    proxy = build_proxy_url(
        secret="pak_a:b@c/d%e",
        options=ProxyOptions(protocol=protocol),
        reseller_username="psx_abc",
        host="gw.proxies.sx",
    )

    parsed = httpx.Proxy(proxy.url)

    assert parsed.auth == (proxy.username, "pak_a:b@c/d%e")
    assert (parsed.url.host, parsed.url.port) == ("gw.proxies.sx", proxy.port)
