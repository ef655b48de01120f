"""Payment providers: each in its own package (stripe/, sandbox/, …) behind one interface
(base.py), found through the registry (registry.py) built from settings.BILLING_PAYMENT_PROVIDERS.
Billing's services talk to a provider only through that interface."""
