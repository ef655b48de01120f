"""The sign-up form's extra: accepting the terms and the acceptable use policy (links from the
brand settings). allauth uses it through ACCOUNT_SIGNUP_FORM_CLASS."""

from django import forms
from django.utils.html import format_html

from .selectors import brand_get, terms_required
from .services import user_terms_accept


def _terms_label() -> str:
    brand = brand_get()
    links = [
        format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, text)
        for url, text in ((brand.terms_url, "terms of service"), (brand.aup_url, "acceptable use policy"))
        if url
    ]
    return format_html("I accept the {}", format_html(" and the ".join(["{}"] * len(links)), *links))


class SignupForm(forms.Form):
    accept_terms = forms.BooleanField(
        required=True,
        error_messages={"required": "Please accept the terms and the acceptable use policy to create an account."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if terms_required():
            self.fields["accept_terms"].label = _terms_label()
        else:  # the operator has published no terms yet: nothing to accept
            del self.fields["accept_terms"]

    def signup(self, request, user) -> None:
        if "accept_terms" in self.fields:
            user_terms_accept(user=user, ip=None)
