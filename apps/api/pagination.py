"""One pagination for every list: `?limit=` (1-100, default 25) and an opaque `?cursor=`.

    {"object": "list", "data": [...], "has_more": true, "next": "<url>", "next_cursor": "<token>"}

plus `Link: <url>; rel="next"`. Database lists use DRF's cursor pagination (stable while rows
are added); lists read from the upstream feeds (sessions, incidents, countries) are short and
in memory, and page by an opaque offset."""

import base64
import binascii
from urllib.parse import parse_qs, urlencode, urlsplit

from django.utils.translation import gettext
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from .errors import InvalidRequest

PAGE_QUERY = ("limit", "cursor")
DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def limit_from(request) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidRequest(
            gettext("limit must be a whole number from 1 to %(MAX_LIMIT)s.") % {"MAX_LIMIT": MAX_LIMIT},
            code="invalid_limit",
            param="limit",
        )
    return int(raw)


def list_response(data: list, *, next_url: str | None, next_cursor: str | None) -> Response:
    response = Response(
        {"object": "list", "data": data, "has_more": next_url is not None, "next": next_url, "next_cursor": next_cursor}
    )
    if next_url:
        response["Link"] = f'<{next_url}>; rel="next"'
    return response


def list_schema(item_schema: dict) -> dict:
    return {
        "type": "object",
        "required": ["object", "data", "has_more", "next", "next_cursor"],
        "properties": {
            "object": {"type": "string", "enum": ["list"]},
            "data": item_schema,
            "has_more": {"type": "boolean"},
            "next": {"type": ["string", "null"], "format": "uri", "description": "The next page, or null."},
            "next_cursor": {"type": ["string", "null"], "description": "Pass as ?cursor= for the next page."},
        },
    }


def _cursor_of(url: str | None, param: str) -> str | None:
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get(param)
    return values[0] if values else None


PAGINATION_PARAMETERS = [
    {
        "name": "limit",
        "required": False,
        "in": "query",
        "description": f"Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
    },
    {
        "name": "cursor",
        "required": False,
        "in": "query",
        "description": "The `next_cursor` of the previous page.",
        "schema": {"type": "string"},
    },
]


class ApiCursorPagination(CursorPagination):
    page_size = DEFAULT_LIMIT
    max_page_size = MAX_LIMIT
    page_size_query_param = "limit"
    ordering = ("-created_at", "-id")

    def get_page_size(self, request) -> int:
        return limit_from(request)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise InvalidRequest(gettext("The cursor is not valid."), code="invalid_cursor", param="cursor") from None

    def get_paginated_response(self, data) -> Response:
        next_url = self.get_next_link()
        return list_response(data, next_url=next_url, next_cursor=_cursor_of(next_url, self.cursor_query_param))

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return list_schema(schema)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return PAGINATION_PARAMETERS


class ListPagination(BasePagination):
    """Pages of an in-memory list, by an opaque offset cursor."""

    cursor_query_param = "cursor"

    def paginate_list(self, items: list, request) -> list:
        self.request = request
        self.limit = limit_from(request)
        self.offset = self._decode(request.query_params.get(self.cursor_query_param))
        self.more = len(items) > self.offset + self.limit
        return items[self.offset : self.offset + self.limit]

    def _decode(self, token: str | None) -> int:
        if token is None:
            return 0
        try:
            text = base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4)).decode("ascii")
        except (ValueError, UnicodeError, binascii.Error):
            text = ""
        if not text.startswith("o=") or not text[2:].isdigit() or len(text) > 12:
            raise InvalidRequest(gettext("The cursor is not valid."), code="invalid_cursor", param="cursor")
        return int(text[2:])

    def get_paginated_response(self, data) -> Response:
        if not self.more:
            return list_response(data, next_url=None, next_cursor=None)
        token = base64.urlsafe_b64encode(urlencode({"o": self.offset + self.limit}).encode()).decode().rstrip("=")
        url = replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, token)
        return list_response(data, next_url=url, next_cursor=token)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return list_schema(schema)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return PAGINATION_PARAMETERS
