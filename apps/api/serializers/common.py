from rest_framework import serializers


def gb_field(**kwargs) -> serializers.DecimalField:
    """GB as a decimal string ("12.500")."""
    return serializers.DecimalField(max_digits=None, decimal_places=3, read_only=True, **kwargs)


def money_field(**kwargs) -> serializers.DecimalField:
    """An amount in the currency's units as a decimal string ("35.00"), next to a currency code."""
    return serializers.DecimalField(max_digits=None, decimal_places=2, read_only=True, **kwargs)
