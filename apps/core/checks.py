"""Deploy checks for what would degrade a production shop without stopping it.

They run with `manage.py check --deploy`; CI fails on any warning."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.http.request import validate_host

from .checks_sandbox import sandbox_deploy_checks


@register(Tags.security, deploy=True)
def storefront_deploy_checks(app_configs, **kwargs) -> list[Warning]:
    problems = []
    site = urlsplit(settings.SITE_URL)
    if site.scheme != "https":
        problems.append(
            Warning(
                "SITE_URL is not an https URL: links in emails and redirects would leave HTTPS.",
                hint="Set SITE_URL=https://your-shop.example.com",
                id="storefront.W001",
            )
        )
    if site.hostname and not validate_host(site.hostname, settings.ALLOWED_HOSTS):
        problems.append(
            Warning(
                f"SITE_URL's host {site.hostname!r} is not in ALLOWED_HOSTS: the shop would refuse its own address.",
                hint="Add it to ALLOWED_HOSTS.",
                id="storefront.W002",
            )
        )
    if not settings.REDIS_URL:
        problems.append(
            Warning(
                "REDIS_URL is not set: rate limits are counted per process and background jobs run "
                "inside web requests.",
                hint="Run Redis (docker-compose.yml has one) and set REDIS_URL.",
                id="storefront.W003",
            )
        )
    if not settings.STAFF_REQUIRE_MFA:
        problems.append(
            Warning(
                "STAFF_REQUIRE_MFA is off: staff and superusers could use the admin without two-factor auth.",
                hint="Unset STAFF_REQUIRE_MFA (production turns it on) or set it to true.",
                id="storefront.W004",
            )
        )
    return problems + sandbox_deploy_checks()
