#!/usr/bin/env bash
# test/retain/run.sh — audit_retain() while audit rows are being committed.
#
# Needs a running cluster with max_prepared_transactions > 0 (PGHOST etc., as
# test/run_all.sh provides).  In a fresh database (no month partition yet, so
# audit_retain moves this month's rows out of the default partition and
# attaches a partition for them), a transaction writes a change and is
# prepared: its audit row is in the default partition, uncommitted.  Then
# audit_retain runs; it must wait for that transaction, and once it is
# committed finish without error, with every row of the month in the month's
# partition, none left in the default one, and every chain verifying.
set -uo pipefail
db=share_acl_retain
. "$(dirname "$0")/../checks.sh"

fresh_db $db
psql -qX -d $db -c "ROLLBACK PREPARED 'share_acl_retain'" >/dev/null 2>&1
psql -qX -v ON_ERROR_STOP=1 -d $db >/dev/null <<'SQL' || { echo "setup failed"; exit 1; }
CREATE EXTENSION share_acl;
SELECT share_acl.create_user('first@retain.test');
BEGIN;
SELECT share_acl.create_user('prepared@retain.test');
PREPARE TRANSACTION 'share_acl_retain';
SQL

out=$(mktemp)
trap 'rm -f "$out"; psql -qX -d $db -c "ROLLBACK PREPARED '"'"'share_acl_retain'"'"'" >/dev/null 2>&1' EXIT
psql -qXAt -d $db -c "SELECT share_acl.audit_retain('400 days')" >"$out" 2>&1 &
retain=$!
waiting=""
for _ in $(seq 50); do
	waiting=$(psql -qXAt -d $db -c "SELECT wait_event_type FROM pg_stat_activity
	                                 WHERE query LIKE '%audit_retain%' AND pid <> pg_backend_pid()")
	[ "$waiting" = Lock ] && break
	sleep 0.1
done
if [ "$waiting" = Lock ]; then ok "audit_retain waits for the prepared transaction's audit row"; else
	not_ok "audit_retain waits for the prepared transaction's audit row (wait: '$waiting')"; fi
psql -qX -d $db -c "COMMIT PREPARED 'share_acl_retain'" >/dev/null
wait $retain
status=$?
if [ $status -eq 0 ] && grep -qx '0' "$out"; then ok "audit_retain then finishes without error (0 rows dropped)"; else
	not_ok "audit_retain then finishes without error: $(cat "$out")"; fi

got=$(psql -qXAt -d $db <<'SQL'
SELECT (SELECT count(*) FROM share_acl.audit_log_default) || '|' ||
       (SELECT count(*) FROM share_acl.audit_log
         WHERE tableoid = format('share_acl.audit_log_%s', to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM'))::regclass
           AND new->>'email' = 'prepared@retain.test') || '|' ||
       (SELECT bool_and(ok) FROM share_acl.audit_verify());
SQL
)
if [ "$got" = "0|1|true" ]; then ok "the prepared transaction's row is in the month's partition, the default one is empty, the chains verify"; else
	not_ok "the prepared transaction's row is in the month's partition, the default one is empty, the chains verify (default|moved|verify: $got)"; fi

echo "retain: $checks checks, $failures failed: audit_retain waits for audit rows being committed and moves them"
[ $failures -eq 0 ]
