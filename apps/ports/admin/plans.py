"""Port plans: what each billing plan of the ports product delivers (type, country or any,
carrier, period, traffic). Edited here; the billing plan (name, price) is edited in billing."""

from django.contrib import admin

from apps.ports.models import PortPlan


@admin.register(PortPlan)
class PortPlanAdmin(admin.ModelAdmin):
    list_display = ("plan_slug", "sharing", "country_code", "carrier", "period_days", "traffic_gb")
    list_filter = ("sharing",)
    search_fields = ("plan_slug", "country_code", "carrier")
    fields = ("plan_slug", "sharing", "country_code", "carrier", "period_days", "traffic_gb")
