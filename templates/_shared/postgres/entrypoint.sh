#!/bin/sh
# Initialise the cluster when the data directory is empty, then run PostgreSQL as PID 1.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=nexus}" "${POSTGRES_PASSWORD:=nexus}" "${POSTGRES_DB:=app}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

mkdir -p "$PGDATA" /run/postgresql
# A fresh named volume may arrive owned by root.
[ "$(stat -c %U "$PGDATA")" = postgres ] || chown -R postgres:postgres "$PGDATA"
chown postgres:postgres /run/postgresql
chmod 700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  chown postgres "$pwfile"
  # 1 MB WAL segments instead of 16: every workspace's new volume gets a copy of this cluster, and
  # 35 MB copy sooner than 46 (on a disk with a bandwidth cap, ~0.2-0.3 s of every create).
  as_postgres initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" -E UTF8 --no-locale \
    --wal-segsize=1 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\";" |
      as_postgres postgres --single -D "$PGDATA" -j postgres >/dev/null
  fi
fi

[ "${1:-}" = "--init-only" ] && exit 0
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" "$@"
