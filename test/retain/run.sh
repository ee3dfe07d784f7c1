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
SELECT share_acl.create_workspace('prepared retain', p.id) FROM share_acl.principal p
 WHERE p.email = 'first@retain.test';
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
           AND object_type = 'workspace' AND new->>'name' = 'prepared retain') || '|' ||
       (SELECT bool_and(ok) FROM share_acl.audit_verify());
SQL
)
if [ "$got" = "0|1|true" ]; then ok "the prepared transaction's row is in the month's partition, the default one is empty, the chains verify"; else
	not_ok "the prepared transaction's row is in the month's partition, the default one is empty, the chains verify (default|moved|verify: $got)"; fi

# commits while audit_retain creates the month's partition: in a fresh
# database (no month partition), audit_retain holds the default partition
# for 2 s while two sessions that have sealed before commit, one row and
# eleven (the seal's one-row and statement paths): they wait, then go to the
# new partition (they had chosen the default one: the one row stayed there,
# out of its month, and the eleven-row commit failed with "violates
# partition constraint"); and two new sessions commit meanwhile, whose ids,
# taken by two first seals at once, are all distinct (a first seal's
# catch-up of the sequence could set it back past ids another had just
# taken)
db2=share_acl_retain2
fresh_db $db2 2>/dev/null
psql -qX -v ON_ERROR_STOP=1 -d $db2 -c "CREATE EXTENSION share_acl" >/dev/null || { echo "setup failed"; exit 1; }
# (two sessions that have sealed once before write again as soon as
# audit_retain holds the default partition: they wait for it)
go=$(mktemp -u /tmp/share_acl_retain_go.XXXXXX)
hold="\\! while [ ! -e $go ]; do sleep 0.05; done"
psql -qXAt -d $db2 -c "SELECT share_acl.create_user('warm1@retain.test')" -c "\\! touch $go.1" -c "$hold" \
	-c "BEGIN" -c "SELECT count(share_acl.create_user('warm' || i || '@retain.test')) FROM generate_series(2, 12) i" -c "COMMIT" \
	>"$out.warm" 2>&1 &
warm=$!
psql -qXAt -d $db2 -c "SELECT share_acl.create_user('warm13@retain.test')" -c "\\! touch $go.2" -c "$hold" \
	-c "SELECT share_acl.create_user('warm14@retain.test')" >"$out.warm2" 2>&1 &
warm2=$!
for _ in $(seq 200); do [ -e "$go.1" ] && [ -e "$go.2" ] && break; sleep 0.05; done
psql -qX -d $db2 -c "BEGIN" -c "SELECT share_acl.audit_retain('400 days')" -c "SELECT pg_sleep(2)" -c "COMMIT" >/dev/null 2>&1 &
retain2=$!
for _ in $(seq 200); do
	[ "$(psql -qXAt -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db2' AND query = 'SELECT pg_sleep(2)'")" = 1 ] && break
	sleep 0.05
done
touch "$go"
psql -qXAt -d $db2 -c "SELECT share_acl.create_user('one@retain.test')" >"$out.one" 2>&1 &
one=$!
psql -qXAt -d $db2 -c "BEGIN" -c "SELECT count(share_acl.create_user('many' || i || '@retain.test')) FROM generate_series(1, 11) i" -c "COMMIT" >"$out.many" 2>&1 &
many=$!
wait $retain2; wait $one; s1=$?; wait $many; s2=$?; wait $warm; s3=$?; wait $warm2; s4=$?
grep -q ERROR "$out.warm" "$out.warm2" && s3=1
got=$(psql -qXAt -d $db2 <<'SQL'
SELECT (SELECT count(*) FROM share_acl.principal) || '|' ||
       (SELECT count(*) FROM share_acl.audit_log_default
         WHERE at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') || '|' ||
       (SELECT count(*) FROM (SELECT id FROM share_acl.audit_log GROUP BY id HAVING count(*) > 1) d) || '|' ||
       (SELECT bool_and(ok) FROM share_acl.audit_verify());
SQL
)
if [ $s1 -eq 0 ] && [ $s2 -eq 0 ] && [ $s3 -eq 0 ] && [ $s4 -eq 0 ] && [ "$got" = "26|0|0|true" ]; then
	ok "two commits while audit_retain makes the month's partition: both in it, ids distinct, chains verify"
else
	not_ok "two commits while audit_retain makes the month's partition: both in it, ids distinct, chains verify (exit $s1 $s2 $s3 $s4; principals|rows left in the default partition|duplicate ids|verify: $got; $(cat "$out.one" "$out.many" "$out.warm" "$out.warm2" | grep -m2 ERROR))"
fi
rm -f "$out.one" "$out.many" "$out.warm" "$out.warm2" "$go" "$go.1" "$go.2"
psql -qX -d postgres -c "DROP DATABASE $db2" >/dev/null

echo "retain: $checks checks, $failures failed: audit_retain waits for audit rows being committed and moves them"
[ $failures -eq 0 ]
