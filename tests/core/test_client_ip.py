from django.test import RequestFactory, override_settings

from apps.core.http import client_ip


def test_client_ip_is_the_peer_address_when_no_proxy_is_trusted():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert client_ip(request) == "10.0.0.9"


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_client_ip_comes_from_the_trusted_proxy_chain():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7")

    assert client_ip(request) == "203.0.113.7"


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=2)
def test_a_forwarded_chain_shorter_than_the_trusted_count_falls_back_to_the_peer():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert client_ip(request) == "10.0.0.9"


@override_settings(ALLAUTH_TRUSTED_CLIENT_IP_HEADER="CF-Connecting-IP")
def test_client_ip_can_come_from_a_cdn_header():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_CF_CONNECTING_IP="203.0.113.8")

    assert client_ip(request) == "203.0.113.8"
