-- pgTAP: R14 and ownership (R10) that a change of structure passes on to a
-- principal owning neither the resource nor its former ancestors.  R9 caps
-- that ownership by the principal's role, and a role may change: a guest
-- who files the owner's asset in a collection of its own while a full share
-- lets it keeps the guest-capped full after the shares are revoked, and once
-- promoted holds share, manage_members, change_permissions and view_audit on
-- it, granted by nobody.  So the actor must hold on the resource what a
-- member takes from that ownership; what it owns, anyone may file, and the
-- workspace owner's ownership passes nothing it does not hold already (R1).
BEGIN;
SELECT plan(11);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
CREATE FUNCTION pg_temp.in_collection(text, text) RETURNS boolean LANGUAGE sql STABLE
    AS $$ SELECT EXISTS (SELECT 1 FROM share_acl.collection_item
                          WHERE collection_id = pg_temp.id($1) AND resource_id = pg_temp.id($2)) $$;

INSERT INTO ids VALUES
    ('olga', share_acl.create_user('olga@t42.test')),
    ('adam', share_acl.create_user('adam@t42.test')),
    ('gina', share_acl.create_user('gina@t42.test')),
    ('mark', share_acl.create_user('mark@t42.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t42', pg_temp.id('olga')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('adam'), 'admin');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('gina'), 'guest');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('mark'), 'member');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_guest_uploads', 'true');
SELECT pg_temp.act('olga');
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO ids VALUES ('GP', share_acl.create_resource(pg_temp.id('ws'), 'project'));
SELECT share_acl.share(pg_temp.id('GP'), pg_temp.id('gina'), 'editor');
SELECT share_acl.share(pg_temp.id('GP'), pg_temp.id('mark'), 'editor');
SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('gina'), 'full');
SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('mark'), 'full');

SELECT pg_temp.act('gina');
INSERT INTO ids VALUES ('GC', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('GP')));
INSERT INTO ids VALUES ('GA', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('GP')));
SELECT throws_like($$SELECT share_acl.add_to_collection(pg_temp.id('GC'), pg_temp.id('A'))$$,
    'permission denied: add_to_collection requires "%share%manage_members%change_permissions%view_audit%" on resource %',
    'a guest with a full share on the owner''s asset may not file it in its own collection');
SELECT is(pg_temp.in_collection('GC', 'A'), false, 'the asset stays out of the guest''s collection');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('GC'), pg_temp.id('GA'))$$,
    'the guest files its own asset in its own collection');

-- the escalation refused: revoked shares, then a promotion, leave nothing
SELECT pg_temp.act('olga');
SELECT share_acl.unshare(s.id) FROM share_acl.share s
 WHERE s.resource_id = pg_temp.id('A') AND s.grantee_id = pg_temp.id('gina');
SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('gina'), 'member');
SELECT is(share_acl.effective_permissions(pg_temp.id('gina'), pg_temp.id('A'))::text, '',
    'after the revocation and a promotion the former guest holds nothing on the owner''s asset');

-- a member that fully controls the asset may file it in its own collection
SELECT pg_temp.act('mark');
INSERT INTO ids VALUES ('MC', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('GP')));
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('MC'), pg_temp.id('A'))$$,
    'a member with a full share files the owner''s asset in its own collection');
SELECT is(pg_temp.in_collection('MC', 'A'), true, 'the asset is in the member''s collection');

-- filing in a collection of the resource's own owner passes no new ownership
SELECT pg_temp.act('olga');
INSERT INTO ids VALUES ('OC', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('GP')));
SELECT share_acl.share(pg_temp.id('OC'), pg_temp.id('gina'), 'view,manage_collections');
SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('gina'), 'view,manage_collections');
SELECT pg_temp.act('gina');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('OC'), pg_temp.id('A'))$$,
    'a member files the owner''s asset in the owner''s collection');

-- the workspace owner's ownership passes nothing it does not hold (R1): an
-- editor moves an admin's asset into the owner's project
SELECT pg_temp.act('adam');
INSERT INTO ids VALUES ('AP', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('AA', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('AP')));
SELECT share_acl.share(pg_temp.id('AP'), pg_temp.id('mark'), 'editor');
SELECT pg_temp.act('olga');
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('mark'), 'editor');
SELECT pg_temp.act('mark');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('AA'), pg_temp.id('P'))$$,
    'an editor moves an admin''s asset into the workspace owner''s project');
SELECT is((SELECT parent_id FROM share_acl.resource WHERE id = pg_temp.id('AA')), pg_temp.id('P'),
    'the asset is in the owner''s project');

-- a trusted administrator without a principal is exempt
SELECT share_acl.set_principal(NULL);
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('GC'), pg_temp.id('A'))$$,
    'a trusted administrator files it anywhere');
SELECT is(pg_temp.in_collection('GC', 'A'), true, 'the administrator''s filing is done');

SELECT * FROM finish();
ROLLBACK;
