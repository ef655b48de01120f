"""Port plans: what each billing plan of the ports product delivers (type, country or any,
carrier, period, traffic). Edited here; the billing plan (name, price) is edited in billing. The
list shows what a port of each plan costs upstream for its period (the tariffs feed, as last read
by the account job); the console overview sets it against the price as the plan's margin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from apps.ports.models import PortPlan
from apps.ports.selectors import port_plan_wholesale_cost, upstream_account_snapshot


@admin.register(PortPlan)
class PortPlanAdmin(admin.ModelAdmin):
    list_display = ("plan_slug", "sharing", "country_code", "carrier", "period_days", "traffic_gb", "wholesale_cost")
    list_filter = ("sharing",)
    search_fields = ("plan_slug", "country_code", "carrier")
    fields = ("plan_slug", "sharing", "country_code", "carrier", "period_days", "traffic_gb")

    @admin.display(description=gettext_lazy("wholesale cost per period"))
    def wholesale_cost(self, obj: PortPlan) -> str:
        snapshot = upstream_account_snapshot()  # one small row; port plans are few
        cost = port_plan_wholesale_cost(plan=obj, snapshot=snapshot)
        if cost is None or snapshot is None:
            return "— (tariffs not read yet)"
        return f"{cost:.2f} {snapshot.currency}"
