-- pgTAP: protect() / unprotect() (SPEC §9) — policies, idempotence, column
-- checks, a non-superuser table owner, and what each policy lets through.
BEGIN;
SELECT plan(56);
SET LOCAL search_path = share_acl, public;

-- a workspace: owner o, member m (editor share on project P1), guest g (viewer share on asset A1)
INSERT INTO workspace (id, name) VALUES ('40000000-0000-0000-0000-0000000000a1', 'protect');
INSERT INTO principal (id, kind, email) VALUES
  ('40000000-0000-0000-0000-000000000001', 'user', 'o@protect.test'),
  ('40000000-0000-0000-0000-000000000002', 'user', 'm@protect.test'),
  ('40000000-0000-0000-0000-000000000003', 'user', 'g@protect.test');
INSERT INTO member VALUES
  ('40000000-0000-0000-0000-0000000000a1', '40000000-0000-0000-0000-000000000001', 'owner'),
  ('40000000-0000-0000-0000-0000000000a1', '40000000-0000-0000-0000-000000000002', 'member'),
  ('40000000-0000-0000-0000-0000000000a1', '40000000-0000-0000-0000-000000000003', 'guest');
INSERT INTO resource (id, workspace_id, kind, parent_id, owner_id) VALUES
  ('40000000-0000-0000-0000-0000000000b1', '40000000-0000-0000-0000-0000000000a1', 'project', NULL, '40000000-0000-0000-0000-000000000001'),
  ('40000000-0000-0000-0000-0000000000b2', '40000000-0000-0000-0000-0000000000a1', 'project', NULL, '40000000-0000-0000-0000-000000000001'),
  ('40000000-0000-0000-0000-0000000000c1', '40000000-0000-0000-0000-0000000000a1', 'asset', '40000000-0000-0000-0000-0000000000b1', '40000000-0000-0000-0000-000000000001'),
  ('40000000-0000-0000-0000-0000000000c2', '40000000-0000-0000-0000-0000000000a1', 'asset', '40000000-0000-0000-0000-0000000000b1', '40000000-0000-0000-0000-000000000003'),
  ('40000000-0000-0000-0000-0000000000c3', '40000000-0000-0000-0000-0000000000a1', 'asset', '40000000-0000-0000-0000-0000000000b2', '40000000-0000-0000-0000-000000000001');
INSERT INTO share (resource_id, grantee_id, perms) VALUES
  ('40000000-0000-0000-0000-0000000000b1', '40000000-0000-0000-0000-000000000002', 'editor'),
  ('40000000-0000-0000-0000-0000000000c1', '40000000-0000-0000-0000-000000000003', 'viewer'),
  ('40000000-0000-0000-0000-0000000000c2', '40000000-0000-0000-0000-000000000003', 'viewer');

-- the application's table, owned by a role that is not a superuser
CREATE ROLE protect_owner NOLOGIN;
CREATE ROLE protect_app NOLOGIN;
CREATE SCHEMA protect_app AUTHORIZATION protect_owner;
GRANT USAGE ON SCHEMA protect_app TO protect_app;
SET LOCAL ROLE protect_owner;
CREATE TABLE protect_app.asset (id uuid PRIMARY KEY, project_id uuid NOT NULL, title text, n int);
CREATE TABLE protect_app.bad (id int PRIMARY KEY, ref text);
-- a table of rows about a resource (notes on an asset), each naming the
-- resource's parent
CREATE TABLE protect_app.note (id int PRIMARY KEY, asset_id uuid NOT NULL, project_id uuid NOT NULL, body text);
-- and one whose ids are of a domain over uuid
CREATE DOMAIN protect_app.rid AS uuid;
CREATE DOMAIN protect_app.asset_rid AS protect_app.rid;
CREATE TABLE protect_app.clip (id protect_app.asset_rid PRIMARY KEY, project_id protect_app.rid, title text);
INSERT INTO protect_app.clip VALUES ('40000000-0000-0000-0000-0000000000c1', '40000000-0000-0000-0000-0000000000b1', 'c1'),
                                    ('40000000-0000-0000-0000-0000000000c3', '40000000-0000-0000-0000-0000000000b2', 'c3');
GRANT SELECT, INSERT, UPDATE, DELETE ON protect_app.asset, protect_app.note, protect_app.clip TO protect_app;
SELECT share_acl.protect('protect_app.note', 'asset_id', 'project_id');
INSERT INTO protect_app.asset VALUES
  ('40000000-0000-0000-0000-0000000000c1', '40000000-0000-0000-0000-0000000000b1', 'one', 1),
  ('40000000-0000-0000-0000-0000000000c2', '40000000-0000-0000-0000-0000000000b1', 'two', 2),
  ('40000000-0000-0000-0000-0000000000c3', '40000000-0000-0000-0000-0000000000b2', 'three', 3),
  ('40000000-0000-0000-0000-0000000000ff', '40000000-0000-0000-0000-0000000000b2', 'not a resource', 4);

SELECT lives_ok($$SELECT share_acl.protect('protect_app.asset', 'id', 'project_id')$$,
                'a table owner that is not a superuser can protect its table');
SELECT lives_ok($$SELECT share_acl.protect('protect_app.asset', 'id', 'project_id')$$,
                'protect() is idempotent');
SELECT lives_ok($$SELECT share_acl.protect('protect_app.clip', 'id', 'project_id')$$,
                'protect() takes columns of a domain over uuid (a domain over that one too)');
SELECT throws_ok($$SELECT share_acl.protect('protect_app.bad', 'id')$$, '42804', NULL,
                 'a column that is not a uuid is refused (42804)');
SELECT throws_ok($$SELECT share_acl.protect('protect_app.bad', 'nope')$$, '42703', NULL,
                 'a missing column is refused (42703)');
SELECT throws_ok($$SELECT share_acl.protect('protect_app.asset', 'id', 'title')$$, '42804', NULL,
                 'a parent column that is not a uuid is refused');
SELECT throws_ok($$SELECT share_acl.protect('protect_app.asset', 'id', 'id')$$, '22023',
                 'protect(): the parent column cannot be the resource column "id"',
                 'the resource column named as the parent column too is refused (22023): its insert policy would refuse every row');
RESET ROLE;
SELECT throws_ok($$SELECT share_acl.protect('share_acl.resource')$$, '42809',
                 'share_acl.resource is a table of share_acl, not an application table',
                 'share_acl''s own tables are refused, also to a superuser (42809)');
SELECT throws_ok($$SELECT share_acl.unprotect('share_acl.audit_log')$$, '42809', NULL,
                 'unprotect() refuses them too');
CREATE VIEW protect_app.asset_view AS SELECT * FROM protect_app.asset;
CREATE MATERIALIZED VIEW protect_app.asset_mv AS SELECT id FROM protect_app.asset;
SELECT throws_ok($$SELECT share_acl.protect('protect_app.asset_view')$$, '42809',
                 'protect_app.asset_view is not a table',
                 'a view is refused (42809), not left to ALTER TABLE''s words');
SELECT throws_ok($$SELECT share_acl.protect('protect_app.asset_mv')$$, '42809', NULL,
                 'a materialized view is refused (42809)');
SELECT throws_ok($$SELECT share_acl.unprotect('protect_app.asset_view')$$, '42809', NULL,
                 'unprotect() refuses a view too');
SELECT is((SELECT count(*) FROM pg_catalog.pg_class c
            WHERE c.relnamespace = 'share_acl'::regnamespace AND c.relrowsecurity
              AND c.relname IN ('resource', 'share')), 0::bigint,
          'their row-level security is unchanged');
SELECT throws_ok($$SELECT share_acl.protect('protect_app.asset')$$, NULL, NULL,
                 'protect() works only for the owner of the table (superuser excepted)')
  FROM (SELECT set_config('role', 'protect_app', true)) s;
RESET ROLE;
SELECT throws_ok($$SELECT share_acl.protect('protect_app.asset')$$, '42501',
                 'must be owner of table protect_app.asset',
                 '... with 42501 and PostgreSQL''s own words, before the columns are looked at')
  FROM (SELECT set_config('role', 'protect_app', true)) s;
RESET ROLE;
SELECT throws_ok($$SELECT share_acl.unprotect('protect_app.asset')$$, '42501',
                 'must be owner of table protect_app.asset',
                 'unprotect() by another role: 42501 in the same words, before any policy is dropped')
  FROM (SELECT set_config('role', 'protect_app', true)) s;
RESET ROLE;

SELECT policies_are('protect_app', 'asset',
  ARRAY['share_acl_select', 'share_acl_insert', 'share_acl_update', 'share_acl_delete'],
  'the four policies exist, and only them');
SELECT is((SELECT relrowsecurity FROM pg_class WHERE oid = 'protect_app.asset'::regclass), true,
          'row-level security is enabled');
SET LOCAL search_path = public;
SELECT ok((SELECT bool_and(coalesce(pg_get_expr(polqual, polrelid), '') LIKE '%share_acl.has_access(%'
                      OR coalesce(pg_get_expr(polwithcheck, polrelid), '') LIKE '%share_acl.has_access(%')
           FROM pg_policy WHERE polrelid = 'protect_app.asset'::regclass),
          'every policy calls share_acl.has_access, schema-qualified');
SET LOCAL search_path = share_acl, public;

-- what each principal sees and may do, through the policies
SET LOCAL ROLE protect_app;
SELECT set_config('share_acl.principal', '', true);
SELECT is((SELECT count(*) FROM protect_app.asset), 0::bigint, 'no principal: no rows');
SELECT set_config('share_acl.principal', '40000000-0000-0000-0000-000000000001', true);
SELECT is((SELECT count(*) FROM protect_app.asset), 3::bigint, 'owner: every row that is a resource');
SELECT set_config('share_acl.principal', '40000000-0000-0000-0000-000000000002', true);
SELECT is((SELECT array_agg(title ORDER BY n) FROM protect_app.asset), ARRAY['one', 'two'],
          'member with an editor share on P1: the rows of P1');
SELECT is((SELECT array_agg(title) FROM protect_app.clip), ARRAY['c1'],
          'the policies work on those columns: the member sees the row of P1 only');
SELECT lives_ok($$UPDATE protect_app.asset SET title = 'one!' WHERE n = 1$$, 'member: update with edit');
SELECT is((SELECT title FROM protect_app.asset WHERE n = 1), 'one!', 'the update happened');
SELECT lives_ok($$INSERT INTO protect_app.asset VALUES ('40000000-0000-0000-0000-0000000000d1', '40000000-0000-0000-0000-0000000000b1', 'new', 5)$$,
                'member: insert under a project with upload');
SELECT throws_ok($$INSERT INTO protect_app.asset VALUES ('40000000-0000-0000-0000-0000000000d2', '40000000-0000-0000-0000-0000000000b2', 'new', 6)$$,
                 '42501', NULL, 'member: insert under a project without upload is refused');
SELECT throws_ok($$INSERT INTO protect_app.asset VALUES ('40000000-0000-0000-0000-0000000000c3', '40000000-0000-0000-0000-0000000000b1', 'planted', 7)$$,
                 '42501', NULL, 'member: a row naming a resource it cannot view, under a project where it uploads, is refused');
-- rows about a resource it views: under the resource's own parent, not
-- under another parent where it uploads (the workspace: R12)
SELECT lives_ok($$INSERT INTO protect_app.note VALUES (1, '40000000-0000-0000-0000-0000000000c1', '40000000-0000-0000-0000-0000000000b1', 'fine')$$,
                'member: a row about an asset it views, naming the asset''s project, where it uploads');
SELECT throws_ok($$INSERT INTO protect_app.note VALUES (2, '40000000-0000-0000-0000-0000000000c1', '40000000-0000-0000-0000-0000000000a1', 'sneaked')$$,
                 '42501', NULL, 'member: the same row naming the workspace, where it uploads too, is refused (not the asset''s parent)');
SELECT lives_ok($$INSERT INTO protect_app.note VALUES (3, '40000000-0000-0000-0000-0000000000b1', '40000000-0000-0000-0000-0000000000a1', 'top')$$,
                'member: a row about a top-level project names its workspace');
DELETE FROM protect_app.asset WHERE n = 1;
SELECT is((SELECT count(*) FROM protect_app.asset WHERE n = 1), 1::bigint,
          'member: delete without delete (editor has only delete_own) and not the owner removes nothing');
SELECT set_config('share_acl.principal', '40000000-0000-0000-0000-000000000003', true);
SELECT is((SELECT array_agg(title ORDER BY n) FROM protect_app.asset), ARRAY['one!', 'two'],
          'guest: the two assets shared with it');
UPDATE protect_app.asset SET title = 'guest was here' WHERE n = 1;
SELECT is((SELECT title FROM protect_app.asset WHERE n = 1), 'one!', 'guest (viewer share): update changes nothing');
SELECT is(share_acl.parent_is('40000000-0000-0000-0000-0000000000c1', '40000000-0000-0000-0000-0000000000b1'), true,
          'parent_is: the guest sees that its asset c1 sits under project b1');
SELECT is(share_acl.parent_is('40000000-0000-0000-0000-0000000000c3', '40000000-0000-0000-0000-0000000000b2'), false,
          'parent_is: nothing of the tree under what it cannot view (c3 sits under b2)');
SELECT is((SELECT share_acl.is_owner('40000000-0000-0000-0000-0000000000c2')), true, 'is_owner: the guest owns asset c2');
SELECT is((SELECT share_acl.is_owner('40000000-0000-0000-0000-0000000000c1')), false, 'is_owner: not asset c1');
DELETE FROM protect_app.asset WHERE n = 2;
SELECT is((SELECT count(*) FROM protect_app.asset WHERE n = 2), 0::bigint,
          'guest who owns the asset: delete through ownership (R10, delete_own)');
RESET ROLE;

-- unprotect
SET LOCAL ROLE protect_owner;
SELECT lives_ok($$SELECT share_acl.unprotect('protect_app.asset')$$, 'unprotect() by the owner');
RESET ROLE;
SELECT policies_are('protect_app', 'asset', ARRAY[]::name[], 'unprotect removes the policies');
SELECT is((SELECT relrowsecurity FROM pg_class WHERE oid = 'protect_app.asset'::regclass), false,
          'unprotect turns row-level security off');
SELECT lives_ok($$SELECT share_acl.unprotect('protect_app.asset')$$, 'unprotect() is idempotent');

-- unprotect() restores what protect() found: a table whose row-level
-- security was on with no policy (every row denied) keeps denying, also
-- after protect() ran twice on it
CREATE TABLE protect_app.sealed (id uuid);
ALTER TABLE protect_app.sealed ENABLE ROW LEVEL SECURITY;
SELECT share_acl.protect('protect_app.sealed');
SELECT share_acl.protect('protect_app.sealed');
SELECT share_acl.unprotect('protect_app.sealed');
SELECT is((SELECT relrowsecurity FROM pg_class WHERE oid = 'protect_app.sealed'::regclass), true,
          'unprotect leaves row-level security on where it was on before protect()');
SELECT policies_are('protect_app', 'sealed', ARRAY[]::name[], '(and removes the policies)');
-- protect()'s policies without their mark (a restore with pg_dump
-- --no-comments) are still known by their shape: unprotect() drops them
-- and, not knowing what row-level security was before, leaves it on;
-- protect() replaces them
CREATE FUNCTION pg_temp.unmark(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE pol name;
BEGIN
    FOR pol IN SELECT polname FROM pg_policy WHERE polrelid = tbl LOOP
        EXECUTE format('COMMENT ON POLICY %I ON %s IS NULL', pol, tbl);
    END LOOP;
END $$;
CREATE TABLE protect_app.restored (id uuid);
SELECT share_acl.protect('protect_app.restored');
SELECT pg_temp.unmark('protect_app.restored');
SELECT lives_ok($$SELECT share_acl.protect('protect_app.restored')$$, 'protect() replaces its unmarked policies');
SELECT results_eq($$SELECT count(*) FROM pg_policy p WHERE p.polrelid = 'protect_app.restored'::regclass
                     AND obj_description(p.oid, 'pg_policy') LIKE 'share_acl.protect():%'$$,
                  ARRAY[4::bigint], '(marked again)');
SELECT pg_temp.unmark('protect_app.restored');
SELECT share_acl.unprotect('protect_app.restored');
SELECT policies_are('protect_app', 'restored', ARRAY[]::name[], 'unprotect() drops its unmarked policies');
SELECT is((SELECT relrowsecurity FROM pg_class WHERE oid = 'protect_app.restored'::regclass), true,
          '(and leaves row-level security on)');
-- (also with quoted columns, one of a domain, and a parent column)
CREATE DOMAIN protect_app.odd_uid AS uuid;
CREATE TABLE protect_app.odd ("Res Id" protect_app.odd_uid, "p,1" uuid);
SELECT share_acl.protect('protect_app.odd', 'Res Id', 'p,1');
SELECT pg_temp.unmark('protect_app.odd');
SELECT share_acl.unprotect('protect_app.odd');
SELECT policies_are('protect_app', 'odd', ARRAY[]::name[], 'unprotect() knows them with any columns');
-- but an unmarked policy that only calls share_acl.has_access is the
-- table's own: protect() refuses the table and unprotect() leaves it
CREATE TABLE protect_app.tenanted2 (id uuid, tenant text);
ALTER TABLE protect_app.tenanted2 ENABLE ROW LEVEL SECURITY;
CREATE POLICY share_acl_select ON protect_app.tenanted2 FOR SELECT
    USING (share_acl.has_access(id, 'view') AND tenant = current_user);
SELECT throws_ok($$SELECT share_acl.protect('protect_app.tenanted2')$$, '42710', NULL,
                 'protect() refuses a table whose own permissive policy calling has_access bears one of its names');
SELECT share_acl.unprotect('protect_app.tenanted2');
SELECT policies_are('protect_app', 'tenanted2', ARRAY['share_acl_select']::name[], '(and unprotect() leaves it)');
-- a policy of the table's own by one of protect()'s names is neither
-- dropped nor replaced
CREATE TABLE protect_app.tenanted (id uuid, tenant text);
ALTER TABLE protect_app.tenanted ENABLE ROW LEVEL SECURITY;
CREATE POLICY share_acl_select ON protect_app.tenanted AS RESTRICTIVE FOR SELECT
    USING (tenant = current_setting('app.tenant', true));
SELECT throws_ok($$SELECT share_acl.protect('protect_app.tenanted')$$, '42710',
                 'policy "share_acl_select" of table protect_app.tenanted was not created by protect()',
                 'protect() refuses a table whose own policy has one of its names');
SELECT share_acl.unprotect('protect_app.tenanted');
SELECT is((SELECT polpermissive FROM pg_policy WHERE polrelid = 'protect_app.tenanted'::regclass
            AND polname = 'share_acl_select'), false,
          'unprotect() leaves that policy as it was');
SELECT is((SELECT relrowsecurity FROM pg_class WHERE oid = 'protect_app.tenanted'::regclass), true,
          '(and row-level security on)');
SELECT is(share_acl.is_owner(NULL), NULL, 'is_owner(NULL) is NULL');

SELECT * FROM finish();
ROLLBACK;
