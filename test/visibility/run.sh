#!/usr/bin/env bash
# test/visibility/run.sh — R13 across the moment a commit is visible but its
# invalidation messages are not sent yet.
#
# PostgreSQL makes a commit visible (ProcArrayEndTransaction) before it sends
# its invalidation messages (AtEOXact_Inval); COMMIT PREPARED unlinks the
# files of the relations the transaction dropped in between, which stretches
# that moment to tens of milliseconds.  A transaction that begins then sees
# the change in its snapshot: its checks must see it too (a revoked share
# denies, a moved asset answers from its new place, a new asset is known).
# Needs a running cluster with max_prepared_transactions > 0 (PGHOST etc., as
# test/run_all.sh provides) and python3-psycopg (installed when missing).
set -uo pipefail
db=share_acl_visibility
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/../checks.sh"
sa_install_deps || exit 1

fresh_db $db
psql -qX -v ON_ERROR_STOP=1 -d $db -c "CREATE EXTENSION share_acl" >/dev/null || exit 1
out=$(mktemp)
trap 'rm -f "$out"; dropdb --if-exists $db >/dev/null 2>&1' EXIT
if /usr/bin/python3 "$here/visibility.py" "$db" >"$out" 2>&1; then :; fi
cat "$out"
while IFS= read -r line; do
	case "$line" in
		"ok "*) ok "${line#ok }" ;;
		"not ok "*) not_ok "${line#not ok }" ;;
	esac
done < <(grep -E '^(ok|not ok) ' "$out")
[ "$checks" -eq 5 ] || not_ok "visibility.py ran its 5 checks (ran $checks)"
echo "visibility: $((checks - failures)) of $checks checks passed"
[ "$failures" -eq 0 ]
