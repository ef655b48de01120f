from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self) -> None:
        from django.contrib import admin

        from . import checks  # noqa: F401  (registers the deploy checks)
        from .query_guard import admin_changelists_guard

        # After the admin's autodiscover (django.contrib.admin is listed first): every list is known.
        admin_changelists_guard(admin.site)

        import sys

        from .scheduler import scheduler_start_if_wanted

        # Without a broker, the serving development server runs the periodic jobs itself.
        scheduler_start_if_wanted(argv=sys.argv)
