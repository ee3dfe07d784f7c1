#!/usr/bin/env bash
# test/lint/run.sh — plpgsql_check over every PL/pgSQL function of share_acl,
# every warning class on; any finding fails.  And no character outside ASCII
# in the install script's sources.
#
# Needs a running cluster (PGHOST etc., as test/run_all.sh provides) with the
# plpgsql_check extension available (Debian postgresql-15-plpgsql-check,
# installed by test/lib.sh).  A trigger function is checked once per trigger
# that uses it, against that trigger's table and its transition tables; a
# trigger function no trigger uses is checked against no table.  Functions
# that build their SQL at run time (EXECUTE) are checked as far as
# plpgsql_check can see.  A finding that is intended is silenced in the
# function itself with a "@plpgsql_check_options" comment, which says why.
set -uo pipefail
# The install script is read in the database's encoding (EUC_JP, SQL_ASCII,
# MULE_INTERNAL...): its sources hold ASCII only (test/install tries those).
here=$(cd "$(dirname "$0")" && pwd)
if non_ascii=$(LC_ALL=C grep -nP '[^\x00-\x7F]' "$here"/../../sql/install/*.sql); then
	echo "$non_ascii"
	echo "lint: sql/install holds characters outside ASCII (CREATE EXTENSION fails in an EUC_JP database)"
	exit 1
fi
db=share_acl_lint
psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
psql -qX -v ON_ERROR_STOP=1 -d $db -c 'CREATE EXTENSION share_acl' -c 'CREATE EXTENSION plpgsql_check' >/dev/null || exit 1
# the trigger functions meant for application tables, attached to one as an
# application would (per row, and per statement with transition tables)
psql -qX -v ON_ERROR_STOP=1 -d $db >/dev/null <<'SQL' || exit 1
CREATE TABLE lint_app (id uuid PRIMARY KEY, resource_id uuid NOT NULL, title text);
CREATE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON lint_app
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('resource_id');
CREATE TABLE lint_app_bulk (id uuid PRIMARY KEY, resource_id uuid NOT NULL, title text);
CREATE TRIGGER audit_ins AFTER INSERT ON lint_app_bulk REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_trigger('resource_id');
CREATE TRIGGER audit_upd AFTER UPDATE ON lint_app_bulk REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_trigger('resource_id');
SQL
out=$(psql -qXAt -v ON_ERROR_STOP=1 -F ' | ' -d $db <<'SQL'
WITH fns AS (
    SELECT p.oid, p.prorettype = 'trigger'::regtype AS is_trigger
      FROM pg_proc p
      JOIN pg_namespace n ON n.oid = p.pronamespace
      JOIN pg_language l ON l.oid = p.prolang
     WHERE n.nspname = 'share_acl' AND l.lanname = 'plpgsql'
), targets AS (
    -- per table: the transition table names of all its triggers calling the
    -- function (one code path per TG_OP, each with its own tables)
    SELECT f.oid, t.tgrelid AS relid, max(t.tgnewtable) AS newtable, max(t.tgoldtable) AS oldtable
      FROM fns f JOIN pg_trigger t ON t.tgfoid = f.oid
     WHERE f.is_trigger
     GROUP BY f.oid, t.tgrelid
    UNION ALL
    SELECT f.oid, 0, NULL, NULL FROM fns f WHERE NOT f.is_trigger
)
SELECT DISTINCT x.oid::regprocedure, coalesce(x.relid::regclass::text, '-'), c.lineno, c.level, c.message
  FROM targets x,
       LATERAL plpgsql_check_function_tb(x.oid, relid => x.relid,
                                         newtable => x.newtable, oldtable => x.oldtable,
                                         fatal_errors => false, other_warnings => true,
                                         performance_warnings => true, extra_warnings => true,
                                         security_warnings => true, compatibility_warnings => true) c
 ORDER BY 1, 2, 3;
SQL
)
status=$?
psql -qX -d postgres -c "DROP DATABASE $db" >/dev/null
if [ $status -ne 0 ]; then
	echo "lint: plpgsql_check could not run"
	exit 1
fi
if [ -n "$out" ]; then
	echo "$out"
	echo "lint: $(printf '%s\n' "$out" | wc -l) plpgsql_check findings"
	exit 1
fi
echo "lint: plpgsql_check finds nothing in the PL/pgSQL functions (every warning class on)"
