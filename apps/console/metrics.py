"""The Prometheus exposition at /metrics: the shared counters and histograms every process
records (apps.core.metrics) plus figures read from the database and Redis at scrape time.

Protected: a bearer token (METRICS_TOKEN) or a client address in METRICS_ALLOWED_IPS; with
neither set, /metrics does not exist (404). docs/operations.md lists every metric."""

import hmac
import ipaddress
from collections import defaultdict
from collections.abc import Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from apps.billing.selectors_metrics import order_counts_by_status, provider_event_outcomes, provisioning_backlog
from apps.core.http import client_ip
from apps.core.metrics import shared_samples
from apps.core.selectors import background_jobs_status
from apps.core.selectors_metrics import operator_alert_counts

# Shared families: name → (type, help). A sample's family is its name minus the type's suffix.
SHARED_FAMILIES = {
    "storefront_http_requests": ("counter", "HTTP requests answered, by method and status code."),
    "storefront_http_request_duration_seconds": ("histogram", "Time to answer an HTTP request, by method and view."),
    "storefront_upstream_calls": ("counter", "Calls to the upstream API, by operation and outcome."),
    "storefront_upstream_call_duration_seconds": ("histogram", "Upstream call latency, by operation."),
}
SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")


def _family_of(sample_name: str) -> str | None:
    for suffix in SUFFIXES:
        if sample_name.endswith(suffix) and sample_name[: -len(suffix)] in SHARED_FAMILIES:
            return sample_name[: -len(suffix)]
    return None


class ShopCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from self._shared()
        yield from self._database()
        yield from self._jobs()

    def _shared(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        grouped = defaultdict(list)
        for name, labels, value in shared_samples():
            family = _family_of(name)
            if family is not None:
                grouped[family].append((name, labels, value))
        for family, samples in grouped.items():
            kind, help_text = SHARED_FAMILIES[family]
            metric = families.setdefault(family, Metric(family, help_text, kind))
            # Buckets in ascending order of their bound, as the exposition format expects.
            samples.sort(key=lambda s: (sorted((k, v) for k, v in s[1].items() if k != "le"), _le(s[1])))
            for name, labels, value in samples:
                metric.add_sample(name, labels, value)
        yield from families.values()

    def _database(self) -> Iterator[Metric]:
        orders = GaugeMetricFamily("storefront_orders", "Orders by state.", labels=["status"])
        for status, n in order_counts_by_status().items():
            orders.add_metric([status], n)
        yield orders
        waiting, oldest = provisioning_backlog()
        yield GaugeMetricFamily("storefront_provisioning_waiting", "Paid orders not yet delivered.", value=waiting)
        yield GaugeMetricFamily(
            "storefront_provisioning_lag_seconds",
            "How long the oldest paid, undelivered order has waited since payment (0: none waiting).",
            value=oldest,
        )
        webhooks = GaugeMetricFamily(
            "storefront_payment_webhooks",
            "Stored payment provider deliveries by outcome.",
            labels=["provider", "outcome"],
        )
        for provider, outcome, n in provider_event_outcomes():
            webhooks.add_metric([provider, outcome], n)
        yield webhooks
        alerts = GaugeMetricFamily("storefront_operator_alerts", "Operator alerts sent, by kind.", labels=["kind"])
        for kind, n in operator_alert_counts().items():
            alerts.add_metric([kind], n)
        yield alerts

    def _jobs(self) -> Iterator[Metric]:
        jobs = background_jobs_status()
        if jobs["inline"]:
            return
        backlog = jobs["backlog"]
        if backlog["waiting"] is not None:
            yield GaugeMetricFamily(
                "storefront_jobs_waiting", "Jobs waiting in the Celery queue.", value=backlog["waiting"]
            )
            yield GaugeMetricFamily(
                "storefront_jobs_oldest_wait_seconds",
                "How long the oldest waiting job has waited (0: none).",
                value=backlog["oldest_seconds"] or 0.0,
            )
        ages = GaugeMetricFamily(
            "storefront_heartbeat_age_seconds", "Seconds since the process's last heartbeat.", labels=["process"]
        )
        for process in ("worker", "beat"):
            age = jobs[process]["age"]
            if age is not None:
                ages.add_metric([process], age)
        yield ages


def _le(labels: dict[str, str]) -> float:
    bound = labels.get("le")
    return float("inf") if bound in (None, "+Inf") else float(bound)


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
            return True
    networks = settings.METRICS_ALLOWED_IPS
    ip = client_ip(request)
    if networks and ip:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(network) for network in networks)
    return False


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """404 unless configured and the caller is allowed: the endpoint's existence is not advertised."""
    if not (settings.METRICS_TOKEN or settings.METRICS_ALLOWED_IPS) or not _allowed(request):
        raise Http404
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ShopCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
