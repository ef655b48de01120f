from tests.proxies.conftest import upstream  # noqa: F401 (the sandbox upstream, shared)
