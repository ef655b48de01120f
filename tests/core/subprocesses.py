"""Runs Python or manage.py in a child process with a controlled environment.

Settings are read once per process, so production settings and bad environment values are
tested in children. The child never reads a .env file and inherits nothing but PATH/HOME."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(**overrides: str | None) -> dict[str, str]:
    """A complete, valid production environment; None removes a variable."""
    env = {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "shop.example.com",
        "SITE_URL": "https://shop.example.com",
        "DATABASE_URL": "sqlite:////tmp/storefront-test-production.sqlite3",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_URL": "smtp+tls://mailer:password@smtp.example.com:587",
        "SANDBOX_ALLOWED": "true",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(args: list[str], *, settings: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    child_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": settings,
        "STOREFRONT_ENV_FILE": "",
        **env,
    }
    return subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, *args], cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=timeout
    )


def load_settings(*, settings: str, env: dict[str, str], code: str = "") -> subprocess.CompletedProcess:
    """Imports the settings module (django.setup) in a child, then runs `code`."""
    return run(["-c", f"import django; django.setup()\n{code}"], settings=settings, env=env)


def manage(*args: str, settings: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run(["manage.py", *args], settings=settings, env=env)
