"""Dockerfile, docker-compose.yml, the entrypoint, the healthcheck and .env.example.

Docker itself cannot run here: the files are checked for what matters, the compose file is
validated by docker-compose when it is installed, and the entrypoint and healthcheck run
outside Docker (scripts/smoke-production runs the whole web process)."""

import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time

import pytest

from .fresh_settings import ROOT, documented_variables
from .subprocesses import manage, production_env, run

PROCESS_ONLY = {"DJANGO_SETTINGS_MODULE", "STOREFRONT_ENV_FILE"}
COMPOSE_ONLY = {"POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB", "WEB_PORT", "STOREFRONT_IMAGE"}


def _read(name: str) -> str:
    return (ROOT / name).read_text()


def _variables_read_by_settings() -> set[str]:
    names = set()
    for path in (ROOT / "storefront" / "settings").glob("*.py"):
        text = path.read_text()
        names |= set(re.findall(r"\benv(?:_[a-z]+|\.[a-z]+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", text))
        names |= set(re.findall(r"_required\(\"([A-Z][A-Z0-9_]+)\"\)", text))
    return names - PROCESS_ONLY


def test_env_example_documents_every_variable_the_settings_read():
    missing = _variables_read_by_settings() - set(documented_variables())

    assert not missing, f"add these to .env.example with a comment: {sorted(missing)}"


def test_env_example_comments_every_variable():
    variable = re.compile(r"^#? ?[A-Z][A-Z0-9_]+=")
    lines = _read(".env.example").splitlines()
    for number, line in enumerate(lines):
        if variable.match(line):
            # A group of variables shares the comment above it.
            above = number - 1
            while above >= 0 and variable.match(lines[above]):
                above -= 1
            assert lines[above].startswith("#"), f".env.example line {number + 1} ({line}) has no comment above it"


def test_env_example_keeps_the_marker_for_app_sections():
    assert "# --- app sections below ---" in _read(".env.example")


def test_env_example_holds_no_real_secrets():
    text = _read(".env.example")

    assert not re.search(r"(psx|pak|whsec|sk_live|sk_test)_[A-Za-z0-9]{8,}", text)
    assert re.search(r"^SECRET_KEY=$", text, flags=re.MULTILINE)


def test_compose_passes_every_documented_variable_to_the_app():
    compose = _read("docker-compose.yml")
    passed = set(re.findall(r"^    ([A-Z][A-Z0-9_]+):", compose, flags=re.MULTILINE))
    interpolated = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", compose))

    missing = set(documented_variables()) - passed - interpolated

    assert not missing, f"docker-compose.yml does not pass these to the containers: {sorted(missing)}"


def test_compose_points_the_app_at_its_own_database_and_redis():
    compose = _read("docker-compose.yml")

    assert re.search(r"DATABASE_URL: postgres://\S+@db:5432/", compose)
    assert "REDIS_URL: redis://redis:6379/0" in compose
    assert "image: postgres:16" in compose
    for service in ["db", "redis", "web", "worker", "beat"]:
        assert re.search(rf"^  {service}:$", compose, flags=re.MULTILINE), service
    assert compose.count("condition: service_healthy") == 3  # the app waits for db and redis, backup for db
    assert "pgdata:/var/lib/postgresql/data" in compose


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_compose_file_is_valid_without_an_env_file(tmp_path):
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")

    result = subprocess.run(
        ["docker-compose", "config", "-q"],  # noqa: S607
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        timeout=60,
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_compose_takes_values_from_env_file(tmp_path):
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    (tmp_path / ".env").write_text("SECRET_KEY=from-dot-env\nPOSTGRES_PASSWORD=0123abcd\nBRAND_NAME=Acme Proxies\n")

    result = subprocess.run(
        ["docker-compose", "config"],  # noqa: S607
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "SECRET_KEY: from-dot-env" in result.stdout
    assert "BRAND_NAME: Acme Proxies" in result.stdout
    assert "DATABASE_URL: postgres://storefront:0123abcd@db:5432/storefront" in result.stdout


def test_dockerfile_is_multi_stage_non_root_with_a_python_healthcheck():
    dockerfile = _read("Dockerfile")

    assert len(re.findall(r"^FROM ", dockerfile, flags=re.MULTILINE)) >= 2
    assert "COPY --from=builder /opt/venv /opt/venv" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, flags=re.MULTILINE)
    assert users and not users[-1].startswith(("root", "0"))
    assert re.search(r'^HEALTHCHECK .*\n\s+CMD \["python", "/app/docker/healthcheck.py"\]', dockerfile, re.MULTILINE)
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in dockerfile
    assert "collectstatic" in dockerfile


def test_dockerfile_keeps_no_secret_in_the_image():
    dockerfile = _read("Dockerfile")
    env_blocks = re.findall(r"^(?:ENV|ARG) (.*(?:\\\n.*)*)", dockerfile, flags=re.MULTILINE)

    for block in env_blocks:
        assert "SECRET_KEY" not in block and "DATABASE_URL" not in block
    assert ".env" in _read(".dockerignore").splitlines()


def _build_time_env() -> dict[str, str]:
    """The throwaway values the Dockerfile's collectstatic step runs with."""
    dockerfile = _read("Dockerfile")
    step = re.search(r"^RUN (SECRET_KEY=.*?)python manage.py collectstatic", dockerfile, re.MULTILINE | re.DOTALL)
    assert step, "the Dockerfile no longer collects static files with inline build-time values"
    return dict(re.findall(r"([A-Z_]+)=(\S+)", step.group(1)))


def test_static_files_collect_with_the_dockerfile_build_time_values(tmp_path):
    env = {**_build_time_env(), "STATIC_ROOT": str(tmp_path / "static")}

    result = manage("collectstatic", "--noinput", settings="storefront.settings.production", env=env)

    assert result.returncode == 0, result.stderr[-3000:]
    manifest = tmp_path / "static" / "staticfiles.json"
    assert manifest.is_file()
    assert "css/app.css" in manifest.read_text()


def test_entrypoint_is_valid_shell():
    result = subprocess.run(["sh", "-n", str(ROOT / "docker" / "entrypoint.sh")], capture_output=True, text=True)  # noqa: S607

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("process", ["worker", "beat"])
def test_entrypoint_refuses_worker_and_beat_without_a_broker(process):
    result = subprocess.run(  # noqa: S603
        [str(ROOT / "docker" / "entrypoint.sh"), process],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        timeout=30,
    )

    assert result.returncode == 64
    assert f"entrypoint: {process} needs REDIS_URL" in result.stderr


def test_entrypoint_runs_manage_commands_with_production_settings():
    env = {
        "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}",
        "STOREFRONT_ENV_FILE": "",
        **production_env(),
    }
    result = subprocess.run(  # noqa: S603
        [str(ROOT / "docker" / "entrypoint.sh"), "manage", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200
    hosts: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).hosts.append(self.headers["Host"])
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(("status", "exit_code"), [(200, 0), (503, 1)])
def test_container_healthcheck_passes_only_on_200(status, exit_code):
    handler = type("Handler", (_Health,), {"status": status, "hosts": []})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {"BIND": f"0.0.0.0:{server.server_port}", "ALLOWED_HOSTS": "shop.example.com,.example.com"}
        result = run(["docker/healthcheck.py"], settings="", env=env, timeout=30)
    finally:
        server.shutdown()
        server.server_close()

    assert result.returncode == exit_code, result.stderr
    assert handler.hosts == ["shop.example.com"]


def test_container_healthcheck_fails_when_nothing_listens():
    with socket_free_port() as port:
        pass
    result = run(["docker/healthcheck.py"], settings="", env={"BIND": f"0.0.0.0:{port}"}, timeout=30)

    assert result.returncode == 1
    assert "healthcheck:" in result.stderr


class socket_free_port:  # noqa: N801
    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc) -> None:
        self.sock.close()


@pytest.mark.redis
def test_worker_and_beat_healthchecks_read_the_heartbeat(redis_url):
    import redis as redis_lib

    client = redis_lib.Redis.from_url(redis_url)
    key = "storefront:heartbeat:beat"
    outcomes = []
    try:
        # One test, not parametrized: parallel test workers would race on the shared key.
        for age in (5, 600, None):
            client.delete(key)
            if age is not None:
                client.set(key, f"{time.time() - age:.3f}")
            result = run(["docker/healthcheck.py", "beat"], settings="", env={"REDIS_URL": redis_url}, timeout=30)
            outcomes.append((age, result.returncode))
    finally:
        client.delete(key)

    assert outcomes == [(5, 0), (600, 1), (None, 1)]


def test_compose_probes_the_worker_and_beat_heartbeats():
    compose = (ROOT / "docker-compose.yml").read_text()

    assert '"/app/docker/healthcheck.py", "worker"' in compose
    assert '"/app/docker/healthcheck.py", "beat"' in compose
