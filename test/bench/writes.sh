#!/usr/bin/env bash
# test/bench/writes.sh — the write paths against a plain one-row INSERT
# (SPEC §10), with the audit trail on, side by side in one run.
#
# Loads the SPEC §10 data set (times SCALE) into a throwaway cluster and runs,
# through pgbench, in alternation over ROUNDS rounds (the best of each kept):
#   a plain one-row INSERT (the yardstick),
#   share + unshare (two one-statement transactions, by the workspace owner),
#   open_link of a valid password-less link (a view row, an audit row),
#   create_resource (an upload, by the owner or a member with upload),
# with CLIENTS concurrent clients, all in one workspace, and again with one
# client (for information).  Prints each rate and the ratios with their goals.
#
#   bash test/bench/writes.sh                       # 1M assets, ~10 minutes
#   SCALE=0.1 SECONDS_PGBENCH=5 bash test/bench/writes.sh   # a quick run
#
# Settings (environment): SCALE (1), SECONDS_PGBENCH (10), WARMUP (2), ROUNDS
# (3), CLIENTS (2), PRELOAD (1: share_acl in shared_preload_libraries, the
# deployment the README recommends, as test/bench/run.sh; 0: loaded by each
# backend), HUGE_PAGES (on, as test/bench/run.sh; off), SYNC (off: fsync and
# synchronous_commit off, as every test cluster; on: both on, each commit
# flushed to this machine's disk, e.g. SYNC=on CLIENTS=8).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
SCALE=${SCALE:-1}
SECONDS_PGBENCH=${SECONDS_PGBENCH:-10}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-2}
PRELOAD=${PRELOAD:-1}
export SA_HUGE_PAGES=${HUGE_PAGES:-on}
BENCH=$SA_ROOT/test/bench

bench_setup
bench_write_cluster "$PRELOAD"
AUDITED=$(psql -qXAt -c "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'zzz_audit_%' AND tgenabled = 'A'")
printf '%s assets, %s links; audit triggers enabled: %s; share_acl preloaded: %s; huge pages: %s; fsync and synchronous_commit: %s\n' \
	"$NASSETS" "$NLINKS" "$AUDITED" "$PRELOAD" "${SA_HUGE_PAGES_USED:-off}" "$(psql -qXAt -c "SELECT current_setting('fsync') || ' ' || current_setting('synchronous_commit')")"
[ "$AUDITED" -gt 0 ] || { echo "the audit triggers are not enabled" >&2; exit 1; }
# (as test/bench/run.sh: the rates of the deployment as it runs, once a new
# backend maps the shared images the image writer writes after the load)
bench_wait_shared_images "$(psql -qXAt -c "SELECT md5('user:0')::uuid")"
printf 'cache mode: %s (after %s s)\n' "$BENCH_MODE" "$BENCH_WAITED"

audit_rows() { psql -qXAt -c "SELECT count(*) FROM share_acl.audit_log"; }
for clients in "$CLIENTS" 1; do
	CLIENTS=$clients
	sa_log "$CLIENTS client(s), best of $ROUNDS rounds of ${SECONDS_PGBENCH}s"
	ins=0 share=0 open=0 upload=0
	before=$(audit_rows)
	for round in $(seq "$ROUNDS"); do
		ins=$(maxof "$ins" "$(pgb -U bench_app -f "$BENCH/plain_insert.pgbench")")
		share=$(maxof "$share" "$(pgb -U bench_app -f "$BENCH/share_unshare.pgbench")")
		open=$(maxof "$open" "$(pgb -U bench_app -f "$BENCH/open_link.pgbench")")
		upload=$(maxof "$upload" "$(pgb -U bench_app -f "$BENCH/create_resource.pgbench")")
	done
	# share_unshare.pgbench runs two transactions per script
	share_ops=$(calc "$share * 2")
	printf 'plain INSERT %.0f tps   share or unshare %.0f tps   open_link %.0f tps   create_resource %.0f tps   (%s audit rows written)\n' \
		"$ins" "$share_ops" "$open" "$upload" "$(($(audit_rows) - before))"
	r=$(calc "$share_ops / $ins")
	result "share or unshare / plain INSERT, $CLIENTS client(s)" "$(pct "$r")" ">= 30%" "$(verdict "$r >= 0.3")"
	r=$(calc "$open / $ins")
	result "open_link / plain INSERT, $CLIENTS client(s)" "$(pct "$r")" ">= 50%" "$(verdict "$r >= 0.5")"
	r=$(calc "$upload / $ins")
	result "create_resource / plain INSERT, $CLIENTS client(s)" "$(pct "$r")" ">= 40%" "$(verdict "$r >= 0.4")"
done
echo "audit chains: $(psql -qXAt -c "SELECT CASE WHEN bool_and(ok) THEN 'verify' ELSE 'DO NOT VERIFY' END FROM share_acl.audit_verify()")"

echo
echo "== SPEC §10 write ratios, audit trail on (scale $SCALE)"
printf '%s\n' "${RESULTS[@]}"
if [ -s "$PGB_ERRORS" ]; then
	echo
	echo "== pgbench runs that failed (their figures cover the run until the failure):"
	sed 's/client [0-9]* script [0-9]* aborted in command [0-9]* query [0-9]*: //' "$PGB_ERRORS" |
		sort | uniq -c | sort -rn | head -10
fi
