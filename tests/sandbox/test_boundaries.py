"""The simulators sit apart (issue 9, item 5): proxies and billing never import them (they name
them by dotted paths in settings), production code builds no fake requests, and the sandbox is
installed, with its tables and pages, only while a sandbox is active."""

import ast
from pathlib import Path

import pytest
from django.urls import resolve

from tests.core.fresh_settings import import_settings
from tests.core.subprocesses import load_settings, manage, production_env

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = "storefront.settings.production"
REAL_KEYS = {
    "PROXIES_SX_API_KEY": "psx_live0123456789abcdef",
    "PROXIES_SX_USERNAME": "psx_ab12",
    "STRIPE_SECRET_KEY": "sk_live_" + "0123456789abcdef",
    "STRIPE_WEBHOOK_SECRET": "whsec_0123456789abcdef",
}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("app", ["proxies", "billing"])
def test_product_apps_never_import_the_sandbox(app):
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in _imports(path) if "sandbox" in name.split("."))
        for path in (ROOT / "apps" / app).rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_production_code_builds_no_fake_requests():
    users = [str(p.relative_to(ROOT)) for p in (ROOT / "apps").rglob("*.py") if "RequestFactory" in p.read_text()]
    assert users == []


def test_the_sandbox_app_is_installed_only_while_a_sandbox_is_active(monkeypatch):
    real = import_settings(PRODUCTION, production_env(SANDBOX_ALLOWED=None, **REAL_KEYS), monkeypatch)
    demo = import_settings(PRODUCTION, production_env(), monkeypatch)

    assert "apps.sandbox" not in real.INSTALLED_APPS
    assert "apps.sandbox" in demo.INSTALLED_APPS


def test_the_sandbox_pages_exist_in_sandbox_mode():
    assert resolve("/sandbox/checkout/cs_test_sandbox_x/").view_name == "sandbox:checkout"


def test_a_production_database_gets_no_sandbox_tables_and_no_sandbox_pages(tmp_path):
    env = production_env(SANDBOX_ALLOWED=None, DATABASE_URL=f"sqlite:///{tmp_path / 'shop.sqlite3'}", **REAL_KEYS)
    migrated = manage("migrate", "--noinput", "-v0", settings=PRODUCTION, env=env)
    assert migrated.returncode == 0, migrated.stderr

    code = (
        "from django.db import connection\n"
        "from django.urls import Resolver404, resolve\n"
        "print(sorted(t for t in connection.introspection.table_names() if 'sandbox' in t))\n"
        "try:\n    resolve('/sandbox/checkout/cs_test_sandbox_x/'); print('page')\n"
        "except Resolver404:\n    print('no page')\n"
    )
    result = load_settings(settings=PRODUCTION, env=env, code=code)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[]", "no page"]


def test_no_sandbox_command_exists_in_production(tmp_path):
    env = production_env(SANDBOX_ALLOWED=None, DATABASE_URL=f"sqlite:///{tmp_path / 'shop.sqlite3'}", **REAL_KEYS)
    result = manage("sandbox_payments", "list", settings=PRODUCTION, env=env)

    assert result.returncode != 0
    assert "Unknown command: 'sandbox_payments'" in result.stderr
