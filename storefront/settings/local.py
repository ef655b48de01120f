"""The embedded default: a developer's or evaluator's machine. SQLite, sandbox, console mail."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DEBUG", True)
# A throwaway key so `make run` works with no .env; production refuses to start without one.
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-local-development-only-key")
