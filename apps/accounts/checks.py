from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ValidationError

from .models import BrandSettings


@register()
def brand_defaults_check(app_configs, **kwargs) -> list[Error]:
    """BRAND_* env values are shown on every page (colours go into a <style> tag): refuse
    bad ones at startup, naming the variable, instead of rendering them."""
    try:
        BrandSettings(pk=1, **settings.BRAND_DEFAULTS).clean_fields(exclude=["created_at", "updated_at"])
    except ValidationError as exc:
        return [
            Error(f"BRAND_{field.upper()}: {' '.join(messages)}", id="accounts.E001")
            for field, messages in exc.message_dict.items()
        ]
    return []
