import httpx
import pytest
from django.conf import settings

from apps.sandbox.upstream.clock import ManualClock, use_clock
from apps.sandbox.upstream.transport import SandboxTransport

from .support import BASE_URL, START


@pytest.fixture
def clock():
    """The sandbox's clock, standing still at START until a test moves it."""
    manual = ManualClock(START)
    with use_clock(manual):
        yield manual


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def transport(sleeps) -> SandboxTransport:
    return SandboxTransport(sleep=sleeps.append)


@pytest.fixture
def api(db, clock, transport):
    """An httpx client on the in-process sandbox, authenticated as the reseller."""
    headers = {"X-API-Key": settings.PROXIES_SX_SANDBOX_API_KEY, "User-Agent": "sandbox-tests/1"}
    with httpx.Client(transport=transport, base_url=BASE_URL, headers=headers) as client:
        yield client


@pytest.fixture
def anon(db, clock, transport):
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def mint(api):
    def _mint(**body) -> dict:
        body.setdefault("label", "customer:alice")
        response = api.post("/reseller/pool-keys", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    return _mint
