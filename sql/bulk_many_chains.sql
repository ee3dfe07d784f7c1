-- One transaction writing rows in more workspaces than the lock table has
-- room for locks (here 20,000: about 64 per connection slot by default):
-- its audit rows form one chain per workspace, and the seal locks them by
-- partition, so the commit takes a few hundred locks, not one per chain
-- (which failed with "out of shared memory").  The ids are scattered, as
-- gen_random_uuid()'s are.
\set regression_db :DBNAME
CREATE DATABASE share_acl_many_chains;
\c share_acl_many_chains
CREATE EXTENSION share_acl;
SET client_min_messages = warning;
BEGIN;
INSERT INTO share_acl.workspace (id, name)
SELECT md5('many chains ' || i)::uuid, 'w' || i
FROM generate_series(1, 20000) AS i;
COMMIT;
SELECT count(*) AS workspaces FROM share_acl.workspace;
SELECT count(*) AS chains FROM share_acl.audit_chain;
SELECT count(*) AS audit_rows FROM share_acl.audit_log WHERE action = 'insert' AND object_type = 'workspace';
SELECT ok, first_bad_id FROM share_acl.audit_verify();
-- a later writer of one of those workspaces chains on
UPDATE share_acl.workspace SET name = 'renamed' WHERE id = md5('many chains 1')::uuid;
SELECT ok, first_bad_id FROM share_acl.audit_verify(md5('many chains 1')::uuid);
-- the recheck at commit (src/commit_recheck.c) locks the workspaces it
-- asks again about by partition too: one transaction relying on nothing
-- foreign below a project in each of those workspaces commits
INSERT INTO share_acl.principal (id, kind, email) VALUES (md5('many chains owner')::uuid, 'user', 'owner@many.example');
INSERT INTO share_acl.resource (id, workspace_id, kind, owner_id)
SELECT md5('many chains project ' || i)::uuid, md5('many chains ' || i)::uuid, 'project', md5('many chains owner')::uuid
FROM generate_series(1, 20000) AS i;
BEGIN;
SELECT count(share_acl._recheck_at_commit(md5('many chains owner')::uuid, md5('many chains project ' || i)::uuid)) AS noted
FROM generate_series(1, 20000) AS i;
COMMIT;
-- such a transaction may not be prepared: held until COMMIT PREPARED, the
-- partitions it locks would hold up the commits of all their workspaces
BEGIN;
INSERT INTO share_acl.workspace (id, name)
SELECT md5('many chains prepared ' || i)::uuid, 'p' || i FROM generate_series(1, 1001) AS i;
PREPARE TRANSACTION 'many_chains';
SELECT count(*) AS prepared FROM pg_prepared_xacts WHERE gid = 'many_chains';
BEGIN;
SELECT count(share_acl._recheck_at_commit(md5('many chains owner')::uuid, md5('many chains project ' || i)::uuid)) AS noted
FROM generate_series(1, 1001) AS i;
PREPARE TRANSACTION 'many_rechecks';
SELECT count(*) AS prepared FROM pg_prepared_xacts WHERE gid = 'many_rechecks';
-- up to 1,000 workspaces, each workspace's own lock: it may be prepared
BEGIN;
INSERT INTO share_acl.workspace (id, name)
SELECT md5('many chains prepared ' || i)::uuid, 'p' || i FROM generate_series(1, 1000) AS i;
PREPARE TRANSACTION 'fewer_chains';
COMMIT PREPARED 'fewer_chains';
SELECT count(*) AS committed FROM share_acl.workspace WHERE name LIKE 'p%';
-- a prepared transaction that wrote in one workspace holds its partition
-- until COMMIT PREPARED: a bulk commit fails at once (55P03) instead of
-- waiting with the other partitions held (lock_timeout only bounds the
-- test when it would wait)
BEGIN;
UPDATE share_acl.workspace SET name = 'held' WHERE id = md5('many chains 7')::uuid;
PREPARE TRANSACTION 'holds_one_chain';
SET lock_timeout = '20s';
BEGIN;
UPDATE share_acl.workspace SET name = name || '.'
WHERE id IN (SELECT md5('many chains ' || i)::uuid FROM generate_series(8, 2007) AS i);
COMMIT;
ROLLBACK PREPARED 'holds_one_chain';
BEGIN;
UPDATE share_acl.workspace SET name = name || '.'
WHERE id IN (SELECT md5('many chains ' || i)::uuid FROM generate_series(8, 2007) AS i);
COMMIT;
SELECT count(*) AS renamed FROM share_acl.workspace WHERE name LIKE '%.';
-- the same for the recheck's partitions
BEGIN;
SELECT count(share_acl._recheck_at_commit(md5('many chains owner')::uuid, md5('many chains project 7')::uuid)) AS noted;
PREPARE TRANSACTION 'holds_one_recheck';
BEGIN;
SELECT count(share_acl._recheck_at_commit(md5('many chains owner')::uuid, md5('many chains project ' || i)::uuid)) AS noted
FROM generate_series(8, 2007) AS i;
COMMIT;
ROLLBACK PREPARED 'holds_one_recheck';
RESET lock_timeout;
\c :regression_db
DROP DATABASE share_acl_many_chains;
