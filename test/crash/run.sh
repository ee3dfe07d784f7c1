#!/usr/bin/env bash
# test/crash/run.sh — what a caller was answered survives a crash.
#
# Password guesses, claimed views of a max_views link and the audit rows of
# refused calls are committed by background workers in transactions of their
# own (whatever the caller's transaction does); a caller that rolls back, or
# is refused, commits nothing itself.  A caller whose synchronous_commit is
# on must find them after a crash all the same: this starts its own cluster
# (the library preloaded, synchronous_commit off by default, the WAL writer
# held still so that nothing is flushed behind the callers' backs), makes
# such calls from a session with synchronous_commit on, crashes the server
# (kill -9 of a backend: the postmaster resets every process, and what was
# not flushed is lost) and counts what is left.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
sa_start_cluster "shared_preload_libraries = 'share_acl'
wal_writer_delay = '10s'"
export PGDATABASE=share_acl_crash
createdb share_acl_crash
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE EXTENSION share_acl;
CREATE TABLE public.ids (k text PRIMARY KEY, v text);
INSERT INTO public.ids SELECT 'ana', share_acl.create_user('ana@crash.example');
INSERT INTO public.ids SELECT 'eve', share_acl.create_user('eve@crash.example');
INSERT INTO public.ids SELECT 'ws', share_acl.create_workspace('W', (SELECT v::uuid FROM public.ids WHERE k = 'ana'));
BEGIN;
SELECT share_acl.set_principal((SELECT v::uuid FROM public.ids WHERE k = 'ana'));
INSERT INTO public.ids SELECT 'p', share_acl.create_resource((SELECT v::uuid FROM public.ids WHERE k = 'ws'), 'project');
INSERT INTO public.ids SELECT 'pw', share_acl.create_link((SELECT v::uuid FROM public.ids WHERE k = 'p'), password => 'right one');
INSERT INTO public.ids SELECT 'once', share_acl.create_link((SELECT v::uuid FROM public.ids WHERE k = 'p'), max_views => 1);
COMMIT;
CHECKPOINT;
SQL
walwriter=$(psql -qXAt -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'")
kill -STOP "$walwriter"
trap 'kill -CONT "$walwriter" 2>/dev/null || true; sa_stop_cluster' EXIT
psql -qXAt -c "SET log_min_error_statement = panic" >/dev/null
psql -qXAt -v ON_ERROR_STOP=0 >/dev/null 2>&1 <<'SQL'
SET synchronous_commit = on;
SET log_min_error_statement = panic;
BEGIN;
SELECT status FROM share_acl.open_link((SELECT v FROM public.ids WHERE k = 'pw'), 'wrong guess 1');
ROLLBACK;
BEGIN;
SELECT status FROM share_acl.open_link((SELECT v FROM public.ids WHERE k = 'pw'), 'wrong guess 2');
ROLLBACK;
BEGIN;
SELECT status FROM share_acl.open_link((SELECT v FROM public.ids WHERE k = 'once'));
ROLLBACK;
BEGIN;
SELECT share_acl.set_principal((SELECT v::uuid FROM public.ids WHERE k = 'eve'));
SELECT share_acl.create_team((SELECT v::uuid FROM public.ids WHERE k = 'ws'), 'refused');
ROLLBACK;
SQL
before=$(psql -qXAt -c "SELECT (SELECT failed_attempts FROM share_acl.link WHERE id = share_acl.link_id((SELECT v FROM public.ids WHERE k = 'pw')))
                            || ' ' || (SELECT view_count FROM share_acl.link WHERE id = share_acl.link_id((SELECT v FROM public.ids WHERE k = 'once')))
                            || ' ' || (SELECT count(*) FROM share_acl.audit_log WHERE action = 'refused')" 2>/dev/null)
# a backend killed: the postmaster resets every process (the WAL writer too)
( psql -qXAt -c "SELECT pg_sleep(60)" >/dev/null 2>&1 & )
for i in $(seq 1 50); do
	victim=$(psql -qXAt -c "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'")
	[ -n "$victim" ] && break
	sleep 0.1
done
kill -9 "$victim"
sleep 1
kill -CONT "$walwriter" 2>/dev/null || true
for i in $(seq 1 100); do
	psql -qXAt -c "SELECT 1" >/dev/null 2>&1 && break
	sleep 0.2
done
after=$(psql -qXAt -c "SELECT (SELECT failed_attempts FROM share_acl.link WHERE id = share_acl.link_id((SELECT v FROM public.ids WHERE k = 'pw')))
                           || ' ' || (SELECT view_count FROM share_acl.link WHERE id = share_acl.link_id((SELECT v FROM public.ids WHERE k = 'once')))
                           || ' ' || (SELECT count(*) FROM share_acl.audit_log WHERE action = 'refused')" 2>/dev/null)
echo "before the crash (failed attempts, views of the one-view link, refusal rows): $before; after: $after"
if [ "$before" != "2 1 1" ] || [ "$after" != "$before" ]; then
	echo "crash: what a caller with synchronous_commit on was answered did not survive the crash"
	exit 1
fi
echo "crash: two wrong guesses, a claimed view and a refusal's audit row, answered to a caller with synchronous_commit on, survive a crash of the server"
