"""Idempotency keys: valid for the upstream (8-128 of [A-Za-z0-9_-]), stable, never shared."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.proxies.services import idempotency_key_derive, idempotency_key_for, idempotency_key_validate

VALID = re.compile(r"^[A-Za-z0-9_-]{8,128}$")


def test_key_for_a_simple_operator_action_is_readable():
    assert idempotency_key_for(action="grant", obj_ref="poolkey-42", nonce="3f9a") == "grant-poolkey-42-3f9a"


def test_key_for_is_stable_for_the_same_inputs():
    args = {"action": "extend", "obj_ref": "poolkey 7", "nonce": "form/1"}
    assert idempotency_key_for(**args) == idempotency_key_for(**args)


def test_unsafe_inputs_are_slugged_and_hashed_so_they_never_collide():
    a = idempotency_key_for(action="grant", obj_ref="key.1", nonce="n")
    b = idempotency_key_for(action="grant", obj_ref="key_1", nonce="n")
    assert a != b
    assert VALID.fullmatch(a)


def test_short_inputs_still_give_a_valid_key():
    assert VALID.fullmatch(idempotency_key_for(action="a", obj_ref="b", nonce="c"))


@pytest.mark.parametrize("missing", ["action", "obj_ref", "nonce"])
def test_key_for_needs_every_part(missing):
    args = {"action": "grant", "obj_ref": "poolkey-1", "nonce": "abc"}
    args[missing] = ""
    with pytest.raises(ValueError):
        idempotency_key_for(**args)


@given(st.text(min_size=1, max_size=300), st.text(min_size=1, max_size=300), st.text(min_size=1, max_size=300))
def test_key_for_always_yields_a_key_the_upstream_accepts_and_derivations_fit(action, obj_ref, nonce):
    key = idempotency_key_for(action=action, obj_ref=obj_ref, nonce=nonce)
    assert VALID.fullmatch(key)
    for suffix in ("topup", "enable"):
        assert VALID.fullmatch(idempotency_key_derive(key, suffix))


def test_derived_keys_are_distinct_per_step_and_fit_even_for_a_maximal_key():
    key = "k" * 128
    topup, enable = idempotency_key_derive(key, "topup"), idempotency_key_derive(key, "enable")
    assert topup != enable
    assert VALID.fullmatch(topup) and VALID.fullmatch(enable)
    assert idempotency_key_derive("order-9-fulfil", "topup") == "order-9-fulfil-topup"


@pytest.mark.parametrize("bad", ["short", "x" * 129, "has space x", "ünïcode_key", None, 12345678])
def test_validate_rejects_what_the_upstream_would(bad):
    with pytest.raises(ValueError):
        idempotency_key_validate(bad)
