from rest_framework.negotiation import DefaultContentNegotiation


class JsonOnlyNegotiation(DefaultContentNegotiation):
    """The API answers JSON whatever the Accept header says (a browser's text/html included):
    one representation, never a 406. The CSV export is chosen by a query parameter instead."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
