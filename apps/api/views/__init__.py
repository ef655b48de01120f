"""API views: thin, like the HTML views. Each reads through a selector or calls one service and
answers with a serializer; errors are raised and rendered by the one exception handler."""
