"""Forms of the Ports dashboard. Each carries `op`, a nonce rendered into the page: it becomes
the idempotency key of the upstream write, so a double submit replays instead of repeating."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy

from .upstream.records import OS_FINGERPRINTS

NONCE = RegexValidator(r"^[A-Za-z0-9_-]{16,64}$", "Reload the page and try again.")


class ActionForm(forms.Form):
    op = forms.CharField(widget=forms.HiddenInput, validators=[NONCE])


class RotationSettingsForm(ActionForm):
    enabled = forms.BooleanField(required=False, label=gettext_lazy("Rotate automatically"))
    interval_minutes = forms.IntegerField(min_value=1, max_value=1440, label=gettext_lazy("Every (minutes)"))
    match_carrier = forms.BooleanField(required=False, label=gettext_lazy("Keep the same carrier"))
    match_city = forms.BooleanField(required=False, label=gettext_lazy("Keep the same city"))


class FingerprintForm(ActionForm):
    os_fingerprint = forms.ChoiceField(choices=OS_FINGERPRINTS, required=False, label=gettext_lazy("OS fingerprint"))


class CredentialsForm(ActionForm):
    login = forms.CharField(
        required=False,
        max_length=64,
        label=gettext_lazy("Login"),
        help_text=gettext_lazy("Leave empty to keep your login. 4-64 letters, digits, _ . ~ or -."),
        validators=[RegexValidator(r"^[A-Za-z0-9_.~-]{4,64}$", "4-64 letters, digits, _ . ~ or -.")],
    )
    confirm = forms.BooleanField(label=gettext_lazy("I understand: the current password stops working at once."))
