#!/usr/bin/env bash
# test/bench/callgrind_live.sh — instructions per write transaction in a
# running server (callgrind), as the benchmark's pgbench scripts run them.
#
# test/bench/callgrind_writes.sh counts a single-user backend: no background
# workers, no shared images, and its caches built as one process builds
# them.  Here the whole server runs under valgrind --tool=callgrind
# --trace-children=yes, share_acl preloaded as the README recommends, and
# one pgbench client runs a script W times, then W + N times on a new
# connection (after a first run that is not counted): the difference between the two backends' counts, divided by
# N, is what N more transactions cost in a server as it runs (the cache
# brought up to date after each commit, the commit's rechecks, the audit
# seal), without the connection's start and first check.  Autovacuum is off
# so that the backend of each run is the one new process that counts more
# than its start.
#
#   bash test/bench/callgrind_live.sh                   # every case
#   CASES="create_resource" N=300 bash test/bench/callgrind_live.sh
#   KEEP=1 ...   # keeps the counted backends' profiles: /tmp/callgrind_live.<case>.out
#                # (W + N transactions) and /tmp/callgrind_live.<case>.short.out (W)
#
# Settings (environment): SCALE (0.1), N (200), W (20), CLIENTS (1: with 2,
# two pgbench clients run the script side by side, each W or W + N times, and
# the count is their two backends' sum over 2N), CASES (plain_insert
# share_unshare open_link create_resource: test/bench/<case>.pgbench), KEEP,
# LINKS (the number of links open_link draws from, every one by default: with
# few, most opens are later views of a link, as in a long pgbench run).
# A share_unshare transaction of pgbench is its script: two transactions.
# Needs valgrind (installed with apt when missing).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
SCALE=${SCALE:-0.1}
N=${N:-200}
W=${W:-20}
CASES=${CASES:-plain_insert share_unshare open_link create_resource}
BENCH=$SA_ROOT/test/bench
command -v valgrind >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind; }
bench_setup
bench_write_cluster 1	# (writes.sh's cluster and data set, preloaded: sets NASSETS, NLINKS)
psql -qX -c 'ALTER SYSTEM SET autovacuum = off' -c 'VACUUM ANALYZE' >/dev/null
NLINKS=${LINKS:-$NLINKS}
DATA=$SA_CLUSTER_DIR/data
OUT=$SA_CLUSTER_DIR/callgrind
mkdir "$OUT"; chown postgres "$OUT"
sa_as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
# the server under callgrind (sa_stop_cluster stops it at exit)
sa_as_postgres bash -c "cd '$OUT' && exec valgrind --tool=callgrind --trace-children=yes \
	--callgrind-out-file='$OUT/cg.%p' '$PG_BIN/postgres' -D '$DATA' >'$OUT/server.log' 2>&1" &
for _ in $(seq 300); do "$PG_BIN/pg_isready" -q && break; sleep 1; done
"$PG_BIN/pg_isready" -q || { echo "the server did not start under valgrind" >&2; exit 1; }
bench_wait_shared_images "$(psql -qXAt -c "SELECT md5('user:0')::uuid")"
echo "cache mode: $BENCH_MODE"

CLIENTS=${CLIENTS:-1}
# the count of the backends of one pgbench run of script $1, $2 transactions
# a client (the CLIENTS largest profiles the run left: its backends', written
# when they exit), and the largest one's file
run_count() {
	local before after f
	before=$(ls "$OUT")
	pgbench -n -M prepared -c "$CLIENTS" -t "$2" -U bench_app -D nassets="$NASSETS" -D nlinks="$NLINKS" \
		-f "$BENCH/$1.pgbench" postgres >/dev/null 2>&1
	sleep 2
	after=$(ls "$OUT")
	for f in $(comm -13 <(echo "$before") <(echo "$after") | grep '^cg\.'); do
		echo "$(sed -n 's/^summary: //p' "$OUT/$f") $f"
	done | sort -rn | head -n "$CLIENTS" | awk '{ sum += $1; if (!file) file = $2 } END { print sum, file }'
}
for c in $CASES; do
	# (a first run, not counted: the first backends after the server's start
	# pay one-time costs, the relation cache's init file say)
	run_count "$c" "$W" >/dev/null
	read -r short short_file < <(run_count "$c" "$W")
	read -r long long_file < <(run_count "$c" $((W + N)))
	printf '%-16s %9d instructions per transaction (%s more transactions: %s - %s)\n' \
		"$c" $(((long - short) / (N * CLIENTS))) "$((N * CLIENTS))" "$long" "$short"
	if [ -n "${KEEP:-}" ]; then
		cp "$OUT/$long_file" "/tmp/callgrind_live.$c.out"
		cp "$OUT/$short_file" "/tmp/callgrind_live.$c.short.out"
		echo "  profiles of $((W + N)) and $W transactions: /tmp/callgrind_live.$c.out, /tmp/callgrind_live.$c.short.out"
	fi
done
