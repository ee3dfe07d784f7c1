#!/usr/bin/env bash
# test/deps/run.sh — the dependency detection of test/lib.sh asks for each
# package by the file really used, not by a file another package also ships;
# and share_acl.audit_retain() run nightly-style, and
# share_acl.notify_expiring_links() hourly-style, by real pg_cron jobs.
#
# postgresql-client-15 ships pg_config, pgxs.mk and pg_isolation_regress, so
# a machine with only the client has all three and still no server headers.
# A fake pg_config whose server include directory is empty must make
# sa_missing_deps ask for postgresql-server-dev-15; missing pgtap.control or
# pg_prove must make it ask for their packages.  (CI's machine has every
# package, so only such a test can catch a wrong check.)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"

work=$(mktemp -d /tmp/share_acl_deps.XXXXXX)
trap 'rm -rf "$work"' EXIT
real_pg_config=/usr/lib/postgresql/15/bin/pg_config
mkdir -p "$work/include-server"
cat >"$work/pg_config" <<EOS
#!/bin/sh
# pg_config of a machine with the client package only: no server headers
case "\$1" in
	--includedir-server) echo "$work/include-server" ;;
	*) exec "$real_pg_config" "\$@" ;;
esac
EOS
chmod +x "$work/pg_config"

failures=0
expect() {	# expect NAME yes|no PACKAGE -- the output of sa_missing_deps
	local name=$1 want=$2 pkg=$3 out=$4
	if grep -qx "$pkg" <<<"$out"; then got=yes; else got=no; fi
	if [ "$got" = "$want" ]; then
		echo "ok - $name"
	else
		echo "not ok - $name (asked for $pkg: $got, expected $want; output: $(echo $out))"
		failures=$((failures + 1))
	fi
}

out=$(PG_CONFIG="$work/pg_config" sa_missing_deps)
expect "client-only pg_config: asks for the server headers" yes postgresql-server-dev-15 "$out"

touch "$work/include-server/postgres.h"
out=$(PG_CONFIG="$work/pg_config" sa_missing_deps)
expect "postgres.h present: does not ask for the server headers" no postgresql-server-dev-15 "$out"

out=$(PG_CONFIG="$work/missing/pg_config" sa_missing_deps)
expect "no pg_config at all: asks for the server headers" yes postgresql-server-dev-15 "$out"

out=$(SA_PGTAP_CONTROL="$work/none/pgtap.control" sa_missing_deps)
expect "no pgtap.control: asks for postgresql-15-pgtap" yes postgresql-15-pgtap "$out"

# the demo's packages (sa_setup build): the build's, not the suites'
out=$(SA_PGTAP_CONTROL="$work/none/pgtap.control" SA_PGBOUNCER="$work/none/pgbouncer" sa_missing_deps build)
expect "build only, no pgtap.control: does not ask for postgresql-15-pgtap" no postgresql-15-pgtap "$out"
expect "build only, no pgbouncer: does not ask for pgbouncer" no pgbouncer "$out"
out=$(PG_CONFIG="$work/missing/pg_config" sa_missing_deps build)
expect "build only, no pg_config at all: asks for the server headers" yes postgresql-server-dev-15 "$out"

out=$(SA_PG_PROVE="$work/none/pg_prove" sa_missing_deps)
expect "no pg_prove: asks for libtap-parser-sourcehandler-pgtap-perl" yes \
	libtap-parser-sourcehandler-pgtap-perl "$out"

out=$(SA_PG_CRON_CONTROL="$work/none/pg_cron.control" sa_missing_deps)
expect "no pg_cron.control: asks for postgresql-15-cron" yes postgresql-15-cron "$out"

out=$(SA_PG_CRON_LIB="$work/none/pg_cron.so" sa_missing_deps)
expect "no pg_cron.so: asks for postgresql-15-cron" yes postgresql-15-cron "$out"
out=$(SA_PLPGSQL_CHECK_CONTROL="$work/none/plpgsql_check.control" sa_missing_deps)
expect "no plpgsql_check.control: asks for postgresql-15-plpgsql-check" yes postgresql-15-plpgsql-check "$out"
out=$(SA_PLPGSQL_CHECK_LIB="$work/none/plpgsql_check.so" sa_missing_deps)
expect "no plpgsql_check.so: asks for postgresql-15-plpgsql-check" yes postgresql-15-plpgsql-check "$out"

out=$(SA_PGBOUNCER="$work/none/pgbouncer" sa_missing_deps)
expect "no pgbouncer binary: asks for pgbouncer" yes pgbouncer "$out"
out=$(SA_PSYCOPG="$work/none/psycopg/__init__.py" sa_missing_deps)
expect "no psycopg module for /usr/bin/python3: asks for python3-psycopg" yes python3-psycopg "$out"
out=$(SA_ASYNCPG="$work/none/asyncpg/__init__.py" sa_missing_deps)
expect "no asyncpg module for /usr/bin/python3: asks for python3-asyncpg" yes python3-asyncpg "$out"

# on this machine (set up by the suite) nothing is missing
out=$(sa_missing_deps)
expect "this machine, after setup: asks for nothing" no postgresql-server-dev-15 "$out"
expect "this machine, after setup: pg_cron is there" no postgresql-15-cron "$out"
expect "this machine, after setup: plpgsql_check is there" no postgresql-15-plpgsql-check "$out"
expect "this machine, after setup: pgbouncer is there" no pgbouncer "$out"
expect "this machine, after setup: psycopg is there" no python3-psycopg "$out"

# --- audit retention run by a real pg_cron job ----------------------------
# A cluster of its own with pg_cron preloaded.  The log of workspace w gets
# rows of January and February 2020 (written as a superuser, correctly
# chained: the seal would date them now) and then real changes; a cron job
# runs share_acl.audit_retain('1 year'), which must move the rows out of the
# default partition into month partitions, drop the 2020 ones leaving w's
# anchor, and leave a log that verifies and goes on being written.  Then a
# row after the anchor is deleted: verification must fail.
retain_check() {
	local db=share_acl_cron i
	sa_start_cluster "shared_preload_libraries = 'pg_cron'
cron.database_name = '$db'
cron.use_background_workers = on
max_worker_processes = 16"
	createdb "$db"
	psql -qX -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION share_acl' -c 'CREATE EXTENSION pg_cron'
	psql -qX -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
DO $$
DECLARE
    ws constant uuid := 'c7000000-0000-0000-0000-000000000001';
    prev bytea;
    rid bigint;
    t timestamptz;
    obj uuid;
BEGIN
    FOR i IN 1..6 LOOP
        t := CASE WHEN i <= 3 THEN timestamptz '2020-01-10 12:00+00' ELSE timestamptz '2020-02-10 12:00+00' END
             + i * interval '1 minute';
        rid := nextval('share_acl.audit_log_id_seq');
        obj := md5('old row ' || i)::uuid;
        prev := share_acl._audit_row_hash(prev, rid, t, ws, NULL, 'postgres', 'insert', 'resource', obj, NULL,
                                          jsonb_build_object('n', i), NULL, NULL);
        INSERT INTO share_acl.audit_log (id, at, workspace_id, actor_id, db_role, action, object_type,
                                         object_id, old, new, link_id, viewer_email, hash)
        VALUES (rid, t, ws, NULL, 'postgres', 'insert', 'resource', obj, NULL, jsonb_build_object('n', i),
                NULL, NULL, prev);
    END LOOP;
    INSERT INTO share_acl.audit_chain (workspace_id, last_id, last_at, last_hash) VALUES (ws, rid, t, prev);
END $$;
INSERT INTO share_acl.workspace (id, name) VALUES ('c7000000-0000-0000-0000-000000000001', 'cron');
INSERT INTO share_acl.resource (id, workspace_id, kind) VALUES
    ('c7000000-0000-0000-0002-000000000001', 'c7000000-0000-0000-0000-000000000001', 'project');
SELECT cron.schedule('share_acl audit retention', '* * * * *', $$SELECT share_acl.audit_retain('1 year')$$);
-- the hourly "link about to expire" job (here every minute): a link of the
-- workspace's owner that expires in two hours
INSERT INTO share_acl.principal (id, kind, email) VALUES ('c7000000-0000-0000-0001-000000000001', 'user', 'owner@cron.test');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
    ('c7000000-0000-0000-0000-000000000001', 'c7000000-0000-0000-0001-000000000001', 'owner');
INSERT INTO share_acl.link (id, resource_id, created_by, expires_at) VALUES
    ('c7000000-0000-0000-0003-000000000001', 'c7000000-0000-0000-0002-000000000001',
     'c7000000-0000-0000-0001-000000000001', now() + interval '2 hours');
SELECT cron.schedule('share_acl expiring links', '* * * * *', $$SELECT share_acl.notify_expiring_links('1 day')$$);
SQL
	q() { psql -qXAt -d "$db" -c "$1"; }
	expect_eq() {	# expect_eq NAME WANT GOT
		if [ "$2" = "$3" ]; then echo "ok - $1"; else
			echo "not ok - $1 (got '$3', expected '$2')"; failures=$((failures + 1)); fi
	}
	expect_eq "retention: the log verifies before" "t|" "$(q 'SELECT * FROM share_acl.audit_verify()')"
	# pg_cron starts jobs at the top of each minute
	for i in $(seq 1 90); do
		[ "$(q "SELECT count(*) FROM cron.job_run_details WHERE status IN ('succeeded', 'failed')")" -gt 1 ] && break
		sleep 1
	done
	expect_eq "retention: the cron job ran and succeeded" "succeeded|6" \
		"$(q "SELECT d.status, d.return_message FROM cron.job_run_details d JOIN cron.job j USING (jobid)
		       WHERE j.jobname = 'share_acl audit retention' ORDER BY d.runid LIMIT 1" | sed 's/|SELECT 1$//; s/|.*$//')|$(q "SELECT 6 - count(*) FROM share_acl.audit_log WHERE at < '2021-01-01'")"
	expect_eq "expiring links: the cron job ran, and wrote one notice to the link's creator" "succeeded|1" \
		"$(q "SELECT d.status FROM cron.job_run_details d JOIN cron.job j USING (jobid)
		       WHERE j.jobname = 'share_acl expiring links' ORDER BY d.runid LIMIT 1")|$(q "SELECT count(*) FROM share_acl.notification
		       WHERE kind = 'link_expiring' AND recipient_id = 'c7000000-0000-0000-0001-000000000001'
		         AND payload->>'link_id' = 'c7000000-0000-0000-0003-000000000001'")"
	q 'SELECT cron.unschedule(jobid) FROM cron.job' >/dev/null
	expect_eq "retention: the 2020 partitions are dropped, this month's is there" "0|1" \
		"$(q "SELECT count(*) FILTER (WHERE c.relname LIKE 'audit\_log\_2020%'),
		              count(*) FILTER (WHERE c.relname = 'audit_log_' || to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM'))
		         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		        WHERE i.inhparent = 'share_acl.audit_log'::regclass")"
	expect_eq "retention: the default partition is empty" "0" "$(q 'SELECT count(*) FROM share_acl.audit_log_default')"
	expect_eq "retention: the workspace's anchor is its last dropped row" "t" \
		"$(q "SELECT anchor_id IS NOT NULL AND anchor_id < (SELECT min(id) FROM share_acl.audit_log
		                                               WHERE workspace_id = c.workspace_id)
		        FROM share_acl.audit_chain c WHERE workspace_id = 'c7000000-0000-0000-0000-000000000001'")"
	expect_eq "retention: the log verifies after" "t|" "$(q 'SELECT * FROM share_acl.audit_verify()')"
	psql -qX -v ON_ERROR_STOP=1 -d "$db" \
		-c "INSERT INTO share_acl.resource (id, workspace_id, kind) VALUES ('c7000000-0000-0000-0002-000000000002', 'c7000000-0000-0000-0000-000000000001', 'project')"
	expect_eq "retention: and after a later write" "t|" \
		"$(q "SELECT * FROM share_acl.audit_verify('c7000000-0000-0000-0000-000000000001')")"
	expect_eq "retention: the first row after the anchor deleted is found" "f|t" \
		"$(psql -qXAt -d "$db" <<'SQL'
BEGIN;
SET session_replication_role = replica;
CREATE TEMP TABLE first_row AS
SELECT min(id) AS id FROM share_acl.audit_log WHERE workspace_id = 'c7000000-0000-0000-0000-000000000001';
DO $$
DECLARE t regclass;
BEGIN
    FOR t IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'share_acl.audit_log'::regclass LOOP
        EXECUTE format('ALTER TABLE %s DISABLE TRIGGER USER', t);
    END LOOP;
END $$;
DELETE FROM share_acl.audit_log WHERE id = (SELECT id FROM first_row);
SELECT ok, first_bad_id > (SELECT id FROM first_row) FROM share_acl.audit_verify('c7000000-0000-0000-0000-000000000001');
ROLLBACK;
SQL
)"
	sa_stop_cluster
}
retain_check
trap 'rm -rf "$work"' EXIT		# sa_start_cluster replaced it

if [ "$failures" -eq 0 ]; then
	echo "deps: every dependency is detected by the file really used"
else
	echo "deps: $failures check(s) failed"
	exit 1
fi
