#!/usr/bin/env bash
# test/bench/callgrind.sh — instruction counts of share_acl checks (callgrind),
# steadier than timings on a noisy machine.
#
# Creates a cluster in a temp dir with test/bench/callgrind_data.sql, then runs
# a single-user backend under valgrind --tool=callgrind twice per case: with N
# checks and with none (after the same warm-up, a scan of every resource), and
# prints the difference divided by N: the instructions of one check.
#   point: N warm checks by one member on random assets
#   pairs: N checks, each by a person the backend has not seen (after the
#          warm-up has read 99 others one by one, so that the backend has
#          written the principal image, as the image writer has on a running
#          server: the image's one-off write is not counted as checks)
#
#   bash test/bench/callgrind.sh            # both cases
# Needs valgrind (installed with apt when missing).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
command -v valgrind >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind; }
sa_setup
DIR=$(mktemp -d /tmp/share_acl_callgrind.XXXXXX); chmod 777 "$DIR"
trap 'sa_as_postgres "$PG_BIN/pg_ctl" -D "$DIR/data" stop -m fast >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
sa_as_postgres "$PG_BIN/initdb" -D "$DIR/data" -A trust >/dev/null
sa_as_postgres "$PG_BIN/pg_ctl" -D "$DIR/data" -o "-k $DIR -c listen_addresses= -p 5619 -c fsync=off" -l "$DIR/log" start >/dev/null
sa_as_postgres "$PG_BIN/psql" -h "$DIR" -p 5619 -d postgres -qX -v ON_ERROR_STOP=1 -f "$SA_ROOT/test/bench/callgrind_data.sql" >/dev/null
sa_as_postgres "$PG_BIN/pg_ctl" -D "$DIR/data" stop >/dev/null
M='c0000000-0000-0000-0001-000000000005'
PAIRS=2900	# the pairs counted; the warm-up's are the 99 after them
count() {	# mode n: the instructions of a single-user backend running the case
	local q warm="SELECT count(*) FROM share_acl.accessible_resources('$M', 'view');"
	if [ "$1" = point ]; then
		q="SELECT count(*) FILTER (WHERE share_acl.has_access('$M', id, 'view')) FROM ids WHERE i <= $2;"
	else
		warm="$warm SELECT count(*) FILTER (WHERE share_acl.has_access(p, a, 'view')) FROM pairs WHERE i > $PAIRS;"
		q="SELECT count(*) FILTER (WHERE share_acl.has_access(p, a, 'view')) FROM pairs WHERE i <= $2;"
	fi
	printf '%s\n%s\n' "$warm" "$q" >"$DIR/q.sql"
	chmod 644 "$DIR/q.sql"
	sa_as_postgres valgrind --tool=callgrind --callgrind-out-file="$DIR/out.%p" \
		"$PG_BIN/postgres" --single -D "$DIR/data" postgres <"$DIR/q.sql" 2>&1 |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p' | tail -1
}
for c in "point 20000" "pairs $PAIRS"; do
	set -- $c
	base=$(count "$1" 0); with=$(count "$1" "$2")
	printf '%s: %d instructions per check (%s checks: %s, none: %s)\n' "$1" $(((with - base) / $2)) "$2" "$with" "$base"
done
