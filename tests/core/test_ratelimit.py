"""The shop's own rate limits (apps/core/ratelimit.py): counted per customer and per client
address in fixed windows in the shared cache, IPv6 clients by their /64."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone

from apps.core.ratelimit import rate_limit_allows
from apps.core.rates import Rate, rates_parse
from tests.factories import UserFactory


def request_from(address: str, user=None):
    request = RequestFactory().post("/", REMOTE_ADDR=address)
    request.user = user or AnonymousUser()
    return request


@pytest.fixture
def rates(settings):
    def _set(rate: str) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "test_action": rate}

    return _set


def allowed(request, times: int) -> list[bool]:
    return [rate_limit_allows(request, action="test_action") for _ in range(times)]


def test_rates_read_like_allauths():
    assert rates_parse("10/10m/user, 30/h/ip") == [Rate(10, 600, "user"), Rate(30, 3600, "ip")]
    assert rates_parse("off") == rates_parse("") == []
    with pytest.raises(ValueError):
        rates_parse("10/10m")  # per whom


def test_addresses_in_one_ipv6_64_share_a_limit_others_do_not(rates):
    rates("2/10m/ip")

    assert allowed(request_from("2001:db8:1:2::1"), 1) + allowed(request_from("2001:db8:1:2::ffff"), 2) == [
        True,
        True,
        False,
    ]
    assert allowed(request_from("2001:db8:1:3::1"), 1) == [True]


@pytest.mark.django_db
def test_the_customer_limit_follows_the_customer_across_addresses(rates):
    rates("2/10m/user")
    customer = UserFactory()

    assert allowed(request_from("192.0.2.1", customer), 1) + allowed(request_from("192.0.2.2", customer), 2) == [
        True,
        True,
        False,
    ]
    assert allowed(request_from("192.0.2.1", UserFactory()), 1) == [True]


def test_a_window_opens_again_after_its_period(rates):
    rates("1/10m/ip")
    request = request_from("192.0.2.9")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert allowed(request, 2) == [True, False]
        clock.shift(timedelta(minutes=10, seconds=1))
        assert allowed(request, 1) == [True]


def test_an_action_without_rates_is_not_limited():
    assert allowed(request_from("192.0.2.9"), 50) == [True] * 50
