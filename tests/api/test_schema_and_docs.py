"""The OpenAPI 3.1 document is complete (every endpoint, the auth scheme, the error answers with
examples, the shared headers) and the reference page loads only self-hosted assets under the CSP."""

import re

import pytest

from apps.api.urls import v1
from apps.webhooks.urls import urlpatterns as webhook_urls
from tests.api.conftest import *  # noqa: F403 (the shared API fixtures)

ENDPOINTS = {
    "/api/v1/me": {"get"},
    "/api/v1/plans": {"get"},
    "/api/v1/keys": {"get"},
    "/api/v1/keys/{key_id}": {"get", "patch"},
    "/api/v1/keys/{key_id}/reveal": {"post"},
    "/api/v1/keys/{key_id}/regenerate": {"post"},
    "/api/v1/keys/{key_id}/usage": {"get"},
    "/api/v1/keys/{key_id}/test": {"post"},
    "/api/v1/keys/{key_id}/tests": {"get"},
    "/api/v1/proxy-urls": {"post"},
    "/api/v1/sessions": {"get", "delete"},
    "/api/v1/sessions/{session_key}": {"delete"},
    "/api/v1/stock": {"get"},
    "/api/v1/incidents": {"get"},
    "/api/v1/countries": {"get"},
    "/api/v1/orders": {"get", "post"},
    "/api/v1/orders/{order_id}": {"get"},
    "/api/v1/ports": {"get"},
    "/api/v1/ports/{port_id}": {"get"},
    "/api/v1/ports/{port_id}/rotate": {"post"},
    "/api/v1/ports/{port_id}/rotation-settings": {"get", "patch"},
    "/api/v1/ports/{port_id}/rotations": {"get"},
    "/api/v1/ports/{port_id}/os-fingerprint": {"patch"},
    "/api/v1/ports/{port_id}/credentials": {"post"},
    "/api/v1/webhook-endpoints": {"get", "post"},
    "/api/v1/webhook-endpoints/{endpoint_id}": {"get", "patch", "delete"},
    "/api/v1/webhook-endpoints/{endpoint_id}/rotate-secret": {"post"},
    "/api/v1/webhook-endpoints/{endpoint_id}/test": {"post"},
    "/api/v1/webhook-endpoints/{endpoint_id}/deliveries": {"get"},
    "/api/v1/webhook-deliveries/{delivery_id}/redeliver": {"post"},
}


@pytest.fixture
def document(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.oai.openapi+json"
    return response.json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_document_is_openapi_3_1_with_every_endpoint(document):
    assert document["openapi"] == "3.1.0"
    assert {path: set(item) for path, item in document["paths"].items()} == ENDPOINTS


def test_the_auth_scheme_is_bearer_and_every_operation_names_its_scopes(document):
    scheme = document["components"]["securitySchemes"]["ApiKey"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    for path, method, operation in operations(document):
        assert operation["security"] and operation["security"][0]["ApiKey"], (path, method)
        assert "Scopes:" in operation["description"]
    assert document["paths"]["/api/v1/orders"]["post"]["security"] == [{"ApiKey": ["orders:write"]}]


def test_every_operation_documents_the_error_envelope_with_examples(document):
    for path, method, operation in operations(document):
        for status in ("400", "401", "403", "429", "500"):
            assert operation["responses"][status] == {"$ref": f"#/components/responses/Error{status}"}, (path, method)
    responses = document["components"]["responses"]
    for response in responses.values():
        content = response["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}
        assert list(content["examples"].values())[0]["value"]["error"]["code"]
    assert "RetryAfter" in str(responses["Error429"]["headers"])
    assert set(document["components"]["schemas"]["ErrorEnvelope"]["properties"]["error"]["required"]) == {
        "type",
        "code",
        "message",
        "param",
        "request_id",
    }


def test_success_answers_document_the_rate_limit_and_request_id_headers(document):
    for _path, _method, operation in operations(document):
        ok = operation["responses"].get("200") or operation["responses"]["201"]
        assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "X-Request-ID"} <= set(ok["headers"])


def test_every_api_url_is_in_the_document(document):
    documented = {re.sub(r"\{[^}]+\}", "X", path) for path in document["paths"]}
    routed = {"/api/v1/" + re.sub(r"<[^>]+>", "X", str(p.pattern)) for p in v1} - {"/api/v1/openapi.json"}
    routed |= {"/" + re.sub(r"<[^>]+>", "X", str(p.pattern)) for p in webhook_urls if "api/v1/" in str(p.pattern)}
    assert routed == documented


def test_the_reference_page_loads_self_hosted_assets_with_the_csp_nonce(client, db):
    response = client.get("/api/docs/")
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all(f'nonce="{nonce}"' in tag and 'src="/static/' in tag for tag in scripts)
    assert "<script>" not in html and "cdn" not in html.lower()
    assert 'data-schema-url="/api/v1/openapi.json"' in html
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(asset).status_code == 200, asset


def test_every_example_in_the_document_matches_its_schema(document):
    from jsonschema import Draft202012Validator

    checked = 0
    for _path, _method, operation in operations(document):
        bodies = [operation.get("requestBody", {})] + list(operation["responses"].values())
        for body in bodies:
            for content in body.get("content", {}).values():
                for example in content.get("examples", {}).values():
                    schema = {**content["schema"], "components": document["components"]}
                    Draft202012Validator(schema).validate(example["value"])
                    checked += 1
    for response in document["components"]["responses"].values():
        content = response["content"]["application/json"]
        for example in content["examples"].values():
            Draft202012Validator({**content["schema"], "components": document["components"]}).validate(example["value"])
            checked += 1
    assert checked >= 15
