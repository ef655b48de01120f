"""Django's error reports (the DEBUG page, a report mailed to ADMINS) with secrets masked like
the logs: the failing request's path can carry a live reset or confirmation token, and a view's
local variables hold it too (allauth's reset view has it as `key`)."""

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from .logging import mask_secrets


class MaskingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Also hides local variables whose names look secret (key, token, password, …), the way
    Django hides such settings; the default hides only what @sensitive_variables names."""

    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        if not self.is_active(request):
            return variables
        return [(name, self.cleanse_setting(name, value)) for name, value in variables]


class MaskingExceptionReporter(ExceptionReporter):
    """Query parameters named like secrets are hidden; the finished report goes through the
    log masker: token paths, API keys, upstream keys."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if "request_GET_items" in data:
            data["request_GET_items"] = [
                (name, self.filter.cleanse_setting(name, value)) for name, value in data["request_GET_items"]
            ]
        return data

    def get_traceback_html(self):
        return mask_secrets(super().get_traceback_html())

    def get_traceback_text(self):
        return mask_secrets(super().get_traceback_text())
