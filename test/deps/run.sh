#!/usr/bin/env bash
# test/deps/run.sh — the dependency detection of test/lib.sh asks for each
# package by the file really used, not by a file another package also ships.
#
# postgresql-client-15 ships pg_config, pgxs.mk and pg_isolation_regress, so
# a machine with only the client has all three and still no server headers.
# A fake pg_config whose server include directory is empty must make
# sa_missing_deps ask for postgresql-server-dev-15; missing pgtap.control or
# pg_prove must make it ask for their packages.  (CI's machine has every
# package, so only such a test can catch a wrong check.)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"

work=$(mktemp -d /tmp/share_acl_deps.XXXXXX)
trap 'rm -rf "$work"' EXIT
real_pg_config=/usr/lib/postgresql/15/bin/pg_config
mkdir -p "$work/include-server"
cat >"$work/pg_config" <<EOS
#!/bin/sh
# pg_config of a machine with the client package only: no server headers
case "\$1" in
	--includedir-server) echo "$work/include-server" ;;
	*) exec "$real_pg_config" "\$@" ;;
esac
EOS
chmod +x "$work/pg_config"

failures=0
expect() {	# expect NAME yes|no PACKAGE -- the output of sa_missing_deps
	local name=$1 want=$2 pkg=$3 out=$4
	if grep -qx "$pkg" <<<"$out"; then got=yes; else got=no; fi
	if [ "$got" = "$want" ]; then
		echo "ok - $name"
	else
		echo "not ok - $name (asked for $pkg: $got, expected $want; output: $(echo $out))"
		failures=$((failures + 1))
	fi
}

out=$(PG_CONFIG="$work/pg_config" sa_missing_deps)
expect "client-only pg_config: asks for the server headers" yes postgresql-server-dev-15 "$out"

touch "$work/include-server/postgres.h"
out=$(PG_CONFIG="$work/pg_config" sa_missing_deps)
expect "postgres.h present: does not ask for the server headers" no postgresql-server-dev-15 "$out"

out=$(PG_CONFIG="$work/missing/pg_config" sa_missing_deps)
expect "no pg_config at all: asks for the server headers" yes postgresql-server-dev-15 "$out"

out=$(SA_PGTAP_CONTROL="$work/none/pgtap.control" sa_missing_deps)
expect "no pgtap.control: asks for postgresql-15-pgtap" yes postgresql-15-pgtap "$out"

out=$(SA_PG_PROVE="$work/none/pg_prove" sa_missing_deps)
expect "no pg_prove: asks for libtap-parser-sourcehandler-pgtap-perl" yes \
	libtap-parser-sourcehandler-pgtap-perl "$out"

# on this machine (set up by the suite) nothing is missing
out=$(sa_missing_deps)
expect "this machine, after setup: asks for nothing" no postgresql-server-dev-15 "$out"

if [ "$failures" -eq 0 ]; then
	echo "deps: every dependency is detected by the file really used"
else
	echo "deps: $failures check(s) failed"
	exit 1
fi
