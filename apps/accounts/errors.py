"""Errors of the accounts app that other apps (the API) catch."""

from apps.core.errors import ApplicationError


class ApiKeyDenied(ApplicationError):
    """An API key was refused. `code` says why (stable, for clients); `status` is 401 when the key
    itself is no good and 403 when a good key is used from somewhere it may not be."""

    def __init__(self, message: str, *, code: str, status: int = 401, extra: dict | None = None) -> None:
        super().__init__(message, extra=extra)
        self.code = code
        self.status = status
