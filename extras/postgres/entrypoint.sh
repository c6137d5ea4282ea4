#!/usr/bin/env bash
# The database container's start: check the password knob, create the cluster on an empty data
# volume (first start only), then become the server. Runs as `postgres`; the root is read-only, so
# everything written goes to $PGDATA (the volume), /run/postgresql and /tmp (tmpfs).
set -euo pipefail

# Swarm passes it as a secret (compose.swarm.yaml here): POSTGRES_PASSWORD_FILE names the file.
if [[ -n ${POSTGRES_PASSWORD_FILE:-} ]]; then
  if [[ -n ${POSTGRES_PASSWORD:-} ]]; then
    echo "postgres: both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are set: keep one" >&2
    exit 1
  fi
  if [[ ! -r $POSTGRES_PASSWORD_FILE ]]; then
    echo "postgres: POSTGRES_PASSWORD_FILE: cannot read $POSTGRES_PASSWORD_FILE (a swarm secret not mounted?)" >&2
    exit 1
  fi
  POSTGRES_PASSWORD=$(<"$POSTGRES_PASSWORD_FILE")
  unset POSTGRES_PASSWORD_FILE
fi
if [[ -z ${POSTGRES_PASSWORD:-} ]]; then
  echo "postgres: POSTGRES_PASSWORD is empty: set it in .env (make db-password writes a random one)" >&2
  exit 1
fi

# A cluster made by another major version cannot be opened by this one: say which, and how to move
# it (extras/postgres/README.md, "Upgrading"), instead of PostgreSQL's own "incompatible" FATAL.
major=$(postgres --version | sed -E 's/^[^0-9]* ([0-9]+)[.].*/\1/')
if [[ -s $PGDATA/PG_VERSION && $(<"$PGDATA/PG_VERSION") != "$major" ]]; then
  echo "postgres: the cluster in $PGDATA is PostgreSQL $(<"$PGDATA/PG_VERSION")'s and this image runs PostgreSQL $major: with an image of $(<"$PGDATA/PG_VERSION") running it, make backup; then remove the volume postgres-data, make up with $major and make restore FILE=… (extras/postgres/README.md, \"Upgrading\")" >&2
  exit 1
fi

if [[ ! -s $PGDATA/PG_VERSION ]]; then
  echo "postgres: empty $PGDATA: creating the cluster (database and role 'app')"
  # Local (socket) connections: only the OS user `postgres`, as the superuser (make psql).
  # Over the network: the role `app`, with its password, from the containers' own network only.
  initdb --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
    --username=postgres >/dev/null
  echo "host app app samenet scram-sha-256" >> "$PGDATA/pg_hba.conf"
  # A server on a private socket directory and no TCP, so neither the app nor the health check
  # sees it before the role and database exist.
  pg_ctl --wait --silent --options="-c listen_addresses='' -c unix_socket_directories=/tmp" start
  psql --quiet --host=/tmp --username=postgres --dbname=postgres --set=ON_ERROR_STOP=1 \
    --set=password="$POSTGRES_PASSWORD" <<'SQL'
CREATE ROLE app LOGIN PASSWORD :'password';
CREATE DATABASE app OWNER app;
SQL
  pg_ctl --wait --silent --mode=fast stop
  echo "postgres: cluster created"
fi

exec "$@"
