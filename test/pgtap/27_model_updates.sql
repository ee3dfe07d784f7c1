-- pgTAP: the model's integrity rules hold for UPDATE exactly as for INSERT,
-- with the same SQLSTATE, on every model table: workspace, principal,
-- member, team_member, resource, collection_item, share, promotion_request,
-- link, link_view and signing_key.  One case per rule per table; where a
-- rule is enforced by a trigger, the INSERT path is shown next to the UPDATE.
-- Last, which statements take a workspace's structure lock (the cycle
-- checks; concurrent cases in test/isolation/specs/cycle_*_race.spec).
--
-- The file runs as superuser (a trusted administrator, bulk-loading with
-- plain INSERT and UPDATE); pg_temp.id(name) names ids.
BEGIN;
SELECT plan(67);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL DEFAULT gen_random_uuid());
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
-- throws_ok for a statement that must be refused; should it go through, the
-- test fails and its change is undone, so that the later cases still start
-- from the state described here
CREATE FUNCTION pg_temp.run_then_undo(stmt text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RAISE EXCEPTION 'the statement was not refused' USING ERRCODE = 'P0001';
END $$;
CREATE FUNCTION pg_temp.refused(stmt text, errcode char(5), errmsg text, description text) RETURNS text
LANGUAGE sql AS $$ SELECT throws_ok(format('SELECT pg_temp.run_then_undo(%L)', stmt), errcode, errmsg, description) $$;
INSERT INTO ids (name) VALUES
    ('W1'), ('W2'), ('W3'),
    ('o1'), ('m1'), ('g1'), ('ext'), ('u2'), ('lone'), ('lone2'),
    ('t1'), ('t1b'), ('t1c'), ('t2'),
    ('p1'), ('c1'), ('c1b'), ('a1'), ('p1x'), ('p2'), ('c2'),
    ('s1'), ('pr1'), ('pr2'), ('l1');

-- W1: o1 owner, m1 member, g1 guest, ext (external) guest; teams t1 ⊃ t1b,
-- and t1c; project p1 (guest AI on) with collections c1 and c1b and asset a1
-- (in c1); project p1x.  W2: u2 owner, team t2, project p2 with collection
-- c2.  W3: a workspace row alone.  lone and lone2: users with no role.
INSERT INTO share_acl.workspace (id, name)
SELECT pg_temp.id(n), 't27 ' || n FROM unnest(ARRAY['W1', 'W2', 'W3']) n;
INSERT INTO share_acl.principal (id, kind, email)
SELECT pg_temp.id(n), CASE n WHEN 'ext' THEN 'external' ELSE 'user' END::share_acl.principal_kind, n || '@t27.test'
FROM unnest(ARRAY['o1', 'm1', 'g1', 'ext', 'u2', 'lone', 'lone2']) n;
INSERT INTO share_acl.principal (id, kind, display_name, workspace_id) VALUES
    (pg_temp.id('t1'), 'team', 'T1', pg_temp.id('W1')),
    (pg_temp.id('t1b'), 'team', 'T1b', pg_temp.id('W1')),
    (pg_temp.id('t1c'), 'team', 'T1c', pg_temp.id('W1')),
    (pg_temp.id('t2'), 'team', 'T2', pg_temp.id('W2'));
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
    (pg_temp.id('W1'), pg_temp.id('o1'), 'owner'),
    (pg_temp.id('W1'), pg_temp.id('m1'), 'member'),
    (pg_temp.id('W1'), pg_temp.id('g1'), 'guest'),
    (pg_temp.id('W1'), pg_temp.id('ext'), 'guest'),
    (pg_temp.id('W2'), pg_temp.id('u2'), 'owner');
INSERT INTO share_acl.team_member (team_id, member_id) VALUES
    (pg_temp.id('t1'), pg_temp.id('t1b')),
    (pg_temp.id('t1b'), pg_temp.id('m1'));
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, guest_ai_enabled) VALUES
    (pg_temp.id('p1'), pg_temp.id('W1'), 'project', NULL, true),
    (pg_temp.id('c1'), pg_temp.id('W1'), 'collection', pg_temp.id('p1'), false),
    (pg_temp.id('c1b'), pg_temp.id('W1'), 'collection', pg_temp.id('p1'), false),
    (pg_temp.id('a1'), pg_temp.id('W1'), 'asset', pg_temp.id('p1'), false),
    (pg_temp.id('p1x'), pg_temp.id('W1'), 'project', NULL, false),
    (pg_temp.id('p2'), pg_temp.id('W2'), 'project', NULL, false),
    (pg_temp.id('c2'), pg_temp.id('W2'), 'collection', pg_temp.id('p2'), false);
INSERT INTO share_acl.collection_item (collection_id, resource_id) VALUES
    (pg_temp.id('c1'), pg_temp.id('a1'));
INSERT INTO share_acl.share (id, resource_id, grantee_id, perms) VALUES
    (pg_temp.id('s1'), pg_temp.id('p1'), pg_temp.id('t1c'), 'viewer');
INSERT INTO share_acl.promotion_request (id, workspace_id, principal_id, role, status) VALUES
    (pg_temp.id('pr1'), pg_temp.id('W1'), pg_temp.id('g1'), 'member', 'pending'),
    (pg_temp.id('pr2'), pg_temp.id('W1'), pg_temp.id('g1'), 'member', 'rejected');
INSERT INTO share_acl.link (id, resource_id, perms) VALUES (pg_temp.id('l1'), pg_temp.id('a1'), 'viewer');
INSERT INTO share_acl.link_view (link_id) VALUES (pg_temp.id('l1'));

-- ------------------------------------------------------------------ workspace
SELECT pg_temp.refused($$UPDATE share_acl.workspace SET name = '' WHERE id = pg_temp.id('W1')$$, '23514', NULL,
    'workspace: UPDATE to an empty name is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.workspace SET default_link_expiry = '-1 day' WHERE id = pg_temp.id('W1')$$, '23514', NULL,
    'workspace: UPDATE to a negative default_link_expiry is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.workspace SET id = pg_temp.id('p2') WHERE id = pg_temp.id('W3')$$, '23505', NULL,
    'workspace: UPDATE of the id to a resource''s id is 23505 (as INSERT)');

-- ------------------------------------------------------------------ principal
-- an external principal only as guest or viewer
SELECT throws_ok($$INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES (pg_temp.id('W2'), pg_temp.id('ext'), 'member')$$,
    '23514', 'an external principal can only have the guest or viewer role',
    'member: INSERT of an external principal as member is 23514');
SELECT pg_temp.refused($$UPDATE share_acl.principal SET kind = 'external' WHERE id = pg_temp.id('m1')$$,
    '23514', 'an external principal can only have the guest or viewer role',
    'principal: a member turned external is 23514, as the INSERT of that member row');
SELECT pg_temp.refused($$UPDATE share_acl.principal SET kind = 'external' WHERE id = pg_temp.id('o1')$$,
    '23514', 'an external principal can only have the guest or viewer role',
    'principal: an owner turned external is 23514');
SELECT lives_ok($$UPDATE share_acl.principal SET kind = 'external' WHERE id = pg_temp.id('g1')$$,
    'principal: a guest may turn external');
SELECT lives_ok($$UPDATE share_acl.principal SET kind = 'user' WHERE id = pg_temp.id('g1')$$,
    'principal: and back to user');
-- teams are not workspace members
SELECT throws_ok($$INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES (pg_temp.id('W1'), pg_temp.id('t1'), 'member')$$,
    '23514', 'a team cannot be a workspace member',
    'member: INSERT of a team is 23514');
SELECT pg_temp.refused($$UPDATE share_acl.principal SET kind = 'team', email = NULL, workspace_id = pg_temp.id('W1')
                    WHERE id = pg_temp.id('m1')$$,
    '23514', 'a team cannot be a workspace member',
    'principal: a member turned into a team is 23514, as the INSERT of that member row');
-- only teams have members
SELECT throws_ok($$INSERT INTO share_acl.team_member (team_id, member_id) VALUES (pg_temp.id('lone'), pg_temp.id('m1'))$$,
    '42809', NULL, 'team_member: INSERT with a team that is a user is 42809');
SELECT pg_temp.refused($$UPDATE share_acl.principal SET kind = 'user', email = 't1b@t27.test', workspace_id = NULL
                    WHERE id = pg_temp.id('t1b')$$,
    '42809', format('principal %s is not a team', pg_temp.id('t1b')),
    'principal: a team with members turned into a user is 42809, as the INSERT of its team_member rows');
SELECT lives_ok($$UPDATE share_acl.principal SET kind = 'user', email = 't1c@t27.test', workspace_id = NULL
                    WHERE id = pg_temp.id('t1c')$$,
    'principal: a team without members or roles may turn into a user');
-- nested teams stay in one workspace
SELECT throws_ok($$INSERT INTO share_acl.team_member (team_id, member_id) VALUES (pg_temp.id('t2'), pg_temp.id('t1'))$$,
    '23514', 'a team can only contain teams of its own workspace',
    'team_member: INSERT of a team of another workspace is 23514');
SELECT pg_temp.refused($$UPDATE share_acl.principal SET workspace_id = pg_temp.id('W2') WHERE id = pg_temp.id('t1')$$,
    '23514', 'a team can only contain teams of its own workspace',
    'principal: a team moved to another workspace than its member team is 23514');
SELECT pg_temp.refused($$UPDATE share_acl.principal SET workspace_id = pg_temp.id('W2') WHERE id = pg_temp.id('t1b')$$,
    '23514', 'a team can only contain teams of its own workspace',
    'principal: a team moved to another workspace than the team it is in is 23514');
SELECT lives_ok($$UPDATE share_acl.principal SET workspace_id = pg_temp.id('W2') WHERE id IN (pg_temp.id('t1'), pg_temp.id('t1b'))$$,
    'principal: nested teams moved together to another workspace');
UPDATE share_acl.principal SET workspace_id = pg_temp.id('W1') WHERE id IN (pg_temp.id('t1'), pg_temp.id('t1b'));
INSERT INTO share_acl.team_member (team_id, member_id) VALUES (pg_temp.id('t1'), pg_temp.id('lone'));
SELECT pg_temp.refused($$UPDATE share_acl.principal SET kind = 'team', email = NULL, workspace_id = pg_temp.id('W2')
                    WHERE id = pg_temp.id('lone')$$,
    '23514', 'a team can only contain teams of its own workspace',
    'principal: a user in a team turned into a team of another workspace is 23514');
SELECT lives_ok($$UPDATE share_acl.principal SET kind = 'team', email = NULL, workspace_id = pg_temp.id('W1')
                   WHERE id = pg_temp.id('lone')$$,
    'principal: a user in a team may turn into a team of the same workspace');
-- a team is granted resources of its own workspace only
UPDATE share_acl.principal SET kind = 'team', email = NULL, workspace_id = pg_temp.id('W1') WHERE id = pg_temp.id('t1c');
SELECT throws_ok($$INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES (pg_temp.id('p2'), pg_temp.id('t1c'), 'viewer')$$,
    '23514', 'a team can only be granted resources of its own workspace',
    'share: INSERT of a share to a team of another workspace is 23514');
SELECT pg_temp.refused($$UPDATE share_acl.principal SET workspace_id = pg_temp.id('W2') WHERE id = pg_temp.id('t1c')$$,
    '23514', 'a team can only be granted resources of its own workspace',
    'principal: a team with shares moved to another workspace is 23514');
INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES (pg_temp.id('p2'), pg_temp.id('lone2'), 'viewer');
SELECT pg_temp.refused($$UPDATE share_acl.principal SET kind = 'team', email = NULL, workspace_id = pg_temp.id('W1')
                    WHERE id = pg_temp.id('lone2')$$,
    '23514', 'a team can only be granted resources of its own workspace',
    'principal: a user with shares in another workspace turned into a team is 23514');
-- the CHECK constraints and the e-mail index
SELECT pg_temp.refused($$UPDATE share_acl.principal SET email = 'M1@T27.test' WHERE id = pg_temp.id('g1')$$, '23505', NULL,
    'principal: UPDATE to an e-mail in use (another case) is 23505 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.principal SET email = 'not an e-mail' WHERE id = pg_temp.id('g1')$$, '23514', NULL,
    'principal: UPDATE to a malformed e-mail is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.principal SET workspace_id = NULL WHERE id = pg_temp.id('t2')$$, '23514', NULL,
    'principal: a team without a workspace is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.principal SET workspace_id = pg_temp.id('W1') WHERE id = pg_temp.id('g1')$$, '23514', NULL,
    'principal: a user with a workspace is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.principal SET kind = 'user' WHERE id = pg_temp.id('t2')$$, '23514', NULL,
    'principal: a user without an e-mail is 23514 (as INSERT)');
INSERT INTO share_acl.principal (id, kind, email) VALUES ('27000000-0000-0000-0000-000000000001', 'user', 'free@t27.test');
SELECT pg_temp.refused($$UPDATE share_acl.principal SET id = pg_temp.id('W3') WHERE id = '27000000-0000-0000-0000-000000000001'$$, '23505', NULL,
    'principal: UPDATE of the id to a workspace''s id is 23505 (as INSERT)');

-- --------------------------------------------------------------------- member
SELECT pg_temp.refused($$UPDATE share_acl.member SET role = 'admin' WHERE principal_id = pg_temp.id('ext')$$,
    '23514', 'an external principal can only have the guest or viewer role',
    'member: UPDATE of an external principal''s role to admin is 23514');
SELECT pg_temp.refused($$UPDATE share_acl.member SET principal_id = pg_temp.id('t1') WHERE principal_id = pg_temp.id('m1')$$,
    '23514', 'a team cannot be a workspace member',
    'member: UPDATE of the principal to a team is 23514');
SELECT pg_temp.refused($$UPDATE share_acl.member SET role = 'owner' WHERE principal_id = pg_temp.id('m1')$$, '23505', NULL,
    'member: UPDATE to a second owner is 23505 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.member SET workspace_id = pg_temp.id('W1') WHERE principal_id = pg_temp.id('u2')$$, '23505', NULL,
    'member: UPDATE into a workspace that has an owner already is 23505 (as INSERT)');
-- exactly one owner: checked at commit, here at once
SET CONSTRAINTS share_acl.member_owner_check IMMEDIATE;
SELECT throws_ok($$INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES (pg_temp.id('W3'), pg_temp.id('lone2'), 'member')$$,
    '23000', NULL, 'member: INSERT of a member into a workspace without an owner is 23000');
SELECT pg_temp.refused($$UPDATE share_acl.member SET workspace_id = pg_temp.id('W3') WHERE principal_id = pg_temp.id('o1')$$,
    '23000', format('workspace %s must have exactly one owner (it has 0)', pg_temp.id('W1')),
    'member: UPDATE that moves the owner row away leaves its old workspace without owner: 23000');
SELECT pg_temp.refused($$UPDATE share_acl.member SET role = 'admin' WHERE principal_id = pg_temp.id('o1')$$,
    '23000', NULL, 'member: UPDATE of the owner''s role is 23000');
SET CONSTRAINTS share_acl.member_owner_check DEFERRED;

-- ---------------------------------------------------------------- team_member
SELECT pg_temp.refused($$UPDATE share_acl.team_member SET team_id = pg_temp.id('g1') WHERE member_id = pg_temp.id('m1')$$, '42809', NULL,
    'team_member: UPDATE of the team to a user is 42809 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.team_member SET member_id = pg_temp.id('t2') WHERE member_id = pg_temp.id('t1b')$$,
    '23514', 'a team can only contain teams of its own workspace',
    'team_member: UPDATE of the member to a team of another workspace is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.team_member SET member_id = pg_temp.id('t1')
                    WHERE team_id = pg_temp.id('t1b') AND member_id = pg_temp.id('m1')$$, '42P19', NULL,
    'team_member: UPDATE into a cycle (t1 in t1b in t1) is 42P19 (as INSERT)');
-- t1 contains the team lone (above); lone contains t1c, t1c contains m1
INSERT INTO share_acl.team_member (team_id, member_id) VALUES
    (pg_temp.id('lone'), pg_temp.id('t1c')), (pg_temp.id('t1c'), pg_temp.id('m1'));
SELECT pg_temp.refused($$UPDATE share_acl.team_member SET member_id = pg_temp.id('t1')
                    WHERE team_id = pg_temp.id('t1c') AND member_id = pg_temp.id('m1')$$, '42P19', NULL,
    'team_member: UPDATE that closes a longer cycle (t1, lone, t1c) is 42P19');

-- ------------------------------------------------------------------- resource
SELECT throws_ok($$INSERT INTO share_acl.collection_item (collection_id, resource_id) VALUES (pg_temp.id('a1'), pg_temp.id('c1b'))$$,
    '42809', NULL, 'collection_item: INSERT into a resource that is not a collection is 42809');
SELECT pg_temp.refused($$UPDATE share_acl.resource SET kind = 'asset' WHERE id = pg_temp.id('c1')$$,
    '42809', format('resource %s holds collection items and must stay a collection', pg_temp.id('c1')),
    'resource: a collection with items turned into an asset is 42809, as the INSERT of its items');
SELECT lives_ok($$UPDATE share_acl.resource SET kind = 'asset' WHERE id = pg_temp.id('c1b')$$,
    'resource: a collection without items may change kind');
UPDATE share_acl.resource SET kind = 'collection' WHERE id = pg_temp.id('c1b');
SELECT pg_temp.refused($$UPDATE share_acl.resource SET kind = 'asset' WHERE id = pg_temp.id('p1x')$$, '23514', NULL,
    'resource: a top-level resource that is no project is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.resource SET guest_ai_enabled = true WHERE id = pg_temp.id('a1')$$, '23514', NULL,
    'resource: guest_ai_enabled on an asset is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.resource SET kind = 'collection', parent_id = pg_temp.id('p1x') WHERE id = pg_temp.id('p1')$$,
    '23514', NULL, 'resource: a project with guest_ai_enabled turned into a collection is 23514');
SELECT pg_temp.refused($$UPDATE share_acl.resource SET parent_id = pg_temp.id('p2') WHERE id = pg_temp.id('a1')$$, '23514', NULL,
    'resource: UPDATE to a parent in another workspace is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.resource SET workspace_id = pg_temp.id('W2') WHERE id = pg_temp.id('p1x')$$, '23514', NULL,
    'resource: UPDATE of the workspace is 23514');
SELECT pg_temp.refused($$UPDATE share_acl.resource SET parent_id = id WHERE id = pg_temp.id('a1')$$, '23514', NULL,
    'resource: UPDATE to its own parent is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.resource SET parent_id = pg_temp.id('c1') WHERE id = pg_temp.id('p1')$$, '42P19', NULL,
    'resource: UPDATE of the parent into a cycle is 42P19');
SELECT pg_temp.refused($$UPDATE share_acl.resource SET id = pg_temp.id('o1') WHERE id = pg_temp.id('c1b')$$, '23505', NULL,
    'resource: UPDATE of the id to a principal''s id is 23505 (as INSERT)');

-- ------------------------------------------------------------ collection_item
SELECT pg_temp.refused($$UPDATE share_acl.collection_item SET collection_id = pg_temp.id('p1x') WHERE resource_id = pg_temp.id('a1')$$,
    '42809', NULL, 'collection_item: UPDATE to a collection that is not one is 42809 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.collection_item SET collection_id = pg_temp.id('c2') WHERE resource_id = pg_temp.id('a1')$$,
    '23514', NULL, 'collection_item: UPDATE to a collection of another workspace is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.collection_item SET resource_id = pg_temp.id('p1') WHERE resource_id = pg_temp.id('a1')$$,
    '42P19', NULL, 'collection_item: UPDATE into a cycle is 42P19 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.collection_item SET resource_id = collection_id WHERE resource_id = pg_temp.id('a1')$$,
    '23514', NULL, 'collection_item: UPDATE to itself is 23514 (as INSERT)');

-- ---------------------------------------------------------------------- share
SELECT pg_temp.refused($$UPDATE share_acl.share SET grantee_id = pg_temp.id('t2') WHERE id = pg_temp.id('s1')$$, '23514', NULL,
    'share: UPDATE of the grantee to a team of another workspace is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.share SET resource_id = pg_temp.id('p2') WHERE id = pg_temp.id('s1')$$, '23514', NULL,
    'share: UPDATE of a team''s share to a resource of another workspace is 23514 (as INSERT)');

-- ---------------------------------------------------------- promotion_request
SELECT pg_temp.refused($$UPDATE share_acl.promotion_request SET role = 'admin' WHERE id = pg_temp.id('pr1')$$, '23514', NULL,
    'promotion_request: UPDATE to a role other than member or guest is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.promotion_request SET status = 'maybe' WHERE id = pg_temp.id('pr1')$$, '23514', NULL,
    'promotion_request: UPDATE to an unknown status is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.promotion_request SET status = 'pending' WHERE id = pg_temp.id('pr2')$$, '23505', NULL,
    'promotion_request: UPDATE to a second pending request is 23505 (as INSERT)');

-- ---------------------------------------------------- link, link_view, signing_key
SELECT pg_temp.refused($$UPDATE share_acl.link SET max_views = 0 WHERE id = pg_temp.id('l1')$$, '23514', NULL,
    'link: UPDATE to max_views 0 is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.link SET label = repeat('x', 201) WHERE id = pg_temp.id('l1')$$, '23514', NULL,
    'link: UPDATE to a label of 201 characters is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.link SET resource_id = gen_random_uuid() WHERE id = pg_temp.id('l1')$$, '23503', NULL,
    'link: UPDATE to an unknown resource is 23503 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.link_view SET link_id = gen_random_uuid() WHERE link_id = pg_temp.id('l1')$$, '23503', NULL,
    'link_view: UPDATE to an unknown link is 23503 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.signing_key SET secret = '\x00' WHERE kid = (SELECT min(kid) FROM share_acl.signing_key)$$,
    '23514', NULL, 'signing_key: UPDATE to a secret shorter than 32 bytes is 23514 (as INSERT)');
SELECT pg_temp.refused($$UPDATE share_acl.signing_key SET kid = 0 WHERE kid = (SELECT min(kid) FROM share_acl.signing_key)$$,
    '23514', NULL, 'signing_key: UPDATE to key id 0 is 23514 (as INSERT)');

-- ------------------------------------------------------------- structure lock
-- new resources, shares and plain members take no lock; a parent change, a
-- collection item and a team in a team take the workspace's
CREATE TEMP TABLE locks AS SELECT workspace_id, changes FROM share_acl.structure_lock;
CREATE FUNCTION pg_temp.lock_changes(text) RETURNS bigint LANGUAGE sql STABLE
    AS $$ SELECT coalesce((SELECT changes FROM share_acl.structure_lock WHERE workspace_id = pg_temp.id($1)), 0)
               - coalesce((SELECT changes FROM locks WHERE workspace_id = pg_temp.id($1)), 0) $$;
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
VALUES (gen_random_uuid(), pg_temp.id('W1'), 'asset', pg_temp.id('p1'));
INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES (pg_temp.id('a1'), pg_temp.id('m1'), 'viewer');
INSERT INTO share_acl.team_member (team_id, member_id) VALUES (pg_temp.id('t1'), pg_temp.id('g1'));
SELECT is(pg_temp.lock_changes('W1'), 0::bigint,
    'structure lock: inserting resources, shares and people in teams does not take it');
UPDATE share_acl.resource SET parent_id = pg_temp.id('c1') WHERE id = pg_temp.id('a1');
INSERT INTO share_acl.collection_item (collection_id, resource_id) VALUES (pg_temp.id('c1b'), pg_temp.id('a1'));
INSERT INTO share_acl.team_member (team_id, member_id) VALUES (pg_temp.id('t1'), pg_temp.id('t1c'));
SELECT is(pg_temp.lock_changes('W1'), 3::bigint,
    'structure lock: a parent change, a collection item and a team in a team take it');

SELECT * FROM finish();
ROLLBACK;
