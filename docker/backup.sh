#!/bin/sh
# Scheduled PostgreSQL backups for the compose `backup` service (runs in the postgres image):
# pg_dump in custom format into /backups, newest BACKUP_KEEP kept. Restore: docs/operations.md.
#   BACKUP_SCHEDULE  hourly | daily (default) | weekly | a number of seconds
#   BACKUP_KEEP      how many dumps to keep (default 14)
#   BACKUP_DIR       where dumps go (default /backups)
#   BACKUP_ONCE      "true": take one dump and exit (scripts/backup-restore-check uses it)
# Connection: the standard libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE).
set -eu

dir="${BACKUP_DIR:-/backups}"
keep="${BACKUP_KEEP:-14}"
case "${BACKUP_SCHEDULE:-daily}" in
  hourly) interval=3600 ;;
  daily) interval=86400 ;;
  weekly) interval=604800 ;;
  *[!0-9]*|'') echo "backup: BACKUP_SCHEDULE must be hourly, daily, weekly or seconds, got '${BACKUP_SCHEDULE}'" >&2; exit 64 ;;
  *) interval="${BACKUP_SCHEDULE}" ;;
esac
case "$keep" in
  *[!0-9]*|''|0) echo "backup: BACKUP_KEEP must be a whole number of at least 1, got '${keep}'" >&2; exit 64 ;;
esac
mkdir -p "$dir"

backup_once() {
  name="storefront-$(date -u +%Y%m%dT%H%M%SZ).dump"
  # Written under a temporary name and renamed when complete: a crash never leaves a dump
  # that looks whole.
  if pg_dump --format=custom --no-owner --file "$dir/.$name.partial"; then
    mv "$dir/.$name.partial" "$dir/$name"
    echo "backup: wrote $dir/$name ($(wc -c < "$dir/$name") bytes)"
  else
    rm -f "$dir/.$name.partial"
    echo "backup: pg_dump failed; keeping the previous dumps" >&2
    return 1
  fi
  # Retention: newest first, delete from the (keep+1)th on.
  ls -1 "$dir"/storefront-*.dump 2>/dev/null | sort -r | tail -n +"$((keep + 1))" | while read -r old; do
    rm -f "$old" && echo "backup: removed $old (BACKUP_KEEP=$keep)"
  done
}

if [ "${BACKUP_ONCE:-false}" = "true" ]; then
  backup_once
  exit $?
fi
while true; do
  backup_once || true
  sleep "$interval"
done
