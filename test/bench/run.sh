#!/usr/bin/env bash
# test/bench/run.sh — the share_acl benchmark (not a timed test): loads the
# SPEC §10 data set into a throwaway cluster and prints each figure.
#
#   bash test/bench/run.sh            # full scale (1M assets)
#   SCALE=0.1 bash test/bench/run.sh  # a tenth, for a quick run
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
SCALE=${SCALE:-1}
REPEAT=${REPEAT:-5}

sa_setup
sa_start_cluster "shared_buffers = 2GB
work_mem = 64MB
maintenance_work_mem = 512MB
max_wal_size = 8GB
checkpoint_timeout = 30min
jit = off"

psql -qX -c 'CREATE EXTENSION share_acl'
sa_log "loading the data set (scale $SCALE)"
start=$(date +%s.%N)
psql -qX -v scale="$SCALE" -f "$SA_ROOT/test/bench/generate.sql" >/dev/null
printf 'load: %.1f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
psql -qXAt -c "SELECT 'resources: ' || count(*) FROM share_acl.resource" \
	-c "SELECT 'shares: ' || count(*) FROM share_acl.share"

MEMBER=$(psql -qXAt -c "SELECT md5('user:4242')::uuid")
NRES=$(psql -qXAt -c "SELECT count(*) FROM share_acl.resource")

# ms of each statement of a psql script given on stdin (one line per "Time:")
times_of() { psql -qX -v ON_ERROR_STOP=1 "$@" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'; }
# the best (smallest) of a list of numbers
best() { sort -g | head -1; }

CHECK="SELECT count(*) FROM share_acl.resource r WHERE share_acl.has_access(r.id, 'view');"

sa_log "has_access over every resource as a member with project shares ($NRES checks per query)"
mapfile -t t < <(times_of <<-SQL
	\timing on
	SET share_acl.principal = '$MEMBER';
	$CHECK
	$(for _ in $(seq "$REPEAT"); do echo "$CHECK"; done)
SQL
)
cold_first=${t[1]}
warm=$(printf '%s\n' "${t[@]:2}" | best)
printf 'cold (new backend, first query, loads the cache): %8.1f ms  %10.0f checks/s\n' "$cold_first" "$(echo "$NRES / $cold_first * 1000" | bc -l)"
printf 'warm (best of %d):                               %8.1f ms  %10.0f checks/s  %.3f us/check\n' \
	"$REPEAT" "$warm" "$(echo "$NRES / $warm * 1000" | bc -l)" "$(echo "$warm * 1000 / $NRES" | bc -l)"

sa_log "cold after a revoke committed in another session"
# session A warms up, session B deletes one share, A queries again
fifo=$(mktemp -u /tmp/share_acl_bench.XXXXXX); mkfifo "$fifo"
exec 3<>"$fifo"; rm -f "$fifo"
out=$(mktemp /tmp/share_acl_bench_out.XXXXXX)
psql -qX -v ON_ERROR_STOP=1 <&3 >"$out" 2>&1 &
apid=$!
{
	echo '\timing on'
	echo "BEGIN; SELECT share_acl.set_principal('$MEMBER'); $CHECK COMMIT;"
	echo "BEGIN; SELECT share_acl.set_principal('$MEMBER'); $CHECK COMMIT;"
	echo "\\! psql -qXAt -c \"DELETE FROM share_acl.share WHERE id = md5('share:1')::uuid\" >/dev/null"
	echo "BEGIN; SELECT share_acl.set_principal('$MEMBER'); $CHECK COMMIT;"
	echo "BEGIN; SELECT share_acl.set_principal('$MEMBER'); $CHECK COMMIT;"
	echo '\q'
} >&3
wait $apid
exec 3>&-
mapfile -t c < <(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$out" | awk 'NR % 4 == 3')
rm -f "$out"
printf 'warm before the revoke: %8.1f ms\n' "${c[1]}"
printf 'first after the revoke: %8.1f ms  (%.2fx warm)\n' "${c[2]}" "$(echo "${c[2]} / ${c[1]}" | bc -l)"
printf 'second after:           %8.1f ms\n' "${c[3]}"

sa_log "point checks: has_access(principal, resource, perms) on random pairs"
PT="SELECT count(*) FILTER (WHERE share_acl.has_access(md5('user:' || (i * 7919 % 9999 + 1))::uuid, r.id, 'view')) FROM generate_series(1, 100000) i JOIN LATERAL (SELECT md5('asset:' || (i::bigint * 104729 % ($NRES - 5200)))::uuid AS id) r ON true;"
mapfile -t p < <(times_of <<-SQL
	\timing on
	$PT
	$PT
	$PT
SQL
)
pbest=$(printf '%s\n' "${p[@]:1}" | best)
printf 'random principal x asset (100000 checks, incl. md5 id generation): %.1f ms  %.2f us/check\n' "$pbest" "$(echo "$pbest * 1000 / 100000" | bc -l)"

sa_log "backend memory"
psql -qXAt <<-SQL | grep cache
	SET share_acl.principal = '$MEMBER';
	$CHECK
	SELECT 'cache memory: ' || pg_size_pretty(sum(total_bytes)) FROM pg_backend_memory_contexts WHERE name LIKE 'share_acl%';
SQL

sa_log "bounded cache: share_acl.cache_size = 1MB (partial structure, read on demand)"
mapfile -t b < <(times_of <<-SQL
	\timing on
	SET share_acl.cache_size = '1MB';
	SET share_acl.principal = '$MEMBER';
	$CHECK
	$CHECK
	SELECT 'cache memory: ' || pg_size_pretty(sum(total_bytes)) FROM pg_backend_memory_contexts WHERE name LIKE 'share_acl%';
SQL
)
printf 'full scan with a 1 MB cache: first %.1f ms, second %.1f ms (%.2f us/check)\n' "${b[2]}" "${b[3]}" "$(echo "${b[3]} * 1000 / $NRES" | bc -l)"
psql -qXAt <<-SQL
	SET share_acl.principal = '$MEMBER';
	SELECT 'same answer as the full cache: ' || (a = b) FROM
	  (SELECT count(*) FILTER (WHERE share_acl.has_access(r.id, 'view')) AS a FROM share_acl.resource r) x,
	  (SELECT set_config('share_acl.cache_size', '1MB', false)) y,
	  LATERAL (SELECT count(*) FILTER (WHERE share_acl.has_access(r.id, 'view')) AS b FROM share_acl.resource r) z;
SQL
