"""The upstream contract's constants live in one place (apps/proxies/upstream/records.py); the
client, the services, the console and the URL grammar all follow it."""

import pytest

from apps.proxies.dashboard.builder import POOLS as BUILDER_POOLS
from apps.proxies.dashboard.live import stock_counts
from apps.proxies.services.idempotency import idempotency_key_validate
from apps.proxies.upstream.client import validate_idempotency_key
from apps.proxies.upstream.records import (
    GATEWAY_POOLS,
    IDEMPOTENCY_KEY_PATTERN,
    STOCK_POOLS,
    StockRecord,
)
from apps.proxies.urlgrammar import ProxyOptions, ProxyUrlError

KEYS = ["order-42-fulfil", "a" * 8, "a" * 128, "a" * 7, "a" * 129, "has space 123", "dot.ted.key", "ünïcode-key"]


@pytest.mark.parametrize("key", KEYS)
def test_the_client_and_the_services_accept_exactly_the_keys_the_contract_allows(key):
    allowed = bool(IDEMPOTENCY_KEY_PATTERN.fullmatch(key))

    for validate in (validate_idempotency_key, idempotency_key_validate):
        if allowed:
            assert validate(key) == key
        else:
            with pytest.raises(ValueError):
                validate(key)


def test_the_url_grammar_takes_every_gateway_pool_and_nothing_else():
    for pool in GATEWAY_POOLS:
        assert ProxyOptions(pool=pool).pool == pool
    with pytest.raises(ProxyUrlError):
        ProxyOptions(pool="dc")


def test_the_builder_and_the_stock_counts_offer_the_stock_pools():
    stock = StockRecord(pools={"mbl": {"US": 3}, "peer": {"br": 2}, "dc": {"us": 9}}, totals={}, generated_at=None)

    assert [code for code, _label, _help in BUILDER_POOLS] == list(STOCK_POOLS)
    assert stock_counts(stock) == {"us": {"mbl": 3, "peer": 0}, "br": {"mbl": 0, "peer": 2}}
