#!/bin/sh
# Run by the postgres image's entrypoint (from /docker-entrypoint-initdb.d/)
# on the very first start only, when the data volume is still empty.  It runs
# roles.sql with the passwords from deploy/.env (see compose.yaml).  To run it
# again, remove the volume (docker compose down -v) -- which deletes all data.
psql -v ON_ERROR_STOP=1 --no-psqlrc \
    --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v owner_password="$COOPFED_OWNER_DB_PASSWORD" \
    -v app_password="$COOPFED_APP_DB_PASSWORD" \
    -f /coopfed/roles.sql
