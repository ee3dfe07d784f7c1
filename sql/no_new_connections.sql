-- A database closed to new connections (ALTER DATABASE ... ALLOW_CONNECTIONS
-- false, as for maintenance): the sessions already connected keep what goes
-- through a background worker of share_acl, which connects to the database
-- on the session's behalf — a password link's open (its attempt recorded)
-- and a refused call's audit row.
SET log_min_error_statement = panic;
SELECT share_acl.create_user('owner@no-new-connections.test') AS owner \gset
SELECT share_acl.create_user('viewer@no-new-connections.test') AS viewer \gset
SELECT share_acl.create_workspace('closed for maintenance', :'owner') AS ws \gset
SELECT share_acl.add_member(:'ws', :'viewer', 'viewer');
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
SELECT share_acl.create_link(:'project', password => 'correct horse battery') AS token \gset
COMMIT;
CREATE FUNCTION pg_temp.refused_as(p uuid, w uuid) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM share_acl.set_principal(p);
    PERFORM share_acl.create_team(w, 'not allowed');
    RETURN 'not refused';
EXCEPTION WHEN insufficient_privilege THEN
    RETURN 'refused (42501)';
END $$;
-- the refusal's row is written by a worker in a transaction of its own
CREATE FUNCTION pg_temp.refusal_rows(w uuid) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    FOR i IN 1..200 LOOP                -- at most 10 s
        SELECT count(*) INTO n FROM share_acl.audit_log l
         WHERE l.workspace_id = w AND l.action = 'refused' AND l.object_type = 'create_team';
        EXIT WHEN n > 0;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN n;
END $$;
-- (from another session: a database cannot close itself)
\! psql -qX -d postgres -c 'ALTER DATABASE contrib_regression ALLOW_CONNECTIONS false'
SELECT datallowconn FROM pg_database WHERE datname = current_database();
SELECT status FROM share_acl.open_link(:'token', 'wrong horse battery');
SELECT status FROM share_acl.open_link(:'token', 'correct horse battery');
SELECT pg_temp.refused_as(:'viewer', :'ws');
SELECT pg_temp.refusal_rows(:'ws') AS refusal_rows;
ALTER DATABASE contrib_regression ALLOW_CONNECTIONS true;
SELECT count(*) AS failed_attempts FROM share_acl.link_failed_attempt a
  JOIN share_acl.link l ON l.id = a.link_id WHERE l.resource_id = :'project';
SELECT ok FROM share_acl.audit_verify(:'ws');
