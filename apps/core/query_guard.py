"""Query strings (and the admin's selection checkboxes) are hostile input, on customer pages and
in the admin alike: a value nobody's browser would send gets a 4xx or is ignored, never a 500.

- `NulByteGuardMiddleware`: no address of this site carries a NUL byte, and PostgreSQL refuses
  one in any text value, so a path or query parameter holding one is a 400 before any view runs.
- `admin_changelists_guard`, for every model the admin lists (ours and third-party ones):
  - The list page lets a query string filter by any field lookup (`?created_at__year=99999`,
    `?name__regex=(`, `?id__range=1`). Django catches what fails while the filter is built, not
    what fails when the query runs; the guard extends Django's own "invalid lookup" answer (the
    list without the filters) to those, with a message. Without filters in the query string
    (paging, sorting and search only) nothing is caught: a failing list is a bug, a 500.
  - An action posted with a selection that names no row (`_selected_action=abc`) is refused
    with a message instead of failing in the row lookup.
"""

import logging
from functools import wraps

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, IGNORED_PARAMS, PAGE_VAR
from django.core.exceptions import (
    BadRequest,
    ImproperlyConfigured,
    PermissionDenied,
    SuspiciousOperation,
    ValidationError,
)
from django.db import InterfaceError, OperationalError, transaction
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext

logger = logging.getLogger(__name__)


class NulByteGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in "".join([key, *values]) for key, values in request.GET.lists()):
            raise BadRequest(gettext("NUL byte in the address."))
        return self.get_response(request)


# Not the query string's fault, or already an answer: configuration errors, a database that is
# down, a refused or suspicious request.
_NOT_THE_QUERY = (
    SuspiciousOperation,
    ImproperlyConfigured,
    PermissionDenied,
    Http404,
    OperationalError,
    InterfaceError,
)


def _filters_in(request) -> bool:
    """Whether the query string filters the list (paging, sorting and search are Django's own)."""
    return any(name not in _LIST_CONTROLS for name in request.GET)


_LIST_CONTROLS = {*IGNORED_PARAMS, PAGE_VAR, ERROR_FLAG}


def _guard_changelist(get_changelist_instance):
    @wraps(get_changelist_instance)
    def guarded(request):
        try:
            # A savepoint: PostgreSQL aborts the request's transaction on a refused query.
            with transaction.atomic():
                return get_changelist_instance(request)
        except _NOT_THE_QUERY:
            raise
        except Exception as exc:
            if not _filters_in(request):
                raise
            # Like Django's own filter step: a lookup cannot be validated but by running it.
            logger.warning("admin list %s: ignored filters it cannot run: %r", request.path, exc, exc_info=True)
            messages.warning(request, gettext("A filter in the address could not be applied, so it was ignored."))
            raise IncorrectLookupParameters(str(exc)) from exc

    guarded.query_guarded = True
    return guarded


def _guard_actions(model_admin, response_action):
    pk = model_admin.model._meta.pk

    @wraps(response_action)
    def guarded(request, *args, **kwargs):
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                if "\x00" in value:
                    raise ValidationError(gettext("NUL byte"))
                pk.to_python(value)
        except ValidationError:
            messages.warning(request, gettext("The selection names no item; nothing was done."))
            return HttpResponseRedirect(request.get_full_path())
        return response_action(request, *args, **kwargs)

    return guarded


def admin_changelists_guard(site) -> None:
    """Installs both guards on every ModelAdmin registered on `site` (once)."""
    for model_admin in site._registry.values():
        if getattr(model_admin.get_changelist_instance, "query_guarded", False):
            continue
        model_admin.get_changelist_instance = _guard_changelist(model_admin.get_changelist_instance)
        model_admin.response_action = _guard_actions(model_admin, model_admin.response_action)
