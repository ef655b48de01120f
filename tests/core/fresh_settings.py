"""Imports a settings module afresh, in this process, under a controlled environment.

Fast enough to try every bad value; the process-wide Django settings are not touched."""

import importlib
import os
import re
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def documented_variables() -> list[str]:
    """Every variable .env.example documents (set or commented out)."""
    text = (ROOT / ".env.example").read_text()
    return re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE)


def import_settings(module: str, env: dict[str, str], monkeypatch, *, env_file: str = "") -> ModuleType:
    for name in documented_variables():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STOREFRONT_ENV_FILE", env_file)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    environment_before = set(os.environ)
    saved = {name: mod for name, mod in sys.modules.items() if name.startswith("storefront.settings.")}
    for name in saved:
        del sys.modules[name]
    try:
        return importlib.import_module(module)
    finally:
        for name in [n for n in sys.modules if n.startswith("storefront.settings.")]:
            del sys.modules[name]
        sys.modules.update(saved)
        # Values read from an env file land in os.environ; take them out again.
        for name in set(os.environ) - environment_before:
            del os.environ[name]
