#!/usr/bin/env bash
# test/docs/run.sh — REFERENCE.md is what the installed extension has, and
# the README's walk-through runs as written.
#
# Writes the reference from the catalogs of a fresh database with share_acl
# (test/docs/reference.sql) and compares it with REFERENCE.md: a function,
# argument, default, volatility, grant, COMMENT, column, enum label or
# setting changed without the reference fails the suite.  Then runs the SQL
# of README.md's "A first workspace, step by step" in a fresh database, as
# psql runs what a reader pastes, and checks that every statement succeeds
# and that its checks answer what its comments say.
#
# Needs a running cluster (PGHOST etc., as test/run_all.sh provides).
#   bash test/docs/run.sh              # compare (in test/run_all.sh)
#   WRITE=1 bash test/docs/run.sh      # rewrite REFERENCE.md from the installed copy
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
db=share_acl_docs_$$
out=$(mktemp /tmp/share_acl_reference.XXXXXX)
trap 'rm -f "$out"; psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null' EXIT
psql -qX -d postgres -c "CREATE DATABASE $db" >/dev/null || exit 1
psql -qX -v ON_ERROR_STOP=1 -d $db -c 'CREATE EXTENSION share_acl' >/dev/null || exit 1
psql -qXAt -v ON_ERROR_STOP=1 -d $db -f "$root/test/docs/reference.sql" >"$out" || exit 1

# the README's walk-through: its first sql block, every statement succeeding,
# the answers its comments give in this order (psql -At: columns joined by |)
walk=$(mktemp /tmp/share_acl_walk.XXXXXX)
awk '/^## A first workspace, step by step/ {f = 1} f && /^```sql/ {b = 1; next} b && /^```/ {exit} b' \
	"$root/README.md" >"$walk"
psql -qX -d postgres -c "DROP ROLE IF EXISTS tutorial_app" >/dev/null 2>&1
psql -qX -d postgres -c "CREATE DATABASE ${db}_walk" >/dev/null || exit 1
walk_failed=0
if ! psql -qXAt -v ON_ERROR_STOP=1 -d ${db}_walk -f "$walk" >"$walk.out" 2>"$walk.err"; then
	echo "docs: README's walk-through fails:"; tail -5 "$walk.err"; walk_failed=1
fi
psql -qX -d postgres -c "DROP DATABASE ${db}_walk" >/dev/null
psql -qX -d postgres -c "DROP ROLE IF EXISTS tutorial_app" >/dev/null 2>&1
# (ana may edit, ben not see; cleo editor, ben viewer and nothing on raw; Ben's
# rows, Cleo's; the link opens, views, does not see raw; the review; the revoke;
# the chain)
if [ $walk_failed -eq 0 ] && ! awk 'BEGIN { n = split("t|f;editor|viewer|;Teaser;Raw footage;Teaser;t|ok;t|f;t|approved;f;t|", want, ";"); i = 1 }
	i <= n && $0 == want[i] { i++ } END { if (i <= n) { print "docs: README walk-through: no \"" want[i] "\" where its comments say"; exit 1 } }' "$walk.out"; then
	walk_failed=1
fi
rm -f "$walk" "$walk.out" "$walk.err"
[ $walk_failed -eq 0 ] && echo "docs: README's walk-through runs as written and answers as its comments say"

if [ -n "${WRITE:-}" ]; then
	cp "$out" "$root/REFERENCE.md"
	echo "docs: REFERENCE.md written ($(wc -l <"$out") lines)"
	exit 0
fi
if diff -u "$root/REFERENCE.md" "$out" >"$out.diff"; then
	echo "docs: REFERENCE.md is what is installed ($(grep -c '^#### ' "$out") functions, $(grep -c '^### `share_acl\.' "$out") views and tables)"
	rm -f "$out.diff"
	exit $walk_failed
else
	head -60 "$out.diff"
	rm -f "$out.diff"
	echo "docs: REFERENCE.md differs from what is installed (WRITE=1 bash test/docs/run.sh rewrites it)"
	exit 1
fi
