# test/bench/lib.sh — the helpers of the benchmark scripts (sourced after
# test/lib.sh): arithmetic, the result lines, and pgbench runs.
#
# bench_load_data needs SCALE and BENCH; pgb and pgb_best need PGB (the pgbench command and its fixed options),
# PGB_LOG and PGB_ERRORS (files), CLIENTS, SECONDS_PGBENCH, WARMUP and BENCH.

# bc, which the benchmark's arithmetic uses (installed when its binary is missing)
bench_need_bc() {
	command -v bc >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bc; }
}

# What a benchmark script needs before its cluster: test/lib.sh's sa_setup (the
# packages, the build and its install), and bc.
bench_setup() {
	sa_setup
	bench_need_bc
}

# The extension and the SPEC §10 data set at SCALE in the cluster: the
# model, the plain-SQL comparison and the application tables (bench.*).
bench_load_data() {
	psql -qX -c 'CREATE EXTENSION share_acl'
	sa_log "loading the data set (scale $SCALE)"
	psql -qX -v scale="$SCALE" -f "$BENCH/generate.sql" >/dev/null
	psql -qX -f "$BENCH/plain_sql.sql" >/dev/null
	psql -qX -f "$BENCH/app.sql" >/dev/null
}

# The cluster of the write-path scripts (writes.sh, ab_writes.sh), its data set
# and their pgbench command: starts the cluster (share_acl preloaded when
# $1 is 1), makes PGB_LOG and PGB_ERRORS (removed at exit, with the cluster,
# after the commands in $2), loads the data set and the link tokens, and sets
# NASSETS, NLINKS and PGB.
bench_write_cluster() {
	sa_start_cluster "shared_buffers = 1GB
max_wal_size = 8GB
checkpoint_timeout = 30min
jit = off
$([ "$1" = 1 ] && echo "shared_preload_libraries = 'share_acl'")
$([ "${SYNC:-off}" = on ] && printf 'fsync = on\nsynchronous_commit = on')"
	PGB_LOG=$(mktemp /tmp/share_acl_bench_pgb.XXXXXX)
	PGB_ERRORS=$(mktemp /tmp/share_acl_bench_err.XXXXXX)
	# shellcheck disable=SC2064  # the files' names are known now
	trap "rm -f '$PGB_LOG' '$PGB_ERRORS'; sa_stop_cluster; ${2:-:}" EXIT
	bench_load_data
	psql -qX -f "$BENCH/link_tokens.sql" >/dev/null
	NASSETS=$(psql -qXAt -c "SELECT count(*) FROM bench.asset")
	NLINKS=$(psql -qXAt -c "SELECT count(*) FROM bench.link_token")
	PGB=(pgbench -n -M prepared -D nassets="$NASSETS" -D nlinks="$NLINKS")
}

# The image writer writes the shared images some seconds after a load or a
# restart (a backend's check asks for them); until then each backend reads a
# copy of its own.  The figures are of the deployment as it runs, so wait (at
# most 120 s) until a new backend, after a check by principal $1, maps them:
# sets BENCH_MODE (the mode it reports) and BENCH_WAITED (seconds).  A build
# without share_acl.cache_stats() is not waited for.
bench_wait_shared_images() {
	local has_stats
	has_stats=$(psql -qXAt -c "SELECT to_regprocedure('share_acl.cache_stats()') IS NOT NULL")
	BENCH_WAITED=0
	if [ "$has_stats" != t ]; then
		BENCH_MODE="per backend (no share_acl.cache_stats())"
		return
	fi
	while :; do
		BENCH_MODE=$(psql -qXAt -c "SELECT share_acl.has_access('$1', md5('asset:0')::uuid, 'view')" \
			-c "SELECT coalesce(string_agg(DISTINCT mode, ', '), '?') FROM share_acl.cache_stats()" | tail -1)
		[ "$BENCH_MODE" != shared ] && [ "$BENCH_WAITED" -lt 120 ] || break
		sleep 2
		BENCH_WAITED=$((BENCH_WAITED + 2))
	done
}

calc() { echo "scale=6; $*" | bc -l; }
maxof() { printf '%s\n' "$@" | sort -g | tail -1; }
pct() { printf '%.0f%%' "$(calc "$1 * 100")"; }
RESULTS=()
# result name value goal verdict: one line of the summary
result() { RESULTS+=("$(printf '%-62s %12s   goal %-10s %s' "$1" "$2" "$3" "$4")"); }
verdict() { if [ "$(echo "$1" | bc -l)" = 1 ]; then echo met; else echo NOT MET; fi; }

# the steady transactions per second of a pgbench run (its output on stdin):
# the per-second progress reports after the first WARMUP seconds (every run
# connects afresh, so its first seconds hold each backend's first load); the
# whole run's figure when the run is too short for that
steady_tps() {
	awk -v w="$WARMUP" '
		/^progress: / { t = $2 + 0; if (prev >= w) { n += ($4 + 0) * (t - prev); d += t - prev } prev = t }
		/^tps = / { all = $3 + 0 }
		END { if (d > 0) printf "%.1f\n", n / d; else printf "%.1f\n", all + 0 }'
}
# one pgbench run of CLIENTS clients for SECONDS_PGBENCH seconds (more
# options and the script in the arguments); prints its steady tps
pgb() {
	if ! "${PGB[@]}" -c "$CLIENTS" -j "$CLIENTS" -P 1 -T "$SECONDS_PGBENCH" "$@" postgres >"$PGB_LOG" 2>&1; then
		echo "pgbench $* failed:" >&2
		grep -E 'ERROR|FATAL|DETAIL|error:' "$PGB_LOG" | head -5 | tee -a "$PGB_ERRORS" >&2
	fi
	steady_tps <"$PGB_LOG"
}
# this machine is noisy: the best of rounds runs
pgb_best() {	# role script rounds
	local r best=0
	for r in $(seq "$3"); do
		best=$(maxof "$best" "$(pgb -U "$1" -f "$BENCH/$2")")
	done
	echo "$best"
}
