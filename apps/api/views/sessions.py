"""Live sessions, scoped to the customer exactly as on the dashboard (their keys' sid prefix)."""

from dataclasses import asdict

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from apps.accounts.models import ApiKeyScope
from apps.core.errors import ApplicationError, NotFound
from apps.core.http import client_ip
from apps.proxies.selectors import session_list_for_customer, session_sid
from apps.proxies.services import feeds
from apps.proxies.services.sessions import session_close, sessions_close_all

from ..errors import NotFoundError, ServiceUnavailable
from ..pagination import PAGE_QUERY, ListPagination
from ..schema import error_responses
from ..serializers.sessions import SessionClosedSerializer, SessionsClosedSerializer, SessionSerializer
from .base import UNAVAILABLE, ApiView, unavailable

SESSIONS_WRITE = (ApiKeyScope.SESSIONS_WRITE.value,)


class SessionListView(ApiView):
    query_parameters = {"GET": PAGE_QUERY}
    serializer_class = SessionSerializer
    pagination_class = ListPagination
    required_scopes = {"GET": ("read",), "DELETE": SESSIONS_WRITE}

    @extend_schema(
        operation_id="sessions_list",
        summary="Your live sessions, most recent activity first",
        responses={200: SessionSerializer(many=True), **error_responses(400, 503)},
    )
    def get(self, request):
        result = session_list_for_customer(customer=self.customer, feed=feeds.sessions_feed(fetch=True))
        if not result.available and result.failed:
            raise ServiceUnavailable(UNAVAILABLE, code="upstream_unavailable")
        rows = [{**asdict(session), "sid": session_sid(session)} for session in result.sessions]
        page = self.paginator.paginate_list(rows, request)
        return self.get_paginated_response(SessionSerializer(page, many=True).data)

    @extend_schema(
        operation_id="sessions_close_all",
        summary="Close all your live sessions",
        description="Closes each of your own sessions (never anyone else's). Your tools reconnect with new IPs.",
        request=None,
        responses={200: SessionsClosedSerializer, **error_responses(503)},
    )
    def delete(self, request):
        try:
            result = sessions_close_all(customer=self.customer, ip=client_ip(request._request))
        except ApplicationError as exc:
            raise unavailable(exc, "closing all sessions") from exc
        return Response({"closed": result.closed, "failed": result.failed})


class SessionDetailView(ApiView):
    required_scopes = {"DELETE": SESSIONS_WRITE}

    @extend_schema(
        operation_id="sessions_close",
        summary="Close one of your live sessions",
        parameters=[OpenApiParameter("session_key", str, OpenApiParameter.PATH)],
        request=None,
        responses={200: SessionClosedSerializer, **error_responses(404, 503)},
    )
    def delete(self, request, session_key: str):
        try:
            closed = session_close(customer=self.customer, session_key=session_key, ip=client_ip(request._request))
        except NotFound:
            raise NotFoundError("No such session.", param="session_key") from None
        except ApplicationError as exc:
            raise unavailable(exc, "closing a session") from exc
        return Response({"session_key": closed.session_key, "closed": True})
