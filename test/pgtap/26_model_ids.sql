-- pgTAP: one id names one thing (SPEC §2).  No resource may take the id of a
-- workspace, a principal or a share link, nor the reverse, on every path: the API
-- (create_resource with a chosen id), INSERT, COPY and UPDATE of an id, and
-- also with session_replication_role = replica; 23505 whichever table holds
-- the id, and the message does not say which.  Ids are freed again by
-- DELETE (also by cascade), by an UPDATE of the id and by TRUNCATE.  The
-- registry behind it is for the extension's owner only.  (Concurrent
-- transactions: test/isolation/specs/id_registry_race.spec.)
--
-- The file runs as superuser (a trusted administrator when no principal is
-- set); pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids.
BEGIN;
SELECT plan(60);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
-- COPY rows (comma-separated, no spaces) into a table's columns, as a bulk
-- load does; the rows come from a program so that the test needs no file
CREATE FUNCTION pg_temp.copy_in(tbl text, cols text, variadic rows text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('COPY %s (%s) FROM PROGRAM %L (FORMAT csv)', tbl, cols,
                   'printf ''%s\n'' ' || array_to_string(rows, ' '));
END $$;
CREATE FUNCTION pg_temp.in_use(text) RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT format('id %s is already in use', pg_temp.id($1)) $$;

-- alice owns workspace X (project px in it); mallory has no role in X and
-- owns workspace M; bob is a member of X; team tx is a team of X
INSERT INTO ids VALUES
    ('alice',   share_acl.create_user('alice@t26.test')),
    ('bob',     share_acl.create_user('bob@t26.test')),
    ('mallory', share_acl.create_user('mallory@t26.test'));
INSERT INTO ids VALUES ('X', share_acl.create_workspace('t26 X', pg_temp.id('alice')));
INSERT INTO ids VALUES ('M', share_acl.create_workspace('t26 M', pg_temp.id('mallory')));
SELECT share_acl.add_member(pg_temp.id('X'), pg_temp.id('bob'), 'member');
INSERT INTO ids VALUES ('tx', share_acl.create_team(pg_temp.id('X'), 't26 team'));
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('px', share_acl.create_resource(pg_temp.id('X'), 'project'));
INSERT INTO ids VALUES ('ax', share_acl.create_resource(pg_temp.id('X'), 'asset', pg_temp.id('px')));
SELECT share_acl.set_principal(NULL);

-- ------------------------------------------------- the takeover of workspace X
-- mallory, with no role in X, creates a project with X's id in its own
-- workspace M (where it may upload): refused, and X stays X.
SELECT pg_temp.act('mallory');
SELECT is(share_acl.has_access(pg_temp.id('mallory'), pg_temp.id('M'), 'upload'), true,
    'the attacker may create projects in its own workspace');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('M'), 'project', NULL,
                                                    '00000000-0000-0000-0000-000000000000')$$,
    '22023', 'create_resource: id must not be the nil uuid',
    'create_resource with the nil uuid is 22023 from the API, not the table''s CHECK (23514)');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('M'), 'project', NULL, pg_temp.id('X'))$$,
    '23505', pg_temp.in_use('X'),
    'create_resource with the id of a workspace is 23505 (the takeover of workspace X)');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('M'), 'project', NULL, pg_temp.id('alice'))$$,
    '23505', pg_temp.in_use('alice'),
    'create_resource with the id of a user is 23505, with the same message (the holder is not named)');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('M'), 'project', NULL, pg_temp.id('tx'))$$,
    '23505', pg_temp.in_use('tx'),
    'create_resource with the id of a team of another workspace is 23505');
SELECT is(share_acl.has_access(pg_temp.id('mallory'), pg_temp.id('X'), 'view'), false,
    'after the refused takeover the attacker has nothing on workspace X');
SELECT is(share_acl.has_access(pg_temp.id('mallory'), pg_temp.id('X'), 'full'), false,
    'after the refused takeover the attacker has no full access on workspace X');
SELECT throws_ok($$SELECT share_acl.add_member(pg_temp.id('X'), pg_temp.id('mallory'), 'admin')$$,
    '42501', NULL, 'the attacker cannot add itself to workspace X');
SELECT is((SELECT count(*) FROM share_acl.resource WHERE id = pg_temp.id('X')), 0::bigint,
    'no resource has the id of workspace X');
SELECT share_acl.set_principal(NULL);
SELECT is(share_acl.has_access(pg_temp.id('alice'), pg_temp.id('X'), 'full'), true,
    'the owner of X keeps full access on X');
SELECT is(share_acl.has_access(pg_temp.id('bob'), pg_temp.id('X'), 'upload'), true,
    'a member of X keeps its workspace permissions');

-- ------------------------------------------------------------------- INSERT
SELECT throws_ok($$INSERT INTO share_acl.resource (id, workspace_id, kind) VALUES (pg_temp.id('X'), pg_temp.id('M'), 'project')$$,
    '23505', pg_temp.in_use('X'), 'INSERT of a resource with a workspace id is 23505');
SELECT throws_ok($$INSERT INTO share_acl.resource (id, workspace_id, kind) VALUES (pg_temp.id('bob'), pg_temp.id('M'), 'project')$$,
    '23505', pg_temp.in_use('bob'), 'INSERT of a resource with a user id is 23505');
SELECT throws_ok($$INSERT INTO share_acl.resource (id, workspace_id, kind) VALUES
                   (gen_random_uuid(), pg_temp.id('M'), 'project'),
                   (pg_temp.id('tx'), pg_temp.id('M'), 'project')$$,
    '23505', pg_temp.in_use('tx'), 'INSERT of several resources, one with a team id, is 23505');
SELECT throws_ok($$INSERT INTO share_acl.workspace (id, name) VALUES (pg_temp.id('px'), 'taken')$$,
    '23505', pg_temp.in_use('px'), 'INSERT of a workspace with a resource id is 23505');
SELECT throws_ok($$INSERT INTO share_acl.workspace (id, name) VALUES (pg_temp.id('alice'), 'taken')$$,
    '23505', pg_temp.in_use('alice'), 'INSERT of a workspace with a principal id is 23505');
SELECT throws_ok($$INSERT INTO share_acl.principal (id, kind, email) VALUES (pg_temp.id('ax'), 'user', 'ax@t26.test')$$,
    '23505', pg_temp.in_use('ax'), 'INSERT of a user with a resource id is 23505');
SELECT throws_ok($$INSERT INTO share_acl.principal (id, kind, email) VALUES (pg_temp.id('px'), 'external', 'px@t26.test')$$,
    '23505', pg_temp.in_use('px'), 'INSERT of an external principal with a resource id is 23505');
SELECT throws_ok($$INSERT INTO share_acl.principal (id, kind, display_name, workspace_id)
                   VALUES (pg_temp.id('ax'), 'team', 'taken', pg_temp.id('X'))$$,
    '23505', pg_temp.in_use('ax'), 'INSERT of a team with a resource id is 23505');
SELECT throws_ok($$INSERT INTO share_acl.principal (id, kind, email) VALUES (pg_temp.id('M'), 'user', 'm@t26.test')$$,
    '23505', pg_temp.in_use('M'), 'INSERT of a user with a workspace id is 23505');
SELECT lives_ok($$INSERT INTO share_acl.resource (id, workspace_id, kind) VALUES
                  ('26000000-0000-0000-0000-000000000001', pg_temp.id('M'), 'project')$$,
    'INSERT of a resource with an unused id works');

-- --------------------------------------------------------------------- COPY
SELECT throws_ok(format($$SELECT pg_temp.copy_in('share_acl.resource', 'id,workspace_id,kind',
                                                 '26000000-0000-0000-0000-000000000002,%1$s,project',
                                                 '%2$s,%1$s,project')$$, pg_temp.id('M'), pg_temp.id('X')),
    '23505', pg_temp.in_use('X'), 'COPY of resources, one with a workspace id, is 23505');
SELECT throws_ok(format($$SELECT pg_temp.copy_in('share_acl.workspace', 'id,name', '%s,taken')$$, pg_temp.id('ax')),
    '23505', pg_temp.in_use('ax'), 'COPY of a workspace with a resource id is 23505');
SELECT throws_ok(format($$SELECT pg_temp.copy_in('share_acl.principal', 'id,kind,email', '%s,user,copy@t26.test')$$,
                        pg_temp.id('px')),
    '23505', pg_temp.in_use('px'), 'COPY of a user with a resource id is 23505');
SELECT throws_ok(format($$SELECT pg_temp.copy_in('share_acl.principal', 'id,kind,display_name,workspace_id',
                                                 '%s,team,copied,%s')$$, pg_temp.id('px'), pg_temp.id('X')),
    '23505', pg_temp.in_use('px'), 'COPY of a team with a resource id is 23505');
SELECT lives_ok(format($$SELECT pg_temp.copy_in('share_acl.resource', 'id,workspace_id,kind',
                                                '26000000-0000-0000-0000-000000000003,%1$s,project',
                                                '26000000-0000-0000-0000-000000000004,%1$s,project')$$, pg_temp.id('M')),
    'COPY of resources with unused ids works');

-- ------------------------------------------------------------ UPDATE of an id
SELECT throws_ok($$UPDATE share_acl.resource SET id = pg_temp.id('X') WHERE id = '26000000-0000-0000-0000-000000000001'$$,
    '23505', pg_temp.in_use('X'), 'UPDATE of a resource id to a workspace id is 23505');
INSERT INTO share_acl.workspace (id, name) VALUES ('26000000-0000-0000-0000-0000000000a1', 'empty');
INSERT INTO share_acl.principal (id, kind, email) VALUES ('26000000-0000-0000-0000-0000000000b1', 'user', 'lone@t26.test');
SELECT throws_ok($$UPDATE share_acl.workspace SET id = pg_temp.id('px') WHERE id = '26000000-0000-0000-0000-0000000000a1'$$,
    '23505', pg_temp.in_use('px'), 'UPDATE of a workspace id to a resource id is 23505');
SELECT throws_ok($$UPDATE share_acl.principal SET id = pg_temp.id('ax') WHERE id = '26000000-0000-0000-0000-0000000000b1'$$,
    '23505', pg_temp.in_use('ax'), 'UPDATE of a principal id to a resource id is 23505');
SELECT lives_ok($$UPDATE share_acl.resource SET id = '26000000-0000-0000-0000-000000000005'
                   WHERE id = '26000000-0000-0000-0000-000000000001'$$,
    'UPDATE of a resource id to an unused id works');
SELECT lives_ok($$INSERT INTO share_acl.workspace (id, name) VALUES ('26000000-0000-0000-0000-000000000001', 'reuse')$$,
    'the id a resource left is free for a workspace');
SELECT throws_ok($$INSERT INTO share_acl.workspace (id, name) VALUES ('26000000-0000-0000-0000-000000000005', 'taken')$$,
    '23505', NULL, 'the id a resource took is not free');
SELECT lives_ok($$UPDATE share_acl.resource SET general_access = 'shared' WHERE workspace_id = pg_temp.id('M')$$,
    'an UPDATE that changes no id is not refused');

-- ------------------------------------------------------------- share links
-- a link's id is registered too: an audit row of a call on the link finds
-- the link's workspace by its id, which no resource of another may take
SELECT pg_temp.act('alice');
SELECT share_acl.create_link(pg_temp.id('ax'));
INSERT INTO ids SELECT 'lx', l.id FROM share_acl.link l WHERE l.resource_id = pg_temp.id('ax');
INSERT INTO ids VALUES ('ay', share_acl.create_resource(pg_temp.id('X'), 'asset', pg_temp.id('px')));
SELECT share_acl.create_link(pg_temp.id('ay'));
INSERT INTO ids SELECT 'ly', l.id FROM share_acl.link l WHERE l.resource_id = pg_temp.id('ay');
SELECT pg_temp.act('mallory');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('M'), 'project', NULL, pg_temp.id('lx'))$$,
    '23505', pg_temp.in_use('lx'), 'create_resource with the id of another workspace''s link is 23505');
SELECT share_acl.set_principal(NULL);
SELECT throws_ok($$INSERT INTO share_acl.resource (id, workspace_id, kind) VALUES (pg_temp.id('lx'), pg_temp.id('M'), 'project')$$,
    '23505', pg_temp.in_use('lx'), 'INSERT of a resource with a link id is 23505');
SELECT throws_ok($$INSERT INTO share_acl.link (id, resource_id) VALUES (pg_temp.id('px'), pg_temp.id('ax'))$$,
    '23505', pg_temp.in_use('px'), 'INSERT of a link with a resource id is 23505');
SELECT is((SELECT kind FROM share_acl.id_registry WHERE id = pg_temp.id('lx')), 'l'::"char",
    'the link''s id is in the registry as a link''s');
SELECT throws_ok($$UPDATE share_acl.link SET id = gen_random_uuid() WHERE id = pg_temp.id('lx')$$,
    '0A000', 'the id of a row of share_acl.link cannot change', 'a link''s id never changes (0A000)');
SELECT lives_ok($$UPDATE share_acl.link SET label = 'renamed' WHERE id = pg_temp.id('lx')$$,
    'any other column of a link may');
DELETE FROM share_acl.resource WHERE id = pg_temp.id('ay');
SELECT lives_ok($$INSERT INTO share_acl.resource (id, workspace_id, kind) VALUES (pg_temp.id('ly'), pg_temp.id('X'), 'project')$$,
    'the id of a link deleted with its resource (by cascade) is free');

-- ------------------------------------------------- freed by DELETE, TRUNCATE
DELETE FROM share_acl.workspace WHERE id = pg_temp.id('M');
SELECT lives_ok($$INSERT INTO share_acl.principal (id, kind, email) VALUES
                  ('26000000-0000-0000-0000-000000000003', 'user', 'freed@t26.test')$$,
    'the id of a resource deleted with its workspace (by cascade) is free');
SELECT lives_ok($$INSERT INTO share_acl.resource (id, workspace_id, kind) VALUES (pg_temp.id('M'), pg_temp.id('X'), 'project')$$,
    'the id of a deleted workspace is free');
DELETE FROM share_acl.principal WHERE id = '26000000-0000-0000-0000-0000000000b1';
SELECT lives_ok($$INSERT INTO share_acl.resource (id, workspace_id, kind) VALUES
                  ('26000000-0000-0000-0000-0000000000b1', pg_temp.id('X'), 'project')$$,
    'the id of a deleted principal is free');

-- ------------------------------------------------------------ replica mode
SET LOCAL session_replication_role = replica;
SELECT throws_ok($$INSERT INTO share_acl.resource (id, workspace_id, kind) VALUES (pg_temp.id('X'), pg_temp.id('X'), 'project')$$,
    '23505', pg_temp.in_use('X'), 'with session_replication_role = replica a workspace id is still refused');
SELECT throws_ok($$INSERT INTO share_acl.workspace (id, name) VALUES (pg_temp.id('ax'), 'taken')$$,
    '23505', pg_temp.in_use('ax'), 'with session_replication_role = replica a resource id is still refused');
DELETE FROM share_acl.resource WHERE id = '26000000-0000-0000-0000-0000000000b1';
SET LOCAL session_replication_role = origin;
SELECT lives_ok($$INSERT INTO share_acl.principal (id, kind, email) VALUES
                  ('26000000-0000-0000-0000-0000000000b1', 'user', 'again@t26.test')$$,
    'a DELETE in replica mode frees the id too');
SELECT is((SELECT array_agg(DISTINCT t.tgenabled::text) FROM pg_trigger t
            WHERE t.tgname LIKE 'id\_registry\_%' AND t.tgrelid IN
                  ('share_acl.workspace'::regclass, 'share_acl.principal'::regclass, 'share_acl.resource'::regclass)),
    ARRAY['A'], 'every id registry trigger fires in every replication role (ENABLE ALWAYS)');

-- ------------------------------------------------------- who may use the registry
CREATE ROLE t26_admin NOLOGIN;
GRANT share_acl_admin TO t26_admin;
CREATE ROLE t26_nobody NOLOGIN;
SELECT is(has_table_privilege('t26_nobody', 'share_acl.id_registry', 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'),
    false, 'a role with no share_acl rights has no privilege on the id registry');
SELECT is(has_table_privilege('t26_admin', 'share_acl.id_registry', 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'),
    false, 'share_acl_admin has no privilege on the id registry either');
SELECT is(has_table_privilege('t26_admin', 'share_acl.structure_lock', 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'),
    false, 'nor on the structure lock table');
-- a bulk load by an administrator that is no superuser goes through the registry
SET LOCAL ROLE t26_admin;
SELECT lives_ok($$INSERT INTO share_acl.resource (id, workspace_id, kind) VALUES
                  ('26000000-0000-0000-0000-000000000006', '26000000-0000-0000-0000-000000000001', 'project')$$,
    'share_acl_admin inserts resources (the registry trigger runs as the extension''s owner)');
SELECT throws_ok($$INSERT INTO share_acl.workspace (id, name) VALUES ('26000000-0000-0000-0000-000000000006', 'taken')$$,
    '23505', 'id 26000000-0000-0000-0000-000000000006 is already in use',
    'share_acl_admin gets 23505 for a used id');
RESET ROLE;

-- TRUNCATE frees the ids of the truncated tables only
SET LOCAL client_min_messages = warning;
TRUNCATE share_acl.resource CASCADE;
RESET client_min_messages;
SELECT lives_ok($$INSERT INTO share_acl.workspace (id, name) VALUES (pg_temp.id('px'), 'after truncate')$$,
    'after TRUNCATE of the resources their ids are free');
SELECT throws_ok($$INSERT INTO share_acl.resource (id, workspace_id, kind) VALUES (pg_temp.id('X'), pg_temp.id('X'), 'project')$$,
    '23505', pg_temp.in_use('X'), 'after TRUNCATE of the resources workspace ids are still taken');

-- shares and notifications take time-ordered ids (version 7 uuids: the
-- Unix time in milliseconds first, then random bits), so that the rows
-- written all day are added at the right end of their indexes
SELECT is((SELECT count(DISTINCT u) FROM (SELECT share_acl.time_ordered_uuid() AS u
                                            FROM generate_series(1, 1000)) s),
          1000::bigint, 'time_ordered_uuid() gives a new id at each call');
SELECT is((SELECT count(*) FROM (SELECT share_acl.time_ordered_uuid()::text AS u
                                   FROM generate_series(1, 1000)) s
            WHERE substr(u, 15, 1) = '7' AND substr(u, 20, 1) IN ('8', '9', 'a', 'b')),
          1000::bigint, 'its ids are version 7 uuids of the RFC 9562 variant');
SELECT ok(abs(('x' || replace(left(share_acl.time_ordered_uuid()::text, 13), '-', ''))::bit(48)::bigint
              - (extract(epoch FROM clock_timestamp()) * 1000)::bigint) < 5000,
          'their first 48 bits are the Unix time in milliseconds');
CREATE TEMP TABLE earlier AS SELECT share_acl.time_ordered_uuid() AS id;
SELECT pg_sleep(0.002);
SELECT ok(share_acl.time_ordered_uuid() > (SELECT id FROM earlier),
          'an id made later sorts after one made earlier');
DO $$
DECLARE
    w uuid := share_acl.time_ordered_uuid();
BEGIN
    INSERT INTO share_acl.workspace (id, name) VALUES (w, 'time-ordered ids');
    INSERT INTO share_acl.principal (id, kind, email) VALUES
        ('26000000-0000-0000-7001-000000000001', 'user', 'owner@time-ordered.example'),
        ('26000000-0000-0000-7001-000000000002', 'user', 'member@time-ordered.example');
    INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
        (w, '26000000-0000-0000-7001-000000000001', 'owner'),
        (w, '26000000-0000-0000-7001-000000000002', 'member');
    INSERT INTO share_acl.resource (id, workspace_id, kind, owner_id) VALUES
        ('26000000-0000-0000-7005-000000000001', w, 'project', '26000000-0000-0000-7001-000000000001');
    PERFORM share_acl.set_principal('26000000-0000-0000-7001-000000000001');
    PERFORM share_acl.share('26000000-0000-0000-7005-000000000001', '26000000-0000-0000-7001-000000000002', 'viewer');
    PERFORM share_acl.set_principal(NULL);
END $$;
SELECT is((SELECT substr(id::text, 15, 1) FROM share_acl.share
            WHERE resource_id = '26000000-0000-0000-7005-000000000001'),
          '7', 'a share takes a time-ordered id');
SELECT is((SELECT substr(id::text, 15, 1) FROM share_acl.notification
            WHERE recipient_id = '26000000-0000-0000-7001-000000000002' AND kind = 'share_received'),
          '7', 'so does the notification of its grantee');

SELECT * FROM finish();
ROLLBACK;
