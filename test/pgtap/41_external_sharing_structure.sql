-- pgTAP: allow_external_sharing = false and changes that give a resource new
-- ancestors (SPEC §6 policies, R14).  While the policy is false no share or
-- link reaching an outsider is made; filing a resource under a collection
-- or parent that such a share, an open review or a share link already
-- reaches would be one: move_resource, add_to_collection and lifting a
-- restriction are refused (42501, naming the policy), for every principal,
-- owners too, not for a trusted administrator.  An upload there is not
-- refused (existing shares and links keep working), nor is a change whose
-- new ancestors reach no outsider and hold no live link, nor any change once
-- the policy is true again.
--
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids.
BEGIN;
SELECT plan(21);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;

-- alice owns ws; carol is a member with manager on P1 and P2; zed has no
-- role in ws; team TZ holds an external principal without a role (an
-- outsider, put there by a trusted administrator's direct write: the API
-- adds only principals with a role).  C1 (in P1) is shared with
-- zed, C2 with TZ, C3 has a share link, C4 an expired share with zed and a
-- revoked link, C5 a review asked of zed; P2 holds carol's assets
INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t41.test')),
    ('carol', share_acl.create_user('carol@t41.test')),
    ('zed',   share_acl.create_user('zed@t41.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t41', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member');
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('P1', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('P2', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids SELECT 'C' || i, share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P1'))
    FROM generate_series(1, 6) i;
SELECT share_acl.share(pg_temp.id('P1'), pg_temp.id('carol'), 'manager');
SELECT share_acl.share(pg_temp.id('P2'), pg_temp.id('carol'), 'manager');
SELECT share_acl.share(pg_temp.id('C1'), pg_temp.id('zed'), 'viewer');
INSERT INTO ids VALUES ('TZ', share_acl.create_team(pg_temp.id('ws'), 'with a guest'));
INSERT INTO share_acl.principal (kind, email) VALUES ('external', 'ext@t41.test');
INSERT INTO ids SELECT 'ext', p.id FROM share_acl.principal p WHERE p.email = 'ext@t41.test';
INSERT INTO share_acl.team_member (team_id, member_id) VALUES (pg_temp.id('TZ'), pg_temp.id('ext'));
SELECT share_acl.share(pg_temp.id('C2'), pg_temp.id('TZ'), 'viewer');
SELECT share_acl.create_link(pg_temp.id('C3')) IS NOT NULL;
SELECT share_acl.share(pg_temp.id('C4'), pg_temp.id('zed'), 'viewer', expires_at => now() + interval '1 hour');
UPDATE share_acl.share SET expires_at = now() - interval '1 hour'
 WHERE resource_id = pg_temp.id('C4');
INSERT INTO ids SELECT 'L4', share_acl.link_id(share_acl.create_link(pg_temp.id('C4')));
SELECT share_acl.revoke_link(pg_temp.id('L4'));
SELECT share_acl.request_review(pg_temp.id('C5'), ARRAY[pg_temp.id('zed')]) IS NOT NULL;
-- H: a collection of a project carol has nothing on, shared with the
-- outsider; F: a collection of P2 (carol's) filed into H
INSERT INTO ids VALUES ('P3', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('H', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P3')));
SELECT share_acl.share(pg_temp.id('H'), pg_temp.id('zed'), 'viewer');
INSERT INTO ids VALUES ('F', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P2')));
SELECT share_acl.add_to_collection(pg_temp.id('H'), pg_temp.id('F'));
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_external_sharing', 'false');
SELECT pg_temp.act('carol');
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P2')));
INSERT INTO ids VALUES ('B', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P2')));
INSERT INTO ids VALUES ('Bx', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('B')));

-- ------------------------------------------------------------ refused
SELECT throws_like($$SELECT share_acl.add_to_collection(pg_temp.id('C1'), pg_temp.id('A'))$$,
    'permission denied: the workspace policy allow_external_sharing forbids add_to_collection: resource % is shared with user % with no role in the workspace, which would reach resource %',
    'add_to_collection: not into a collection shared with an outsider');
SELECT throws_like($$SELECT share_acl.add_to_collection(pg_temp.id('C2'), pg_temp.id('A'))$$,
    'permission denied: % forbids add_to_collection: resource % is shared with external principal % (a member of team %)%',
    'add_to_collection: nor into one shared with a team holding an outsider');
SELECT throws_like($$SELECT share_acl.add_to_collection(pg_temp.id('C3'), pg_temp.id('A'))$$,
    'permission denied: the workspace policy allow_external_sharing forbids add_to_collection: share link % of resource % would reach resource %',
    'add_to_collection: nor into one with a share link');
SELECT throws_like($$SELECT share_acl.add_to_collection(pg_temp.id('C5'), pg_temp.id('A'))$$,
    'permission denied: % forbids add_to_collection: resource % is shared with user % with no role in the workspace%',
    'add_to_collection: nor into one an outsider is asked to review');
SELECT throws_like($$SELECT share_acl.move_resource(pg_temp.id('A'), pg_temp.id('C1'))$$,
    'permission denied: % forbids move_resource: %',
    'move_resource: nor a move under it');
SELECT throws_like($$SELECT share_acl.add_to_collection(pg_temp.id('C1'), pg_temp.id('B'))$$,
    'permission denied: % forbids add_to_collection: %',
    'add_to_collection: nor a collection whose content it would reach');
SELECT is(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('H'), 'view'), false,
    'carol cannot view collection H');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('A'), pg_temp.id('F'))$$, '42501',
    format('permission denied: the workspace policy allow_external_sharing forbids move_resource: a resource it would be put below is shared with a principal with no role in the workspace, which would reach resource %s', pg_temp.id('A')),
    'move_resource: the refusal names neither the ancestor nor the outsider to who cannot view that ancestor');
SELECT is(share_acl.has_access(pg_temp.id('zed'), pg_temp.id('Bx'), 'view'), false,
    'the outsider reaches nothing of it');
SELECT is((SELECT count(*) FROM share_acl.collection_item WHERE resource_id IN (pg_temp.id('A'), pg_temp.id('B'))),
    0::bigint, 'nothing was filed');
SELECT pg_temp.act('alice');
SELECT throws_ok($$SELECT share_acl.add_to_collection(pg_temp.id('C1'), pg_temp.id('A'))$$, '42501', NULL,
    'add_to_collection: the workspace owner is refused too');
SELECT share_acl.set_restricted(pg_temp.id('Bx'), true);
SELECT share_acl.move_resource(pg_temp.id('Bx'), pg_temp.id('C1'));
SELECT throws_like($$SELECT share_acl.set_restricted(pg_temp.id('Bx'), false)$$,
    'permission denied: % forbids set_restricted: %',
    'set_restricted: lifting a restriction under a share with an outsider is refused');
SELECT is(share_acl.has_access(pg_temp.id('zed'), pg_temp.id('Bx'), 'view'), false,
    'set_restricted: the outsider still reaches nothing');
SELECT share_acl.move_resource(pg_temp.id('Bx'), pg_temp.id('B'));
SELECT share_acl.set_restricted(pg_temp.id('Bx'), false);
SELECT pg_temp.act('carol');

-- ------------------------------------------------------------ allowed
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('C4'), pg_temp.id('A'))$$,
    'add_to_collection: an expired share and a revoked link reach nobody');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('C6'), pg_temp.id('A'))$$,
    'add_to_collection: a collection reaching no outsider');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('A'), pg_temp.id('P1'))$$,
    'move_resource: a parent reaching no outsider');
SELECT ok(share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('C1')) IS NOT NULL,
    'an upload into a collection shared with an outsider: existing shares keep working');
SELECT ok(share_acl.has_access(pg_temp.id('zed'), pg_temp.id('P2'), 'view') IS FALSE
          AND share_acl.has_access(pg_temp.id('zed'), pg_temp.id('C1'), 'view'),
    'the outsider''s share keeps working');
RESET share_acl.principal;
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('C1'), pg_temp.id('B'))$$,
    'a trusted administrator is not refused');
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_external_sharing', 'true');
SELECT pg_temp.act('carol');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('C3'), pg_temp.id('A'))$$,
    'with the policy true again, filing under a share link is allowed');
SELECT ok(share_acl.has_access(pg_temp.id('zed'), pg_temp.id('Bx'), 'view'),
    'and what the administrator filed reaches the outsider');

SELECT * FROM finish();
ROLLBACK;
