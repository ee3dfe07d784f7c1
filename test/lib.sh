# test/lib.sh — shared by test/run_all.sh, examples/demo.sh and test/bench:
# install missing dependencies, build and install the extension, and run a
# throwaway PostgreSQL 15 cluster (initdb as postgres into a temp dir, unix
# socket only, fsync=off) that is removed on exit, also on failure.
#
# Source it; then call sa_setup (deps + build + install) and sa_start_cluster.

# PG_BIN, or PG_CONFIG alone, names the installation of PostgreSQL 15 to use
if [ -z "${PG_BIN:-}" ] && [ -n "${PG_CONFIG:-}" ] && [ -x "$PG_CONFIG" ]; then
	PG_BIN=$("$PG_CONFIG" --bindir)
fi
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_CONFIG=${PG_CONFIG:-$PG_BIN/pg_config}
export PG_CONFIG
# psql, pg_dump, pgbench … of that installation, not whatever PATH finds first
export PATH="$PG_BIN:$PATH"
SA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

sa_log() { printf '\n== %s\n' "$*" >&2; }

# The Debian packages the build and the suites need, each detected by the file
# really used (pg_config and pg_isolation_regress ship with the client, so they
# prove nothing about the server headers).  Prints the missing package names.
# SA_PGTAP_CONTROL, SA_PG_PROVE, SA_PG_CRON_CONTROL, SA_PG_CRON_LIB,
# SA_PLPGSQL_CHECK_CONTROL and SA_PLPGSQL_CHECK_LIB may point elsewhere
# (tests of this function).  With the argument "build", only what building
# and installing the extension needs (the demo's packages).
sa_missing_deps() {
	local need=() incdir=""
	[ -x "$PG_CONFIG" ] && incdir=$("$PG_CONFIG" --includedir-server 2>/dev/null)
	if [ -z "$incdir" ] || [ ! -f "$incdir/postgres.h" ] ||
		[ ! -f "$("$PG_CONFIG" --pgxs 2>/dev/null)" ]; then
		need+=(postgresql-server-dev-15)
	fi
	command -v make >/dev/null || need+=(make)
	command -v gcc >/dev/null || need+=(gcc)
	if [ "${1:-}" = build ]; then
		[ ${#need[@]} -gt 0 ] && printf '%s\n' "${need[@]}"
		return 0
	fi
	[ -f "${SA_PGTAP_CONTROL:-$("$PG_CONFIG" --sharedir 2>/dev/null)/extension/pgtap.control}" ] ||
		need+=(postgresql-15-pgtap)
	[ -x "${SA_PG_PROVE:-/usr/bin/pg_prove}" ] || need+=(libtap-parser-sourcehandler-pgtap-perl)
	# pg_cron: the library shared_preload_libraries loads and the extension's
	# control file (test/deps/run.sh runs audit_retain from a real cron job)
	if [ ! -f "${SA_PG_CRON_CONTROL:-$("$PG_CONFIG" --sharedir 2>/dev/null)/extension/pg_cron.control}" ] ||
		[ ! -f "${SA_PG_CRON_LIB:-$("$PG_CONFIG" --pkglibdir 2>/dev/null)/pg_cron.so}" ]; then
		need+=(postgresql-15-cron)
	fi
	# plpgsql_check: the lint of the PL/pgSQL functions (test/lint/run.sh):
	# the extension's control file and the library it loads
	if [ ! -f "${SA_PLPGSQL_CHECK_CONTROL:-$("$PG_CONFIG" --sharedir 2>/dev/null)/extension/plpgsql_check.control}" ] ||
		[ ! -f "${SA_PLPGSQL_CHECK_LIB:-$("$PG_CONFIG" --pkglibdir 2>/dev/null)/plpgsql_check.so}" ]; then
		need+=(postgresql-15-plpgsql-check)
	fi
	# the client suite (test/clients/run.sh): PgBouncer, and Debian's python3
	# with psycopg 3 and asyncpg (the modules' own files, in the directory that
	# /usr/bin/python3 reads); test/flood's stopped-postmaster check uses
	# psycopg too
	[ -x "${SA_PGBOUNCER:-/usr/sbin/pgbouncer}" ] || need+=(pgbouncer)
	[ -f "${SA_PSYCOPG:-/usr/lib/python3/dist-packages/psycopg/__init__.py}" ] || need+=(python3-psycopg)
	[ -f "${SA_ASYNCPG:-/usr/lib/python3/dist-packages/asyncpg/__init__.py}" ] || need+=(python3-asyncpg)
	[ ${#need[@]} -gt 0 ] && printf '%s\n' "${need[@]}"
	return 0
}

# Install the missing Debian packages (apt-get update first); "build": only
# those the build needs.
sa_install_deps() {
	local need
	mapfile -t need < <(sa_missing_deps "$@")
	if [ ${#need[@]} -gt 0 ]; then
		sa_log "installing ${need[*]}"
		if [ "$(id -u)" -ne 0 ]; then
			echo "missing packages (${need[*]}); run as root or install them" >&2
			return 1
		fi
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
	fi
}

# Build and install the extension into the system directories.
sa_build_install() {
	sa_log "building and installing share_acl"
	# one build at a time in this tree (parallel runs share the objects and
	# the system's extension directory); PGXS adds $(PROFILE) to the
	# compiler's flags, and scripts read PROFILE for their own purpose
	(
		flock 9
		make -C "$SA_ROOT" -s PG_CONFIG="$PG_CONFIG" PROFILE= >&2 &&
			make -C "$SA_ROOT" -s PG_CONFIG="$PG_CONFIG" PROFILE= install >&2
	) 9>"$SA_ROOT/.build.lock"
}

# sa_setup: every package the suites need, then the build and its install;
# sa_setup build: the build's packages only.
sa_setup() {
	sa_install_deps "$@" && sa_build_install
}

# Run a command as the postgres OS user (or as ourselves when not root).
sa_as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# pg_ctl as postgres, for a server's start or restart: with SA_PERTURB=on
# (the test suite's, test/run_all.sh) glibc overwrites memory as it is freed
# and before it is handed out (glibc.malloc.perturb, added to the tunables
# already set), so that a read of freed memory — a memory context reset or
# deleted under a pointer still held — reads garbage and fails instead of
# reading what happened to be left there.  (It reaches the memory returned
# to glibc: what PostgreSQL keeps for reuse in a context is not overwritten.)
sa_pg_ctl() {
	if [ "${SA_PERTURB:-off}" = on ]; then
		sa_as_postgres env "GLIBC_TUNABLES=${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.perturb=165" \
			"$PG_BIN/pg_ctl" "$@"
	else
		sa_as_postgres "$PG_BIN/pg_ctl" "$@"
	fi
}

# Start a throwaway cluster; exports PGHOST, PGPORT, PGUSER, PGDATABASE and
# SA_CLUSTER_DIR.  The cluster is stopped and removed when the shell exits.
sa_start_cluster() {
	local extra_conf=${1:-}
	SA_CLUSTER_DIR=$(mktemp -d /tmp/share_acl_cluster.XXXXXX)
	chmod 755 "$SA_CLUSTER_DIR"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$SA_CLUSTER_DIR"
	export SA_CLUSTER_DIR
	trap sa_stop_cluster EXIT
	trap 'exit 130' INT TERM
	sa_as_postgres "$PG_BIN/initdb" -D "$SA_CLUSTER_DIR/data" -U postgres \
		-A trust --no-sync -E UTF8 --locale=C >/dev/null
	cat >>"$SA_CLUSTER_DIR/data/postgresql.conf" <<-EOF
		listen_addresses = ''
		unix_socket_directories = '$SA_CLUSTER_DIR'
		port = 5432
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		max_prepared_transactions = 10
		$extra_conf
	EOF
	[ "${SA_HUGE_PAGES:-off}" = off ] || sa_huge_pages "$SA_CLUSTER_DIR/data"
	sa_pg_ctl -D "$SA_CLUSTER_DIR/data" -w -l "$SA_CLUSTER_DIR/server.log" start >/dev/null
	export PGHOST=$SA_CLUSTER_DIR PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
}

sa_stop_cluster() {
	if [ -n "${SA_CLUSTER_DIR:-}" ] && [ -d "$SA_CLUSTER_DIR" ]; then
		sa_as_postgres "$PG_BIN/pg_ctl" -D "$SA_CLUSTER_DIR/data" -m immediate stop >/dev/null 2>&1 || true
		rm -rf "$SA_CLUSTER_DIR"
	fi
	if [ -n "${SA_HUGE_PAGES_BEFORE:-}" ]; then
		echo "$SA_HUGE_PAGES_BEFORE" >/proc/sys/vm/nr_hugepages 2>/dev/null || true
		SA_HUGE_PAGES_BEFORE=
	fi
}

# SA_HUGE_PAGES=on: the cluster's shared memory in huge pages, as
# PostgreSQL's documentation advises for a large shared_buffers (a fresh
# backend then maps shared_buffers without a page fault per 4 kB page).  As
# root, the pages the cluster needs (postgres -C
# shared_memory_size_in_huge_pages) are reserved for the run and the kernel's
# setting restored when the cluster stops; when they cannot be had, the
# cluster runs without (huge_pages = off) and says so.  SA_HUGE_PAGES_USED
# tells which.
sa_huge_pages_free() {	# free and not promised to a running server
	awk '/^HugePages_Free:/ {f = $2} /^HugePages_Rsvd:/ {r = $2} END {if (f != "") print f - r}' /proc/meminfo 2>/dev/null
}
sa_huge_pages() {
	local data=$1 need free
	SA_HUGE_PAGES_USED=off
	need=$(sa_as_postgres "$PG_BIN/postgres" -D "$data" -C shared_memory_size_in_huge_pages 2>/dev/null)
	free=$(sa_huge_pages_free)
	if [ "${need:--1}" -gt 0 ] 2>/dev/null && [ -n "$free" ]; then
		if [ "$free" -lt "$need" ] && [ -w /proc/sys/vm/nr_hugepages ]; then
			SA_HUGE_PAGES_BEFORE=${SA_HUGE_PAGES_BEFORE:-$(cat /proc/sys/vm/nr_hugepages)}
			echo $(($(cat /proc/sys/vm/nr_hugepages) + need - free)) >/proc/sys/vm/nr_hugepages 2>/dev/null || true
			free=$(sa_huge_pages_free)
		fi
		if [ "$free" -ge "$need" ]; then
			SA_HUGE_PAGES_USED="on ($need pages of $(awk '/^Hugepagesize:/ {print $2 / 1024}' /proc/meminfo) MB)"
			echo "huge_pages = on" >>"$data/postgresql.conf"
			return
		fi
	fi
	echo "huge_pages = off" >>"$data/postgresql.conf"
	echo "huge pages asked for, not available (need ${need:-?}, free ${free:-?}): the cluster runs without" >&2
}
