"""The catalogue: plans for sale, stock per country, incidents, countries for the URL builder.
Stock and incidents are the dashboard's cached feeds (one upstream read serves every caller)."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from apps.billing.selectors import plan_list_active
from apps.ports.selectors import port_plans_by_slug
from apps.proxies.dashboard.countries import country_name
from apps.proxies.dashboard.live import active_incidents, stock_counts, stock_view
from apps.proxies.forms import FALLBACK_COUNTRIES
from apps.proxies.services import feeds

from ..errors import ServiceUnavailable
from ..pagination import PAGE_QUERY, ListPagination
from ..schema import error_responses
from ..serializers.catalog import CountrySerializer, IncidentSerializer, PlanSerializer, StockSerializer
from .base import UNAVAILABLE, ApiView


class PlanListView(ApiView):
    query_parameters = {"GET": PAGE_QUERY}
    serializer_class = PlanSerializer
    pagination_class = ListPagination

    @extend_schema(
        operation_id="plans_list",
        summary="List the plans for sale",
        responses={200: PlanSerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        page = self.paginator.paginate_list(list(plan_list_active()), request)
        context = {"port_plans": port_plans_by_slug()}
        return self.get_paginated_response(PlanSerializer(page, many=True, context=context).data)


class StockView(ApiView):
    @extend_schema(
        operation_id="stock_retrieve",
        summary="Exits online per country",
        responses={200: StockSerializer, **error_responses(503)},
    )
    def get(self, request):
        feed = feeds.stock_feed(fetch=True)
        if not feed.available and feed.failed:
            raise ServiceUnavailable(UNAVAILABLE, code="upstream_unavailable")
        view = stock_view(feed, incidents=active_incidents(feeds.incidents_feed(fetch=False)))
        data = {
            "generated_at": view.generated_at,
            "fetched_at": view.fetched_at,
            "stale": view.stale,
            "totals": view.totals,
            "countries": [{"code": r.code, "name": r.name, "mbl": r.mbl, "peer": r.peer} for r in view.rows],
        }
        return Response(StockSerializer(data).data)


class IncidentListView(ApiView):
    query_parameters = {"GET": PAGE_QUERY}
    serializer_class = IncidentSerializer
    pagination_class = ListPagination

    @extend_schema(
        operation_id="incidents_list",
        summary="Active incidents, most severe first",
        responses={200: IncidentSerializer(many=True), **error_responses(400, 503)},
    )
    def get(self, request):
        feed = feeds.incidents_feed(fetch=True)
        if not feed.available and feed.failed:
            raise ServiceUnavailable(UNAVAILABLE, code="upstream_unavailable")
        page = self.paginator.paginate_list(active_incidents(feed), request)
        return self.get_paginated_response(IncidentSerializer(page, many=True).data)


class CountryListView(ApiView):
    query_parameters = {"GET": PAGE_QUERY}
    serializer_class = CountrySerializer
    pagination_class = ListPagination

    @extend_schema(
        operation_id="countries_list",
        summary="Countries for the URL builder",
        description="Every country the stock feed reports, with exits online per pool; before stock could be read, "
        "a list of common countries with null counts.",
        responses={200: CountrySerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        counts = stock_counts(feeds.stock_feed(fetch=True).value)
        if counts:
            rows = [{"code": c, "name": country_name(c), "mbl": n["mbl"], "peer": n["peer"]} for c, n in counts.items()]
        else:
            rows = [{"code": c, "name": country_name(c), "mbl": None, "peer": None} for c in FALLBACK_COUNTRIES]
        rows.sort(key=lambda row: (row["name"], row["code"]))
        page = self.paginator.paginate_list(rows, request)
        return self.get_paginated_response(CountrySerializer(page, many=True).data)
