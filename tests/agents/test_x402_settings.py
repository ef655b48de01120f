"""x402 settings in production: no wallet, no x402; test USDC only on a declared demo."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.core.fresh_settings import import_settings
from tests.core.subprocesses import production_env

PRODUCTION = "storefront.settings.production"
WALLET = "0x2222222222222222222222222222222222222222"


def test_production_refuses_x402_without_a_wallet(monkeypatch):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        import_settings(PRODUCTION, production_env(X402_ENABLED="true"), monkeypatch)

    assert "X402_PAY_TO" in str(excinfo.value)


def test_production_refuses_test_usdc_outside_a_demo(monkeypatch):
    real_shop = {
        "PROXIES_SX_API_KEY": "psx_live0123456789abcdef",
        "PROXIES_SX_USERNAME": "psx_ab12",
        "STRIPE_SECRET_KEY": "sk_live_" + "0123456789abcdef",
        "STRIPE_WEBHOOK_SECRET": "whsec_real0123",
    }
    env = production_env(
        X402_ENABLED="true", X402_PAY_TO=WALLET, X402_SANDBOX="true", SANDBOX_ALLOWED=None, **real_shop
    )

    with pytest.raises(ImproperlyConfigured, match="X402_SANDBOX"):
        import_settings(PRODUCTION, env, monkeypatch)


def test_a_malformed_wallet_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="X402_PAY_TO must be an EVM address"):
        import_settings(PRODUCTION, production_env(X402_ENABLED="true", X402_PAY_TO="my wallet"), monkeypatch)


def test_a_demo_sells_for_test_usdc(monkeypatch):
    demo = import_settings(PRODUCTION, production_env(X402_ENABLED="true", X402_PAY_TO=WALLET), monkeypatch)

    assert demo.X402_SANDBOX is True and demo.X402_NETWORK == "base-sepolia"


def test_deploy_check_flags_test_usdc_in_front_of_the_real_upstream(settings):
    from apps.core.checks_sandbox import sandbox_deploy_checks

    settings.X402_ENABLED = settings.X402_SANDBOX = True
    settings.PROXIES_SX_API_KEY = "psx_live0123456789abcdef"

    assert "sandbox.W006" in [w.id for w in sandbox_deploy_checks()]

    settings.X402_SANDBOX = False
    assert "sandbox.W006" not in [w.id for w in sandbox_deploy_checks()]
