"""What every audited operator action in the admin shares (pool keys, ports): the form asking for
the reason, and the nonce rendered into it, from which the action's idempotency keys derive (a
double submit replays the first write; a second, deliberate action gets a new nonce)."""

import secrets

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy

NONCE_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


class OperationForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 70}),
        help_text=gettext_lazy("Stored in the audit log with your account, the time and your IP address."),
    )
    nonce = forms.CharField(widget=forms.HiddenInput, validators=[RegexValidator(NONCE_PATTERN)])
