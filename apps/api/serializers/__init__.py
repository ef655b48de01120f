"""Serializers: the API's representations. Reads are built from selectors' objects; request
serializers check shape and range only (services have the last word)."""
