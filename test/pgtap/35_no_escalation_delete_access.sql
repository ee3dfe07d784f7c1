-- pgTAP: no escalation through delete_resource and set_general_access.
--
-- delete_resource deletes everything below the resource, so the actor must be
-- able to delete each of those resources itself (a restricted one below is
-- beyond what flows down, R8; with member_edit_own_only a member may not
-- delete others' resources, R9).
-- set_general_access gives on the resource what sharing would (R4: shared
-- gives admins editor, public gives internal members the public level), so
-- the members it reaches may gain only flags the actor holds on it (SPEC §6
-- no escalation, as R14 for structure).
--
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids.
BEGIN;
SELECT plan(22);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
CREATE FUNCTION pg_temp.access_of(text) RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT general_access::text FROM share_acl.resource WHERE id = pg_temp.id($1) $$;

-- alice owns ws, bob and bea are admins, carol and dave members
INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t35.test')),
    ('bob',   share_acl.create_user('bob@t35.test')),
    ('bea',   share_acl.create_user('bea@t35.test')),
    ('carol', share_acl.create_user('carol@t35.test')),
    ('dave',  share_acl.create_user('dave@t35.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t35', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bob'), 'admin');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bea'), 'admin');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('dave'), 'member');

-- ------------------------------------------------------------ delete_resource
-- carol (editor on P) makes folder F; alice puts X (restricted) and Y in it
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('carol'), 'editor');
SELECT pg_temp.act('carol');
INSERT INTO ids VALUES ('F', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P')));
INSERT INTO ids VALUES ('mine', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('F')));
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('X', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('F')));
SELECT share_acl.set_restricted(pg_temp.id('X'), true);
INSERT INTO ids VALUES ('Y', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('F')));

SELECT ok(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('F'), 'delete_own')
          AND NOT share_acl.has_access(pg_temp.id('carol'), pg_temp.id('X'), 'view'),
    'delete_resource: carol may delete her folder, and holds nothing on the restricted X in it');
SELECT pg_temp.act('carol');
SELECT throws_like($$SELECT share_acl.delete_resource(pg_temp.id('F'))$$,
    'permission denied: delete_resource %',
    'delete_resource: refused when something below is beyond the actor');
SELECT is((SELECT count(*)::int FROM share_acl.resource
            WHERE id IN (pg_temp.id('F'), pg_temp.id('X'), pg_temp.id('Y'), pg_temp.id('mine'))), 4,
    'delete_resource: nothing was deleted');
-- without Y (whose delete her folder's ownership gives her, R10) X still stops her
SELECT pg_temp.act('alice');
SELECT share_acl.delete_resource(pg_temp.id('Y'));
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.delete_resource(pg_temp.id('F'))$$, '42501',
    format('permission denied: delete_resource of resource %s would delete resources below it that this principal may not delete', pg_temp.id('F')),
    'delete_resource: a restricted resource below stops the delete, unnamed (the actor may not view it)');
-- with member_edit_own_only a member may not delete others' resources (R9)
SELECT pg_temp.act('alice');
SELECT share_acl.set_restricted(pg_temp.id('X'), false);
INSERT INTO ids VALUES ('Y2', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('F')));
SELECT share_acl.delete_resource(pg_temp.id('X'));
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'member_edit_own_only', 'true');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.delete_resource(pg_temp.id('F'))$$, '42501',
    format('permission denied: delete_resource requires "delete" on resource %s, or "delete_own" on a resource one owns', pg_temp.id('Y2')),
    'delete_resource: so does someone else''s asset the actor may not delete');
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'member_edit_own_only', 'false');
SELECT pg_temp.act('carol');
SELECT lives_ok($$SELECT share_acl.delete_resource(pg_temp.id('F'))$$,
    'delete_resource: with the policy off, carol deletes her folder and alice''s asset in it (R10)');
SELECT is((SELECT count(*)::int FROM share_acl.resource WHERE id IN (pg_temp.id('F'), pg_temp.id('mine'), pg_temp.id('Y2'))), 0,
    'delete_resource: and what was below it');
-- a manager share with "delete" lets one delete others' resources below
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('dave'), 'manager,delete');
INSERT INTO ids VALUES ('G', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P')));
INSERT INTO ids VALUES ('Z', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('G')));
SELECT pg_temp.act('dave');
SELECT lives_ok($$SELECT share_acl.delete_resource(pg_temp.id('G'))$$,
    'delete_resource: "delete" flowing down covers everything below');
-- a trusted administrator is not checked
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('H', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P')));
INSERT INTO ids VALUES ('HX', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('H')));
SELECT share_acl.set_restricted(pg_temp.id('HX'), true);
SELECT share_acl.set_principal(NULL);
SELECT lives_ok($$SELECT share_acl.delete_resource(pg_temp.id('H'))$$,
    'delete_resource: a trusted administrator without a principal deletes anything');

-- --------------------------------------------------------- set_general_access
-- bob (admin) and dave (member) manage Q without contribution or download;
-- "shared" would give every admin editor
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('Q', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('Qa', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('Q')));
SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('bob'), 'manager',
                       allow_contribution => false, allow_download => false);
SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('dave'), 'manager', allow_contribution => false);
SELECT ok(share_acl.has_access(pg_temp.id('dave'), pg_temp.id('Q'), 'change_permissions')
          AND NOT share_acl.has_access(pg_temp.id('dave'), pg_temp.id('Q'), 'edit')
          AND NOT share_acl.has_access(pg_temp.id('bob'), pg_temp.id('Q'), 'edit'),
    'set_general_access: dave may change permissions on Q, neither he nor bob may edit it');
SELECT pg_temp.act('dave');
SELECT throws_like($$SELECT share_acl.set_general_access(pg_temp.id('Q'), 'shared')$$,
    'permission denied: set_general_access requires "%edit%" on resource%',
    'set_general_access: shared would give the admins editor, which dave lacks');
SELECT is(pg_temp.access_of('Q'), 'private', 'set_general_access: nothing changed');
SELECT ok(NOT share_acl.has_access(pg_temp.id('bea'), pg_temp.id('Qa'), 'view'),
    'set_general_access: the other admin gained nothing');
SELECT pg_temp.act('bob');
SELECT throws_ok($$SELECT share_acl.set_general_access(pg_temp.id('Q'), 'shared')$$, '42501', NULL,
    'set_general_access: an admin cannot raise its own permissions with it');
-- the public level: members may gain only what the actor holds
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('bea'), 'full', allow_contribution => false);
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'public_access_level', 'editor');
SELECT pg_temp.act('bea');
SELECT throws_ok($$SELECT share_acl.set_general_access(pg_temp.id('Q'), 'public')$$, '42501', NULL,
    'set_general_access: public would give members editor, which bea lacks');
SELECT share_acl.set_principal(NULL);
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'public_access_level', 'viewer');
SELECT pg_temp.act('bea');
SELECT lives_ok($$SELECT share_acl.set_general_access(pg_temp.id('Q'), 'public')$$,
    'set_general_access: public at the viewer level passes on only what bea holds');
SELECT ok(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('Qa'), 'view'),
    'set_general_access: and members view what is inside (R4)');
-- dave lacks editor, but when every admin holds it already nobody gains
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('Q2', share_acl.create_resource(pg_temp.id('ws'), 'project'));
SELECT share_acl.share(pg_temp.id('Q2'), pg_temp.id(p), 'editor') FROM unnest(ARRAY['bob', 'bea']) p;
SELECT share_acl.share(pg_temp.id('Q2'), pg_temp.id('dave'), 'manager', allow_contribution => false);
SELECT pg_temp.act('dave');
SELECT lives_ok($$SELECT share_acl.set_general_access(pg_temp.id('Q2'), 'shared')$$,
    'set_general_access: allowed when the admins it reaches gain nothing dave lacks');
SELECT is(pg_temp.access_of('Q2'), 'shared', 'set_general_access: Q2 is shared');
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.set_general_access(pg_temp.id('Q'), 'shared')$$,
    'set_general_access: the owner holds everything it passes on');
SELECT ok(share_acl.has_access(pg_temp.id('bob'), pg_temp.id('Qa'), 'edit'),
    'set_general_access: the admins now edit what is inside (R4)');
SELECT pg_temp.act('dave');
SELECT lives_ok($$SELECT share_acl.set_general_access(pg_temp.id('Q'), 'private')$$,
    'set_general_access: private takes away, and needs only change_permissions');

SELECT * FROM finish();
ROLLBACK;
