"""The only code that speaks HTTP to the Proxies.sx ports API. It reuses the pool client's
transport, retry policy, field readers and error taxonomy (apps.proxies.upstream) and imports
nothing else of the shop but the core log masker."""
