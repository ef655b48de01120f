"""Live sessions, scoped to the customer exactly as on the dashboard (their keys' sid prefix)."""

from dataclasses import asdict

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from apps.accounts.models import ApiKeyScope
from apps.core.errors import ApplicationError, NotFound
from apps.core.http import client_ip
from apps.proxies.selectors import session_key_id, session_list_for_customer, session_sid, session_tag_keys
from apps.proxies.services import feeds
from apps.proxies.services.sessions import session_close, sessions_close_all

from ..errors import NotFoundError, ServiceUnavailable
from ..pagination import PAGE_QUERY, ListPagination
from ..schema import error_responses
from ..serializers.sessions import SessionClosedSerializer, SessionsClosedSerializer, SessionSerializer
from .base import UNAVAILABLE, ApiView, unavailable
from .keys import own_key

SESSIONS_WRITE = (ApiKeyScope.SESSIONS_WRITE.value,)


class SessionListView(ApiView):
    query_parameters = {"GET": (*PAGE_QUERY, "key_id")}
    serializer_class = SessionSerializer
    pagination_class = ListPagination
    required_scopes = {"GET": ("read",), "DELETE": SESSIONS_WRITE}

    @extend_schema(
        operation_id="sessions_list",
        summary="Your live sessions, most recent activity first",
        description="Each session names the key it belongs to (`key_id`); `?key_id=` lists one key's only.",
        parameters=[
            OpenApiParameter("key_id", int, OpenApiParameter.QUERY, description="Only this key's sessions (GET /keys).")
        ],
        responses={200: SessionSerializer(many=True), **error_responses(400, 404, 503)},
    )
    def get(self, request):
        key_id = request.query_params.get("key_id")
        key = own_key(self, key_id) if key_id is not None else None
        result = session_list_for_customer(customer=self.customer, feed=feeds.sessions_feed(fetch=True), key=key)
        if not result.available and result.failed:
            raise ServiceUnavailable(UNAVAILABLE, code="upstream_unavailable")
        tag_keys = session_tag_keys(customer=self.customer)
        rows = [
            {**asdict(session), "sid": session_sid(session), "key_id": session_key_id(session, tag_keys)}
            for session in result.sessions
        ]
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
            raise NotFoundError(gettext("No such session."), param="session_key") from None
        except ApplicationError as exc:
            raise unavailable(exc, "closing a session") from exc
        return Response({"session_key": closed.session_key, "closed": True})
