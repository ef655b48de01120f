"""The in-process transport: shares the caller's transaction by default; isolated on request."""

import contextlib

import httpx
import pytest
from django.conf import settings
from django.db import transaction

from apps.sandbox.upstream.models import SandboxKey
from apps.sandbox.upstream.transport import SandboxTransport

from .support import BASE_URL

HEADERS = {"X-API-Key": settings.PROXIES_SX_SANDBOX_API_KEY}


def mint_then_fail(transport: SandboxTransport) -> None:
    with (
        httpx.Client(transport=transport, base_url=BASE_URL, headers=HEADERS) as client,
        contextlib.suppress(RuntimeError),
        transaction.atomic(),
    ):
        assert client.post("/reseller/pool-keys", json={"label": "survivor"}).status_code == 201
        raise RuntimeError("the caller's own work failed after the upstream call")


def test_by_default_sandbox_writes_share_the_callers_transaction(db, clock):
    mint_then_fail(SandboxTransport())
    assert not SandboxKey.objects.exists()


@pytest.mark.postgres
def test_an_isolated_transport_keeps_its_writes_when_the_caller_rolls_back(transactional_db, clock):
    mint_then_fail(SandboxTransport(isolated=True))
    assert SandboxKey.objects.filter(label="survivor").exists()


def test_the_transport_reads_the_query_string(api, mint):
    mint()
    assert len(api.get("/reseller/pool-keys/audit", params={"limit": "1"}).json()) == 1


def test_the_transport_decodes_percent_encoded_path_segments(api, mint):
    key = mint()
    assert api.get(f"/reseller/pool-keys/{key['id'].replace('_', '%5F')}").status_code == 200
