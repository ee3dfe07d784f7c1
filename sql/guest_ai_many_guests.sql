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
BEGIN;
SELECT share_acl.set_principal(:'mem');
SELECT set_config('many_guests.p', :'p', false) IS NOT NULL AS noted;
DO $$
BEGIN
    PERFORM share_acl.set_guest_ai(current_setting('many_guests.p')::uuid, true);
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'refused: %', regexp_replace(SQLERRM, '[0-9a-f-]{36}', '<an asset inside>');
END $$;
COMMIT;

-- the pairs it asks, with guest AI on, are those asking every pair finds
BEGIN;
UPDATE share_acl.resource SET guest_ai_enabled = true WHERE id = :'p';
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
