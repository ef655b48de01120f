"""Shared fixtures for the core tests."""

import io
import logging
import logging.config

import pytest

from apps.core.logging import RequestIdFilter, SecretMaskFilter, logging_config


@pytest.fixture
def log_output():
    """Attaches a handler built exactly like the console handler of LOGGING to the root logger."""

    def attach(fmt: str) -> io.StringIO:
        config = logging_config(fmt, "DEBUG")
        configurator = logging.config.DictConfigurator(config)
        formatter = configurator.configure_formatter(dict(config["formatters"][fmt]))
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        handler.addFilter(RequestIdFilter())
        handler.addFilter(SecretMaskFilter())
        handler.setLevel(logging.DEBUG)
        handlers.append(handler)
        for name in ["", "django", "celery"]:  # the loggers that do not propagate
            logging.getLogger(name).addHandler(handler)
        return stream

    handlers: list[logging.Handler] = []
    yield attach
    for handler in handlers:
        for name in ["", "django", "celery"]:  # the loggers that do not propagate
            logging.getLogger(name).removeHandler(handler)
