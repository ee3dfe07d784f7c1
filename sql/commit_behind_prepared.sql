-- A prepared transaction holds the audit chain of each workspace it wrote
-- audited rows in until COMMIT PREPARED.  PostgreSQL applies no
-- statement_timeout to COMMIT, so a commit in that workspace would wait for
-- it whatever the client asked: the seal's wait ends after the
-- transaction's statement_timeout (when shorter than lock_timeout), 55P03,
-- the transaction rolled back.  Without statement_timeout it waits, as
-- before, until lock_timeout.  Another workspace commits without waiting.
\set regression_db :DBNAME
CREATE DATABASE share_acl_behind_prepared;
\c share_acl_behind_prepared
CREATE EXTENSION share_acl;
\o /dev/null
SELECT share_acl.create_user('owner@behind-prepared.test') AS owner \gset
SELECT share_acl.create_workspace('held', :'owner') AS ws \gset
SELECT share_acl.create_workspace('free', :'owner') AS other \gset
\o
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') IS NOT NULL AS uploaded;
PREPARE TRANSACTION 'share_acl_behind_prepared';
-- another session's upload in the held workspace, statement_timeout 300 ms
-- (lock_timeout 5 s: without the bound, PostgreSQL's own message after 5 s)
\setenv PGDATABASE share_acl_behind_prepared
\setenv SA_WS :ws
\setenv SA_OTHER :other
\setenv SA_OWNER :owner
\! psql -qXAt -c "BEGIN" -c "SET LOCAL statement_timeout = '300ms'" -c "SET LOCAL lock_timeout = '5s'" -c "SELECT share_acl.set_principal('$SA_OWNER')" -c "SELECT share_acl.create_resource('$SA_WS', 'project') IS NOT NULL" -c "COMMIT" 2>&1
-- lock_timeout alone bounds it as before (PostgreSQL's own message)
\! psql -qXAt -c "BEGIN" -c "SET LOCAL lock_timeout = '300ms'" -c "SELECT share_acl.set_principal('$SA_OWNER')" -c "SELECT share_acl.create_resource('$SA_WS', 'project') IS NOT NULL" -c "COMMIT" 2>&1
-- the other workspace commits at once, statement_timeout or not
\! psql -qXAt -c "BEGIN" -c "SET LOCAL statement_timeout = '300ms'" -c "SELECT share_acl.set_principal('$SA_OWNER')" -c "SELECT share_acl.create_resource('$SA_OTHER', 'project') IS NOT NULL" -c "COMMIT" 2>&1
COMMIT PREPARED 'share_acl_behind_prepared';
-- workspaces whose ids share their first six bytes are other workspaces to
-- the chains' locks (48 bits of a hash of the whole id): one's prepared
-- transaction does not hold up the other's commits; nor does a workspace
-- whose id starts with six zero bytes hold up the chain of the rows without
-- a workspace (a new user's)
INSERT INTO share_acl.workspace (id, name) VALUES
    ('a1b2c3d4-e5f6-4000-8000-000000000001', 'first of two'),
    ('a1b2c3d4-e5f6-4000-8000-000000000002', 'second of two'),
    ('00000000-0000-4000-8000-000000000001', 'zeros');
INSERT INTO share_acl.member (workspace_id, principal_id, role)
SELECT w, :'owner', 'owner' FROM unnest(ARRAY['a1b2c3d4-e5f6-4000-8000-000000000001',
    'a1b2c3d4-e5f6-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001']::uuid[]) AS w;
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource('a1b2c3d4-e5f6-4000-8000-000000000001', 'project') IS NOT NULL AS uploaded;
SELECT share_acl.create_resource('00000000-0000-4000-8000-000000000001', 'project') IS NOT NULL AS uploaded;
PREPARE TRANSACTION 'share_acl_behind_prepared_twins';
\! psql -qXAt -c "BEGIN" -c "SET LOCAL statement_timeout = '300ms'" -c "SELECT share_acl.set_principal('$SA_OWNER')" -c "SELECT share_acl.create_resource('a1b2c3d4-e5f6-4000-8000-000000000002', 'project') IS NOT NULL" -c "COMMIT" 2>&1
\! psql -qXAt -c "BEGIN" -c "SET LOCAL statement_timeout = '300ms'" -c "SELECT share_acl.create_user('new@behind-prepared.test') IS NOT NULL" -c "COMMIT" 2>&1
COMMIT PREPARED 'share_acl_behind_prepared_twins';
-- one upload in the held workspace (the prepared one), one in the other; the chains verify
SELECT w.name, count(r.id) AS projects FROM share_acl.workspace w
  LEFT JOIN share_acl.resource r ON r.workspace_id = w.id GROUP BY w.name ORDER BY w.name;
SELECT bool_and(ok) AS chains_verify FROM share_acl.audit_verify();
\c :regression_db
DROP DATABASE share_acl_behind_prepared;
