#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432 (the server's PostgreSQL tests use it).
source "$(dirname "$0")/lib.sh"

if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  note "PostgreSQL is up on 127.0.0.1:5432"
  exit 0
fi
step "Starting PostgreSQL"
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql
fi
version="$(ls /etc/postgresql | sort -V | tail -n 1)"
as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL did not start on 127.0.0.1:5432"
# The tests connect as "postgres" over TCP without a password, as on these machines.
if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
  note "Allowing local trust authentication for the test user"
  hba="$(as_root su postgres -c "psql -Atc 'show hba_file'")"
  as_root sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
  as_root su postgres -c "psql -c 'select pg_reload_conf()'" >/dev/null
fi
note "PostgreSQL is up on 127.0.0.1:5432"
