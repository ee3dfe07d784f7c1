-- pgTAP: the permset type from a client's point of view.
BEGIN;
SELECT plan(6);
SELECT has_type('share_acl', 'permset', 'type share_acl.permset exists');
SELECT is('editor'::share_acl.permset OPERATOR(share_acl.@>) 'viewer', true, 'editor contains viewer');
SELECT is(share_acl.permset_level('manager'), 'manager', 'manager level');
SELECT throws_ok($$SELECT 'bogus'::share_acl.permset$$, '22P02', NULL, 'unknown name is 22P02');
SELECT is((SELECT typlen FROM pg_type WHERE oid = 'share_acl.permset'::regtype), 8::int2, 'fixed 8 bytes');
SELECT is((SELECT typbyval FROM pg_type WHERE oid = 'share_acl.permset'::regtype), true, 'passed by value');
SELECT * FROM finish();
ROLLBACK;
