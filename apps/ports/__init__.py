"""Dedicated mobile ports: the second product (docs/ports-contract.md)."""
