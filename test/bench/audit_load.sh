#!/usr/bin/env bash
# test/bench/audit_load.sh — a bulk load into share_acl.resource with and
# without the audit trail (SPEC §7: audited bulk loads stay within 2x).
#
# Each round loads N assets under one project of a fresh database, once by
# INSERT ... SELECT and once by COPY (each its own transaction, so the time
# includes the seal at commit), with the audit triggers disabled ("off") and
# enabled ("on"), the sides alternated; the best of ROUNDS rounds of each is
# kept.  Runs on the cluster of test/bench/run.sh when PGHOST is set,
# otherwise on a throwaway cluster of its own.
#
#   bash test/bench/audit_load.sh                 # N=1000000, ROUNDS=2
#   N=200000 ROUNDS=3 bash test/bench/audit_load.sh
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
N=${N:-1000000}
ROUNDS=${ROUNDS:-2}

own_cluster=0
if [ -z "${PGHOST:-}" ]; then
	own_cluster=1
	sa_setup
fi
bench_need_bc
if [ "$own_cluster" = 1 ]; then
	sa_start_cluster "shared_buffers = 1GB
max_wal_size = 8GB
checkpoint_timeout = 30min
work_mem = 64MB
jit = off"
fi
work=$(mktemp -d /tmp/share_acl_audit_load.XXXXXX)
chmod 777 "$work"		# the server writes the COPY file
trap 'rm -rf "$work"; [ "$own_cluster" = 1 ] && sa_stop_cluster' EXIT

# the COPY file, written by the server
psql -qX -v ON_ERROR_STOP=1 -c "COPY (SELECT md5('copy ' || i)::uuid, 'b0000000-0000-0000-0000-0000000000aa',
                                        'asset', 'b0000000-0000-0000-0000-0000000000bb'
                                   FROM generate_series(1, $N) i) TO '$work/assets.tsv'"
chmod 644 "$work/assets.tsv" 2>/dev/null || true

# load MODE ROUND: prints "<insert ms> <copy ms>"
load() {
	local mode=$1 db=audit_load_$1_$2
	dropdb --if-exists "$db" >/dev/null 2>&1
	createdb "$db"
	psql -qX -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION share_acl'
	if [ "$mode" = off ]; then
		psql -qX -v ON_ERROR_STOP=1 -d "$db" \
			-c 'ALTER TABLE share_acl.resource DISABLE TRIGGER zzz_audit_insert'
	fi
	psql -qX -v ON_ERROR_STOP=1 -d "$db" <<-SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | paste -sd' '
		INSERT INTO share_acl.workspace (id, name) VALUES ('b0000000-0000-0000-0000-0000000000aa', 'load');
		INSERT INTO share_acl.resource (id, workspace_id, kind)
		VALUES ('b0000000-0000-0000-0000-0000000000bb', 'b0000000-0000-0000-0000-0000000000aa', 'project');
		CHECKPOINT;
		\timing on
		INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
		SELECT md5('insert ' || i)::uuid, 'b0000000-0000-0000-0000-0000000000aa', 'asset',
		       'b0000000-0000-0000-0000-0000000000bb'
		  FROM generate_series(1, $N) i;
		\timing off
		CHECKPOINT;
		\timing on
		COPY share_acl.resource (id, workspace_id, kind, parent_id) FROM '$work/assets.tsv';
	SQL
	local rows
	rows=$(psql -qXAt -d "$db" -c "SELECT count(*) FROM share_acl.audit_log")
	[ "$mode" = on ] && [ "$rows" -lt $((2 * N)) ] && { echo "audited load wrote $rows audit rows" >&2; exit 1; }
	dropdb "$db"
}

best_ins_off= best_ins_on= best_copy_off= best_copy_on=
minof() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi; }
for round in $(seq "$ROUNDS"); do
	for mode in off on; do
		out=$(load "$mode" "$round")		# to its end (no overlap with the next round)
		read -r t_ins t_copy <<<"$out"
		printf 'round %s, audit %-3s: INSERT ... SELECT %8.0f ms   COPY %8.0f ms\n' "$round" "$mode" "$t_ins" "$t_copy"
		if [ "$mode" = off ]; then
			best_ins_off=$(minof "$best_ins_off" "$t_ins"); best_copy_off=$(minof "$best_copy_off" "$t_copy")
		else
			best_ins_on=$(minof "$best_ins_on" "$t_ins"); best_copy_on=$(minof "$best_copy_on" "$t_copy")
		fi
	done
done
printf 'audited / unaudited load of %s assets (best of %s): INSERT ... SELECT %.2fx, COPY %.2fx   (goal <= 2x)\n' \
	"$N" "$ROUNDS" "$(echo "$best_ins_on / $best_ins_off" | bc -l)" "$(echo "$best_copy_on / $best_copy_off" | bc -l)"
