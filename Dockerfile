# syntax=docker/dockerfile:1
# storefront: multi-stage image. The builder compiles wheels into a virtualenv; the runtime
# stage gets only that virtualenv and the source, runs as an unprivileged user and serves
# static files (collected at build time) with whitenoise behind gunicorn.
#   docker build -t storefront .
#   docker run --env-file .env -p 127.0.0.1:8000:8000 storefront          (web)
#   docker run --env-file .env storefront worker | beat | manage <command>

ARG PYTHON_VERSION=3.12

FROM python:${PYTHON_VERSION}-slim-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /build
# psycopg's C build (psycopg[c], as psycopg advises for production) compiles against the
# system libpq: headers and a compiler here, only the libpq5 runtime in the final stage.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*
# Dependencies first, so a code change does not rebuild them: exactly the versions and hashes
# of requirements/prod.lock (scripts/lock). The project itself runs from /app, not from
# site-packages.
COPY requirements/prod.lock ./
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --upgrade pip \
    && /opt/venv/bin/pip install --require-hashes --no-deps -r prod.lock

FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=storefront.settings.production \
    STOREFRONT_ENV_FILE= \
    BIND=0.0.0.0:8000 \
    CELERY_BEAT_SCHEDULE_FILENAME=/tmp/celerybeat-schedule
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 storefront \
    && useradd --system --uid 10001 --gid storefront --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin storefront
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY . .
# Static files are collected at build time with throwaway values: they exist only in this
# RUN step's environment and are not kept in the image.
RUN SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-build-only-0000 \
    ALLOWED_HOSTS=build.invalid \
    SITE_URL=https://build.invalid \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    SANDBOX_ALLOWED=true \
    python manage.py collectstatic --noinput --verbosity 0 \
    && python manage.py messages compile --verbosity 0 \
    && rm -f /tmp/build.sqlite3 \
    && python -m compileall -q apps storefront \
    && mkdir -p /app/data \
    && chown storefront:storefront /app/data
USER storefront:storefront
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
