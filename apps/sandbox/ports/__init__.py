"""Simulator of the Proxies.sx dedicated ports API (docs/ports-contract.md)."""
