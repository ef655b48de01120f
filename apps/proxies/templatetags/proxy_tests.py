from django import template

from apps.proxies.selectors import proxy_tests_for_key

register = template.Library()


@register.simple_tag
def proxy_tests_of(key):
    """The key's last "test my proxy" runs, for the dashboard panel."""
    return list(proxy_tests_for_key(key=key)[:20]) if key is not None else []
