"""The payment simulator: a stand-in for Stripe Checkout, charges and disputes, used while
STRIPE_SECRET_KEY is unset. Billing reaches it through settings.PAYMENTS_SANDBOX_BACKEND."""
