"""The API's settings refuse bad values at startup, naming the variable."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.core.fresh_settings import import_settings


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("API_RATE_LIMIT_PER_KEY", "lots", "API_RATE_LIMIT_PER_KEY must look like 120/min"),
        ("API_RATE_LIMIT_PER_IP", "0/min", "API_RATE_LIMIT_PER_IP must look like 120/min"),
        ("API_IDEMPOTENCY_HOURS", "0", "API_IDEMPOTENCY_HOURS must be between 1 and 720"),
    ],
)
def test_a_bad_api_setting_is_named_in_a_clear_error(name, value, message, monkeypatch):
    with pytest.raises(ImproperlyConfigured, match=message):
        import_settings("storefront.settings.local", {name: value}, monkeypatch)


def test_the_api_limits_have_sane_defaults(monkeypatch):
    settings = import_settings("storefront.settings.local", {}, monkeypatch)
    assert settings.API_RATE_LIMIT_PER_KEY == "120/min" and settings.API_RATE_LIMIT_PER_IP == "300/min"
