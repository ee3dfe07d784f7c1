#!/usr/bin/env bash
# test/docs/run.sh — REFERENCE.md is what the installed extension has.
#
# Writes the reference from the catalogs of a fresh database with share_acl
# (test/docs/reference.sql) and compares it with REFERENCE.md: a function,
# argument, default, volatility, grant, COMMENT, column, enum label or
# setting changed without the reference fails the suite.
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
if [ -n "${WRITE:-}" ]; then
	cp "$out" "$root/REFERENCE.md"
	echo "docs: REFERENCE.md written ($(wc -l <"$out") lines)"
	exit 0
fi
if diff -u "$root/REFERENCE.md" "$out" >"$out.diff"; then
	echo "docs: REFERENCE.md is what is installed ($(grep -c '^#### ' "$out") functions, $(grep -c '^### `share_acl\.' "$out") views and tables)"
	rm -f "$out.diff"
else
	head -60 "$out.diff"
	rm -f "$out.diff"
	echo "docs: REFERENCE.md differs from what is installed (WRITE=1 bash test/docs/run.sh rewrites it)"
	exit 1
fi
