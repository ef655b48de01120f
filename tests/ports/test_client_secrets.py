"""The port's password and rotation token never reach a log line, an exception or a repr, even
when the upstream echoes them back; the masker in apps/core/logging.py knows their field names,
connection strings and the token links."""

import logging
import traceback

import pytest

from apps.core.logging import mask_secrets, mask_value
from apps.ports.upstream import errors

from .client_support import API_KEY, IDEM, PASSWORD, TOKEN, ScriptedUpstream, make_client, port_payload, reply


@pytest.fixture
def all_logs(caplog):
    caplog.set_level(logging.DEBUG)
    extra = [logging.getLogger(name) for name in ("httpx", "httpcore", "apps.proxies.upstream")]
    saved = [(lg, lg.level) for lg in extra]
    for lg in extra:
        lg.setLevel(logging.DEBUG)
        lg.addHandler(caplog.handler)
    yield caplog
    for lg, level in saved:
        lg.removeHandler(caplog.handler)
        lg.setLevel(level)


def _texts(exc: BaseException) -> str:
    return "\n".join([str(exc), repr(exc), *map(str, exc.args), "".join(traceback.format_exception(exc))])


def _assert_clean(text: str) -> None:
    assert PASSWORD not in text
    assert TOKEN not in text
    assert API_KEY not in text


def test_an_error_echoing_the_port_masks_its_secrets(all_logs):
    echo = f'bad port {{"proxyPassword":"{PASSWORD}","rotationToken":"{TOKEN}"}} see /rotate/{TOKEN}'
    upstream = ScriptedUpstream(reply(422, {"message": echo}))

    with pytest.raises(errors.UpstreamValidationError) as caught:
        make_client(upstream).change_credentials("p1", login="alice", password=PASSWORD, idempotency_key=IDEM)

    _assert_clean(_texts(caught.value))
    _assert_clean(all_logs.text)


def test_a_token_rotation_never_logs_the_token(all_logs):
    upstream = ScriptedUpstream(reply(500, {"message": "down"}), reply(200, {"success": True, "portId": "p1"}))

    make_client(upstream).rotate_by_token(TOKEN)

    assert "/rotate/" in all_logs.text
    _assert_clean(all_logs.text)


def test_a_bad_record_never_echoes_the_password():
    upstream = ScriptedUpstream(reply(200, port_payload(proxyPassword=12345678)))

    with pytest.raises(errors.UpstreamBadResponse) as caught:
        make_client(upstream).get_port("p1")

    assert "12345678" not in _texts(caught.value)


def test_records_leave_the_secrets_out_of_their_repr():
    upstream = ScriptedUpstream(reply(200, port_payload()))

    record = make_client(upstream).get_port("p1")

    assert PASSWORD not in repr(record) and TOKEN not in repr(record)


@pytest.mark.parametrize(
    "text",
    [
        f'{{"proxyPassword": "{PASSWORD}", "rotationToken": "{TOKEN}"}}',
        f"{{'proxy_password': '{PASSWORD}', 'rotation_token': '{TOKEN}'}}",
        f"proxyPassword={PASSWORD}&rotationToken={TOKEN}",
        f"http://user_8cc33c91vjml:{PASSWORD}@138.201.158.43:8522 socks5://u:{PASSWORD}@h:5522",
        f"GET https://api.proxies.sx/rotate/{TOKEN} and the shop's /r/{TOKEN}",
    ],
)
def test_the_masker_knows_every_shape_of_the_port_secrets(text):
    masked = mask_secrets(text)

    assert PASSWORD not in masked and TOKEN not in masked
    assert mask_secrets(masked) == masked  # masking twice changes nothing


def test_the_masker_keeps_what_is_not_secret():
    text = "http://user_8cc33c91vjml@138.201.158.43:8522 postgres://postgres@db:5432/x /v1/ports/p1/rotate"

    assert mask_secrets(text) == text
    assert mask_secrets(f"http://login:{PASSWORD}@h:1") == "http://login:…@h:1"


def test_extra_fields_named_like_a_secret_are_masked_whatever_their_value():
    assert mask_value({"proxyPassword": PASSWORD, "rotationToken": TOKEN, "port": "p1"}) == {
        "proxyPassword": "…",
        "rotationToken": "…",
        "port": "p1",
    }
