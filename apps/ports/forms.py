"""Forms of the Ports dashboard. Each carries `op`, a nonce rendered into the page: it becomes
the idempotency key of the upstream write, so a double submit replays instead of repeating."""

from django import forms
from django.core.validators import RegexValidator

from .upstream.records import OS_FINGERPRINTS

NONCE = RegexValidator(r"^[A-Za-z0-9_-]{16,64}$", "Reload the page and try again.")


class ActionForm(forms.Form):
    op = forms.CharField(widget=forms.HiddenInput, validators=[NONCE])


class RotationSettingsForm(ActionForm):
    enabled = forms.BooleanField(required=False, label="Rotate automatically")
    interval_minutes = forms.IntegerField(min_value=1, max_value=1440, label="Every (minutes)")
    match_carrier = forms.BooleanField(required=False, label="Keep the same carrier")
    match_city = forms.BooleanField(required=False, label="Keep the same city")


class FingerprintForm(ActionForm):
    os_fingerprint = forms.ChoiceField(choices=OS_FINGERPRINTS, required=False, label="OS fingerprint")


class CredentialsForm(ActionForm):
    login = forms.CharField(
        required=False,
        max_length=64,
        label="Login",
        help_text="Leave empty to keep your login. 4-64 letters, digits, _ . ~ or -.",
        validators=[RegexValidator(r"^[A-Za-z0-9_.~-]{4,64}$", "4-64 letters, digits, _ . ~ or -.")],
    )
    confirm = forms.BooleanField(label="I understand: the current password stops working at once.")
