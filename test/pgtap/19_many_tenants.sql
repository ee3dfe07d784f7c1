-- pgTAP: SPEC §10 "many tenants": 100,000 workspaces, each with a project,
-- work like one (no limit below 2^31 workspaces in the engine's indexes),
-- and the uuid index is keyed (chosen ids cannot be aimed at its buckets).
BEGIN;
SET LOCAL search_path = share_acl, public;
SELECT plan(12);

-- 100,000 workspaces with ids md5-derived from their number, one project
-- each, and in every 1,000th one an owner and a member with a share.
CREATE TEMP TABLE t19 AS
SELECT i,
       md5('f19 ws ' || i)::uuid AS ws,
       md5('f19 project ' || i)::uuid AS proj,
       md5('f19 owner ' || i)::uuid AS owner,
       md5('f19 member ' || i)::uuid AS member
FROM generate_series(1, 100000) i;

INSERT INTO workspace (id, name) SELECT ws, 'f19 tenant ' || i FROM t19;
INSERT INTO resource (id, workspace_id, kind) SELECT proj, ws, 'project' FROM t19;
INSERT INTO principal (id, kind, email)
SELECT owner, 'user'::principal_kind, 'owner' || i || '@f19.test' FROM t19 WHERE i % 1000 = 0
UNION ALL
SELECT member, 'user', 'member' || i || '@f19.test' FROM t19 WHERE i % 1000 = 0;
INSERT INTO member (workspace_id, principal_id, role)
SELECT ws, owner, 'owner'::workspace_role FROM t19 WHERE i % 1000 = 0
UNION ALL
SELECT ws, member, 'member' FROM t19 WHERE i % 1000 = 0;
INSERT INTO share (resource_id, grantee_id, perms, granted_by)
SELECT proj, member, 'commenter', owner FROM t19 WHERE i % 1000 = 0;

SELECT is((SELECT count(*) FROM workspace w JOIN t19 ON t19.ws = w.id), 100000::bigint,
    '100,000 workspaces');

SELECT ok(has_access(owner, proj, 'full'),
    'the owner of the 100,000th workspace has full on its project (R1)')
FROM t19 WHERE i = 100000;

SELECT ok(has_access(owner, proj, 'full'),
    'the owner of the 65,537th-and-later workspaces too (workspace 70,000)')
FROM t19 WHERE i = 70000;

SELECT is((SELECT count(*) FROM t19
           WHERE i % 1000 = 0 AND NOT has_access(owner, proj, 'full')), 0::bigint,
    'every sampled owner has full on its own project');

SELECT is((SELECT count(*) FROM t19
           WHERE i % 1000 = 0 AND effective_permissions(member, proj) <> 'commenter,share'::permset),
          0::bigint,
    'every sampled member has its share (and R11 share) on its own project');

SELECT is((SELECT count(*) FROM t19 a JOIN t19 b ON b.i = a.i - 1000
           WHERE a.i % 1000 = 0 AND a.i > 1000
             AND (has_access(a.owner, b.proj, 'view') OR has_access(a.member, b.proj, 'view'))),
          0::bigint,
    'nobody sees a project of another tenant');

SELECT ok(has_access(owner, ws, 'manage_settings'),
    'workspace-level check on the 100,000th workspace (R12)')
FROM t19 WHERE i = 100000;

-- the uuid hash is keyed: not the same function in every backend, and a
-- backend's buckets spread sequential ids evenly
SELECT isnt(_uuid_hash('00000000-0000-0000-0000-000000000001'),
            _uuid_hash('00000000-0000-0000-0000-000000000002'),
    'the keyed uuid hash separates neighbouring ids');
SELECT cmp_ok((SELECT count(DISTINCT _uuid_hash(proj) & 1023) FROM t19 WHERE i <= 10000)::integer,
              '>', 1000,
    'the low 10 bits of the keyed hash take every value over 10,000 ids');

-- a principal with a role in many workspaces (a consultant's account) has
-- its memberships searched in order: in each of 100 tenants it answers as a
-- twin with that one membership does, on the project and on the workspace
-- (R12); so does an external principal with guest and viewer roles
INSERT INTO principal (id, kind, email) VALUES
    (md5('f19 consultant')::uuid, 'user', 'consultant@f19.test'),
    (md5('f19 outsider')::uuid, 'external', 'outsider@f19.test');
INSERT INTO principal (id, kind, email)
SELECT md5('f19 twin ' || i)::uuid, 'user'::principal_kind, 'twin' || i || '@f19.test' FROM t19 WHERE i % 1000 = 0
UNION ALL
SELECT md5('f19 outside twin ' || i)::uuid, 'external', 'outside' || i || '@f19.test' FROM t19 WHERE i % 1000 = 0;
CREATE TEMP TABLE t19_roles AS
SELECT i, ws, proj, (ARRAY['guest', 'viewer', 'member', 'admin'])[1 + (i / 1000) % 4]::workspace_role AS role
  FROM t19 WHERE i % 1000 = 0;
INSERT INTO member (workspace_id, principal_id, role)
SELECT ws, md5('f19 consultant')::uuid, role FROM t19_roles
UNION ALL
SELECT ws, md5('f19 twin ' || i)::uuid, role FROM t19_roles
UNION ALL
SELECT ws, md5('f19 outsider')::uuid, CASE WHEN role = 'viewer' THEN 'viewer' ELSE 'guest' END::workspace_role
  FROM t19_roles
UNION ALL
SELECT ws, md5('f19 outside twin ' || i)::uuid, CASE WHEN role = 'viewer' THEN 'viewer' ELSE 'guest' END::workspace_role
  FROM t19_roles;
SELECT is((SELECT count(*) FROM t19_roles r
            WHERE effective_permissions(md5('f19 consultant')::uuid, r.proj)
                    IS DISTINCT FROM effective_permissions(md5('f19 twin ' || r.i)::uuid, r.proj)
               OR effective_permissions(md5('f19 consultant')::uuid, r.ws)
                    IS DISTINCT FROM effective_permissions(md5('f19 twin ' || r.i)::uuid, r.ws)
               OR effective_permissions(md5('f19 outsider')::uuid, r.ws)
                    IS DISTINCT FROM effective_permissions(md5('f19 outside twin ' || r.i)::uuid, r.ws)),
          0::bigint,
    'a principal with roles in 100 workspaces answers in each as one with that role alone');
SELECT is((SELECT count(DISTINCT effective_permissions(md5('f19 consultant')::uuid, r.ws)) FROM t19_roles r),
          3::bigint, '... its four roles give their workspace permissions (R12: guest and viewer both view)');
SELECT ok(NOT has_access(md5('f19 consultant')::uuid, (SELECT proj FROM t19 WHERE i = 1), 'view')
          AND effective_permissions(md5('f19 consultant')::uuid, (SELECT ws FROM t19 WHERE i = 1)) = ''::permset,
    '... and where it has no role, nothing');

SELECT * FROM finish();
ROLLBACK;
