"""`Authorization: Bearer sfk_live_…` and nothing else: no session auth, so no CSRF surface."""

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from apps.accounts.errors import ApiKeyDenied
from apps.accounts.services import api_key_authenticate
from apps.core.http import client_ip

from .errors import Forbidden

HEADER_HELP = "Send the API key as `Authorization: Bearer <key>`."


class ApiKeyAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header:
            return None  # the permission check answers 401 missing_api_key
        if header[0].lower() != self.keyword or len(header) != 2:
            raise exceptions.AuthenticationFailed(HEADER_HELP, code="invalid_authorization_header")
        try:
            raw_key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid API key.", code="invalid_api_key") from None
        try:
            key = api_key_authenticate(raw_key=raw_key, ip=client_ip(request._request))
        except ApiKeyDenied as exc:
            if exc.status == 403:
                raise Forbidden(exc.message, code=exc.code) from None
            raise exceptions.AuthenticationFailed(exc.message, code=exc.code) from None
        return key.customer, key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
