"""Optional error reporting to Sentry (SENTRY_DSN): Django, Celery and logging integrations, no
personal data (`send_default_pii=False`, Sentry's own scrubber for headers, cookies and fields
named like secrets) and, on top, the shop's secret masking (apps.core.logging.mask_value) applied
to every event and breadcrumb before it leaves the process: a `psx_`, `pak_`, `sk_`, `whsec_` or
`sfk_` value in a message, an exception, a local variable or an extra never reaches Sentry."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .logging import mask_value


def sentry_event_mask(event: Any, hint: Any = None) -> Any:
    """before_send / before_breadcrumb: the event with every string masked."""
    return mask_value(event)


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float, transport: Any = None) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.scrubber import EventScrubber
    from sentry_sdk.utils import BadDsn

    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    try:
        sentry_sdk.init(
            dsn=dsn,
            environment=environment,
            send_default_pii=False,
            event_scrubber=EventScrubber(recursive=True),
            before_send=sentry_event_mask,
            before_send_transaction=sentry_event_mask,
            before_breadcrumb=sentry_event_mask,
            traces_sample_rate=traces_sample_rate,
            integrations=[DjangoIntegration(), CeleryIntegration(), LoggingIntegration()],
            **options,
        )
    except BadDsn:
        raise ImproperlyConfigured("SENTRY_DSN is not a valid Sentry DSN (https://<key>@<host>/<project>).") from None
