#!/usr/bin/env bash
# test/bench/ab_writes.sh — two builds of share_acl.so side by side on the
# write paths: one throwaway cluster with the SPEC §10 data set (times SCALE),
# then ROUNDS rounds in which each build in turn is installed, the server
# restarted and its shared images mapped, and each write script run for SECONDS_PGBENCH seconds
# by CLIENTS clients (steady tps, as test/bench/writes.sh).  On this noisy
# machine a change is told from the day's drift only so.
#
#   make && cp share_acl.so /tmp/new.so          # and the other build:
#   git stash && make && cp share_acl.so /tmp/old.so && git stash pop
#   bash test/bench/ab_writes.sh /tmp/old.so /tmp/new.so
#
# Only the library is swapped: the two builds must share the extension's SQL
# (the working tree's, installed).  Settings (environment): SCALE (1),
# SECONDS_PGBENCH (10), WARMUP (2), ROUNDS (3), CLIENTS (2).  The build of the
# working tree is installed again at the end.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] && [ -f "$1" ] && [ -f "$2" ] || { echo "usage: $0 A.so B.so" >&2; exit 2; }
BUILDS=("$1" "$2")
SCALE=${SCALE:-1}
SECONDS_PGBENCH=${SECONDS_PGBENCH:-10}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-2}
export SA_HUGE_PAGES=on
BENCH=$SA_ROOT/test/bench
LIB=$($PG_CONFIG --pkglibdir)/share_acl.so

bench_setup
bench_write_cluster 1 'make -C "$SA_ROOT" -s PG_CONFIG="$PG_CONFIG" install >/dev/null'
for round in $(seq "$ROUNDS"); do
	for b in 0 1; do
		install -m 755 "${BUILDS[$b]}" "$LIB"
		sa_as_postgres "$PG_BIN/pg_ctl" -D "$SA_CLUSTER_DIR/data" -w -m fast \
			-l "$SA_CLUSTER_DIR/server.log" restart >/dev/null
		bench_wait_shared_images "$(psql -qXAt -c "SELECT md5('user:0')::uuid")"
		line="round $round ${BUILDS[$b]} ($CLIENTS clients, images $BENCH_MODE after ${BENCH_WAITED}s):"
		for s in plain_insert share_unshare open_link create_resource; do
			line="$line $s $(pgb -U bench_app -f "$BENCH/$s.pgbench")"
		done
		echo "$line"
	done
done
echo "audit chains: $(psql -qXAt -c "SELECT CASE WHEN bool_and(ok) THEN 'verify' ELSE 'DO NOT VERIFY' END FROM share_acl.audit_verify()")"
