from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.accounts.models import ApiKeyScope

EXPIRY_CHOICES = [("", "Never"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year")]


class ApiKeyCreateForm(forms.Form):
    """The dashboard's "new API key" form. Shape only; the service validates and says why."""

    name = forms.CharField(
        max_length=100, help_text=gettext_lazy("So you can tell your keys apart, e.g. “scraper on box 3”.")
    )
    scopes = forms.MultipleChoiceField(
        choices=ApiKeyScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiKeyScope.READ.value],
        help_text=gettext_lazy("Give each key only what its script needs."),
    )
    expires_in = forms.ChoiceField(choices=EXPIRY_CHOICES, required=False, label=gettext_lazy("Expires"))
    ip_allowlist = forms.CharField(
        required=False,
        label=gettext_lazy("Allowed IP addresses"),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "Optional. One IPv4/IPv6 address or CIDR range per line (e.g. 203.0.113.0/24). Empty: any address."
        ),
    )

    def clean_ip_allowlist(self) -> list[str]:
        text = self.cleaned_data.get("ip_allowlist") or ""
        return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]

    def expires_at(self):
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=int(days)) if days else None
