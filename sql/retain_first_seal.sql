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
-- the number of other sessions of this database running a statement like q
-- that wait for a lock, within 20 s
CREATE FUNCTION pg_temp.waiting(q text, n int) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..400 LOOP
        PERFORM pg_stat_clear_snapshot();
        IF (SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND wait_event_type = 'Lock' AND query LIKE q) >= n THEN
            RETURN true;
        END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN false;
END $$;
-- until no other session of this database runs a statement like q, within 20 s
CREATE FUNCTION pg_temp.finished(q text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..400 LOOP
        PERFORM pg_stat_clear_snapshot();
        IF NOT EXISTS (SELECT 1 FROM pg_stat_activity
                        WHERE datname = current_database() AND pid <> pg_backend_pid()
                          AND state = 'active' AND query LIKE q) THEN
            RETURN true;
        END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN false;
END $$;
\! psql -qX -d contrib_regression -c 'BEGIN' -c 'SELECT share_acl.set_principal(owner) FROM public.retain_first_seal' -c "SELECT share_acl.create_resource(w1, 'project') FROM public.retain_first_seal" -c "PREPARE TRANSACTION 'retain_first_seal'" >/dev/null 2>&1
\! psql -qX -d contrib_regression -c "SELECT share_acl.audit_retain('400 days')" >/dev/null 2>&1 &
SELECT pg_temp.waiting('%audit_retain%', 1) AS retain_waits;
\! psql -qX -d contrib_regression -c 'BEGIN' -c 'SELECT share_acl.set_principal(owner) FROM public.retain_first_seal' -c "SELECT share_acl.create_resource(w2, 'project') FROM public.retain_first_seal" -c 'COMMIT' >/dev/null 2>&1 &
SELECT pg_temp.waiting('COMMIT', 1) AS commit_waits;
COMMIT PREPARED 'retain_first_seal';
SELECT pg_temp.finished('%audit_retain%') AND pg_temp.finished('COMMIT') AS both_finished;
SELECT count(*) FILTER (WHERE r.workspace_id = f.w1) AS first_projects,
       count(*) FILTER (WHERE r.workspace_id = f.w2) AS second_projects
  FROM share_acl.resource r, public.retain_first_seal f;
SELECT count(*) >= 3 AS month_partitions FROM pg_inherits
 WHERE inhparent = 'share_acl.audit_log'::regclass
   AND inhrelid::regclass::text LIKE 'share_acl.audit_log_2%';
SELECT count(*) AS rows_left_in_default FROM share_acl.audit_log_default;
SELECT * FROM share_acl.audit_verify();
DROP TABLE public.retain_first_seal;
