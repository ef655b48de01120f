"""Sandbox settings in a deployment (issue 19, item 2): production refuses sandbox payments in
front of the real upstream, and `check --deploy` flags every unsafe mix of real and sandbox
integrations. A full demo (both sandboxes, SANDBOX_ALLOWED=true) stays clean."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from apps.core.checks_sandbox import sandbox_deploy_checks

from .fresh_settings import import_settings
from .subprocesses import load_settings, manage, production_env

PRODUCTION = "storefront.settings.production"
UPSTREAM = {"PROXIES_SX_API_KEY": "psx_live0123456789abcdef", "PROXIES_SX_USERNAME": "psx_ab12"}
REFUSAL = (
    "PROXIES_SX_API_KEY is set but STRIPE_SECRET_KEY is not: sandbox payments would give away real proxy keys. "
    "Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or unset PROXIES_SX_API_KEY for a demo."
)


def test_production_refuses_a_real_upstream_behind_sandbox_payments(monkeypatch):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        import_settings(PRODUCTION, production_env(**UPSTREAM), monkeypatch)

    assert str(excinfo.value) == REFUSAL


def test_that_refusal_reaches_the_operator_as_one_clear_line():
    result = load_settings(settings=PRODUCTION, env=production_env(**UPSTREAM))

    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == f"django.core.exceptions.ImproperlyConfigured: {REFUSAL}"


def test_production_still_runs_a_demo_on_the_sandbox_upstream_over_http(monkeypatch):
    env = production_env(PROXIES_SX_API_KEY="psx_sandbox_local_key", PROXIES_SX_USERNAME="psx_sandbox")

    demo = import_settings(PRODUCTION, env, monkeypatch)

    assert demo.STRIPE_SANDBOX is True
    assert demo.STRIPE_WEBHOOK_SECRET == ""  # the public webhook takes no deliveries


LIVE_STRIPE = {"STRIPE_SANDBOX": False, "STRIPE_SECRET_KEY": "sk_live_" + "0123456789abcdef"}
TEST_STRIPE = {"STRIPE_SANDBOX": False, "STRIPE_SECRET_KEY": "sk_test_0123456789abcdef"}
REAL_UPSTREAM = {"PROXIES_SX_SANDBOX": False, "PROXIES_SX_API_KEY": "psx_live0123456789abcdef"}
HTTP_SANDBOX_UPSTREAM = {"PROXIES_SX_SANDBOX": False, "PROXIES_SX_API_KEY": "psx_sandbox_local_key"}
SANDBOX_UPSTREAM = {"PROXIES_SX_SANDBOX": True, "PROXIES_SX_API_KEY": ""}
SANDBOX_STRIPE = {"STRIPE_SANDBOX": True, "STRIPE_SECRET_KEY": "", "STRIPE_WEBHOOK_SECRET": ""}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({**REAL_UPSTREAM, **SANDBOX_STRIPE}, ["sandbox.W001"]),
        ({**REAL_UPSTREAM, **TEST_STRIPE, "STRIPE_WEBHOOK_SECRET": "whsec_real0123"}, ["sandbox.W002"]),
        ({**SANDBOX_UPSTREAM, **LIVE_STRIPE, "STRIPE_WEBHOOK_SECRET": "whsec_real0123"}, ["sandbox.W003"]),
        ({**HTTP_SANDBOX_UPSTREAM, **LIVE_STRIPE, "STRIPE_WEBHOOK_SECRET": "whsec_real0123"}, ["sandbox.W003"]),
        (
            {**SANDBOX_UPSTREAM, **SANDBOX_STRIPE, "STRIPE_WEBHOOK_SECRET": "whsec_sandbox_" + "0" * 24},
            ["sandbox.W004"],
        ),
        (
            {
                **REAL_UPSTREAM,
                **LIVE_STRIPE,
                "STRIPE_WEBHOOK_SECRET": "whsec_real0123",
                "SANDBOX_ALLOWED": True,
                "SANDBOX_ACTIVE": False,
            },
            ["sandbox.W005"],
        ),
        # Safe: a full demo, a demo with Stripe's test mode, a sandbox upstream over HTTP, a real shop.
        ({**SANDBOX_UPSTREAM, **SANDBOX_STRIPE, "SANDBOX_ALLOWED": True, "SANDBOX_ACTIVE": True}, []),
        ({**SANDBOX_UPSTREAM, **TEST_STRIPE, "STRIPE_WEBHOOK_SECRET": "whsec_real0123"}, []),
        ({**HTTP_SANDBOX_UPSTREAM, **SANDBOX_STRIPE}, []),
        ({**REAL_UPSTREAM, **LIVE_STRIPE, "STRIPE_WEBHOOK_SECRET": "whsec_real0123", "SANDBOX_ACTIVE": False}, []),
    ],
    ids=[
        "sandbox-payments-real-upstream",
        "stripe-test-mode-real-upstream",
        "live-stripe-sandbox-upstream",
        "live-stripe-sandbox-upstream-over-http",
        "published-webhook-secret",
        "sandbox-allowed-on-a-real-shop",
        "full-demo",
        "demo-with-stripe-test-mode",
        "sandbox-upstream-over-http",
        "real-shop",
    ],
)
def test_deploy_check_flags_each_unsafe_mix_of_sandbox_settings(overrides, expected):
    with override_settings(**overrides):
        assert [problem.id for problem in sandbox_deploy_checks()] == expected


def test_check_deploy_warns_about_sandbox_payments_in_front_of_the_real_upstream():
    # Production refuses to start like this; other settings modules get the warning instead.
    env = production_env(SECRET_KEY=None, **UPSTREAM)
    result = manage("check", "--deploy", "--fail-level", "WARNING", settings="storefront.settings.local", env=env)

    assert result.returncode != 0
    assert "sandbox.W001" in result.stdout + result.stderr
