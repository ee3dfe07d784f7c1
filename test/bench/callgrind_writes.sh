#!/usr/bin/env bash
# test/bench/callgrind_writes.sh — instructions per write transaction
# (callgrind), steadier than timings on a noisy machine.
#
# Loads the SPEC §10 data set (times SCALE, default 0.1) into a throwaway
# cluster, then runs a single-user backend under valgrind --tool=callgrind
# twice per case, with N transactions and with none, and prints the
# difference divided by N.  Each case is a prepared statement executed N
# times, as pgbench -M prepared runs it (test/bench/*.pgbench), with the audit
# trail on:
#   insert     a plain one-row INSERT (the yardstick)
#   share      share() of an asset with a member, by the workspace owner
#   unshare    unshare() of those shares
#   open_link  open_link() of a password-less link (each link's first view:
#              its view row, its count at commit and the creator's notification)
#   view_again open_link() of the same links again (a later view, what most
#              opens are: no notification)
#   create     create_resource() of an asset, by the workspace owner
#
#   bash test/bench/callgrind_writes.sh
#   PG_BIN=/elsewhere/usr/lib/postgresql/15/bin bash test/bench/callgrind_writes.sh
#       # another installation, e.g. a copy holding the version before (its
#       # share_acl is used as installed there; nothing is built)
#
#   PROFILE=open_link bash test/bench/callgrind_writes.sh
#       # instead: that case's profile (N transactions) in
#       # /tmp/callgrind_writes.open_link.out, for callgrind_annotate
#
# Settings (environment): SCALE (0.1), N (200), PG_BIN, PROFILE, PRELOAD (1:
# share_acl in shared_preload_libraries, the deployment the README recommends,
# as test/bench/writes.sh; 0: loaded at the first call).  Needs valgrind
# (installed with apt when missing).
set -euo pipefail
OTHER_INSTALL=${PG_BIN:+yes}
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
SCALE=${SCALE:-0.1}
N=${N:-200}
PRELOAD=${PRELOAD:-1}
BENCH=$SA_ROOT/test/bench
command -v valgrind >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind; }
if [ -z "$OTHER_INSTALL" ]; then bench_setup; else bench_need_bc; fi
sa_start_cluster "shared_buffers = 1GB
max_wal_size = 8GB
jit = off
$([ "$PRELOAD" = 1 ] && echo "shared_preload_libraries = 'share_acl'")"
trap 'sa_stop_cluster' EXIT
bench_load_data
psql -qX -f "$BENCH/link_tokens.sql" >/dev/null
psql -qX -c 'VACUUM ANALYZE' >/dev/null
DATA=$SA_CLUSTER_DIR/data
sa_as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null

# the statements of case $1, executed $2 times
statements() {
	local i
	cat <<-'SQL'
		SELECT count(*) FROM share_acl.resource WHERE share_acl.has_access(md5('user:0')::uuid, id, 'view') AND id = md5('asset:1')::uuid;
		PREPARE ins(int, int) AS INSERT INTO bench.insert_target (resource_id, grantee_id, perms) VALUES (md5('asset:' || $1)::uuid, md5('user:' || $2)::uuid, 'viewer');
		PREPARE sh(int, int) AS SELECT share_acl.share(md5('asset:' || $1)::uuid, md5('user:' || $2)::uuid, 'viewer') FROM (SELECT set_config('share_acl.principal', md5('user:0'), true)) a;
		PREPARE ush(int, int) AS SELECT share_acl.unshare(s.id) FROM share_acl.share s, (SELECT set_config('share_acl.principal', md5('user:0'), true)) a WHERE s.resource_id = md5('asset:' || $1)::uuid AND s.grantee_id = md5('user:' || $2)::uuid;
		PREPARE ol(int, text) AS SELECT ok FROM share_acl.open_link((SELECT t.token FROM bench.link_token t WHERE t.n = $1), viewer_email => $2);
		PREPARE cr(int) AS SELECT share_acl.create_resource(md5('ws:0')::uuid, 'asset', md5('project:' || $1)::uuid) FROM (SELECT share_acl.set_principal(md5('user:0')::uuid)) a;
	SQL
	for ((i = 0; i < $2; i++)); do
		case $1 in
			insert) echo "EXECUTE ins($i, $((51 + i)));" ;;
			share) echo "EXECUTE sh($((i * 7 + 13)), $((51 + i * 13 % 7900)));" ;;
			unshare) echo "EXECUTE ush($((i * 7 + 13)), $((51 + i * 13 % 7900)));" ;;
			open_link | view_again) echo "EXECUTE ol($((i * 3 + 1)), 'viewer$i@bench.example');" ;;
			create) echo "EXECUTE cr($((i % 200)));" ;;
		esac
	done
}
count() {	# case n [out]: the instructions of a single-user backend running it
	statements "$1" "$2" >"$SA_CLUSTER_DIR/q.sql"
	chmod 644 "$SA_CLUSTER_DIR/q.sql"
	sa_as_postgres valgrind --tool=callgrind --callgrind-out-file="${3:-/dev/null}" \
		"$PG_BIN/postgres" --single -D "$DATA" -c fsync=off postgres <"$SA_CLUSTER_DIR/q.sql" 2>&1 |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p' | tail -1
}
if [ -n "${PROFILE:-}" ]; then
	[ "$PROFILE" = unshare ] && count share "$N" >/dev/null	# the shares it removes
	[ "$PROFILE" = view_again ] && count open_link "$N" >/dev/null	# the first views
	out=/tmp/callgrind_writes.$PROFILE.out
	rm -f "$out"; touch "$out"; chown postgres "$out"
	count "$PROFILE" "$N" "$out" >/dev/null
	echo "profile of $N transactions of $PROFILE: $out (callgrind_annotate --inclusive=yes $out)"
	exit 0
fi
# (unshare removes the shares that share made: share runs first; view_again
# opens the links open_link opened)
for c in insert share unshare open_link view_again create; do
	base=$(count "$c" 0); with=$(count "$c" "$N")
	printf '%-10s %9d instructions per transaction (%s transactions: %s, none: %s)\n' \
		"$c" $(((with - base) / N)) "$N" "$with" "$base"
done
