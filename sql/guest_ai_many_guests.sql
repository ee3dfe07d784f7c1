-- set_guest_ai and the R14 check of structure changes ask whether a guest or
-- outsider would gain run_ai on a resource the actor lacks it on.  A member
-- with a share on a project can make thousands of guests (share_with_email
-- of new addresses); asking each of them of each such resource cost guests
-- × resources (13.7 s for 8,000 of each, under the workspace's structure
-- lock).  Past 100,000 pairs only the guests that a grant or an ownership
-- on the resource's ancestors concerns are asked (_guest_pairs), the only
-- ways a guest reaches a resource: the same answers, counted here by the
-- calls of has_access (track_functions) and compared with asking every pair.
\o /dev/null
SELECT share_acl.create_user('owner@many-guests.test') AS owner \gset
SELECT share_acl.create_user('mem@many-guests.test') AS mem \gset
SELECT share_acl.create_workspace('many guests', :'owner') AS ws \gset
SELECT share_acl.add_member(:'ws', :'mem', 'member');
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS p \gset
SELECT share_acl.create_resource(:'ws', 'collection', :'p') AS f \gset
SELECT share_acl.set_restricted(:'f', true);
CREATE TEMP TABLE inside AS
SELECT i, share_acl.create_resource(:'ws', 'asset', :'f') AS id FROM generate_series(1, 300) i;
SELECT share_acl.share(:'p', :'mem', 'manager');
SELECT share_acl.create_resource(:'ws', 'asset', :'p') AS a \gset
COMMIT;
-- the member invites 400 addresses on an asset outside the collection
BEGIN;
SELECT share_acl.set_principal(:'mem');
SELECT share_acl.share_with_email(:'a', 'g' || g || '@many-guests.test', 'viewer')
  FROM generate_series(1, 400) g;
COMMIT;
\o

-- no guest reaches inside the collection: the member turns guest AI on,
-- asking has_access a few hundred times, not 400 × 300
SET track_functions = 'all';
BEGIN;
SELECT share_acl.set_principal(:'mem');
SELECT share_acl.set_guest_ai(:'p', true);
SELECT calls < 5000 AS few_checks
  FROM pg_stat_xact_user_functions
 WHERE funcid = 'share_acl.has_access(uuid,uuid,share_acl.permset)'::regprocedure;
SELECT share_acl.set_guest_ai(:'p', false);
COMMIT;
RESET track_functions;

-- three outsiders the owner gives run_ai on assets inside the collection:
-- guest AI on would give them run_ai where the member's rights do not
-- reach (R8), refused
\o /dev/null
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.share_with_email(id, 'inside' || i || '@many-guests.test', 'view,run_ai')
  FROM inside WHERE i <= 3;
COMMIT;
\o
-- (the member turns guest AI on: the answer, a refusal's asset id masked)
CREATE FUNCTION pg_temp.member_guest_ai(mem uuid, p uuid) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM share_acl.set_principal(mem);
    PERFORM share_acl.set_guest_ai(p, true);
    RETURN 'turned on';
EXCEPTION WHEN insufficient_privilege THEN
    RETURN regexp_replace(SQLERRM, '[0-9a-f-]{36}', '<an asset inside>');
END $$;
SELECT pg_temp.member_guest_ai(:'mem', :'p');
-- also while guest access is off, when guests hold nothing today: turning
-- it on again would give them run_ai there (asked with the switches open)
UPDATE share_acl.workspace SET guest_access_enabled = false WHERE id = :'ws';
SELECT pg_temp.member_guest_ai(:'mem', :'p');
UPDATE share_acl.workspace SET guest_access_enabled = true WHERE id = :'ws';

-- the pairs it asks, with guest AI on, are those asking every pair finds,
-- with guests reaching inside every way there is (written as an
-- administrator would): a share on the restricted collection to a team
-- holding a guest and a nested team holding an outsider; a guest owning an
-- asset inside (R10); an asset inside filed in a collection of the project
-- shared with an outsider, and the project itself shared with another (it
-- reaches that asset through the collection, and none of the others: R8);
-- and an asset inside restricted itself, which the team's share stops at
BEGIN;
UPDATE share_acl.resource SET guest_ai_enabled = true WHERE id = :'p';
\o /dev/null
INSERT INTO share_acl.principal (id, kind, email) VALUES
    (md5('many guests gt1')::uuid, 'user', 'gt1@many-guests.test'),
    (md5('many guests gt2')::uuid, 'external', 'gt2@many-guests.test'),
    (md5('many guests go')::uuid, 'user', 'go@many-guests.test'),
    (md5('many guests gc')::uuid, 'external', 'gc@many-guests.test'),
    (md5('many guests gp')::uuid, 'external', 'gp@many-guests.test');
INSERT INTO share_acl.principal (id, kind, display_name, workspace_id) VALUES
    (md5('many guests T')::uuid, 'team', 'T', :'ws'), (md5('many guests T2')::uuid, 'team', 'T2', :'ws');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
    (:'ws', md5('many guests gt1')::uuid, 'guest'), (:'ws', md5('many guests go')::uuid, 'guest');
INSERT INTO share_acl.team_member (team_id, member_id) VALUES
    (md5('many guests T')::uuid, md5('many guests gt1')::uuid),
    (md5('many guests T')::uuid, md5('many guests T2')::uuid),
    (md5('many guests T2')::uuid, md5('many guests gt2')::uuid);
UPDATE share_acl.resource SET restricted = true WHERE id = (SELECT id FROM inside WHERE i = 30);
INSERT INTO share_acl.share (resource_id, grantee_id, perms)
VALUES (:'f', md5('many guests T')::uuid, 'view,run_ai'), (:'p', md5('many guests gp')::uuid, 'view,run_ai');
UPDATE share_acl.resource SET owner_id = md5('many guests go')::uuid WHERE id = (SELECT id FROM inside WHERE i = 10);
SELECT share_acl.create_resource(:'ws', 'collection', :'p') AS c2 \gset
INSERT INTO share_acl.collection_item (collection_id, resource_id) SELECT :'c2', id FROM inside WHERE i = 20;
INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES (:'c2', md5('many guests gc')::uuid, 'view,run_ai');
\o
SELECT (SELECT count(*) FROM share_acl._guests(:'ws')) AS guests,
       (SELECT count(*) FROM share_acl._guest_pairs(:'ws', ARRAY(SELECT id FROM inside))) AS asked;
SELECT count(*) AS gaining FROM share_acl._guest_pairs(:'ws', ARRAY(SELECT id FROM inside)) p
 WHERE share_acl.has_access(p.guest, p.resource, 'run_ai');
SELECT (SELECT array_agg(p.guest::text || p.resource::text ORDER BY p.guest, p.resource)
          FROM share_acl._guest_pairs(:'ws', ARRAY(SELECT id FROM inside)) p
         WHERE share_acl._reach(p.guest, p.resource) OPERATOR(share_acl.@>) 'run_ai')
     = (SELECT array_agg(g::text || b.id::text ORDER BY g, b.id)
          FROM share_acl._guests(:'ws') g, inside b
         WHERE share_acl._reach(g, b.id) OPERATOR(share_acl.@>) 'run_ai') AS same_pairs;
ROLLBACK;

DELETE FROM share_acl.workspace WHERE id = :'ws';
DELETE FROM share_acl.principal WHERE email LIKE '%@many-guests.test';
