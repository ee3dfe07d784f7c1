#!/usr/bin/env bash
# test/delta/run.sh — a long random sequence of changes, applied by deltas,
# leaves every warm backend answering as a fresh backend does.
#
# Needs a running cluster (PGHOST etc., as test/run_all.sh provides) with
# max_prepared_transactions > 0.  Builds a workspace W of a few hundred
# resources (test/reference/generate.sql: nested projects, collections,
# assets, items in several collections, restricted ones, every general
# access, people of every role, nested teams, shares on every level) and a
# ballast workspace of 25,000 assets (test/delta/ballast.sql), so that the
# resource table does not fit share_acl.cache_size = 1MB and a new backend
# does not load it at its first check (with share_acl.shared_cache_size = 0
# it does not map the shared image either).
#
# Long-lived sessions, each one psql fed through a pipe:
#   full     warm, the structure held in full (cache_stats() must say so);
#   partial  warm, share_acl.cache_size = 1MB and shared_cache_size = 0
#            (cache_stats() must say so);
#   ondemand warm, default settings, never lists: what a backend gets
#            first for a big table (a partial structure read on demand, or
#            the shared image when there is one close enough);
#   c1, c2   make changes;
#   fresh    connects anew (\connect: a new backend) before each recording.
# Step after step (DELTA_STEPS), random changes of W (now and then of the
# ballast) from delta.random_statement() (test/delta/setup.sql): new
# resources under random parents, one and many per statement (children
# listed before their new parent), moves of one and of many resources,
# restricted / general access / owner / guest AI of one and of many, changes
# of kind, subtrees deleted, collection items added and removed, shares and
# team members, and now and then a new id for a resource (which must make
# every backend reload).  They run in a transaction that commits or rolls
# back, with a savepoint rolled back or released, or as one autocommit
# statement; in c1's transaction while c2 commits another (c2 gives up after
# a short lock_timeout behind c1's locks); or in a warm session's own
# transaction, where its answers are compared with the reference model
# (test/reference/model.sql, reading the same uncommitted rows) before and
# after a savepoint is rolled back, and which then commits, rolls back, or is
# prepared and committed or rolled back from another session.
#
# After each change a new backend records its answers, reading what it
# checks from the tables (cache_size 1MB, shared_cache_size 0: no load, no
# image, no change log):
# E and has_access view for every principal of W against every resource id
# of W ever seen (deleted ones too), W itself and a few ballast resources,
# and so what each principal may view.  Every warm session must give the
# same answers and lists (the partial session, whose lists read every
# resource, two principals' lists every tenth step; another new backend, at
# the default settings, every list every tenth step).  The full session's
# full_loads must not grow (changes are applied as deltas) except at the
# steps that give a resource a new id.
#
# Prints "delta: ... ok" / "delta: ... FAILED" lines; on a failure, the
# differing answers and the statements of the step.  The seed is random;
# DELTA_SEED=n replays one (the changes, not the timing); DELTA_VERBOSE=1
# prints every step with its statements and duration.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
db=share_acl_delta
work=$(mktemp -d /tmp/share_acl_delta.XXXXXX)
STEPS=${DELTA_STEPS:-80}
SEED=${DELTA_SEED:-$((($(date +%s) * 7919 + $$) % 1000000))}
BALLAST=25000
WAIT=60			# seconds a session may take to answer
RANDOM=$SEED
UUID_RE='([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(.*)'
# every answer is compared line by line: no notices in between
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

declare -A IN OUT PID SENT BUSY STRUCT LOADS COUNT
cleanup() {
	local s g
	for s in "${!PID[@]}"; do
		kill "${PID[$s]}" 2>/dev/null
	done
	wait 2>/dev/null
	for g in $(psql -qXAt -d $db -c "SELECT gid FROM pg_prepared_xacts WHERE database = '$db'" 2>/dev/null); do
		psql -qX -d $db -c "ROLLBACK PREPARED '$g'" >/dev/null 2>&1
	done
	dropdb --if-exists --force $db >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

STEP_NO=setup
STEP_LOG=()
fail() {	# fail CHECK MESSAGE...: report and stop
	local check=$1
	shift
	printf '%s\n' "$@"
	echo "at step $STEP_NO (seed $SEED: DELTA_SEED=$SEED replays it), after:"
	printf '    %s\n' "${STEP_LOG[@]}"
	echo "delta: $check ... FAILED"
	exit 1
}

# --- sessions ---------------------------------------------------------------------
# One psql per session reading from a pipe; each request ends with an \echo
# of a marker, and the answer is what was printed before it (in REPLY_LINES).
start_session() {	# start_session NAME
	local name=$1 fd
	mkfifo "$work/$name.in" "$work/$name.out"
	stdbuf -oL -eL psql -qXAt -d $db <"$work/$name.in" >"$work/$name.out" 2>&1 &
	PID[$name]=$!
	exec {fd}>"$work/$name.in"
	IN[$name]=$fd
	exec {fd}<"$work/$name.out"
	OUT[$name]=$fd
}

MARK=0
send() {	# send NAME SQL: queue SQL (complete statements) in NAME
	MARK=$((MARK + 1))
	printf '%s\n\\echo __delta_done_%s\n' "$2" "$MARK" >&"${IN[$1]}"
	SENT[$1]=$MARK
}

receive() {	# receive NAME: the answer to the last send
	local name=$1 line
	REPLY_LINES=()
	while IFS= read -r -t $WAIT -u "${OUT[$name]}" line; do
		[ "$line" = "__delta_done_${SENT[$name]}" ] && return 0
		REPLY_LINES+=("$line")
	done
	fail "sessions answer" "session $name did not answer within ${WAIT}s (or ended):" "${REPLY_LINES[@]}"
}

ask() {	# ask NAME SQL
	send "$1" "$2"
	receive "$1"
}

# --- the data ---------------------------------------------------------------------
dropdb --if-exists --force $db >/dev/null 2>&1
createdb $db || exit 1
q() { psql -qX -v ON_ERROR_STOP=1 -d $db "$@" || fail "setup" "setup failed: psql $*"; }
q -c 'CREATE EXTENSION share_acl'
q -f "$root/test/reference/model.sql" -f "$root/test/reference/generate.sql"
q -v ballast=$BALLAST -f "$root/test/delta/ballast.sql"
q -c 'ANALYZE share_acl.resource, share_acl.collection_item'
q -v seed=$((SEED % 100000)) -v ballast=$BALLAST -f "$root/test/delta/setup.sql"
q -c 'ANALYZE'
mapfile -t PRINCIPALS < <(psql -qXAt -d $db -c 'SELECT p FROM delta.principals ORDER BY p')
echo "delta: seed $SEED, $(psql -qXAt -d $db -c "SELECT count(*) FROM share_acl.resource WHERE workspace_id = delta.ws()") resources in W, ${#PRINCIPALS[@]} principals, $BALLAST ballast assets"

WARM=(full partial ondemand)
for s in "${WARM[@]}" c1 c2 fresh; do
	start_session $s
done
i=0
for s in "${WARM[@]}" c1 c2; do
	i=$((i + 1))
	ask $s "SELECT setseed($(((SEED * 7 + i * 1013) % 100000)) / 100000.0);
		SET lock_timeout = '$([ $s = c2 ] && echo 50ms || echo 0)';"
done
ask partial "SET share_acl.cache_size = '1MB'; SET share_acl.shared_cache_size = 0;"

# --- comparisons ---------------------------------------------------------------------
COMPARES=0
RELOAD_STEP=0		# a statement of this step gives a resource a new id
FULL_LOADS=0		# the full session's full_loads
RELOADS=0		# full loads at those steps
LIST_ROUND=0

# A new backend records its answers, every warm session not inside a
# transaction compares its own with them.  The new backend reads every
# resource it checks from the tables (share_acl.cache_size = 1MB and
# shared_cache_size = 0: a partial structure, no load, no shared image, no
# change log), so that its answers
# owe nothing to deltas.  lists=true: another new backend, with the default
# settings, compares its lists too, and the partial session, whose lists
# read every resource on demand, compares two principals' lists.
compare() {	# compare WHEN [lists]
	local when=$1 lists=${2:-false} s which line
	ask fresh "\\connect $db
		SELECT 'FRESH ' || structure || ' ' || full_loads FROM share_acl.cache_stats();
		SET share_acl.cache_size = '1MB';
		SET share_acl.shared_cache_size = 0;
		SELECT delta.record_expected();
		SELECT 'FRESH ' || structure FROM share_acl.cache_stats();"
	[ "${REPLY_LINES[*]}" = "FRESH empty 0  FRESH partial" ] ||
		fail "fresh backend" "the new backend failed (or was not new, or not partial) $when:" "${REPLY_LINES[@]}"
	if [ "$lists" = true ]; then
		ask fresh "\\connect $db
			SELECT * FROM delta.list_differences();"
		[ ${#REPLY_LINES[@]} -eq 0 ] ||
			fail "new backends list what they check" \
				"a new backend lists otherwise than a new backend checks $when:" "${REPLY_LINES[@]}"
	fi
	which=NULL
	if [ "$lists" = true ]; then
		LIST_ROUND=$((LIST_ROUND + 2))
		which="ARRAY['${PRINCIPALS[$((LIST_ROUND % ${#PRINCIPALS[@]}))]}',
		             '${PRINCIPALS[$(((LIST_ROUND + 1) % ${#PRINCIPALS[@]}))]}']::uuid[]"
	fi
	for s in "${WARM[@]}"; do
		[ "${BUSY[$s]:-0}" = 1 ] && continue
		case $s in
		full) send $s "SELECT * FROM delta.pair_differences(); SELECT * FROM delta.list_differences();
			SELECT 'STATS ' || structure || ' ' || full_loads FROM share_acl.cache_stats();" ;;
		partial) send $s "SELECT * FROM delta.pair_differences();
			SELECT * FROM delta.list_differences($which) WHERE $lists;
			SELECT 'STATS ' || structure || ' ' || full_loads FROM share_acl.cache_stats();" ;;
		ondemand) send $s "SELECT * FROM delta.pair_differences();
			SELECT 'STATS ' || structure || ' ' || full_loads FROM share_acl.cache_stats();" ;;
		esac
	done
	for s in "${WARM[@]}"; do
		[ "${BUSY[$s]:-0}" = 1 ] && continue
		receive $s
		STRUCT[$s]=
		for line in "${REPLY_LINES[@]}"; do
			if [[ $line == "STATS "* ]]; then
				read -r _ "STRUCT[$s]" "LOADS[$s]" <<<"$line"
			else
				fail "$s: answers equal to a fresh backend's" \
					"the $s session answers otherwise than a new backend $when:" "${REPLY_LINES[@]}"
			fi
		done
	done
	COMPARES=$((COMPARES + 1))
	if [ "${BUSY[full]:-0}" != 1 ]; then
		[ "${STRUCT[full]}" = full ] ||
			fail "full: structure held in full" "the full session's structure is '${STRUCT[full]}' $when"
		if [ "${LOADS[full]}" -ne "$FULL_LOADS" ]; then
			[ "$RELOAD_STEP" = 1 ] ||
				fail "full: changes applied as deltas, reloads only at id changes" \
					"the full session loaded the structure again $when (full_loads $FULL_LOADS -> ${LOADS[full]})"
			RELOADS=$((RELOADS + LOADS[full] - FULL_LOADS))
			FULL_LOADS=${LOADS[full]}
		fi
	fi
	if [ "${BUSY[partial]:-0}" != 1 ] && [ "${STRUCT[partial]}" != partial ]; then
		fail "partial: structure kept partial" "the partial session's structure is '${STRUCT[partial]}' $when"
	fi
}

# --- changes ------------------------------------------------------------------------
TIMEOUTS=0
TOUCHED=()		# the ids named by the statements of the step

# errors SESSION: log the answer; a lock timeout (c2 behind c1's open
# transaction) and whatever fails in the transaction it aborted are
# expected, any other error is not
declare -A ABORTED
errors() {
	local line bad=0
	for line in "${REPLY_LINES[@]}"; do
		STEP_LOG+=("$1:   $line")
		case $line in
		*"lock timeout"*)
			TIMEOUTS=$((TIMEOUTS + 1))
			ABORTED[$1]=1 ;;
		*ERROR*) [ "${ABORTED[$1]:-0}" = 1 ] || bad=1 ;;
		esac
	done
	[ $bad = 0 ] || fail "changes run" "a statement of session $1 failed:" "${REPLY_LINES[@]}"
}

run_in() {	# run_in SESSION SQL: a statement of the harness (BEGIN, COMMIT, ...)
	STEP_LOG+=("$1: $2")
	ask "$1" "$2"
	errors "$1"
	case $2 in BEGIN* | COMMIT* | ROLLBACK\;) ABORTED[$1]=0 ;; esac
}

run_random() {	# run_random SESSION: a random statement, made and run in SESSION
	local s=$1 stmt rest
	ask "$s" "SELECT delta.random_statement();"
	if [[ ${REPLY_LINES[*]} == *ERROR* ]]; then
		errors "$s"	# an earlier statement aborted the transaction
		return 0
	fi
	stmt=${REPLY_LINES[*]}
	[[ $stmt == *"SET id ="* ]] && RELOAD_STEP=1
	rest=$stmt
	while [[ $rest =~ $UUID_RE ]]; do
		TOUCHED+=("${BASH_REMATCH[1]}")
		rest=${BASH_REMATCH[2]}
	done
	run_in "$s" "$stmt;"
}

# inside a warm session's transaction: its answers against the reference model
OWN_CHECKS=0
own_check() {	# own_check SESSION
	local s=$1 touched
	case $s in full | partial | ondemand) ;; *) return 0 ;; esac
	touched=${TOUCHED[*]}
	ask "$s" "SELECT * FROM delta.own_differences('{${touched// /,}}');"
	[ ${#REPLY_LINES[@]} -eq 0 ] ||
		fail "own changes: answers equal to the reference model's in the transaction" \
			"the $s session answers otherwise than the reference model inside its own transaction:" \
			"${REPLY_LINES[@]}"
	OWN_CHECKS=$((OWN_CHECKS + 1))
}

statements() {	# statements SESSION: 1-3 random statements, and a savepoint now and then
	local s=$1 i
	for ((i = RANDOM % 3; i >= 0; i--)); do run_random "$s"; done
	case $((RANDOM % 4)) in
	0)	run_in "$s" "SAVEPOINT sp;"
		for ((i = RANDOM % 3; i >= 0; i--)); do run_random "$s"; done
		own_check "$s"
		run_in "$s" "ROLLBACK TO SAVEPOINT sp;"
		COUNT[savepoint rolled back]=$((${COUNT[savepoint rolled back]:-0} + 1)) ;;
	1)	run_in "$s" "SAVEPOINT sp;"
		run_random "$s"
		run_in "$s" "RELEASE SAVEPOINT sp;"
		COUNT[savepoint released]=$((${COUNT[savepoint released]:-0} + 1)) ;;
	esac
	return 0
}

end_transaction() {	# end_transaction SESSION: commit (mostly) or roll back
	if [ $((RANDOM % 4)) -eq 0 ]; then
		run_in "$1" "ROLLBACK;"
		COUNT[rolled back]=$((${COUNT[rolled back]:-0} + 1))
	else
		run_in "$1" "COMMIT;"
		COUNT[committed]=$((${COUNT[committed]:-0} + 1))
	fi
}

# --- the sequence ---------------------------------------------------------------------
# warm up: the full session loads the structure in full (a list asks for it)
RELOAD_STEP=1
compare "after the warm-up" true
RELOADS=0
ask full "SELECT delta_batches FROM share_acl.cache_stats();"
BATCHES=${REPLY_LINES[0]}

for ((STEP_NO = 1; STEP_NO <= STEPS; STEP_NO++)); do
	if [ -n "${DELTA_VERBOSE:-}" ] && [ $STEP_NO -gt 1 ]; then
		echo "step $((STEP_NO - 1)): $(((${EPOCHREALTIME/./} - STEP_START) / 1000)) ms"
		printf '    %s\n' "${STEP_LOG[@]}"
	fi
	STEP_START=${EPOCHREALTIME/./}
	STEP_LOG=()
	TOUCHED=()
	RELOAD_STEP=0
	lists=false
	[ $((STEP_NO % 10)) -eq 0 ] && lists=true
	r=$((RANDOM % 100))
	if [ $r -lt 35 ]; then
		run_in c1 "BEGIN;"
		statements c1
		end_transaction c1
		compare "after c1's transaction" $lists
	elif [ $r -lt 50 ]; then
		run_random c1
		COUNT[autocommit]=$((${COUNT[autocommit]:-0} + 1))
		compare "after c1's statement" $lists
	elif [ $r -lt 65 ]; then
		# c1's transaction stays open while c2's commits
		run_in c1 "BEGIN;"
		statements c1
		compare "while c1's transaction is open"
		run_in c2 "BEGIN;"
		statements c2
		end_transaction c2
		compare "after c2's transaction, c1's still open"
		end_transaction c1
		compare "after c1's transaction" $lists
	else
		# a warm session changes W itself
		s=${WARM[$((RANDOM % 3))]}
		BUSY[$s]=1
		run_in $s "BEGIN;"
		statements $s
		own_check $s
		case $((RANDOM % 5)) in
		0 | 1)	run_in $s "COMMIT;"
			COUNT[own committed]=$((${COUNT[own committed]:-0} + 1))
			BUSY[$s]=0 ;;
		2)	run_in $s "ROLLBACK;"
			COUNT[own rolled back]=$((${COUNT[own rolled back]:-0} + 1))
			BUSY[$s]=0 ;;
		*)	run_in $s "PREPARE TRANSACTION 'delta_$STEP_NO';"
			BUSY[$s]=0
			compare "after $s prepared its transaction"
			if [ $((RANDOM % 2)) -eq 0 ]; then
				run_in c1 "COMMIT PREPARED 'delta_$STEP_NO';"
				COUNT[own prepared and committed]=$((${COUNT[own prepared and committed]:-0} + 1))
			else
				run_in c1 "ROLLBACK PREPARED 'delta_$STEP_NO';"
				COUNT[own prepared and rolled back]=$((${COUNT[own prepared and rolled back]:-0} + 1))
			fi ;;
		esac
		compare "after $s's own transaction" $lists
	fi
done
STEP_NO=end
STEP_LOG=()
compare "at the end" true

ask full "SELECT delta_batches - $BATCHES FROM share_acl.cache_stats();"
batches=${REPLY_LINES[0]}
[ "$batches" -gt 0 ] ||
	fail "full: changes applied as deltas, reloads only at id changes" "the full session applied no delta"

summary=
for k in "${!COUNT[@]}"; do summary+="${COUNT[$k]} $k, "; done
echo "delta: $STEPS steps, $COMPARES comparisons with a new backend (${summary%, }; $TIMEOUTS lock timeouts of c2)"
echo "delta: full structure, answers equal to a fresh backend's after every change ... ok"
echo "delta: full structure, changes applied as deltas ($batches batches), reloads only at id changes ($RELOADS) ... ok"
echo "delta: partial structure (cache_size 1MB), answers equal to a fresh backend's after every change ... ok"
echo "delta: a backend's first structure (read on demand or mapped), answers equal to a fresh backend's after every change ... ok"
echo "delta: own uncommitted changes, answers equal to the reference model's ($OWN_CHECKS checks) ... ok"
