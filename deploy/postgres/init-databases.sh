#!/bin/sh
# PostgreSQL's entrypoint runs this once, on an empty data directory: one database per service,
# all owned by the application user (each service migrates its own schema at start).
set -eu
for db in ${CCHC_DATABASES:-quiz scoring media awards}; do
  echo "creating database $db"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -c "CREATE DATABASE \"$db\" OWNER \"$POSTGRES_USER\""
done
