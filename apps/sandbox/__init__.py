"""The in-project simulators (docs/sandbox.md). Nothing in apps/proxies or apps/billing imports
this package: they reach it through dotted paths in settings, and only while it is installed."""
