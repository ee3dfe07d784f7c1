-- share_acl.principal belongs to a transaction (set_principal, SET LOCAL).
-- A principal in effect in a transaction that did not set it was set for
-- the session, and behind a transaction pooler would act for other clients:
-- share_acl warns at the first check of every transaction that uses it (so
-- each such transaction is in the server log, whichever client sent it),
-- and still answers as that principal.
INSERT INTO share_acl.workspace (id, name) VALUES ('56000000-0000-0000-0000-000000000001', 'session principal');
INSERT INTO share_acl.principal (id, kind, email) VALUES
    ('56000000-0000-0000-0001-000000000001', 'user', 'owner@session-principal.example');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
    ('56000000-0000-0000-0000-000000000001', '56000000-0000-0000-0001-000000000001', 'owner');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id) VALUES
    ('56000000-0000-0000-0005-000000000001', '56000000-0000-0000-0000-000000000001', 'project', NULL,
     '56000000-0000-0000-0001-000000000001');

-- per transaction: no warning
BEGIN;
SELECT share_acl.set_principal('56000000-0000-0000-0001-000000000001');
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
COMMIT;
BEGIN;
SET LOCAL share_acl.principal = '56000000-0000-0000-0001-000000000001';
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
COMMIT;
-- in one statement: no warning
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view')
  FROM share_acl.set_principal('56000000-0000-0000-0001-000000000001');
-- after them, nothing is set
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');

-- set for the session: each later transaction's first check warns
SET share_acl.principal = '56000000-0000-0000-0001-000000000001';
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
-- set again (another client of a pooled connection): the same
SET share_acl.principal = '56000000-0000-0000-0001-000000000001';
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
-- a transaction that sets its own principal, then one that does not: the
-- session's value is in effect again, and warned about again
BEGIN;
SELECT share_acl.set_principal(NULL);
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
COMMIT;
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
RESET share_acl.principal;

-- a transaction's own principal undone by ROLLBACK TO SAVEPOINT: the
-- session's value is back in effect in that same transaction, and warned
-- about at its next check; a principal set before the savepoint stays this
-- transaction's own
SET share_acl.principal = '56000000-0000-0000-0001-000000000001';
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
BEGIN;
SAVEPOINT s;
SELECT share_acl.set_principal(NULL);
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
ROLLBACK TO SAVEPOINT s;
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
COMMIT;
BEGIN;
SELECT share_acl.set_principal('56000000-0000-0000-0001-000000000001');
SAVEPOINT s;
SELECT share_acl.set_principal(NULL);
ROLLBACK TO SAVEPOINT s;
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
COMMIT;
RESET share_acl.principal;

-- so does a session value of set_config in a new backend, and a session
-- value set before the backend loaded the library, in the
-- transaction that loads it (whose definition of the setting applies the
-- value again), and a principal set before loading in the same transaction
-- is that transaction's
\c
SELECT share_acl.current_principal();
SELECT set_config('share_acl.principal', '56000000-0000-0000-0001-000000000001', false) IS NOT NULL AS set;
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
RESET share_acl.principal;
\c
SET share_acl.principal = '56000000-0000-0000-0001-000000000001';
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
\c
BEGIN;
SET LOCAL share_acl.principal = '56000000-0000-0000-0001-000000000001';
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
COMMIT;

-- share_acl.session_principal = refuse (behind a transaction pooler): a
-- session's principal is refused at every use (55000); a parallel plan of
-- such a transaction runs without workers (which cannot tell the session's
-- principal from the transaction's), so that its leader refuses it, also
-- through an application's function the plan does not show; a
-- transaction's own is acted as; only a superuser sets it
\c
SET share_acl.session_principal = refuse;
SHOW share_acl.session_principal;
SET share_acl.principal = '56000000-0000-0000-0001-000000000001';
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
SELECT share_acl.current_principal();
-- (a check naming its principal reads no setting)
SELECT share_acl.has_access('56000000-0000-0000-0001-000000000001', '56000000-0000-0000-0005-000000000001', 'view');
BEGIN;
SELECT share_acl.set_principal('56000000-0000-0000-0001-000000000001');
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
COMMIT;
BEGIN;
SET LOCAL share_acl.principal = '56000000-0000-0000-0001-000000000001';
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
SAVEPOINT s;
SELECT share_acl.set_principal(NULL);
ROLLBACK TO SAVEPOINT s;
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
COMMIT;
-- a savepoint's rollback brings the session's back: refused again
BEGIN;
SAVEPOINT s;
SELECT share_acl.set_principal('56000000-0000-0000-0001-000000000001');
ROLLBACK TO SAVEPOINT s;
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
ROLLBACK;
-- a parallel plan whose workers would check as it
CREATE TABLE session_principal_rows AS SELECT '56000000-0000-0000-0005-000000000001'::uuid AS id FROM generate_series(1, 10);
CREATE FUNCTION session_principal_views(r uuid) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$ BEGIN RETURN share_acl.has_access(r, 'view'); END $$;
SET max_parallel_workers_per_gather = 2;
SET force_parallel_mode = on;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET parallel_leader_participation = off;
SELECT count(*) FROM session_principal_rows WHERE share_acl.has_access(id, 'view');
SELECT count(*) FROM session_principal_rows WHERE session_principal_views(id);
-- (a plan that calls no share_acl function runs, without workers)
SELECT count(*) FROM session_principal_rows;
RESET force_parallel_mode;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET parallel_leader_participation;
DROP TABLE session_principal_rows;
DROP FUNCTION session_principal_views(uuid);
-- nothing set: nothing refused
RESET share_acl.principal;
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
RESET share_acl.session_principal;
-- a principal of ALTER ROLE ... SET is the session's, also once a RESET (or
-- SET ... TO DEFAULT) in a transaction brought it back
CREATE ROLE session_principal_login LOGIN;
ALTER ROLE session_principal_login SET share_acl.session_principal = refuse;
ALTER ROLE session_principal_login SET share_acl.principal = '56000000-0000-0000-0001-000000000001';
\c - session_principal_login
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
BEGIN;
RESET share_acl.principal;
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
ROLLBACK;
BEGIN;
SET LOCAL share_acl.principal TO DEFAULT;
SELECT share_acl.current_principal();
ROLLBACK;
BEGIN;
SELECT share_acl.set_principal('56000000-0000-0000-0001-000000000001');
SELECT share_acl.has_access('56000000-0000-0000-0005-000000000001', 'view');
COMMIT;
\c - postgres
DROP ROLE session_principal_login;
-- (the library loaded in this new backend, preloaded or not, so that the
-- setting is share_acl's, not a placeholder any role may set)
SELECT share_acl.current_principal() AS none_set;
CREATE ROLE session_principal_app;
SET ROLE session_principal_app;
SET share_acl.session_principal = refuse;
RESET ROLE;
DROP ROLE session_principal_app;

DELETE FROM share_acl.workspace WHERE id = '56000000-0000-0000-0000-000000000001';
DELETE FROM share_acl.principal WHERE id = '56000000-0000-0000-0001-000000000001';
