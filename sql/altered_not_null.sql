-- A column that share_acl declares NOT NULL, altered by an owner so that a
-- row holds NULL: reading that row is an error (XX001, naming the column),
-- never a crash of the backend and never an answer guessed from it.  Each
-- case runs in a transaction that is rolled back.
SET log_min_error_statement = panic;	-- (the token below is a literal)
INSERT INTO share_acl.workspace (id, name) VALUES ('58000000-0000-0000-0000-000000000001', 'altered');
INSERT INTO share_acl.principal (id, kind, email) VALUES
  ('58000000-0000-0000-0001-000000000001', 'user', 'owner@altered.example'),
  ('58000000-0000-0000-0001-000000000002', 'user', 'member@altered.example');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
  ('58000000-0000-0000-0000-000000000001', '58000000-0000-0000-0001-000000000001', 'owner'),
  ('58000000-0000-0000-0000-000000000001', '58000000-0000-0000-0001-000000000002', 'member');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id) VALUES
  ('58000000-0000-0000-0005-000000000001', '58000000-0000-0000-0000-000000000001', 'project', NULL,
   '58000000-0000-0000-0001-000000000001');

-- a share without its resource: the grantee's grants are read
BEGIN;
ALTER TABLE share_acl.share ALTER COLUMN resource_id DROP NOT NULL;
INSERT INTO share_acl.share (resource_id, grantee_id, perms)
VALUES (NULL, '58000000-0000-0000-0001-000000000002', 'viewer');
SELECT share_acl.has_access('58000000-0000-0000-0001-000000000002', '58000000-0000-0000-0005-000000000001', 'view');
ROLLBACK;

-- a resource without its workspace: the structure reads it
BEGIN;
ALTER TABLE share_acl.resource ALTER COLUMN workspace_id DROP NOT NULL;
UPDATE share_acl.resource SET workspace_id = NULL WHERE id = '58000000-0000-0000-0005-000000000001';
SELECT share_acl.has_access('58000000-0000-0000-0001-000000000002', '58000000-0000-0000-0005-000000000001', 'view');
ROLLBACK;

-- a link without its resource: open_link reads it
BEGIN;
SELECT share_acl.set_principal('58000000-0000-0000-0001-000000000001');
SELECT share_acl.create_link('58000000-0000-0000-0005-000000000001') AS token \gset
ALTER TABLE share_acl.link ALTER COLUMN resource_id DROP NOT NULL;
UPDATE share_acl.link SET resource_id = NULL;
SELECT ok, status FROM share_acl.open_link(:'token');
ROLLBACK;

-- as it was: nothing of the above remains
SELECT share_acl.has_access('58000000-0000-0000-0001-000000000002', '58000000-0000-0000-0005-000000000001', 'view');
RESET log_min_error_statement;

-- an upload whose workspace an altered table let be NULL: the upload's check
-- refuses it by the same error, rather than comparing what is not there
BEGIN;
ALTER TABLE share_acl.resource ALTER COLUMN workspace_id DROP NOT NULL;
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id) VALUES
  ('58000000-0000-0000-0005-000000000002', NULL, 'asset', '58000000-0000-0000-0005-000000000001',
   '58000000-0000-0000-0001-000000000001');
ROLLBACK;
