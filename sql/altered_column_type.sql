-- A column that share_acl reads, given another type by its owner (ALTER
-- TABLE ... TYPE): every check and management call is an error (42804,
-- naming the column and both types) until the column is changed back, never
-- an answer read from values of another type (a text's pointer taken for a
-- permset's bits gave a viewer download, approve, move and delete).  Each
-- case runs in a transaction that is rolled back; a warm backend and one
-- that has not checked yet alike.
INSERT INTO share_acl.workspace (id, name) VALUES ('59000000-0000-0000-0000-000000000001', 'retyped');
INSERT INTO share_acl.principal (id, kind, email) VALUES
  ('59000000-0000-0000-0001-000000000001', 'user', 'owner@retyped.example'),
  ('59000000-0000-0000-0001-000000000002', 'user', 'guest@retyped.example');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
  ('59000000-0000-0000-0000-000000000001', '59000000-0000-0000-0001-000000000001', 'owner'),
  ('59000000-0000-0000-0000-000000000001', '59000000-0000-0000-0001-000000000002', 'guest');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id) VALUES
  ('59000000-0000-0000-0005-000000000001', '59000000-0000-0000-0000-000000000001', 'project', NULL,
   '59000000-0000-0000-0001-000000000001');
INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES
  ('59000000-0000-0000-0005-000000000001', '59000000-0000-0000-0001-000000000002', 'viewer');
SELECT share_acl.effective_permissions('59000000-0000-0000-0001-000000000002', '59000000-0000-0000-0005-000000000001');

-- a share's perms as text
BEGIN;
ALTER TABLE share_acl.share ALTER COLUMN perms TYPE text USING perms::text;
SELECT share_acl.effective_permissions('59000000-0000-0000-0001-000000000002', '59000000-0000-0000-0005-000000000001');
ROLLBACK;
BEGIN;
ALTER TABLE share_acl.share ALTER COLUMN perms TYPE text USING perms::text;
SELECT share_acl.set_principal('59000000-0000-0000-0001-000000000001');
SELECT share_acl.create_resource('59000000-0000-0000-0000-000000000001', 'asset',
                                 '59000000-0000-0000-0005-000000000001');
ROLLBACK;

-- a resource's restricted flag as an integer
BEGIN;
ALTER TABLE share_acl.resource ALTER COLUMN restricted DROP DEFAULT,
                                ALTER COLUMN restricted TYPE integer USING restricted::integer;
SELECT share_acl.has_access('59000000-0000-0000-0001-000000000002', '59000000-0000-0000-0005-000000000001', 'view');
ROLLBACK;

-- a share's expiry without its time zone (the same bytes, read otherwise)
BEGIN;
ALTER TABLE share_acl.share ALTER COLUMN expires_at TYPE timestamp;
SELECT share_acl.has_access('59000000-0000-0000-0001-000000000002', '59000000-0000-0000-0005-000000000001', 'view');
ROLLBACK;

-- as it was
SELECT share_acl.effective_permissions('59000000-0000-0000-0001-000000000002', '59000000-0000-0000-0005-000000000001');
DELETE FROM share_acl.workspace WHERE id = '59000000-0000-0000-0000-000000000001';
DELETE FROM share_acl.principal WHERE id::text LIKE '59000000-%';
