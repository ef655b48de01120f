"""The builder's and bulk form's option lists: written in Python (`{% select_options %}`) and
kept as per-process fragments until a form is submitted; neither may change what the page says."""

from django.template import Context, Template
from django.urls import reverse

from tests.proxies.support import mint_key


def render(source: str, **context) -> str:
    return Template("{% load form_options %}" + source).render(Context(context))


def test_select_options_escape_values_and_labels():
    html = render("{% select_options choices '' %}", choices=[('a"b', "<b>Tom & Jerry</b>")])
    assert html == '<option value="a&quot;b">&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</option>'


def test_select_options_select_the_value_and_mark_the_empty_ones():
    html = render(
        "{% select_options choices 'de' marked=zero %}",
        choices=[("", "Any"), ("de", "Germany"), ("fr", "France")],
        zero={"fr"},
    )
    assert html == (
        '<option value="">Any</option><option value="de" selected>Germany</option>'
        '<option value="fr" data-none="1">France</option>'
    )


def test_select_options_with_help_and_an_empty_selection():
    html = render(
        "{% select_options choices None with_help=True %}", choices=[("", "No limit", 'say "hi"'), ("30", "30 s", "")]
    )
    assert html == (
        '<option value="" selected data-help="say &quot;hi&quot;">No limit</option>'
        '<option value="30" data-help="">30 s</option>'
    )


def test_cached_form_fragments_follow_the_language(customer, customer_client, upstream):
    mint_key(customer)
    english = customer_client.get(reverse("proxies:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    german = customer_client.get(reverse("proxies:dashboard"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "How many" in english and "How many" not in german
    assert "Anzahl" in german


def test_a_submitted_bulk_form_shows_its_errors_after_an_unsubmitted_one_was_cached(
    customer, customer_client, upstream
):
    key = mint_key(customer)
    customer_client.get(reverse("proxies:dashboard"))  # caches the unsubmitted form's fields
    form = {
        "bulk-count": "0",
        "bulk-pool": "mbl",
        "bulk-rotation": "sticky",
        "bulk-protocol": "http",
        "bulk-seed": "abc123",
    }
    html = customer_client.post(reverse("proxies:key_bulk", args=[key.pk]), form).content.decode()
    assert 'value="0"' in html and 'class="field-error"' in html
    assert 'value="10"' in customer_client.get(reverse("proxies:dashboard")).content.decode()
