"""Starting a "test my proxy" run: the username is checked at once (the grammar's parser names the
bad token), tests are rate-limited per key, and the last twenty are kept."""

import pytest

from apps.proxies.models import ProxyTest, ProxyTestStatus
from apps.proxies.services import ProxyTestRateLimited, proxy_test_start
from tests.proxies.support import mint_key


@pytest.mark.parametrize(
    ("username", "named"),
    [
        ("psx_sandbox-mbl-usa", "usa"),
        ("psx_sandbox-mbl-us-bogus", "bogus"),
        ("psx_sandbox-mbl-sid-a-b", "'b'"),
        ("psx_other-mbl", "psx_sandbox"),
        ("http://psx_sandbox-mbl:pak_x@127.0.0.1:7000", "username only"),
    ],
)
def test_a_malformed_username_fails_at_once_naming_the_token(upstream, customer, username, named):
    key = mint_key(customer)
    test = proxy_test_start(key=key, actor=customer, username=username)
    assert (test.status, test.cause) == (ProxyTestStatus.FAILED, "malformed_username")
    assert named in test.message
    assert "pak_x" not in test.username  # a pasted password is never stored


def test_tests_are_rate_limited_per_key(upstream, customer):
    key, other = mint_key(customer), mint_key(customer)
    for _ in range(10):
        proxy_test_start(key=key, actor=customer, username="psx_sandbox-mbl-usa")
    with pytest.raises(ProxyTestRateLimited):
        proxy_test_start(key=key, actor=customer, username="psx_sandbox-mbl-usa")
    assert proxy_test_start(key=other, actor=customer, username="psx_sandbox-mbl-usa").cause


def test_the_last_twenty_tests_are_kept(upstream, customer, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "proxy_test": "off"}
    key = mint_key(customer)
    for _ in range(23):
        proxy_test_start(key=key, actor=customer, username="psx_sandbox-mbl-usa")
    assert ProxyTest.objects.filter(pool_key=key).count() == 20
