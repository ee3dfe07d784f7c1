#!/usr/bin/env bash
# test/sweep/run.sh — every SQL function of share_acl called with hostile
# arguments, as the administrator, as a member and as a role with no rights
# (SPEC §12, bad input; test/sweep/sweep.py says what is tried and what
# passes).  Needs a running cluster (PGHOST etc., as test/run_all.sh
# provides) and python3-psycopg (installed when missing).
set -uo pipefail
db=share_acl_sweep
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/../checks.sh"
sa_install_deps || exit 1

psql -qX -d postgres -c "DROP ROLE IF EXISTS sweep_app" -c "DROP ROLE IF EXISTS sweep_nobody" >/dev/null 2>&1
fresh_db $db
out=$(mktemp)
trap 'rm -f "$out"; dropdb --if-exists $db >/dev/null 2>&1; psql -qX -d postgres -c "DROP ROLE IF EXISTS sweep_app" -c "DROP ROLE IF EXISTS sweep_nobody" >/dev/null 2>&1' EXIT
psql -qX -v ON_ERROR_STOP=1 -d $db -f "$here/fixture.sql" >/dev/null || exit 1
/usr/bin/python3 "$here/sweep.py" "$db" "${SWEEP_CALLS:-12}" >"$out" 2>&1
status=$?
grep -E '^(not ok|#)' "$out"
while IFS= read -r line; do
	case "$line" in
		"ok "*) ok "${line#ok * - }" >/dev/null ;;
		"not ok "*) not_ok "${line#not ok * - }" >/dev/null ;;
	esac
done < <(grep -E '^(ok|not ok) ' "$out")
[ "$status" -eq 0 ] || [ "$failures" -gt 0 ] || { tail -20 "$out"; not_ok "sweep.py ran to its end"; }
[ "$checks" -gt 100 ] || not_ok "sweep.py checked every function (checked $checks)"
echo "sweep: $((checks - failures)) of $checks checks passed ($(sed -n 's/^# \(.* calls\)$/\1/p' "$out"))"
[ "$failures" -eq 0 ]
