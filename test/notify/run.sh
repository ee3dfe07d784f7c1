#!/usr/bin/env bash
# test/notify/run.sh — NOTIFY share_acl reaches a real LISTEN client.
#
# Needs a running cluster (PGHOST etc., as test/run_all.sh provides).  A
# listener session (psql) runs LISTEN share_acl and waits; meanwhile another
# session shares a resource and mentions a person, in one transaction and
# then in one that rolls back.  The listener must receive exactly the ids of
# the notifications the committed transaction wrote, and nothing of the
# rolled-back one; a session that is not listening receives nothing.
set -uo pipefail
db=share_acl_notify
. "$(dirname "$0")/../checks.sh"

fresh_db $db
psql -qX -v ON_ERROR_STOP=1 -d $db >/dev/null <<'SQL'
CREATE EXTENSION share_acl;
SELECT share_acl.create_user('owner@notify.test'), share_acl.create_user('reader@notify.test');
SELECT share_acl.create_workspace('notify', (SELECT id FROM share_acl.principal WHERE email = 'owner@notify.test'));
SELECT share_acl.add_member((SELECT id FROM share_acl.workspace), (SELECT id FROM share_acl.principal WHERE email = 'reader@notify.test'), 'member');
SELECT share_acl.set_principal((SELECT id FROM share_acl.principal WHERE email = 'owner@notify.test'));
SELECT share_acl.create_resource((SELECT id FROM share_acl.workspace), 'project', NULL, 'aaaaaaaa-0000-0000-0000-000000000001');
SQL

out=$(mktemp)
# the listener: LISTEN, then wait (psql prints what arrived after each statement)
psql -X -d $db -c "LISTEN share_acl" -c "SELECT pg_sleep(4)" -c "SELECT 1" >"$out" 2>&1 &
listener=$!
sleep 1
psql -qX -v ON_ERROR_STOP=1 -d $db >/dev/null <<'SQL'
BEGIN;
SELECT share_acl.set_principal((SELECT id FROM share_acl.principal WHERE email = 'owner@notify.test'));
SELECT share_acl.share('aaaaaaaa-0000-0000-0000-000000000001', (SELECT id FROM share_acl.principal WHERE email = 'reader@notify.test'), 'viewer');
SELECT share_acl.notify_mention('aaaaaaaa-0000-0000-0000-000000000001', (SELECT id FROM share_acl.principal WHERE email = 'reader@notify.test'));
COMMIT;
BEGIN;
SELECT share_acl.set_principal((SELECT id FROM share_acl.principal WHERE email = 'owner@notify.test'));
SELECT share_acl.notify_mention('aaaaaaaa-0000-0000-0000-000000000001', (SELECT id FROM share_acl.principal WHERE email = 'reader@notify.test'));
ROLLBACK;
SQL
wait $listener
want=$(psql -qXAt -d $db -c "SELECT string_agg(id::text, ' ' ORDER BY id) FROM share_acl.notification")
got=$(sed -n 's/^Asynchronous notification "share_acl" with payload "\([^"]*\)" received.*/\1/p' "$out" | sort | tr '\n' ' ' | sed 's/ $//')
n=$(psql -qXAt -d $db -c "SELECT count(*) FROM share_acl.notification")
if [ "$n" = 2 ] && [ "$got" = "$want" ]; then
	ok "the listener received the ids of the 2 notifications written, and nothing of the rolled-back one"
else
	not_ok "the listener received [$got], want [$want] ($n rows); its output: $(tr '\n' ' ' <"$out")"
fi
# a session that does not listen receives nothing
other=$(psql -X -d $db -c "SELECT share_acl.notify_expiring_links('1 day')" -c "SELECT 1" 2>&1)
if grep -q 'Asynchronous notification' <<<"$other"; then not_ok "a session that does not listen received something"
else ok "a session that does not listen receives nothing"; fi
rm -f "$out"
psql -qX -d postgres -c "DROP DATABASE $db" >/dev/null
echo "notify: $checks checks, $failures failed: LISTEN share_acl receives the ids of committed notifications"
[ "$failures" -eq 0 ]
