#!/usr/bin/env bash
# test/standby/run.sh — R13 on a streaming hot standby (SPEC §3 R13, §11).
#
# Starts a primary (its own throwaway cluster: temp dir, unix socket only,
# fsync = off, wal_level = replica), makes a hot standby of it with
# pg_basebackup -R into another temp dir and starts it on another port, then
# creates share_acl and a small workspace on the primary.  ONE standby
# session (a psql coprocess) stays open for the whole test: it is warmed
# with checks, and after each change on the primary — an upload, a revoke
# with unshare, a move, a revoke with a plain DELETE, a subtree deleted —
# and its replay (pg_last_wal_replay_lsn() >= the primary's
# pg_current_wal_lsn()), that same session must answer as the primary does.
# The session's cache_stats() must show the changes applied as deltas (no
# full load of the structure after the warm-up), and its answers must match
# a fresh standby session's.  Then failover: the standby is promoted and the
# primary stopped, and the same session, still connected, must follow a
# revoke and an upload made on the promoted server at once; links open there
# and the audit chains verify.
#
# The whole scenario runs once per deployment in SA_STANDBY_MODES (default
# "backend preload"): "backend" loads the library per backend, "preload"
# puts it in shared_preload_libraries on both servers.
#
# share_acl must be installed (test/run_all.sh does it first; run alone, this
# script builds and installs it when the control file is missing).  Every
# check prints one "standby [deployment]: ... ok" or "... FAILED" line; the exit
# status is non-zero when one failed.  Both clusters are removed on exit,
# also on failure.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

PRIMARY_PORT=${SA_STANDBY_PRIMARY_PORT:-5491}
STANDBY_PORT=${SA_STANDBY_PORT:-5492}
MODES=${SA_STANDBY_MODES:-backend preload}
DB=share_acl_standby
# (a cluster of the calling suite is not ours to stop)
unset SA_CLUSTER_DIR

if [ ! -f "$("$PG_CONFIG" --sharedir)/extension/share_acl.control" ]; then
	sa_build_install || exit 1
fi

STANDBY_DIR=""
SB_PID=""
CHECKS=0
FAILURES=0

stop_standby() {
	if [ -n "$SB_PID" ]; then
		kill "$SB_PID" 2>/dev/null
		wait "$SB_PID" 2>/dev/null
		SB_PID=""
	fi
	if [ -n "$STANDBY_DIR" ] && [ -d "$STANDBY_DIR" ]; then
		sa_as_postgres "$PG_BIN/pg_ctl" -D "$STANDBY_DIR/data" -m immediate stop >/dev/null 2>&1 || true
		rm -rf "$STANDBY_DIR"
	fi
	STANDBY_DIR=""
}
cleanup() {
	stop_standby
	sa_stop_cluster
}

# psql on the primary / a new session on the standby
on_primary() { psql -qXAt -v ON_ERROR_STOP=1 -h "$SA_CLUSTER_DIR" -p "$PRIMARY_PORT" -d "$DB" "$@"; }
on_standby() { psql -qXAt -h "$STANDBY_DIR" -p "$STANDBY_PORT" -d "$DB" "$@"; }

# Wait until the standby has replayed everything the primary has written
# (synchronous_commit = on on the primary: a returned COMMIT is flushed).
wait_replay() {
	local lsn i
	lsn=$(psql -qXAt -h "$SA_CLUSTER_DIR" -p "$PRIMARY_PORT" -d postgres -c 'SELECT pg_current_wal_lsn()') || return 1
	for i in $(seq 1 600); do
		[ "$(psql -qXAt -h "$STANDBY_DIR" -p "$STANDBY_PORT" -d postgres \
			-c "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn" 2>/dev/null)" = t ] && return 0
		sleep 0.1
	done
	echo "standby: replay did not reach $lsn within 60 s" >&2
	return 1
}

# The kept standby session: a psql coprocess.  sb SQL prints what it
# answers (errors included); each query is followed by a marker line so
# that the answer is read whole.
SB_MARK=__share_acl_standby_end__
sb_open() {
	coproc SB { exec psql -qXAt -h "$STANDBY_DIR" -p "$STANDBY_PORT" -d "$DB" 2>&1; }
}
sb() {
	local line out="" first=1
	[ -n "$SB_PID" ] || { echo "(no standby session)"; return 1; }
	printf '%s\n\\echo %s\n' "$1" "$SB_MARK" >&"${SB[1]}" || { echo "(standby session gone)"; return 1; }
	while IFS= read -r -t 60 line <&"${SB[0]}"; do
		[ "$line" = "$SB_MARK" ] && { printf '%s' "$out"; return 0; }
		if [ $first -eq 1 ]; then out=$line; first=0; else out="$out"$'\n'"$line"; fi
	done
	echo "(standby session gone or silent: $out)"
	return 1
}

# check NAME EXPECTED ACTUAL: one "... ok" / "... FAILED" line
check() {
	CHECKS=$((CHECKS + 1))
	if [ "$3" = "$2" ]; then
		echo "standby [$ROUND]: $1 ... ok"
	else
		FAILURES=$((FAILURES + 1))
		echo "standby [$ROUND]: $1 ... FAILED"
		echo "    expected: $2"
		echo "    got:      $3"
	fi
}

# primary NAME SQL: run a change on the primary and wait for its replay
# (a failure counts as a failed check)
primary() {
	local out
	if ! out=$(on_primary -c "$2" 2>&1); then
		check "$1 (on the primary)" "" "$out"
		return 1
	fi
	if ! wait_replay; then
		check "$1 (replayed)" "" "replay timed out"
		return 1
	fi
}

W=b5000000-0000-0000-0000-000000000000
O=b5000000-0000-0000-0001-000000000001
U=b5000000-0000-0000-0001-000000000002
P=b5000000-0000-0000-0005-000000000001 # project, u has a viewer share on it (S1)
Q=b5000000-0000-0000-0005-000000000002 # project, u has a commenter share on it (S2)
A1=b5000000-0000-0000-0005-000000000003 # asset in p
F=b5000000-0000-0000-0005-000000000004 # sub-project in q
B1=b5000000-0000-0000-0005-000000000005 # asset in f
A2=b5000000-0000-0000-0005-000000000011 # the upload into p
S1=b5000000-0000-0000-0006-000000000001
S2=b5000000-0000-0000-0006-000000000002

# u's answers on one resource: view, comment
answers() { echo "share_acl.has_access('$U', '$1', 'view')::text || ' ' || share_acl.has_access('$U', '$1', 'comment')::text"; }
SEES="SELECT count(*) FROM share_acl.accessible_resources('$U', 'view')"
LIST="SELECT coalesce(string_agg(r::text, ',' ORDER BY r), '') FROM share_acl.accessible_resources('$U', 'view') AS r"

run_round() {
	ROUND=$1
	local conf="" stats_before stats_after pid mode
	case $ROUND in
	backend) ;;
	preload) conf="shared_preload_libraries = 'share_acl'" ;;
	*) echo "unknown deployment $ROUND" >&2; return 1 ;;
	esac

	# the primary
	sa_start_cluster "port = $PRIMARY_PORT
		wal_level = replica
		max_wal_senders = 4
		synchronous_commit = on
		$conf"
	trap cleanup EXIT
	export PGPORT=$PRIMARY_PORT

	# the standby, made before the extension exists: CREATE EXTENSION and
	# everything after it reach it through WAL
	STANDBY_DIR=$(mktemp -d /tmp/share_acl_standby.XXXXXX)
	chmod 755 "$STANDBY_DIR"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$STANDBY_DIR"
	sa_as_postgres "$PG_BIN/pg_basebackup" -h "$SA_CLUSTER_DIR" -p "$PRIMARY_PORT" -U postgres \
		-D "$STANDBY_DIR/data" -R -X stream -c fast --no-sync || return 1
	cat >>"$STANDBY_DIR/data/postgresql.conf" <<-EOF
		unix_socket_directories = '$STANDBY_DIR'
		port = $STANDBY_PORT
		hot_standby = on
	EOF
	sa_pg_ctl -D "$STANDBY_DIR/data" -w \
		-l "$STANDBY_DIR/server.log" start >/dev/null || { cat "$STANDBY_DIR/server.log"; return 1; }

	psql -qX -v ON_ERROR_STOP=1 -h "$SA_CLUSTER_DIR" -p "$PRIMARY_PORT" -d postgres -c "CREATE DATABASE $DB" || return 1
	on_primary >/dev/null <<-SQL || return 1
		CREATE EXTENSION share_acl;
		INSERT INTO share_acl.workspace (id, name) VALUES ('$W', 'standby');
		INSERT INTO share_acl.principal (id, kind, email) VALUES
		    ('$O', 'user', 'owner@standby.example'),
		    ('$U', 'user', 'u@standby.example');
		INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES ('$W', '$O', 'owner');
		INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id) VALUES
		    ('$P', '$W', 'project', NULL, '$O'),
		    ('$Q', '$W', 'project', NULL, '$O'),
		    ('$A1', '$W', 'asset', '$P', '$O'),
		    ('$F', '$W', 'project', '$Q', '$O'),
		    ('$B1', '$W', 'asset', '$F', '$O');
		INSERT INTO share_acl.share (id, resource_id, grantee_id, perms) VALUES
		    ('$S1', '$P', '$U', 'viewer'),
		    ('$S2', '$Q', '$U', 'commenter');
	SQL
	wait_replay || return 1

	sb_open
	# (a once-per-backend notice about the deployment is not an answer)
	sb 'SET client_min_messages = warning;' >/dev/null
	check "the session is on a hot standby" "t" "$(sb 'SELECT pg_is_in_recovery();')"
	pid=$(sb 'SELECT pg_backend_pid();')
	mode=$(sb 'SELECT mode FROM share_acl.cache_stats();')
	echo "standby [$ROUND]: cache mode ${mode%%$'\n'*}"

	# warm: u views p, a1 (S1), q, f, b1 (S2), nothing of the upload yet
	check "warm: u on a1" "true false" "$(sb "SELECT $(answers "$A1");")"
	check "warm: u on b1" "true true" "$(sb "SELECT $(answers "$B1");")"
	check "warm: u on the upload, before it" "false false" "$(sb "SELECT $(answers "$A2");")"
	check "warm: u sees" "5" "$(sb "$SEES;")"
	check "warm again: u sees" "5" "$(sb "$SEES;")"
	stats_before=$(sb 'SELECT full_loads || $$ $$ || deltas_applied FROM share_acl.cache_stats();')

	# an upload into p
	primary "upload" "SELECT share_acl.create_resource('$W', 'asset', '$P', '$A2')" &&
		check "after an upload: u on it" "true false" "$(sb "SELECT $(answers "$A2");")"
	check "after an upload: u sees" "6" "$(sb "$SEES;")"

	# a revoke: u's share on p goes (unshare)
	primary "revoke (unshare)" "SELECT share_acl.unshare('$S1')" &&
		check "after a revoke: u on a1" "false false" "$(sb "SELECT $(answers "$A1");")"
	check "after a revoke: u on the upload" "false false" "$(sb "SELECT $(answers "$A2");")"
	check "after a revoke: u sees" "3" "$(sb "$SEES;")"

	# a move: the upload goes under f, in q (S2)
	primary "move" "SELECT share_acl.move_resource('$A2', '$F')" &&
		check "after a move: u on the upload" "true true" "$(sb "SELECT $(answers "$A2");")"
	check "after a move: u sees" "4" "$(sb "$SEES;")"

	# a revoke by a plain DELETE of u's share on q, in a transaction that
	# also grants a viewer share on f
	primary "revoke (DELETE)" "BEGIN;
		DELETE FROM share_acl.share WHERE id = '$S2';
		INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES ('$F', '$U', 'viewer');
		COMMIT;" &&
		check "after a DELETE of a share: u on the upload" "true false" "$(sb "SELECT $(answers "$A2");")"
	check "after a DELETE of a share: u on q" "false false" "$(sb "SELECT $(answers "$Q");")"
	check "after a DELETE of a share: u sees" "3" "$(sb "$SEES;")"

	# guest access off (u has no role in the workspace: an outsider is treated
	# as a guest, R3), then on again: the workspace's row read again, not the table
	ws_reads=$(sb 'SELECT workspace_reads FROM share_acl.cache_stats();')
	primary "guest access off" "UPDATE share_acl.workspace SET guest_access_enabled = false WHERE id = '$W'" &&
		check "guest access off: u sees" "0" "$(sb "$SEES;")"
	primary "guest access on" "UPDATE share_acl.workspace SET guest_access_enabled = true WHERE id = '$W'" &&
		check "guest access on again: u sees" "3" "$(sb "$SEES;")"
	ws_reads_after=$(sb 'SELECT workspace_reads FROM share_acl.cache_stats();')
	check "the policy changes read the workspace's row, not the table" "${ws_reads%%$'\n'*}" \
		"${ws_reads_after%%$'\n'*}"

	# a subtree deleted: f, b1 and the upload
	primary "delete of a subtree" "SELECT share_acl.delete_resource('$F')" &&
		check "after a delete: u on the upload" "false false" "$(sb "SELECT $(answers "$A2");")"
	check "after a delete: u on b1" "false false" "$(sb "SELECT $(answers "$B1");")"
	check "after a delete: u sees" "0" "$(sb "$SEES;")"

	# the same session all along, its changes applied as deltas
	check "one session for the whole test" "$pid" "$(sb 'SELECT pg_backend_pid();')"
	stats_after=$(sb 'SELECT full_loads || $$ $$ || deltas_applied FROM share_acl.cache_stats();')
	check "no full load after the warm-up, deltas applied" "no new full load, deltas applied" \
		"$(awk -v b="${stats_before%%$'\n'*}" -v a="${stats_after%%$'\n'*}" 'BEGIN {
			nb = split(b, x, " "); na = split(a, y, " ");
			if (nb != 2 || na != 2 || x[1] !~ /^[0-9]+$/ || y[1] !~ /^[0-9]+$/) { print "cache_stats(): " a; exit }
			print (y[1] == x[1] ? "no new full load" : (y[1] - x[1]) " new full loads") ", " \
			      (y[2] > x[2] ? "deltas applied" : "no deltas applied") }')"

	# a fresh standby session answers the same
	on_primary -c "SELECT share_acl.create_resource('$W', 'asset', '$Q')" >/dev/null
	on_primary -c "INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES ('$Q', '$U', 'viewer')" >/dev/null
	wait_replay
	check "the kept session and a fresh one list the same" "$(on_standby -c "$LIST;" 2>&1)" "$(sb "$LIST;")"
	check "the primary and the standby list the same" "$(on_primary -c "$LIST;" 2>&1)" "$(sb "$LIST;")"

	# a management function on the standby: 25006 naming it
	check "share on the standby is refused as a write" "25006: cannot execute share() in a read-only transaction" \
		"$(on_standby -v VERBOSITY=verbose -c "SELECT share_acl.share('$Q', '$U', 'editor')
			FROM (SELECT set_config('share_acl.principal', '$O', true)) AS acting;" 2>&1 |
			sed -n 's/^ERROR: *//p' | head -1)"
	check "move_resource (PL/pgSQL) on the standby names itself too" \
		"25006: cannot execute move_resource() in a read-only transaction" \
		"$(on_standby -v VERBOSITY=verbose -c "SELECT share_acl.move_resource('$Q', NULL)
			FROM (SELECT set_config('share_acl.principal', '$O', true)) AS acting;" 2>&1 |
			sed -n 's/^ERROR: *//p' | head -1)"

	# share links: a password-less one opens on the standby; one with a
	# password or max_views is refused there (its attempts are counted on the
	# primary), whatever the password
	local links plain guarded limited pw
	links=$(on_primary -F ' ' -c "SELECT share_acl.create_link('$P'),
			share_acl.create_link('$P', password => 'correct horse battery'),
			share_acl.create_link('$P', max_views => 1)
		FROM (SELECT set_config('share_acl.principal', '$O', true)) AS acting;" 2>/dev/null)
	read -r plain guarded limited <<<"$links"
	wait_replay
	check "a password-less link opens on the standby" "ok" \
		"$(on_standby -c "SET log_min_error_statement = panic" -c "SELECT status FROM share_acl.open_link('$plain')" 2>&1)"
	for pw in "correct horse battery" "wrong horse battery"; do
		check "a password link is refused on the standby ($pw)" \
			"25006: a share link with a password or max_views cannot be opened on a hot standby" \
			"$(on_standby -v VERBOSITY=verbose -c "SELECT status FROM share_acl.open_link('$guarded', '$pw')" 2>&1 |
				sed -n 's/^ERROR: *//p' | head -1)"
	done
	check "a password link opened without its password on the standby: password_required (nothing to count)" \
		"password_required" \
		"$(on_standby -c "SET log_min_error_statement = panic" -c "SELECT status FROM share_acl.open_link('$guarded')" 2>&1)"
	check "a max_views link is refused on the standby" \
		"25006: a share link with a password or max_views cannot be opened on a hot standby" \
		"$(on_standby -v VERBOSITY=verbose -c "SELECT status FROM share_acl.open_link('$limited')" 2>&1 |
			sed -n 's/^ERROR: *//p' | head -1)"
	check "the primary opens both" "ok ok" \
		"$(on_primary -c "SET log_min_error_statement = panic" -c "SELECT (SELECT status FROM share_acl.open_link('$guarded', 'correct horse battery'))
			|| ' ' || (SELECT status FROM share_acl.open_link('$limited'))" 2>&1)"

	# failover: the standby is promoted and the primary stopped; the kept
	# session, warmed while the server was a standby, stays connected and
	# must follow the changes made on the promoted server (R13) at once
	# (on_standby reaches the promoted server)
	local acting="(SELECT set_config('share_acl.principal', '$O', true)) AS acting"
	sa_as_postgres "$PG_BIN/pg_ctl" -D "$STANDBY_DIR/data" -w promote >/dev/null
	sa_as_postgres "$PG_BIN/pg_ctl" -D "$SA_CLUSTER_DIR/data" -w -m fast stop >/dev/null
	check "promoted: the kept session is on a primary now" "f" "$(sb 'SELECT pg_is_in_recovery();')"
	check "promoted: the kept session still answers as before" "true false" "$(sb "SELECT $(answers "$Q");")"
	check "promoted: a revoke (unshare) on the new primary" "1" \
		"$(on_standby -c "SELECT count(share_acl.unshare(s.id)) FROM share_acl.share s, $acting
			WHERE s.resource_id = '$Q' AND s.grantee_id = '$U'" 2>&1)"
	check "promoted: the kept session denies at once" "false false" "$(sb "SELECT $(answers "$Q");")"
	check "promoted: an upload there, shared with u" "t" \
		"$(on_standby -c "SELECT share_acl.share(share_acl.create_resource('$W', 'asset', '$P'), '$U', 'commenter') IS NOT NULL FROM $acting" 2>&1)"
	check "promoted: the kept session sees it" "1" "$(sb "$SEES;")"
	check "promoted: a password link opens on the new primary" "ok" \
		"$(on_standby -c "SET log_min_error_statement = panic" -c "SELECT status FROM share_acl.open_link('$guarded', 'correct horse battery')" 2>&1)"
	check "promoted: the kept session and a fresh one list the same" "$(on_standby -c "$LIST;" 2>&1)" "$(sb "$LIST;")"
	check "promoted: the audit chains verify" "t" "$(on_standby -c "SELECT ok FROM share_acl.audit_verify()" 2>&1)"
	check "promoted: one session all along" "$pid" "$(sb 'SELECT pg_backend_pid();')"

	stop_standby
	sa_stop_cluster
}

for mode in $MODES; do
	run_round "$mode" || { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); echo "standby [$mode]: setup ... FAILED"; cleanup; }
done

if [ "$FAILURES" -eq 0 ]; then
	echo "standby: $CHECKS checks passed (a warmed hot standby session answers right after each replayed change)"
else
	echo "standby: $FAILURES of $CHECKS checks failed"
	exit 1
fi
