from django import forms
from django.utils.translation import gettext_lazy as _

from apps.events.models import EventType


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https", help_text=_("Where we POST events."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(value, value) for value in EventType.values],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every event."),
    )
