#!/bin/sh
# One entrypoint for every storefront process, in the container and outside it
# (scripts/smoke-production runs it on the host):
#   web     migrate (unless MIGRATE_ON_START=false), then gunicorn on $BIND
#   worker  celery worker (background jobs; needs REDIS_URL)
#   beat    celery beat (periodic jobs; needs REDIS_URL)
#   manage  manage.py with the remaining arguments, e.g. `manage createsuperuser`
# Anything else runs as a command.
set -eu
cd "$(dirname "$0")/.."
: "${DJANGO_SETTINGS_MODULE:=storefront.settings.production}"
export DJANGO_SETTINGS_MODULE

needs_broker() {
  if [ -z "${REDIS_URL:-}" ]; then
    echo "entrypoint: $1 needs REDIS_URL (without it jobs run inline in the web process)." >&2
    exit 64
  fi
}

cmd="${1:-web}"
[ "$#" -gt 0 ] && shift
case "$cmd" in
  web)
    if [ "${MIGRATE_ON_START:-true}" != "false" ]; then
      python manage.py migrate --noinput
    fi
    exec gunicorn storefront.wsgi:application --config docker/gunicorn.conf.py "$@"
    ;;
  worker)
    needs_broker worker
    exec celery --app storefront worker --loglevel "${LOG_LEVEL:-INFO}" \
      --concurrency "${CELERY_WORKER_CONCURRENCY:-2}" --without-gossip --without-mingle "$@"
    ;;
  beat)
    needs_broker beat
    exec celery --app storefront beat --loglevel "${LOG_LEVEL:-INFO}" "$@"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  *)
    exec "$cmd" "$@"
    ;;
esac
