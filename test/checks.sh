# test/checks.sh — numbered TAP-style checks for the script suites (sourced):
# ok NAME, not_ok NAME, counted in $checks and $failures; fresh_db NAME
# drops and creates a database of the running cluster.
checks=0
failures=0
ok() { checks=$((checks + 1)); echo "ok $checks - $1"; }
not_ok() { checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok $checks - $1"; }
fresh_db() { psql -qX -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null; }
