"""Property tests: whatever valid parts go in, parse(build(x)) gives them back, and standard
URL readers agree on the credentials, reserved and non-ASCII characters included."""

import contextlib
import re
import shlex
from urllib.parse import unquote, urlsplit

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.proxies.urlgrammar import (
    POOLS,
    PROTOCOLS,
    ROTATIONS,
    ProxyOptions,
    ProxyUrl,
    ProxyUrlError,
    build_proxy_url,
    parse_proxy_url,
    shell_quote,
)

RESERVED = ":/?#[]@!$&'()*+,;=%\"<>\\^`{|}"
# Printable characters without whitespace/control; the reseller username also without "-".
printable = st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp"))
secrets_ = st.text(st.one_of(printable, st.sampled_from(RESERVED + "-")), min_size=1, max_size=40)
resellers = st.text(st.one_of(printable, st.sampled_from(RESERVED)), min_size=1, max_size=20).filter(
    lambda s: "-" not in s
)
words = st.from_regex(r"[A-Za-z0-9_]{1,32}", fullmatch=True)
label = r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?"
hosts = st.one_of(
    st.from_regex(rf"{label}(\.{label}){{0,3}}", fullmatch=True),
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t))),
    st.sampled_from(["[::1]", "[2001:db8::7]", "gw.proxies.sx"]),
)
options = st.builds(
    ProxyOptions,
    pool=st.sampled_from(POOLS),
    country=st.none() | st.from_regex(r"[a-zA-Z]{2}", fullmatch=True),
    carrier=st.none() | words,
    city=st.none() | words,
    sid=st.none() | st.from_regex(r"[A-Za-z0-9_]{1,64}", fullmatch=True),
    rotation=st.sampled_from(ROTATIONS),
    ttl=st.none() | st.integers(60, 2_592_000),
    protocol=st.sampled_from(PROTOCOLS),
)
proxies = st.builds(
    lambda reseller, secret, opts, host, port: build_proxy_url(
        secret=secret, options=opts, reseller_username=reseller, host=host, port=port
    ),
    resellers,
    secrets_,
    options,
    hosts,
    st.none() | st.integers(1, 65535),
)


@settings(deadline=None, max_examples=300)
@given(proxies)
def test_parse_of_build_gives_back_every_part(proxy: ProxyUrl):
    assert parse_proxy_url(proxy.url) == proxy


@settings(deadline=None)
@given(proxies)
def test_userinfo_is_percent_encoded_to_unreserved_characters_only(proxy: ProxyUrl):
    userinfo = proxy.url.split("://", 1)[1].rsplit("@", 1)[0]
    user, secret = userinfo.split(":")
    assert re.fullmatch(r"[A-Za-z0-9._~%-]+", user)
    assert re.fullmatch(r"[A-Za-z0-9._~%-]+", secret)
    assert unquote(user) == proxy.username
    assert unquote(secret) == proxy.secret


@settings(deadline=None)
@given(proxies)
def test_standard_url_readers_see_the_same_credentials(proxy: ProxyUrl):
    split = urlsplit(proxy.url)
    assert (unquote(split.username), unquote(split.password)) == (proxy.username, proxy.secret)
    url = httpx.URL(proxy.url)
    assert (url.username, url.password) == (proxy.username, proxy.secret)
    assert url.port == proxy.port or (url.port is None and proxy.port == 80)


@settings(deadline=None)
@given(proxies)
def test_every_text_format_carries_the_same_endpoint(proxy: ProxyUrl):
    formats = proxy.formats()
    user, secret = proxy.encoded_username, proxy.encoded_secret
    assert ":" not in user + secret  # so host:port:user:pass splits unambiguously
    assert formats["host_port_user_pass"] == f"{proxy.host}:{proxy.port}:{user}:{secret}"
    assert formats["user_pass_host_port"] == f"{user}:{secret}@{proxy.host}:{proxy.port}"
    assert (unquote(user), unquote(secret)) == (proxy.username, proxy.secret)
    assert shlex.split(formats["curl"])[2].split("://", 1)[1] == proxy.url.split("://", 1)[1]


@settings(deadline=None)
@given(st.text(max_size=60))
def test_shell_quote_round_trips_any_text(text):
    assert shlex.split(shell_quote(text)) == [text]


@settings(deadline=None)
@given(st.from_regex(r"[A-Za-z0-9_]{0,10}-[A-Za-z0-9_-]{0,10}", fullmatch=True))
def test_a_sid_with_a_hyphen_is_always_refused(sid):
    try:
        ProxyOptions(sid=sid)
    except ProxyUrlError as error:
        assert error.field == "sid"
    else:
        raise AssertionError(f"sid {sid!r} was accepted")


@settings(deadline=None)
@given(st.text(max_size=80))
def test_parsing_arbitrary_text_raises_only_proxy_url_error(text):
    with contextlib.suppress(ProxyUrlError):
        parse_proxy_url(text)
