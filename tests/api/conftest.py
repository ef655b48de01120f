"""The API tests call the real views through Django's test client with a real API key; the
upstream is the in-process sandbox (as for the dashboard tests), payments the sandbox checkout."""

import json

import pytest

from apps.accounts.models import ApiKey, ApiKeyScope
from apps.accounts.services import API_KEY_LOOKUP_LENGTH, api_key_create, api_key_hash
from tests.proxies.conftest import key, live_gateway, upstream  # noqa: F401 (the dashboard tests' fixtures, shared)

ALL_SCOPES = tuple(ApiKeyScope.values)


def make_api_key(customer, *, scopes=ALL_SCOPES, **kwargs) -> str:
    """A new API key for `customer`; returns the raw key."""
    kwargs.setdefault("name", "test key")
    return api_key_create(customer=customer, scopes=scopes, **kwargs)[1]


def api_key_with_value(customer, raw_key: str, *, scopes=ALL_SCOPES) -> ApiKey:
    """A key whose raw value the test chose (the service draws a random one): for a schema whose
    auth is configured before the database exists."""
    mode, random_part = raw_key.split("_")[1], raw_key.split("_")[2]
    return ApiKey.objects.create(
        customer=customer,
        name="fixed",
        mode=mode,
        lookup=random_part[:API_KEY_LOOKUP_LENGTH],
        secret_hash=api_key_hash(raw_key),
        last4=random_part[-4:],
        scopes=list(scopes),
    )


class Api:
    """Django's test client with the Bearer header and JSON bodies."""

    def __init__(self, client, raw_key: str | None) -> None:
        self.client = client
        self.raw_key = raw_key

    def _headers(self, headers: dict | None) -> dict:
        base = {"Authorization": f"Bearer {self.raw_key}"} if self.raw_key else {}
        return {**base, **(headers or {})}

    def get(self, path: str, params: dict | None = None, **kwargs):
        return self.client.get(path, params or {}, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def _send(self, method: str, path: str, body=None, **kwargs):
        send = getattr(self.client, method)
        data = json.dumps(body) if body is not None else ""
        content_type = kwargs.pop("content_type", "application/json")
        return send(path, data, content_type=content_type, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path: str, body=None, **kwargs):
        return self._send("post", path, body, **kwargs)

    def patch(self, path: str, body=None, **kwargs):
        return self._send("patch", path, body, **kwargs)

    def delete(self, path: str, body=None, **kwargs):
        return self._send("delete", path, body, **kwargs)


@pytest.fixture
def raw_key(customer) -> str:
    return make_api_key(customer)


@pytest.fixture
def api(client, raw_key) -> Api:
    return Api(client, raw_key)


@pytest.fixture
def anonymous(client) -> Api:
    return Api(client, None)


def api_for(client, customer, **kwargs) -> Api:
    return Api(client, make_api_key(customer, **kwargs))


def error_of(response) -> dict:
    """The envelope's body, after checking the envelope's shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"type", "code", "message", "param", "request_id"}, body
    assert body["error"]["request_id"] == response["X-Request-ID"]
    return body["error"]
