#!/usr/bin/env bash
# test/flood/run.sh — a flood of refused calls neither drops their audit rows
# nor starves other tenants' password link opens (SPEC §5, §7).
#
# Every refused management call hands its audit row to a dynamic background
# worker, and every open of a password link records its attempt through one:
# the slots are max_worker_processes, shared by the whole server.  On a
# cluster of its own with max_worker_processes = 3, an attacker with no role
# in workspace W runs FLOOD_SESSIONS sessions of FLOOD_CALLS refused calls
# each (create_team in W) while a viewer opens alice's password link in W
# FLOOD_OPENS times.  Every open must answer ok, and every refusal must have
# its row in audit_log (each caller waits for a free slot rather than give
# up after a moment; the flood is slowed down instead), with at most a
# quarter of the slots (one here) taken by refusal workers at once.  The
# flood (360 refusals, about 17 s) lasts longer than the 10 s a refused call
# waits for a slot: the callers take their turns in the order they came, so
# each waits for the callers before it (at most the other 23 sessions'
# calls), not for the whole flood (when a freed slot went to whichever
# waiting caller asked first, callers were passed over until their 10 s
# were up: 462 of 480 rows in a 20-call flood).  Then:
# refusals whose workers are being terminated each leave their row or a LOG line,
# and so do refusals whose callers are terminated while they hand it over;
# with the bootstrap superuser NOLOGIN the workers still connect; a refusal
# whose worker cannot start holds its termination back 10 s at most, and
# those waiting their turn behind it end within their own 10 s and one
# hand-over; with max_worker_processes = 0 neither a refusal nor a password
# open waits for a slot.
#
# share_acl must be installed (test/run_all.sh does it first).  Prints
# "flood: ... ok" lines; the exit status is non-zero when a check failed.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

SESSIONS=${FLOOD_SESSIONS:-24}
CALLS=${FLOOD_CALLS:-15}
OPENS=${FLOOD_OPENS:-10}
# (a cluster of the calling suite is not ours to stop)
unset SA_CLUSTER_DIR
sa_start_cluster "max_worker_processes = 3
max_parallel_workers = 0
max_logical_replication_workers = 0
max_connections = 60" || exit 1
work=$(mktemp -d /tmp/share_acl_flood.XXXXXX)
trap 'rm -rf "$work"; sa_stop_cluster' EXIT
failed=0
check() {	# name condition-result
	if [ "$2" = t ]; then echo "flood: $1 ok"; else echo "flood: $1 FAILED ($2)"; failed=1; fi
}
# until $work/stop exists (at most 120 s): terminate the backends of
# pg_stat_activity matching $1, appending how many to file $2
terminate_until_stopped() {
	local end=$((SECONDS + 120)) n
	while [ ! -e "$work/stop" ] && [ $SECONDS -lt $end ]; do
		n=$(psql -qXAt -c "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE $1")
		[ "${n:-0}" -gt 0 ] && echo "$n" >>"$2"
	done
}
# refusals by principal $1 from $2 sessions at once, $3 calls each, while a
# loop terminates the refusal workers, until it has terminated three (at
# least $4 refusals, at most $5): each has its row or its LOG line (the
# caller's, when the worker ended before taking it; the worker's own as it
# exits); $6 begins the check's line
refusals_while_terminated() {
	local who=$1 sessions=$2 calls=$3 least=$4 most=$5 words=$6
	local before made=0 terminated=0 killer s
	before=$(grep -c "principal $who" "$SA_CLUSTER_DIR/server.log")
	rm -f "$work/stop"
	: >"$work/terminated"
	terminate_until_stopped "backend_type = 'share_acl audit'" "$work/terminated" &
	killer=$!
	while [ $made -lt "$most" ] && { [ $made -lt "$least" ] || [ "$terminated" -lt 3 ]; }; do
		for s in $(seq "$sessions"); do
			psql -qX -c "SET log_min_error_statement = panic" -c "SET ROLE flood_app" \
				-c "$(for i in $(seq "$calls"); do echo "DO \$\$ BEGIN PERFORM share_acl.set_principal('$who'); PERFORM share_acl.create_team('$W', 'x'); EXCEPTION WHEN insufficient_privilege THEN NULL; END \$\$;"; done)" \
				>/dev/null 2>&1 &
		done
		wait $(jobs -p | grep -vx "$killer")
		made=$((made + sessions * calls))
		terminated=$(awk '{ s += $1 } END { print s + 0 }' "$work/terminated")
	done
	touch "$work/stop"; wait $killer
	terminated=$(awk '{ s += $1 } END { print s + 0 }' "$work/terminated")
	rows_or_lines "$who" "$made" "$before"
	check "$words$made refusals from $sessions session(s) while their workers are terminated ($terminated terminated): each has its row ($rows) or its LOG line ($logged)" \
		"$([ "$((rows + logged))" = "$made" ] && [ "$terminated" -gt 0 ] && echo t || echo "$rows + $logged of $made, $terminated terminated")"
}

# the refusals of principal $1 in audit_log (rows) and the server log's lines
# naming it since $3 lines (logged), once they are $2 together or after 5 s
# (the last workers may still be writing)
rows_or_lines() {
	for _ in $(seq 50); do
		rows=$(psql -qXAt -c "SELECT count(*) FROM share_acl.audit_log WHERE action = 'refused' AND actor_id = '$1'")
		logged=$(( $(grep -c "principal $1" "$SA_CLUSTER_DIR/server.log") - $3 ))
		[ $((rows + logged)) -ge "$2" ] && break
		sleep 0.1
	done
}

psql -qX -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION share_acl' \
	-c 'CREATE ROLE flood_app LOGIN IN ROLE share_acl_user' || exit 1
psql -qXAt -v ON_ERROR_STOP=1 >"$work/fixture" <<'SQL' || exit 1
SET log_min_error_statement = panic;
SELECT share_acl.create_user('alice@flood.test') AS alice \gset
SELECT share_acl.create_user('mallory@flood.test') AS mallory \gset
SELECT share_acl.create_workspace('flood W', :'alice') AS w \gset
SELECT share_acl.create_workspace('flood M', :'mallory') AS m \gset
SELECT share_acl.set_principal(:'alice');
SELECT share_acl.create_resource(:'w', 'project') AS p \gset
SELECT share_acl.create_link(:'p', password => 'open sesame') AS token \gset
SELECT share_acl.create_link(:'p', password => 'guarded', label => 'cancelled') AS token2 \gset
SELECT share_acl.set_principal(NULL);
SELECT :'w' || ' ' || :'mallory' || ' ' || :'token' || ' ' || :'token2';
SQL
read -r W MALLORY TOKEN TOKEN2 < <(tail -1 "$work/fixture")

# the flood: each session a principal without a role in W, refused each time
# (as the application's role; the principal is set per transaction)
cat >"$work/refused.sql" <<SQL
SET ROLE flood_app;
$(for i in $(seq "$CALLS"); do
	echo "DO \$\$ BEGIN PERFORM share_acl.set_principal('$MALLORY'); PERFORM share_acl.create_team('$W', 'x'); EXCEPTION WHEN insufficient_privilege THEN NULL; END \$\$;"
done)
SQL
# meanwhile how many refusal workers run at once: pg_stat_activity sampled
# every millisecond from the first flooding session's start to the last one's
# end.  A sample reads the backends one after the other, not at one instant:
# a worker that ended and the next one started while it read could both be
# in it.  Two samples in a row are compared instead: a worker in both was
# running all the time between them, so the workers in both ran together.
# (At least 10 pairs: on a loaded machine a sample may take 100 ms.)
psql -qXAt >"$work/running" 2>&1 <<'SQL' &
DO $$
DECLARE
    most int := 0;
    samples int := 0;
    before int[];
    now_running int[];
    flooding int;
    seen boolean := false;
BEGIN
    FOR i IN 1..30000 LOOP
        PERFORM pg_stat_clear_snapshot();
        SELECT coalesce(array_agg(pid) FILTER (WHERE backend_type = 'share_acl audit'), '{}'),
               count(*) FILTER (WHERE application_name = 'share_acl flood')
          INTO now_running, flooding FROM pg_stat_activity;
        IF flooding > 0 THEN
            seen := true;
            IF before IS NOT NULL THEN
                most := greatest(most, (SELECT count(*) FROM unnest(now_running) p
                                        WHERE p = ANY (before)));
                samples := samples + 1;
            END IF;
            before := now_running;
        ELSIF seen THEN
            EXIT;
        END IF;
        PERFORM pg_sleep(0.001);
    END LOOP;
    RAISE NOTICE 'running % %', most, samples;
END $$;
SQL
sampler=$!
start=$(date +%s.%N)
for s in $(seq "$SESSIONS"); do
	PGAPPNAME='share_acl flood' psql -qX -v ON_ERROR_STOP=1 -f "$work/refused.sql" >"$work/flood.$s" 2>&1 &
done
# meanwhile the viewer's opens of the password link
for i in $(seq "$OPENS"); do
	psql -qXAt -c "SET log_min_error_statement = panic" \
		-c "SELECT status FROM share_acl.open_link(\$\$$TOKEN\$\$, 'open sesame')" 2>&1
done >"$work/opens"
wait
end=$(date +%s.%N)

check "the $OPENS password opens during the flood all answer ok" \
	"$([ "$(grep -c '^ok$' "$work/opens")" = "$OPENS" ] && echo t || head -3 "$work/opens" | tr '\n' ' ')"
check "the $SESSIONS flooding sessions ran without an error" \
	"$(cat "$work"/flood.* | grep -q . && cat "$work"/flood.* | head -3 | tr '\n' ' ' || echo t)"
check "no team was made in W (every call was refused)" \
	"$(psql -qXAt -c "SELECT count(*) = 0 FROM share_acl.principal WHERE kind = 'team' AND workspace_id = '$W'")"
# the workers write a moment after each call: wait for the rows (at most 60 s)
want=$((SESSIONS * CALLS))
for _ in $(seq 120); do
	got=$(psql -qXAt -c "SELECT count(*) FROM share_acl.audit_log
		WHERE action = 'refused' AND actor_id = '$MALLORY' AND object_type = 'create_team'")
	[ "$got" -ge "$want" ] && break
	sleep 0.5
done
check "every one of the $want refused calls has its audit row (got $got)" \
	"$([ "$got" = "$want" ] && echo t || echo "$got of $want")"
# max_worker_processes = 3: one refusal worker at a time, the other slots
# left to the others (without the cap: all three)
read -r running samples < <(sed -n 's/^NOTICE:  running //p' "$work/running")
check "one refusal worker at most ran at once during the flood (${samples:-no} samples, at most ${running:-?})" \
	"$([ -n "${running:-}" ] && [ "${samples:-0}" -ge 10 ] && [ "$running" -le 1 ] && echo t || echo "$(head -3 "$work/running" | tr '\n' ' ')")"
check "no refusal went to the server log instead" \
	"$(grep -q 'could not be written' "$SA_CLUSTER_DIR/server.log" && echo 'LOG lines of unwritten rows' || echo t)"
check "the workspace's chain verifies" \
	"$(psql -qXAt -c "SELECT bool_and(ok) FROM share_acl.audit_verify('$W')")"
# wrong passwords whose callers are cancelled (statement_timeout 1-20 ms)
# while the attempt's worker starts: each attempt handed over is recorded
# by its worker, none is lost with an error in the server log
CANCELLED=${FLOOD_CANCELLED:-40}
{
	echo "SET log_min_error_statement = panic;"
	for i in $(seq "$CANCELLED"); do
		echo "SET statement_timeout = '$((i % 20 + 1))ms';"
		echo "SELECT status FROM share_acl.open_link(\$\$$TOKEN2\$\$, 'wrong $i');"
	done
} >"$work/cancelled.sql"
psql -qXAt -f "$work/cancelled.sql" >"$work/cancelled" 2>&1
cancels=$(grep -c 'canceling statement due to statement timeout' "$work/cancelled")
check "some of the $CANCELLED timed opens were cancelled ($cancels)" "$([ "$cancels" -ge 5 ] && echo t || echo "$cancels")"
sleep 1	# the workers of the last calls commit
check "no attempt's worker lost its segment or failed" \
	"$(grep -q 'shared memory segment of a share link attempt\|link attempt.*exited with exit code 1\|the caller ended before the worker started' "$SA_CLUSTER_DIR/server.log" && grep 'shared memory segment\|exited with exit code 1\|caller ended' "$SA_CLUSTER_DIR/server.log" | head -2 | tr '\n' ' ' || echo t)"
# an open of a max_views link whose attempt waits for the row an
# administrator is changing (max_views taken away meanwhile): the attempt's
# answer, not the open's earlier read of the link, says whether the open's
# audit row was written with a claimed view — one audit row, and the view
# counted at commit (before, none and none)
read -r MV_TOKEN MV_LINK < <(psql -qXAt -F ' ' -c "SET log_min_error_statement = panic" \
	-c "SELECT t, share_acl.link_id(t) FROM share_acl.create_link((SELECT r.id FROM share_acl.resource r WHERE r.workspace_id = '$W' LIMIT 1), max_views => 5, label => 'race') t" | tail -1)
psql -qX -c "BEGIN" -c "UPDATE share_acl.link SET max_views = NULL WHERE id = '$MV_LINK'" \
	-c "SELECT pg_sleep(0.8)" -c "COMMIT" >/dev/null 2>&1 &
holder=$!
sleep 0.2
mv_status=$(psql -qXAt -c "SET log_min_error_statement = panic" \
	-c "SELECT status FROM share_acl.open_link(\$\$$MV_TOKEN\$\$)" 2>&1 | tail -1)
wait "$holder"
check "an open whose attempt waited for an administrator's change of max_views answers ok ($mv_status) with one audit row and its view counted" \
	"$(psql -qXAt -c "SELECT '$mv_status' = 'ok'
	    AND (SELECT count(*) FROM share_acl.audit_log WHERE action = 'open_link' AND link_id = '$MV_LINK') = 1
	    AND (SELECT view_count FROM share_acl.link WHERE id = '$MV_LINK') = 1")"
# a refused call that waits for a worker slot (all three held by a parallel
# query for about two seconds) past its statement_timeout is still refused
# with 42501, not cancelled (57014): an application must not take it for a
# call worth retrying
psql -qX -v ON_ERROR_STOP=1 -c "CREATE TABLE slow (i int, pad text) WITH (parallel_workers = 3)" \
	-c "ALTER TABLE slow ALTER pad SET STORAGE PLAIN" \
	-c "INSERT INTO slow SELECT i, repeat('x', 3000) FROM generate_series(1, 16) i" -c "ANALYZE slow" >/dev/null
# (two rows a page: each of the four processes scans some of the eight pages)
psql -qXAt -c "SET max_parallel_workers = 3" -c "SET max_parallel_workers_per_gather = 3" \
	-c "SET parallel_setup_cost = 0" -c "SET parallel_tuple_cost = 0" -c "SET min_parallel_table_scan_size = 0" \
	-c "SELECT count(pg_sleep(0.5)) FROM slow" >"$work/slots" 2>&1 &
slots=$!
for _ in $(seq 50); do
	[ "$(psql -qXAt -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'parallel worker'")" -ge 2 ] && break
	sleep 0.05
done
# (and a second refusal, which waits for its turn behind the first, past
# its lock_timeout: that wait is not a lock wait of the caller's to cut short)
(sleep 0.3; t0=$(date +%s.%N)
 psql -qXAt -v VERBOSITY=verbose -c "SET log_min_error_statement = panic" -c "SET ROLE flood_app" \
	-c "SET lock_timeout = '50ms'" \
	-c "SELECT share_acl.set_principal('$MALLORY'); SELECT share_acl.create_team('$W', 'queued')" \
	>"$work/queued" 2>&1
 awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }" >"$work/queued_s") &
queued=$!
late=$(psql -qXAt -v VERBOSITY=verbose -c "SET log_min_error_statement = panic" -c "SET ROLE flood_app" \
	-c "SET statement_timeout = '300ms'" \
	-c "SELECT share_acl.set_principal('$MALLORY'); SELECT share_acl.create_team('$W', 'late')" 2>&1)
refused=$(echo "$late" | sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p')
wait $slots $queued
check "a refusal that waited for a worker slot past statement_timeout is 42501 ($refused)" \
	"$([ "$refused" = 42501 ] && echo t || echo "got: $(echo "$late" | head -2 | tr '\n' ' ')")"
refused=$(sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p' "$work/queued")
queued_s=$(cat "$work/queued_s")
check "a refusal that waited its turn behind it ($queued_s s) past lock_timeout is 42501 ($refused)" \
	"$([ "$refused" = 42501 ] && awk "BEGIN { exit !($queued_s >= 0.5) }" && echo t || echo "got: $(head -2 "$work/queued" | tr '\n' ' ')")"
# ... but what a refusal looks up for its row (the target's workspace) stays
# cancellable: with a model table locked by an administrator, a refused call
# ends at its statement_timeout (57014), not when the lock goes
psql -qX -c "BEGIN" -c "LOCK share_acl.link IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(4)" -c "COMMIT" \
	>/dev/null 2>&1 &
locker=$!
for _ in $(seq 50); do
	[ "$(psql -qXAt -c "SELECT count(*) FROM pg_locks WHERE relation = 'share_acl.link'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ] && break
	sleep 0.05
done
t0=$(date +%s.%N)
locked=$(psql -qXAt -v VERBOSITY=verbose -c "SET log_min_error_statement = panic" -c "SET ROLE flood_app" \
	-c "SET statement_timeout = '500ms'" \
	-c "SELECT share_acl.set_principal('$MALLORY'); SELECT share_acl.create_team('$W', 'locked')" 2>&1)
t1=$(date +%s.%N)
wait $locker
code=$(echo "$locked" | sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p')
check "a refusal waiting for a locked table is cancelled at its statement_timeout ($code in $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s)" \
	"$([ "$code" = 57014 ] && awk "BEGIN { exit !($t1 - $t0 < 3) }" && echo t || echo "got: $(echo "$locked" | head -2 | tr '\n' ' ')")"
# a prepared transaction holds W's audit chain until it is resolved: the
# worker of a refusal in W does not wait for it (it logs the row at once), so
# that, while 4 sessions flood refusals in W, the one refusal worker place
# (the cap here) goes on to another workspace's refusal, whose row is
# written and whose call is not held up (with workers waiting 2 s each
# behind the prepared transaction, it waited 10 s for a place and its row
# was dropped)
M=$(psql -qXAt -c "SELECT id FROM share_acl.workspace WHERE name = 'flood M'")
ALICE=$(psql -qXAt -c "SELECT id FROM share_acl.principal WHERE email = 'alice@flood.test'")
psql -qX -c "BEGIN" -c "INSERT INTO share_acl.resource (workspace_id, kind) VALUES ('$W', 'project')" \
	-c "PREPARE TRANSACTION 'flood_hold'" >/dev/null
held_before=$(grep -c 'held by a prepared transaction' "$SA_CLUSTER_DIR/server.log")
for s in 1 2 3 4; do
	psql -qX -c "SET log_min_error_statement = panic" -c "SET ROLE flood_app" \
		-c "$(for i in $(seq 10); do echo "DO \$\$ BEGIN PERFORM share_acl.set_principal('$MALLORY'); PERFORM share_acl.create_team('$W', 'held'); EXCEPTION WHEN insufficient_privilege THEN NULL; END \$\$;"; done)" \
		>/dev/null 2>&1 &
done
sleep 0.3
t0=$(date +%s.%N)
psql -qX -c "SET log_min_error_statement = panic" -c "SET ROLE flood_app" \
	-c "SELECT share_acl.set_principal('$ALICE'); SELECT share_acl.create_team('$M', 'elsewhere')" >/dev/null 2>&1
t1=$(date +%s.%N)
wait
for _ in $(seq 100); do
	other=$(psql -qXAt -c "SELECT count(*) FROM share_acl.audit_log
		WHERE action = 'refused' AND actor_id = '$ALICE' AND workspace_id = '$M'")
	[ "$other" = 1 ] && break
	sleep 0.1
done
held=$(( $(grep -c 'held by a prepared transaction' "$SA_CLUSTER_DIR/server.log") - held_before ))
psql -qX -c "ROLLBACK PREPARED 'flood_hold'" >/dev/null
check "with W's chain held by a prepared transaction and refusals in W flooding, another workspace's refusal is recorded (its call took $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s; rows: $other)" \
	"$([ "$other" = 1 ] && awk "BEGIN { exit !($t1 - $t0 < 3) }" && echo t || echo "$other rows")"
check "the refusals in W logged their rows at once, not waiting for the prepared transaction ($held of 40 in the server log)" \
	"$([ "$held" -ge 30 ] && echo t || echo "$held")"

# refusal workers terminated at any moment (pg_terminate_backend, as a fast
# shutdown does): every refusal has its row, or its LOG line (the caller's,
# when the worker ended before taking it; the worker's own as it exits).
# Refusals go on, ten at a time, until the loop has terminated workers
# (at most 300: on a busy machine it may catch none at first)
TRUDY=$(psql -qXAt -c "SELECT share_acl.create_user('trudy@flood.test')")
refusals_while_terminated "$TRUDY" 1 10 20 300 ""

# refused calls and password opens whose callers are terminated while they
# hand their row or attempt over (waiting for a worker slot, or for their
# worker to take it: wait event Extension; or, a refusal, for its turn:
# wait event advisory, the queue's lock): each refusal has its row (a
# termination waits for the hand-over) or its LOG line with its details
# (one that came while the call waited for a slot), and no worker finds its
# caller gone (an attempt is recorded once handed over)
VICTOR=$(psql -qXAt -c "SELECT share_acl.create_user('victor@flood.test')")
VICTIMS=${FLOOD_VICTIMS:-32}	# refusals, and as many opens
log_before=$(grep -c "principal $VICTOR" "$SA_CLUSTER_DIR/server.log")
gone_before=$(grep -c 'the caller ended before the worker started' "$SA_CLUSTER_DIR/server.log")
rm -f "$work/stop"
: >"$work/victims"
terminate_until_stopped "application_name = 'share_acl victim' AND wait_event IN ('Extension', 'advisory')" "$work/victims" &
killer=$!
for batch in $(seq $((VICTIMS / 4))); do
	for i in $(seq 4); do
		PGAPPNAME='share_acl victim' psql -qX -c "SET log_min_error_statement = panic" -c "SET ROLE flood_app" \
			-c "SELECT share_acl.set_principal('$VICTOR'); SELECT share_acl.create_team('$W', 'v')" \
			>/dev/null 2>&1 &
		PGAPPNAME='share_acl victim' psql -qX -c "SET log_min_error_statement = panic" \
			-c "SELECT status FROM share_acl.open_link(\$\$$TOKEN2\$\$, 'wrong')" >/dev/null 2>&1 &
	done
	wait $(jobs -p | grep -vx "$killer")
done
touch "$work/stop"; wait $killer
victims=$(awk '{ s += $1 } END { print s + 0 }' "$work/victims")
rows_or_lines "$VICTOR" "$VICTIMS" "$log_before"
gone=$(( $(grep -c 'the caller ended before the worker started' "$SA_CLUSTER_DIR/server.log") - gone_before ))
check "$VICTIMS refusals and $VICTIMS password opens whose callers are terminated while they hand over ($victims terminated): each has its row ($rows) or its LOG line ($logged), no worker found its caller gone ($gone)" \
	"$([ "$((rows + logged))" = "$VICTIMS" ] && [ "$victims" -gt 0 ] && [ "$gone" = 0 ] && echo t || echo "$rows + $logged of $VICTIMS, $victims terminated, $gone gone")"

# with the bootstrap superuser not allowed to log in (another superuser
# administers), the workers still connect: a password open answers, a
# refusal has its row
psql -qX -c "CREATE ROLE flood_dba SUPERUSER LOGIN" -c "ALTER ROLE postgres NOLOGIN" >/dev/null
opened=$(psql -qXAt -U flood_dba -c "SET log_min_error_statement = panic" \
	-c "SELECT status FROM share_acl.open_link('$TOKEN', 'open sesame')" 2>&1)
rows_before=$(psql -qXAt -U flood_dba -c "SELECT count(*) FROM share_acl.audit_log WHERE action = 'refused' AND actor_id = '$TRUDY'")
psql -qX -U flood_dba -c "SET ROLE flood_app" \
	-c "DO \$\$ BEGIN PERFORM share_acl.set_principal('$TRUDY'); PERFORM share_acl.create_team('$W', 'x'); EXCEPTION WHEN insufficient_privilege THEN NULL; END \$\$;" >/dev/null 2>&1
for _ in $(seq 50); do
	rows_after=$(psql -qXAt -U flood_dba -c "SELECT count(*) FROM share_acl.audit_log WHERE action = 'refused' AND actor_id = '$TRUDY'")
	[ "$rows_after" -gt "$rows_before" ] && break
	sleep 0.1
done
psql -qX -U flood_dba -c "ALTER ROLE postgres LOGIN" >/dev/null
check "with the bootstrap superuser NOLOGIN, a password open answers ($opened) and a refusal has its row ($rows_before -> $rows_after)" \
	"$([ "$opened" = ok ] && [ "$rows_after" = $((rows_before + 1)) ] && echo t || echo "$opened, $rows_before -> $rows_after")"
# a refused call whose worker cannot start (the postmaster stopped, as one
# that cannot fork) holds its termination back for the hand-over, at most
# SEGMENT_WORKER_HANDOVER_WAIT_MS (10 s) in all, then logs its LOG line; two
# refused calls that came after it, waiting their turn behind that
# hand-over, end within their own 10 s for a slot and one hand-over of 10 s
# (the first of them starts its worker once the hand-over before has timed
# out, the second gives up at its 10 s), not 10 s after the one before each
read -r stalled queued_a queued_b < <(/usr/bin/python3 - "$SA_CLUSTER_DIR" "$W" "$MALLORY" <<'PY'
import os, signal, sys, threading, time
import psycopg
host, ws, mallory = sys.argv[1:4]
pm = int(open(os.path.join(host, "data", "postmaster.pid")).readline())
conns = [psycopg.connect(host=host, dbname="postgres", autocommit=True) for _ in range(3)]
killer = psycopg.connect(host=host, dbname="postgres", autocommit=True)
pid = conns[0].execute("SELECT pg_backend_pid()").fetchone()[0]
took = [None, None, None]
def refused(i):
    t = time.time()
    try:
        conns[i].execute("SET log_min_error_statement = panic")
        conns[i].execute("SET ROLE flood_app")
        conns[i].execute(f"DO $$ BEGIN PERFORM share_acl.set_principal('{mallory}'); "
                         f"PERFORM share_acl.create_team('{ws}', 'stalled'); END $$")
    except psycopg.Error:
        pass	# (refused, or terminated)
    took[i] = time.time() - t
def ended():	# (a zombie: the stopped postmaster does not reap it)
    try:
        with open(f"/proc/{pid}/status") as f:
            return any(l.startswith("State:") and "Z" in l for l in f)
    except FileNotFoundError:
        return True
os.kill(pm, signal.SIGSTOP)
try:
    calls = [threading.Thread(target=refused, args=(i,)) for i in range(3)]
    calls[0].start()
    time.sleep(0.2)
    calls[1].start()
    time.sleep(0.2)
    calls[2].start()
    time.sleep(0.1)
    t0 = time.time()
    killer.execute(f"SELECT pg_terminate_backend({pid})")
    while not ended() and time.time() - t0 < 30:
        time.sleep(0.05)
    stalled = time.time() - t0
    for c in calls[1:]:	# (the postmaster still stopped)
        c.join(timeout=max(0.0, 35 - (time.time() - t0)))
finally:
    os.kill(pm, signal.SIGCONT)
for c in calls:
    c.join()
print(f"{stalled:.1f} {took[1]:.1f} {took[2]:.1f}")
PY
)
sleep 0.5
check "a refused call whose worker cannot start ends ${stalled:-?} s after its termination (at most 10 s and a little), with its LOG line" \
	"$(awk "BEGIN { exit !(${stalled:-99} < 12) }" && grep -q "did not start within 10 seconds" "$SA_CLUSTER_DIR/server.log" && echo t || echo "${stalled:-no answer} s")"
check "two refused calls waiting their turn behind it end within their own 10 s and one hand-over (${queued_a:-?} s, ${queued_b:-?} s), with their LOG lines" \
	"$(awk "BEGIN { exit !(${queued_a:-99} < 22 && ${queued_b:-99} < 12) }" && [ "$(grep -c 'no background worker slot became free within 10 seconds\|did not start within 10 seconds' "$SA_CLUSTER_DIR/server.log")" -ge 3 ] && echo t || echo "${queued_a:-?} s, ${queued_b:-?} s")"

# preloaded, a refusal worker stays a moment and writes the rows of further
# refused calls in its database, posted to its mailbox (audit_worker.c): the
# same flood, by another principal, writes every row in much less time than
# above, where each row cost a worker's start, and a refusal in another
# database (it queues behind the flood's callers; the worker serving W is
# asked to end after its row) has its row without waiting long; then
# refusals whose serving workers are terminated at any moment each have
# their row or their LOG line
psql -qX -c "ALTER SYSTEM SET shared_preload_libraries = 'share_acl'" >/dev/null
sa_pg_ctl -D "$SA_CLUSTER_DIR/data" -w -m fast -l "$SA_CLUSTER_DIR/server.log" restart >/dev/null
psql -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE flood_other" >/dev/null
psql -qXAt -v ON_ERROR_STOP=1 -d flood_other >"$work/other_fixture" <<'SQL' || exit 1
CREATE EXTENSION share_acl;
SELECT share_acl.create_user('owner@other.test') AS owner \gset
SELECT share_acl.create_user('intruder@other.test') AS intruder \gset
SELECT share_acl.create_workspace('other', :'owner') AS ws \gset
SELECT :'ws' || ' ' || :'intruder';
SQL
read -r OTHER_W INTRUDER < <(tail -1 "$work/other_fixture")
EVE=$(psql -qXAt -c "SELECT share_acl.create_user('eve@flood.test')")
sed "s/$MALLORY/$EVE/g" "$work/refused.sql" >"$work/refused_eve.sql"
lines_before=$(grep -c 'could not be written' "$SA_CLUSTER_DIR/server.log")
pstart=$(date +%s.%N)
for s in $(seq "$SESSIONS"); do
	psql -qX -v ON_ERROR_STOP=1 -f "$work/refused_eve.sql" >"$work/pflood.$s" 2>&1 &
done
/usr/bin/python3 - "$SA_CLUSTER_DIR" "$OTHER_W" "$INTRUDER" >"$work/other" 2>&1 <<'PY' &
import sys, time
import psycopg
host, ws, intruder = sys.argv[1:4]
c = psycopg.connect(host=host, dbname="flood_other", autocommit=True)
c.execute("SET log_min_error_statement = panic")
slowest = 0.0
time.sleep(0.3)
for i in range(5):
    t = time.time()
    try:
        c.execute("SELECT share_acl.create_team(%s, 'x') FROM (SELECT share_acl.set_principal(%s)) s", (ws, intruder))
    except psycopg.errors.InsufficientPrivilege:
        pass
    slowest = max(slowest, time.time() - t)
    time.sleep(0.2)
print(f"{slowest:.2f}")
PY
other_pid=$!
wait $(jobs -p | grep -vx "$other_pid")
pend=$(date +%s.%N)
wait $other_pid
for _ in $(seq 120); do
	got=$(psql -qXAt -c "SELECT count(*) FROM share_acl.audit_log WHERE action = 'refused' AND actor_id = '$EVE'")
	other_rows=$(psql -qXAt -d flood_other -c "SELECT count(*) FROM share_acl.audit_log WHERE action = 'refused' AND actor_id = '$INTRUDER'")
	[ "$got" -ge "$want" ] && [ "$other_rows" -ge 5 ] && break
	sleep 0.5
done
plain_s=$(awk "BEGIN { printf \"%.1f\", $end - $start }")
preloaded_s=$(awk "BEGIN { printf \"%.1f\", $pend - $pstart }")
check "preloaded, the flood's $want refused calls all have their rows (got $got), none logged instead, in $preloaded_s s (not preloaded: $plain_s s)" \
	"$([ "$got" = "$want" ] && [ "$(grep -c 'could not be written' "$SA_CLUSTER_DIR/server.log")" = "$lines_before" ] &&
		awk "BEGIN { exit !($pend - $pstart < ($end - $start) / 2) }" && ! cat "$work"/pflood.* | grep -q . && echo t ||
		echo "$got of $want in $preloaded_s s against $plain_s s; $(cat "$work"/pflood.* | head -2 | tr '\n' ' ')")"
check "preloaded, another database's 5 refusals during the flood have their rows ($other_rows), the slowest call $(cat "$work/other") s" \
	"$([ "$other_rows" = 5 ] && awk "BEGIN { exit !($(cat "$work/other" | tail -1 | grep -E '^[0-9.]+$' || echo 99) < 3) }" && echo t || echo "$other_rows rows; $(head -2 "$work/other" | tr '\n' ' ')")"
check "preloaded, the workspace's chain verifies" \
	"$(psql -qXAt -c "SELECT bool_and(ok) FROM share_acl.audit_verify('$W')")"
ZOE=$(psql -qXAt -c "SELECT share_acl.create_user('zoe@flood.test')")
refusals_while_terminated "$ZOE" 4 5 40 400 "preloaded, "
psql -qX -c "ALTER SYSTEM RESET shared_preload_libraries" >/dev/null

# max_worker_processes = 0: no slot can ever free up, so a refusal and a
# password open do not wait 10 s for one; the LOG line and the error say why
psql -qX -c "ALTER SYSTEM SET max_worker_processes = 0" >/dev/null
sa_pg_ctl -D "$SA_CLUSTER_DIR/data" -w -m fast -l "$SA_CLUSTER_DIR/server.log" restart >/dev/null
t0=$(date +%s.%N)
psql -qXAt -c "SET ROLE flood_app" -c "BEGIN" -c "SELECT share_acl.set_principal('$MALLORY')" \
	-c "SELECT share_acl.create_team('$W', 'no slots')" >/dev/null 2>"$work/no_slots_refusal"
t1=$(date +%s.%N)
psql -qXAt -c "SELECT ok FROM share_acl.open_link('$TOKEN', 'open sesame')" >/dev/null 2>"$work/no_slots_open"
t2=$(date +%s.%N)
check "with max_worker_processes = 0 a refusal answers 42501 at once ($(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s), its LOG line naming the setting and the database" \
	"$(awk "BEGIN { exit !($t1 - $t0 < 3) }" && grep -q "permission denied" "$work/no_slots_refusal" &&
		grep -A1 "could not be written: max_worker_processes is 0" "$SA_CLUSTER_DIR/server.log" |
			grep -q "DETAIL:  database postgres, function" && echo t ||
		echo "$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s: $(head -c 300 "$work/no_slots_refusal")")"
check "with max_worker_processes = 0 a password open fails closed at once ($(awk "BEGIN { printf \"%.1f\", $t2 - $t1 }") s), naming the setting" \
	"$(awk "BEGIN { exit !($t2 - $t1 < 3) }" && grep -q "could not record the share link attempt" "$work/no_slots_open" &&
		grep -q "max_worker_processes is 0" "$work/no_slots_open" && echo t ||
		echo "$(awk "BEGIN { printf \"%.1f\", $t2 - $t1 }") s: $(head -c 300 "$work/no_slots_open")")"

printf 'flood: %s refused calls and %s opens in %s s (preloaded: %s refused calls in %s s)\n' "$want" "$OPENS" "$plain_s" "$want" "$preloaded_s"
exit $failed
