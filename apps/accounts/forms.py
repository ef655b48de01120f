"""The sign-up form's extras: accepting the terms and the acceptable use policy (links from the
brand settings) and, when CAPTCHA=turnstile, a Cloudflare Turnstile challenge; the same challenge
on the sign-in form. allauth uses them through ACCOUNT_SIGNUP_FORM_CLASS and ACCOUNT_FORMS."""

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.conf import settings
from django.utils.html import format_html
from turnstile.fields import TurnstileField

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
        _add_captcha(self)
        if terms_required():
            self.fields["accept_terms"].label = _terms_label()
        else:  # the operator has published no terms yet: nothing to accept
            del self.fields["accept_terms"]

    def signup(self, request, user) -> None:
        if "accept_terms" in self.fields:
            user_terms_accept(user=user, ip=None)


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _add_captcha(self)


def _add_captcha(form: forms.Form) -> None:
    """A Turnstile challenge when CAPTCHA=turnstile (read per form: settings can change in tests)."""
    if settings.CAPTCHA == "turnstile":
        form.fields["captcha"] = TurnstileField(label="")
