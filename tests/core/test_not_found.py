"""One not-found convention: selectors and services raise apps.core.errors.NotFound for anything
missing or not the caller's, and one middleware turns it into the site's 404."""

import pytest
from django.http import Http404, HttpResponse

from apps.core.errors import ApplicationError, NotFound
from apps.core.middleware import NotFoundMiddleware


def _middleware() -> NotFoundMiddleware:
    return NotFoundMiddleware(lambda request: HttpResponse("ok"))


def test_not_found_from_a_view_becomes_a_404(rf):
    with pytest.raises(Http404, match="No such order."):
        _middleware().process_exception(rf.get("/dashboard/orders/x/"), NotFound("No such order."))


@pytest.mark.parametrize("error", [ApplicationError("Try again."), ValueError("a bug")])
def test_other_errors_are_left_to_django(rf, error):
    assert _middleware().process_exception(rf.get("/"), error) is None


def test_the_middleware_is_installed(settings):
    assert "apps.core.middleware.NotFoundMiddleware" in settings.MIDDLEWARE


@pytest.mark.django_db
def test_someone_elses_order_page_is_the_sites_404(client, customer, other_customer):
    from tests.billing.factories import OrderFactory

    order = OrderFactory(customer=other_customer)
    client.force_login(customer)

    response = client.get(f"/billing/orders/{order.public_id}/status/")

    assert response.status_code == 404
    assert str(order.public_id) not in response.content.decode()
