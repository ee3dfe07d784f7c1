-- The data set of test/bench/callgrind.sh: one workspace, 3,000 people (members),
-- 100 teams, 100 private projects of 1,000 assets each, 100 project shares to teams
-- and 10,000 asset shares to people; ids (40,000 random assets) and pairs (2,999
-- (person, asset) pairs, each person once).
CREATE EXTENSION share_acl;
INSERT INTO share_acl.workspace (id, name) VALUES ('c0000000-0000-0000-0000-000000000001', 'cg');
INSERT INTO share_acl.principal (id, kind, email)
SELECT ('c0000000-0000-0000-0001-' || lpad(to_hex(i), 12, '0'))::uuid, 'user', 'u' || i || '@cg.test' FROM generate_series(0, 2999) i;
INSERT INTO share_acl.member (workspace_id, principal_id, role)
SELECT 'c0000000-0000-0000-0000-000000000001', ('c0000000-0000-0000-0001-' || lpad(to_hex(i), 12, '0'))::uuid, CASE WHEN i = 0 THEN 'owner' ELSE 'member' END::share_acl.workspace_role FROM generate_series(0, 2999) i;
INSERT INTO share_acl.principal (id, kind, display_name, workspace_id)
SELECT ('c0000000-0000-0000-0002-' || lpad(to_hex(i), 12, '0'))::uuid, 'team', 't' || i, 'c0000000-0000-0000-0000-000000000001' FROM generate_series(1, 100) i;
INSERT INTO share_acl.team_member (team_id, member_id)
SELECT ('c0000000-0000-0000-0002-' || lpad(to_hex(1 + i % 100), 12, '0'))::uuid, ('c0000000-0000-0000-0001-' || lpad(to_hex(i), 12, '0'))::uuid FROM generate_series(1, 2999) i;
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
SELECT ('c0000000-0000-0000-0003-' || lpad(to_hex(i), 12, '0'))::uuid, 'c0000000-0000-0000-0000-000000000001', 'project', NULL FROM generate_series(1, 100) i;
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
SELECT ('c0000000-0000-0000-0004-' || lpad(to_hex(i), 12, '0'))::uuid, 'c0000000-0000-0000-0000-000000000001', 'asset', ('c0000000-0000-0000-0003-' || lpad(to_hex(1 + i % 100), 12, '0'))::uuid FROM generate_series(1, 100000) i;
INSERT INTO share_acl.share (resource_id, grantee_id, perms)
SELECT ('c0000000-0000-0000-0003-' || lpad(to_hex(1 + i % 100), 12, '0'))::uuid, ('c0000000-0000-0000-0002-' || lpad(to_hex(1 + (i * 7) % 100), 12, '0'))::uuid, 'viewer' FROM generate_series(1, 100) i;
INSERT INTO share_acl.share (resource_id, grantee_id, perms)
SELECT ('c0000000-0000-0000-0004-' || lpad(to_hex(1 + i * 13 % 100000), 12, '0'))::uuid, ('c0000000-0000-0000-0001-' || lpad(to_hex(1 + i % 2999), 12, '0'))::uuid, 'viewer' FROM generate_series(1, 10000) i;
CREATE TABLE ids AS SELECT ('c0000000-0000-0000-0004-' || lpad(to_hex(1 + (i::bigint * 7919) % 100000), 12, '0'))::uuid AS id, i FROM generate_series(1, 40000) i;
CREATE TABLE pairs AS SELECT ('c0000000-0000-0000-0001-' || lpad(to_hex(1 + (i * 17) % 2999), 12, '0'))::uuid AS p, ('c0000000-0000-0000-0004-' || lpad(to_hex(1 + (i::bigint * 7919) % 100000), 12, '0'))::uuid AS a, i FROM generate_series(1, 2999) i;
ANALYZE;
