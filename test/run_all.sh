#!/usr/bin/env bash
# test/run_all.sh — the whole test suite on a throwaway cluster.
#
# Installs missing packages, builds and installs share_acl, starts a cluster,
# then runs every suite: pg_regress (make installcheck), pgTAP (pg_prove over
# test/pgtap/*.sql), isolation (pg_isolation_regress over test/isolation,
# with the library not preloaded and then preloaded), the
# streaming standby check (test/standby), random changes applied as deltas
# against fresh backends (test/delta), the dependency detection check
# (test/deps), plpgsql_check over the PL/pgSQL functions (test/lint), the
# interrupt fault injection (test/fault), logical replication
# (test/replication), the dump/restore check (test/dump), damaged image files
# (test/image), a real LISTEN client (test/notify), psycopg and asyncpg through PgBouncer
# (test/clients), audit_retain racing a commit (test/retain), the change log's
# prune batches (test/prune), checks in the moment
# a commit is visible before its invalidation (test/visibility), teams nested 6,000 deep on a server
# with a small stack (test/stack), CREATE EXTENSION in four databases of a
# fresh cluster at once (test/install), the parser fuzz run (test/fuzz), every SQL
# function called with hostile arguments (test/sweep) and REFERENCE.md
# against the installed extension (test/docs),
# and then checks that no process of the cluster crashed.  A failing suite prints its diff or
# its failing tests; the last line is "N passed, M failed" over every test of
# every suite, and the exit status is non-zero when anything failed.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
cd "$SA_ROOT"

sa_setup || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
# every cluster of the suites with freed memory overwritten (test/lib.sh)
export SA_PERTURB=on
sa_start_cluster

PASSED=0
FAILED=0
SUITES_FAILED=()
OUT=$(mktemp -d /tmp/share_acl_tests.XXXXXX)
trap 'sa_stop_cluster; rm -rf "$OUT"' EXIT

# Each suite's seconds, printed at the end (setup: packages, build, install
# and the cluster's start); a suite begins where the one before ends.
TIMES=()
SUITE_NAME=setup
SUITE_START=0
suite_end() {
	[ -n "$SUITE_NAME" ] && TIMES+=("$SUITE_NAME $((SECONDS - SUITE_START)) s")
	SUITE_NAME=""
}
suite_begin() {	# NAME TITLE
	suite_end
	SUITE_NAME=$1
	SUITE_START=$SECONDS
	sa_log "$2"
}

# Count "... ok" / "... FAILED" lines of pg_regress-style output in file $1.
count_regress() {
	local ok bad
	ok=$(grep -cE '\.\.\. ok( |$)' "$1")
	bad=$(grep -cE '\.\.\. (FAILED|failed)' "$1")
	PASSED=$((PASSED + ok))
	FAILED=$((FAILED + bad))
	echo "$ok passed, $bad failed"
}

# --- pg_regress ---------------------------------------------------------------
suite_begin pg_regress "pg_regress (make installcheck)"
make -s installcheck PG_CONFIG="$PG_CONFIG" >"$OUT/regress.log" 2>&1
rc=$?
cat "$OUT/regress.log"
count_regress "$OUT/regress.log"
if [ $rc -ne 0 ]; then
	SUITES_FAILED+=(pg_regress)
	[ -f regression.diffs ] && cat regression.diffs
	grep -qE '\.\.\. (FAILED|failed)' "$OUT/regress.log" || FAILED=$((FAILED + 1))
fi

# --- pgTAP ---------------------------------------------------------------------
suite_begin pgTAP "pgTAP (pg_prove)"
psql -qX -v ON_ERROR_STOP=1 -c 'CREATE DATABASE share_acl_tap' >/dev/null
psql -qX -v ON_ERROR_STOP=1 -d share_acl_tap \
	-c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION share_acl' >/dev/null
pg_prove -d share_acl_tap --ext .sql -r test/pgtap >"$OUT/tap.log" 2>&1
rc=$?
cat "$OUT/tap.log"
total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$OUT/tap.log" | tail -1)
total=${total:-0}
failed_sub=$(grep -oE 'Failed: [0-9]+' "$OUT/tap.log" | awk '{s+=$2} END {print s+0}')
# a file that died before finishing its plan: every planned test not run fails
not_run=$(grep -oE 'You planned [0-9]+ tests? but ran [0-9]+' "$OUT/tap.log" |
	awk '{d = $3 - $(NF); if (d > 0) s += d} END {print s+0}')
bad=$((failed_sub + not_run))
if [ $rc -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
PASSED=$((PASSED + total - failed_sub))
FAILED=$((FAILED + bad))
echo "pgTAP: $total tests, $bad failed"
[ $rc -ne 0 ] && SUITES_FAILED+=(pgTAP)

# Restart the cluster with share_acl in shared_preload_libraries (preload)
# or without it (plain): the deployments differ in what reads the change log
# (change_log_writers.c: only a preloaded server keeps the writers' counters).
restart_cluster() {
	local setting="RESET shared_preload_libraries"
	[ "$1" = preload ] && setting="SET shared_preload_libraries = 'share_acl'"
	psql -qX -v ON_ERROR_STOP=1 -c "ALTER SYSTEM $setting" >/dev/null &&
		sa_pg_ctl -D "$SA_CLUSTER_DIR/data" -w -m fast \
			-l "$SA_CLUSTER_DIR/server.log" restart >/dev/null
}

# --- isolation: in both deployments --------------------------------------------
# (the cluster stays preloaded for the delta and visibility suites, then is
# plain again)
if ls test/isolation/specs/*.spec >/dev/null 2>&1; then
	ISO=$(dirname "$($PG_CONFIG --pgxs)")/../test/isolation/pg_isolation_regress
	specs=$(cd test/isolation/specs && ls *.spec | sed 's/\.spec$//' | sort)
	for deployment in plain preload; do
		suite_begin "isolation-$deployment" "isolation (pg_isolation_regress), library $([ $deployment = preload ] && echo preloaded || echo "not preloaded")"
		if [ $deployment = preload ] && ! restart_cluster preload; then
			FAILED=$((FAILED + 1))
			SUITES_FAILED+=("isolation-$deployment")
			continue
		fi
		# shellcheck disable=SC2086
		"$ISO" --inputdir=test/isolation --outputdir="$OUT/isolation-$deployment" \
			--load-extension=share_acl --dbname=share_acl_isolation $specs >"$OUT/iso.log" 2>&1
		rc=$?
		cat "$OUT/iso.log"
		count_regress "$OUT/iso.log"
		if [ $rc -ne 0 ]; then
			SUITES_FAILED+=("isolation-$deployment")
			[ -f "$OUT/isolation-$deployment/regression.diffs" ] && cat "$OUT/isolation-$deployment/regression.diffs"
			grep -qE '\.\.\. (FAILED|failed)' "$OUT/iso.log" || FAILED=$((FAILED + 1))
		fi
	done
fi

# --- standby: a warmed hot standby session after replay ------------------------
suite_begin standby "standby (test/standby/run.sh)"
test/standby/run.sh >"$OUT/standby.log" 2>&1
rc=$?
cat "$OUT/standby.log"
count_regress "$OUT/standby.log"
if [ $rc -ne 0 ]; then
	SUITES_FAILED+=(standby)
	grep -qE '\.\.\. (FAILED|failed)' "$OUT/standby.log" || FAILED=$((FAILED + 1))
fi

# --- delta: random changes applied by deltas, warm backends against new ones --
if [ -x test/delta/run.sh ]; then
	suite_begin delta "delta (test/delta/run.sh)"
	test/delta/run.sh >"$OUT/delta.log" 2>&1
	rc=$?
	grep -E '^delta: ' "$OUT/delta.log"
	count_regress "$OUT/delta.log"
	if [ $rc -ne 0 ]; then
		SUITES_FAILED+=(delta)
		tail -40 "$OUT/delta.log"
		grep -qE '\.\.\. (FAILED|failed)' "$OUT/delta.log" || FAILED=$((FAILED + 1))
	fi
fi

# --- script suites: each counts as one test ------------------------------------
# deps: dependencies detected by the files really used; lint: plpgsql_check
# finds nothing in the PL/pgSQL functions; fault: interrupts at
# every point leave the caches consistent; replication: changes applied by a
# logical replication subscription invalidate at once; dump: pg_dump /
# restore keeps every answer; image: damaged image files are never used;
# notify: a real LISTEN client receives the notifications' ids;
# clients: psycopg and asyncpg through PgBouncer in transaction pooling mode;
# retain: audit_retain while audit rows are being committed; visibility:
# checks see a commit their snapshot sees before its invalidation arrives
# (COMMIT PREPARED of a transaction that dropped tables; with the library
# preloaded, as the delta suite); flood: a flood of
# refused calls keeps every audit row and starves no link open; crash: what
# the background workers recorded for a caller with synchronous_commit on
# survives a crash of the server; prune: the
# change log's prune in batches, each database's, that outgrow the writes; fuzz: the
# parser fuzz run; sweep: every SQL function called with hostile arguments
# answers or raises a specific SQLSTATE; docs: REFERENCE.md is what is installed
run_script_suite() {
	local suite=$1 script=test/$1/run.sh
	[ -x "$script" ] || return 0
	suite_begin "$suite" "$suite ($script)"
	if "$script" >"$OUT/$suite.log" 2>&1; then
		PASSED=$((PASSED + 1))
		tail -1 "$OUT/$suite.log"
	else
		FAILED=$((FAILED + 1))
		SUITES_FAILED+=("$suite")
		tail -40 "$OUT/$suite.log"
	fi
}
run_script_suite visibility
if ! restart_cluster plain; then
	FAILED=$((FAILED + 1))
	SUITES_FAILED+=(restart)
fi
for suite in deps lint fault replication dump image notify clients retain flood crash prune stack install fuzz sweep docs; do
	run_script_suite "$suite"
done

# --- no process of the cluster crashed during any suite (a crash of a
# backend or a background worker resets the others, which a suite may not see)
suite_begin crashes "crashes (the cluster's server log)"
crashed=$(grep -E 'terminated by signal|exited with exit code [^01]' "$SA_CLUSTER_DIR/server.log")
if [ -z "$crashed" ]; then
	PASSED=$((PASSED + 1))
	echo "no process crashed"
else
	FAILED=$((FAILED + 1))
	SUITES_FAILED+=(crashes)
	echo "$crashed"
fi

suite_end
echo
echo "seconds per suite: $(IFS=,; echo "${TIMES[*]}" | sed 's/,/, /g') (all: $SECONDS s)"
[ ${#SUITES_FAILED[@]} -gt 0 ] && echo "failing suites: ${SUITES_FAILED[*]}"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] && [ ${#SUITES_FAILED[@]} -eq 0 ]
