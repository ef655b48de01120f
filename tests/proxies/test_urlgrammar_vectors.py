"""The Python builder against the shared vectors in tests/proxies/vectors/ (see its README);
a JavaScript builder is held to the same files."""

import json
from pathlib import Path

import pytest

from apps.proxies.urlgrammar import ProxyOptions, ProxyUrlError, build_proxy_url, parse_proxy_url

VECTORS = Path(__file__).parent / "vectors"
VALID = json.loads((VECTORS / "proxy_urls.json").read_text(encoding="utf-8"))
INVALID = json.loads((VECTORS / "proxy_url_errors.json").read_text(encoding="utf-8"))


def build(vector):
    return build_proxy_url(
        secret=vector["secret"],
        options=ProxyOptions(**vector["options"]),
        reseller_username=vector["reseller_username"],
        host=vector["host"],
        port=vector["port"],
    )


def test_the_vector_files_are_not_empty_and_cover_every_rotation_and_both_protocols():
    assert len(VALID) >= 15 and len(INVALID) >= 10
    rotations = {v["options"].get("rotation", "none") for v in VALID}
    assert rotations >= {"none", "auto5", "auto10", "auto20", "auto30", "auto60", "ondemand", "sticky", "hard"}
    assert {v["options"].get("protocol", "http") for v in VALID} == {"http", "socks5"}


@pytest.mark.parametrize("vector", VALID, ids=[v["name"] for v in VALID])
def test_builder_matches_the_vector(vector):
    proxy = build(vector)

    assert proxy.username == vector["expected"]["username"]
    assert proxy.url == vector["expected"]["url"]
    assert proxy.formats() == vector["expected"]["formats"]


@pytest.mark.parametrize("vector", VALID, ids=[v["name"] for v in VALID])
def test_parser_reads_the_vector_url_back(vector):
    assert parse_proxy_url(vector["expected"]["url"]) == build(vector)


@pytest.mark.parametrize("vector", INVALID, ids=[v["name"] for v in INVALID])
def test_builder_refuses_the_invalid_vector(vector):
    with pytest.raises(ProxyUrlError) as caught:
        build(vector)

    assert caught.value.field == vector["error"]["field"]
    assert vector["error"]["message_contains"] in caught.value.message
