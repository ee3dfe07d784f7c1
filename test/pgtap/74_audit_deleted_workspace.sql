-- pgTAP: the audit rows of a deleted workspace (README "The audit trail").
-- Its chain stays, and its id becomes free: any tenant may take it for a new
-- resource, of which it is the owner and so holds view_audit on it (R10).
-- audit_log's policy reads a workspace's rows only with view_audit on the
-- workspace, an existing one: that resource's owner reads none of the old
-- rows (nor do principals after the delete), a trusted administrator still
-- reads them all, and the owner of a live workspace reads its own.
--
-- Audit rows are written when a transaction commits, so this file runs in
-- autocommit mode (its rows stay: the log is append-only).
SET client_min_messages = error;   -- (a principal set for the session warns)
SELECT plan(8);

CREATE ROLE t74_app IN ROLE share_acl_user;
INSERT INTO share_acl.principal (id, kind, email) VALUES
    ('74000000-0000-0000-0001-000000000001', 'user', 'zed@t74.example'),
    ('74000000-0000-0000-0001-000000000002', 'user', 'cora@t74.example');
-- W9: zed's, to be deleted; W1: cora's
INSERT INTO share_acl.workspace (id, name) VALUES
    ('74000000-0000-0000-0000-000000000009', 't74 nine'),
    ('74000000-0000-0000-0000-000000000001', 't74 one');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
    ('74000000-0000-0000-0000-000000000009', '74000000-0000-0000-0001-000000000001', 'owner'),
    ('74000000-0000-0000-0000-000000000001', '74000000-0000-0000-0001-000000000002', 'owner');
SET share_acl.principal = '74000000-0000-0000-0001-000000000001';
SELECT share_acl.create_resource('74000000-0000-0000-0000-000000000009', 'project',
                                 id => '74000000-0000-0000-0005-000000000009') IS NOT NULL;
SELECT share_acl.share_with_email('74000000-0000-0000-0005-000000000009', 'counsel@t74-private.example',
                                  'viewer') IS NOT NULL;
RESET share_acl.principal;
SELECT cmp_ok((SELECT count(*) FROM share_acl.audit_log
                WHERE workspace_id = '74000000-0000-0000-0000-000000000009'), '>', 0::bigint,
              'W9 has audit rows');
DELETE FROM share_acl.workspace WHERE id = '74000000-0000-0000-0000-000000000009';
DELETE FROM share_acl.principal WHERE email = 'counsel@t74-private.example';

-- cora takes W9's id for a project of hers in W1
SET ROLE t74_app;
SET share_acl.principal = '74000000-0000-0000-0001-000000000002';
SELECT is(share_acl.create_resource('74000000-0000-0000-0000-000000000001', 'project',
                                    id => '74000000-0000-0000-0000-000000000009'),
          '74000000-0000-0000-0000-000000000009'::uuid, 'cora''s new project takes the freed id');
SELECT ok(share_acl.has_access('74000000-0000-0000-0000-000000000009', 'view_audit'),
          'as its owner she holds view_audit on it (R10)');
SELECT ok(NOT share_acl.audit_readable('74000000-0000-0000-0000-000000000009'),
          'audit_readable: a resource''s id is no workspace''s');
SELECT is((SELECT count(*) FROM share_acl.audit_log
            WHERE workspace_id = '74000000-0000-0000-0000-000000000009'), 0::bigint,
          'she reads none of the deleted workspace''s rows');
SELECT ok(share_acl.audit_readable('74000000-0000-0000-0000-000000000001'),
          'audit_readable: her own workspace');
SELECT cmp_ok((SELECT count(*) FROM share_acl.audit_log
                WHERE workspace_id = '74000000-0000-0000-0000-000000000001'), '>', 0::bigint,
              'she reads her own workspace''s rows');
RESET share_acl.principal;
RESET ROLE;
SELECT cmp_ok((SELECT count(*) FROM share_acl.audit_log
                WHERE workspace_id = '74000000-0000-0000-0000-000000000009'), '>', 0::bigint,
              'a trusted administrator still reads the deleted workspace''s rows');

SELECT * FROM finish();
DELETE FROM share_acl.workspace WHERE id = '74000000-0000-0000-0000-000000000001';
DELETE FROM share_acl.principal WHERE id::text LIKE '74000000-0000-0000-0001-%';
DROP ROLE t74_app;
