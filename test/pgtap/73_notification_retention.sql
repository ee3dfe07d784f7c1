-- pgTAP: notification_retain(older_than) — the notifications' retention
-- (README "Notifications"): a trusted administrator deletes the notifications
-- created more than older_than ago, read or not, and no other; the interval
-- is checked; the application's role may not execute it (42501).
BEGIN;
SELECT plan(11);

CREATE ROLE t73_app IN ROLE share_acl_user;
CREATE ROLE t73_ops IN ROLE share_acl_admin;
INSERT INTO share_acl.principal (id, kind, email) VALUES
    ('73000000-0000-0000-0001-000000000001', 'user', 'ann@t73.example'),
    ('73000000-0000-0000-0001-000000000002', 'user', 'ben@t73.example');
INSERT INTO share_acl.workspace (id, name) VALUES ('73000000-0000-0000-0000-000000000001', 't73');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
    ('73000000-0000-0000-0000-000000000001', '73000000-0000-0000-0001-000000000001', 'owner'),
    ('73000000-0000-0000-0000-000000000001', '73000000-0000-0000-0001-000000000002', 'member');
-- three notifications of 40 days ago (one read, one waiting to be mailed),
-- two of today
INSERT INTO share_acl.notification (workspace_id, recipient_id, kind, created_at, read_at, email)
VALUES ('73000000-0000-0000-0000-000000000001', '73000000-0000-0000-0001-000000000002', 'mention',
        now() - interval '40 days', NULL, NULL),
       ('73000000-0000-0000-0000-000000000001', '73000000-0000-0000-0001-000000000002', 'mention',
        now() - interval '40 days', now() - interval '39 days', NULL),
       ('73000000-0000-0000-0000-000000000001', '73000000-0000-0000-0001-000000000001', 'mention',
        now() - interval '40 days', NULL, 'now'),
       ('73000000-0000-0000-0000-000000000001', '73000000-0000-0000-0001-000000000001', 'mention',
        now(), NULL, NULL),
       ('73000000-0000-0000-0000-000000000001', '73000000-0000-0000-0001-000000000002', 'mention',
        now() - interval '29 days', NULL, NULL);

SELECT throws_ok($$SELECT share_acl.notification_retain(NULL)$$, '22004', NULL, 'older_than must not be null');
SELECT throws_ok($$SELECT share_acl.notification_retain('0')$$, '22023', NULL, 'nor zero');
SELECT throws_ok($$SELECT share_acl.notification_retain('-1 day')$$, '22023', NULL, 'nor negative');
SET LOCAL ROLE t73_app;
SELECT share_acl.set_principal('73000000-0000-0000-0001-000000000001');
SELECT throws_ok($$SELECT share_acl.notification_retain('30 days')$$, '42501',
    'permission denied for function notification_retain',
    'the application''s role, acting for the workspace''s owner, may not execute it (share_acl_admin''s alone)');
RESET ROLE;
RESET share_acl.principal;
SELECT is((SELECT count(*) FROM share_acl.notification WHERE workspace_id = '73000000-0000-0000-0000-000000000001'),
    5::bigint, 'the refused call deleted nothing');
SELECT is(share_acl.notification_retain('100000 years'), 0::bigint,
    'an interval past the timestamp range deletes nothing (no error)');
SET LOCAL ROLE t73_ops;
SELECT is(share_acl.notification_retain('30 days'), 3::bigint,
    'a member of share_acl_admin: the three of 40 days ago, read, unread and waiting for mail');
RESET ROLE;
SELECT results_eq($$SELECT created_at > now() - interval '30 days' FROM share_acl.notification
                     WHERE workspace_id = '73000000-0000-0000-0000-000000000001'$$,
    $$VALUES (true), (true)$$, 'the two younger ones stay');
SELECT is(share_acl.notification_retain('30 days'), 0::bigint, 'run again, it deletes nothing more');
SELECT is(share_acl.notification_retain('1 day'), 1::bigint, 'a shorter interval: the one of 29 days ago');
SELECT is((SELECT count(*) FROM share_acl.notification WHERE workspace_id = '73000000-0000-0000-0000-000000000001'),
    1::bigint, 'today''s stays');

SELECT * FROM finish();
ROLLBACK;
