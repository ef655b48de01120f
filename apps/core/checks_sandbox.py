"""Deploy checks for unsafe mixes of real and sandbox integrations (docs/security.md lists what
each sandbox setting allows). Settings only: core imports no other app.

A full demo (both sandboxes, SANDBOX_ALLOWED=true) is safe and passes: nothing real is sold.
What is flagged gives something real away, takes real money for something simulated, or lets
anyone sign webhook deliveries."""

from django.conf import settings
from django.core.checks import Warning

# Secrets published in this repository: a webhook verified with one of these verifies nothing.
PUBLISHED_WEBHOOK_SECRETS = frozenset(
    {
        "whsec_sandbox_" + "0" * 24,  # the sandbox payments default before docs/security.md
        "whsec_test_suite_0123456789abcdef",  # storefront/settings/test.py
    }
)


def _real_upstream() -> bool:
    key = settings.PROXIES_SX_API_KEY
    return bool(key) and key != settings.PROXIES_SX_SANDBOX_API_KEY


def _stripe_mode() -> str:
    """ "sandbox", "test" (Stripe test mode: test cards pay) or "live"."""
    key = settings.STRIPE_SECRET_KEY
    if settings.STRIPE_SANDBOX or not key:
        return "sandbox"
    return "test" if key.startswith(("sk_test_", "rk_test_")) else "live"


def sandbox_deploy_checks() -> list[Warning]:
    problems = []
    stripe = _stripe_mode()
    if _real_upstream() and stripe == "sandbox":
        problems.append(
            Warning(
                "Sandbox payments with a real PROXIES_SX_API_KEY: any visitor gets real proxy keys for free.",
                hint="Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or unset PROXIES_SX_API_KEY for a demo.",
                id="sandbox.W001",
            )
        )
    if _real_upstream() and stripe == "test":
        problems.append(
            Warning(
                "STRIPE_SECRET_KEY is a test-mode key with a real PROXIES_SX_API_KEY: Stripe's test cards buy "
                "real proxy keys.",
                hint="Use a live key (sk_live_…) with the real upstream, or unset PROXIES_SX_API_KEY.",
                id="sandbox.W002",
            )
        )
    if not _real_upstream() and stripe == "live":
        problems.append(
            Warning(
                "Live Stripe payments with the sandbox upstream: customers would pay real money for simulated "
                "proxy keys.",
                hint="Set PROXIES_SX_API_KEY and PROXIES_SX_USERNAME to your reseller account, or use a test key.",
                id="sandbox.W003",
            )
        )
    if settings.STRIPE_WEBHOOK_SECRET in PUBLISHED_WEBHOOK_SECRETS:
        problems.append(
            Warning(
                "STRIPE_WEBHOOK_SECRET is a published value: anyone could sign webhook deliveries.",
                hint="Use the endpoint's signing secret from the Stripe dashboard; sandbox payments need none.",
                id="sandbox.W004",
            )
        )
    if getattr(settings, "X402_ENABLED", False) and getattr(settings, "X402_SANDBOX", False) and _real_upstream():
        problems.append(
            Warning(
                "x402 runs on the sandbox facilitator with a real PROXIES_SX_API_KEY: any agent gets real proxy "
                "keys for test USDC.",
                hint="Set X402_SANDBOX=false (and X402_FACILITATOR_URL), or unset PROXIES_SX_API_KEY for a demo.",
                id="sandbox.W006",
            )
        )
    if getattr(settings, "SANDBOX_ALLOWED", False) and not settings.SANDBOX_ACTIVE:
        problems.append(
            Warning(
                "SANDBOX_ALLOWED is true on a shop with real keys: if a key goes missing, the shop switches "
                "to its sandbox instead of refusing to start.",
                hint="Unset SANDBOX_ALLOWED; it is for demo deployments only.",
                id="sandbox.W005",
            )
        )
    return problems
