-- audit_retain's first run, while the default partition still takes the
-- rows, against a backend's first seal: a prepared transaction holds the
-- default partition, audit_retain waits for it, and a new backend commits an
-- audited change meanwhile (its first seal reads the log's greatest id, then
-- waits to write into the default partition).  Once the prepared transaction
-- commits, both go through: no deadlock, both changes committed, the month
-- partitions made, the chains verified.
SET client_min_messages = warning;
DROP EXTENSION share_acl CASCADE;
CREATE EXTENSION share_acl;             -- no month partition yet
RESET client_min_messages;
SET log_min_error_statement = panic;
CREATE TABLE public.retain_first_seal AS
SELECT share_acl.create_user('owner@retain-first-seal.test') AS owner;
ALTER TABLE public.retain_first_seal
    ADD COLUMN w1 uuid, ADD COLUMN w2 uuid;
UPDATE public.retain_first_seal SET w1 = share_acl.create_workspace('first', owner),
                                    w2 = share_acl.create_workspace('second', owner);
\i sql/lib/wait_until.sql
-- whether another session of this database runs a statement like q waiting
-- for a lock (waits), or none runs one (done)
CREATE FUNCTION pg_temp.sessions(q text, waiting boolean) RETURNS text LANGUAGE sql AS $$
    SELECT format($c$%s EXISTS (SELECT 1 FROM pg_stat_activity
                                  WHERE datname = current_database() AND pid <> pg_backend_pid()
                                    AND %s AND query LIKE %L)$c$,
                  CASE WHEN waiting THEN '' ELSE 'NOT' END,
                  CASE WHEN waiting THEN 'wait_event_type = ''Lock''' ELSE 'state = ''active''' END, q)
$$;
\! psql -qX -d contrib_regression -c 'BEGIN' -c 'SELECT share_acl.set_principal(owner) FROM public.retain_first_seal' -c "SELECT share_acl.create_resource(w1, 'project') FROM public.retain_first_seal" -c "PREPARE TRANSACTION 'retain_first_seal'" >/dev/null 2>&1
\! psql -qX -d contrib_regression -c "SELECT share_acl.audit_retain('400 days')" >/dev/null 2>&1 &
SELECT pg_temp.wait_until(pg_temp.sessions('%audit_retain%', true)) AS retain_waits;
\! psql -qX -d contrib_regression -c 'BEGIN' -c 'SELECT share_acl.set_principal(owner) FROM public.retain_first_seal' -c "SELECT share_acl.create_resource(w2, 'project') FROM public.retain_first_seal" -c 'COMMIT' >/dev/null 2>&1 &
SELECT pg_temp.wait_until(pg_temp.sessions('COMMIT', true)) AS commit_waits;
COMMIT PREPARED 'retain_first_seal';
SELECT pg_temp.wait_until(pg_temp.sessions('%audit_retain%', false))
   AND pg_temp.wait_until(pg_temp.sessions('COMMIT', false)) AS both_finished;
SELECT count(*) FILTER (WHERE r.workspace_id = f.w1) AS first_projects,
       count(*) FILTER (WHERE r.workspace_id = f.w2) AS second_projects
  FROM share_acl.resource r, public.retain_first_seal f;
SELECT count(*) >= 3 AS month_partitions FROM pg_inherits
 WHERE inhparent = 'share_acl.audit_log'::regclass
   AND inhrelid::regclass::text LIKE 'share_acl.audit_log_2%';
SELECT count(*) AS rows_left_in_default FROM share_acl.audit_log_default;
SELECT * FROM share_acl.audit_verify();
DROP TABLE public.retain_first_seal;
