"""Settings for a real Celery worker process started by a test (tests/webhooks/test_worker_killed.py):
the suite's settings, Redis as broker and the test's own queue, jobs not inline, loopback
receivers allowed. The test passes the broker, queue and its test database in the environment."""

import os

from storefront.settings.test import *  # noqa: F403

CELERY_BROKER_URL = os.environ["WORKER_BROKER_URL"]
CELERY_TASK_DEFAULT_QUEUE = os.environ["WORKER_QUEUE"]
CELERY_TASK_ALWAYS_EAGER = False
WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
