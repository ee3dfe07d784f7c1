#!/usr/bin/env bash
# test/clients/run.sh — share_acl as a web application uses it: real client
# libraries (psycopg 3 and asyncpg, Debian's python3-psycopg and
# python3-asyncpg) through a real PgBouncer in transaction pooling mode, in
# front of the running cluster (PGHOST etc., as test/run_all.sh provides).
#
# The checks are in test/clients/app.py: each request sets its principal for
# its own transaction and reads an application table behind protect(); many
# clients share a few server connections, so a principal must never outlive
# its transaction, a revoke must reach every pooled backend, and errors must
# reach the client with their SQLSTATE and leave the connection usable.
set -uo pipefail
db=share_acl_clients
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/../checks.sh"
sa_install_deps || exit 1

fresh_db $db
psql -qX -v ON_ERROR_STOP=1 -d postgres -c "DROP ROLE IF EXISTS clients_app" -c "CREATE ROLE clients_app LOGIN" >/dev/null || exit 1
psql -qX -v ON_ERROR_STOP=1 -d $db -c "CREATE EXTENSION share_acl" -c "GRANT share_acl_user TO clients_app" >/dev/null || exit 1

# PgBouncer as the postgres OS user, on a unix socket of its own: two server
# connections for every client, transactions handed out in turn
dir=$(mktemp -d /tmp/share_acl_bouncer.XXXXXX)
chmod 777 "$dir"
port=6439
cat >"$dir/pgbouncer.ini" <<INI
[databases]
clients = host=$PGHOST port=$PGPORT dbname=$db
[pgbouncer]
listen_addr =
unix_socket_dir = $dir
listen_port = $port
auth_type = trust
auth_file = $dir/users.txt
pool_mode = transaction
default_pool_size = 2
max_client_conn = 100
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
printf '"clients_app" ""\n"%s" ""\n' "$PGUSER" >"$dir/users.txt"
chmod 644 "$dir"/*
stop_bouncer() { [ -f "$dir/pgbouncer.pid" ] && kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null; sleep 0.2; rm -rf "$dir"; }
trap stop_bouncer EXIT
# the binary that test/lib.sh checks for (not whichever one PATH finds)
sa_as_postgres "${SA_PGBOUNCER:-/usr/sbin/pgbouncer}" -d "$dir/pgbouncer.ini" || { echo "pgbouncer did not start"; exit 1; }
for _ in $(seq 50); do [ -S "$dir/.s.PGSQL.$port" ] && break; sleep 0.1; done

# Debian's python3, where python3-psycopg and python3-asyncpg are installed
BOUNCER_HOST=$dir BOUNCER_PORT=$port CLIENTS_DB=$db /usr/bin/python3 "$here/app.py"
