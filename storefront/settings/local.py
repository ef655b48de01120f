"""The embedded default: a developer's or evaluator's machine. SQLite, sandbox, console mail."""

from .base import *  # noqa: F403
from .base import env_bool, env_str

DEBUG = env_bool("DEBUG", True)
# A throwaway key so `make run` works with no .env; production refuses to start without one.
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-local-development-only-key")
