-- test/bench/plain_sql.sql — the way a capable user answers "may P view R?"
-- without share_acl: plain SQL over the same model tables (indexed), for the
-- rules that decide "view" for an internal member: workspace owner (R1),
-- general access (R4), shares to P or its nested teams with expiry (R5),
-- ownership (R10), collections as extra parents and restriction (R8).
-- Used by test/bench/run.sh only.
CREATE SCHEMA IF NOT EXISTS bench_sql;

-- every resource P may view: grants and public/shared roots, then down the tree
CREATE OR REPLACE FUNCTION bench_sql.accessible(p uuid) RETURNS SETOF uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH RECURSIVE
teams(id) AS (
    SELECT tm.team_id FROM share_acl.team_member tm WHERE tm.member_id = p
    UNION
    SELECT tm.team_id FROM share_acl.team_member tm JOIN teams t ON tm.member_id = t.id),
roles AS (SELECT m.workspace_id, m.role FROM share_acl.member m WHERE m.principal_id = p),
roots(id) AS (
    SELECT s.resource_id FROM share_acl.share s
     WHERE (s.grantee_id = p OR s.grantee_id IN (SELECT id FROM teams))
       AND (s.expires_at IS NULL OR s.expires_at > now())
       AND s.perms OPERATOR(share_acl.@>) 'view'
    UNION
    SELECT r.id FROM share_acl.resource r JOIN roles ON roles.workspace_id = r.workspace_id
     WHERE (r.general_access = 'public' AND roles.role IN ('owner', 'admin', 'member'))
        OR (r.general_access = 'shared' AND roles.role = 'admin')
        OR r.owner_id = p),
down(id) AS (
    SELECT id FROM roots
    UNION
    SELECT c.id FROM down d JOIN LATERAL (
        SELECT r.id FROM share_acl.resource r WHERE r.parent_id = d.id AND NOT r.restricted
        UNION ALL
        SELECT ci.resource_id FROM share_acl.collection_item ci
          JOIN share_acl.resource r ON r.id = ci.resource_id
         WHERE ci.collection_id = d.id AND NOT r.restricted) c ON true)
SELECT id FROM down
UNION
SELECT r.id FROM share_acl.resource r JOIN roles ON roles.workspace_id = r.workspace_id
 WHERE roles.role = 'owner'
$$;

-- may P view R: walk up from R
CREATE OR REPLACE FUNCTION bench_sql.can_view(p uuid, res uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH RECURSIVE
teams(id) AS (
    SELECT tm.team_id FROM share_acl.team_member tm WHERE tm.member_id = p
    UNION
    SELECT tm.team_id FROM share_acl.team_member tm JOIN teams t ON tm.member_id = t.id),
role AS (SELECT m.role FROM share_acl.member m
          JOIN share_acl.resource r ON r.workspace_id = m.workspace_id
         WHERE r.id = res AND m.principal_id = p),
up(id, restricted) AS (
    SELECT r.id, r.restricted FROM share_acl.resource r WHERE r.id = res
    UNION
    SELECT a.id, a.restricted FROM up JOIN LATERAL (
        SELECT pr.id, pr.restricted FROM share_acl.resource c
          JOIN share_acl.resource pr ON pr.id = c.parent_id WHERE c.id = up.id
        UNION ALL
        SELECT cr.id, cr.restricted FROM share_acl.collection_item ci
          JOIN share_acl.resource cr ON cr.id = ci.collection_id WHERE ci.resource_id = up.id) a
      ON NOT up.restricted)
SELECT EXISTS (SELECT 1 FROM role WHERE role = 'owner')
    OR EXISTS (SELECT 1 FROM up JOIN share_acl.share s ON s.resource_id = up.id
                WHERE (s.grantee_id = p OR s.grantee_id IN (SELECT id FROM teams))
                  AND (s.expires_at IS NULL OR s.expires_at > now())
                  AND s.perms OPERATOR(share_acl.@>) 'view')
    OR EXISTS (SELECT 1 FROM up JOIN share_acl.resource r ON r.id = up.id, role
                WHERE (r.general_access = 'public' AND role.role IN ('admin', 'member'))
                   OR (r.general_access = 'shared' AND role.role = 'admin')
                   OR r.owner_id = p)
$$;
