import httpx
import pytest
from django.conf import settings

from apps.ports.upstream.client import PortsClient
from apps.sandbox.ports.transport import SandboxPortsTransport
from apps.sandbox.upstream.clock import ManualClock, use_clock

from .support import BASE_URL, START


@pytest.fixture
def clock():
    """The sandbox's clock, standing still at START until a test moves it."""
    manual = ManualClock(START)
    with use_clock(manual):
        yield manual


@pytest.fixture
def transport() -> SandboxPortsTransport:
    return SandboxPortsTransport(sleep=lambda seconds: None)


@pytest.fixture
def api(db, clock, transport):
    """An httpx client on the in-process ports simulator, authenticated as the reseller."""
    headers = {"X-API-Key": settings.PROXIES_SX_SANDBOX_API_KEY}
    with httpx.Client(transport=transport, base_url=BASE_URL, headers=headers) as client:
        yield client


@pytest.fixture
def anon(db, clock, transport):
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def ports_client(db, clock, transport):
    """The shop's ports client over the simulator (retries without real waiting)."""
    with PortsClient(
        base_url=BASE_URL, api_key=settings.PROXIES_SX_SANDBOX_API_KEY, transport=transport, sleep=lambda s: None
    ) as client:
        yield client


@pytest.fixture
def country_id(api):
    def _country_id(code: str = "DE") -> str:
        rows = api.get("/countries/with-devices").json()
        return next(row["_id"] for row in rows if row["code"] == code)

    return _country_id


@pytest.fixture
def create(api, country_id):
    def _create(code: str = "DE", **body) -> dict:
        body.setdefault("countryId", country_id(code))
        body.setdefault("expiresAt", 30 * 86400)
        response = api.post("/ports", json=body)
        assert response.status_code == 201, response.text
        return api.get(f"/ports/{response.json()['_id']}").json()

    return _create
