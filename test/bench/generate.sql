-- test/bench/generate.sql — the SPEC §10 reference data set, deterministic,
-- loaded in bulk through the model tables (the supported bulk-load path).
--
--   psql -v scale=1 -f test/bench/generate.sql
--
-- scale = 1: 1 workspace; 10,000 users; 500 teams nested 4 deep; 200 projects;
-- 1,000,000 assets; 5,000 collections of ~200 assets; 100,000 shares.
-- A smaller scale shrinks assets, collections and shares proportionally.
-- Ids are md5-derived, so every run produces the same rows.
--
-- The shape is that of a workspace grown by use rather than of a pattern:
-- every asset is in a collection; shares land on projects, collections and
-- assets, and on people and teams, each drawn independently (pg_temp.pick),
-- so that every team, the benchmark's member's too, holds shares at every
-- level; the benchmark's member (user 4242) is in two leaf teams of
-- different 4-deep chains, so its grants come from eight teams.
\set ON_ERROR_STOP 1
\if :{?scale}
\else
\set scale 1
\endif

SELECT (1000000 * :scale)::int AS n_assets,
       greatest((5000 * :scale)::int, 1) AS n_collections,
       (100000 * :scale)::int AS n_shares \gset

CREATE OR REPLACE FUNCTION pg_temp.uid(kind text, i int) RETURNS uuid
LANGUAGE sql IMMUTABLE AS $$ SELECT md5(kind || ':' || i)::uuid $$;
-- a deterministic pseudo-random number in [0, n): the draw named tag for row i
CREATE OR REPLACE FUNCTION pg_temp.pick(tag text, i int, n int) RETURNS int
LANGUAGE sql IMMUTABLE AS $$ SELECT (('x' || left(md5(tag || ':' || i), 7))::bit(28)::int % n) $$;

BEGIN;
INSERT INTO share_acl.workspace (id, name) VALUES (pg_temp.uid('ws', 0), 'Bench Studio');

-- 10,000 people: 0 owner, 1-50 admins, 51-7999 members, 8000-9499 guests
-- (the last 500 of them external), 9500-9999 viewers (external)
INSERT INTO share_acl.principal (id, kind, email, display_name)
SELECT pg_temp.uid('user', i),
       (CASE WHEN i >= 9000 THEN 'external' ELSE 'user' END)::share_acl.principal_kind,
       'user' || i || '@bench.example', 'User ' || i
FROM generate_series(0, 9999) i;
INSERT INTO share_acl.member (workspace_id, principal_id, role)
SELECT pg_temp.uid('ws', 0), pg_temp.uid('user', i),
       (CASE WHEN i = 0 THEN 'owner' WHEN i <= 50 THEN 'admin' WHEN i < 8000 THEN 'member'
             WHEN i < 9500 THEN 'guest' ELSE 'viewer' END)::share_acl.workspace_role
FROM generate_series(0, 9999) i;

-- 500 teams in four levels of 125; a team of level k > 0 is inside one of level k-1
INSERT INTO share_acl.principal (id, kind, display_name, workspace_id)
SELECT pg_temp.uid('team', t), 'team', 'Team ' || t, pg_temp.uid('ws', 0)
FROM generate_series(0, 499) t;
INSERT INTO share_acl.team_member (team_id, member_id)
SELECT pg_temp.uid('team', t - 125), pg_temp.uid('team', t) FROM generate_series(125, 499) t;
-- each person in one team, every third in a second one; the benchmark's
-- member in the leaf teams 492 (in 367, 242, 117) and 447 (in 322, 197, 72).
-- Any other person i is never in team (i + 250) % 500 (the team-churn
-- benchmark adds it there and removes it again): i % 500 differs from it, and
-- so does (i * 7 + 3) % 500, as 6i - 247 is odd
INSERT INTO share_acl.team_member (team_id, member_id)
SELECT pg_temp.uid('team', i % 500), pg_temp.uid('user', i) FROM generate_series(1, 9999) i
WHERE i <> 4242
UNION ALL
SELECT pg_temp.uid('team', (i * 7 + 3) % 500), pg_temp.uid('user', i)
FROM generate_series(3, 9999, 3) i WHERE (i * 7 + 3) % 500 <> i % 500 AND i <> 4242
UNION ALL
SELECT pg_temp.uid('team', t), pg_temp.uid('user', 4242) FROM unnest(ARRAY[492, 447]) t;

-- 200 projects: every tenth public, every tenth+1 shared, every 20th restricted
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id, general_access,
                                restricted, guest_ai_enabled)
SELECT pg_temp.uid('project', p), pg_temp.uid('ws', 0), 'project', NULL,
       pg_temp.uid('user', 1 + p % 50),
       (CASE p % 10 WHEN 0 THEN 'public' WHEN 1 THEN 'shared' ELSE 'private' END)::share_acl.general_access,
       p % 20 = 7, p % 3 = 0
FROM generate_series(0, 199) p;

-- collections, each under a project (c % 200)
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id)
SELECT pg_temp.uid('collection', c), pg_temp.uid('ws', 0), 'collection',
       pg_temp.uid('project', c % 200), pg_temp.uid('user', 51 + c % 7000)
FROM generate_series(0, :n_collections - 1) c;

-- assets: asset j lives in project j % 200 and is in collection j % n_collections
-- (every asset is in a collection; at scale 1 the collections of a project hold
-- its own assets, at other scales assets of many projects); 1 in 1000 is restricted
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id, restricted)
SELECT pg_temp.uid('asset', j), pg_temp.uid('ws', 0), 'asset',
       pg_temp.uid('project', j % 200), pg_temp.uid('user', 51 + j % 9000),
       j % 1000 = 999
FROM generate_series(0, :n_assets - 1) j;
INSERT INTO share_acl.collection_item (collection_id, resource_id)
SELECT pg_temp.uid('collection', j % :n_collections), pg_temp.uid('asset', j)
FROM generate_series(0, :n_assets - 1) j;

-- shares: 4% on projects, 20% on collections, the rest on assets; grantees are
-- people (2/3) or teams (1/3); 5% expired, 5% expiring next year; toggles vary.
-- Level, resource, grantee and expiry are drawn independently, so that every
-- grantee (each team too) holds shares on projects, collections and assets
INSERT INTO share_acl.share (id, resource_id, grantee_id, perms, allow_download, allow_comments,
                             allow_approval, allow_contribution, expires_at, granted_by)
SELECT pg_temp.uid('share', s),
       CASE WHEN lvl < 4 THEN pg_temp.uid('project', pg_temp.pick('share-project', s, 200))
            WHEN lvl < 24 THEN pg_temp.uid('collection', pg_temp.pick('share-collection', s, :n_collections))
            ELSE pg_temp.uid('asset', pg_temp.pick('share-asset', s, :n_assets)) END,
       CASE WHEN pg_temp.pick('share-grantee', s, 3) = 0
            THEN pg_temp.uid('team', pg_temp.pick('share-team', s, 500))
            ELSE pg_temp.uid('user', 1 + pg_temp.pick('share-user', s, 9999)) END,
       (ARRAY['viewer', 'commenter', 'editor', 'manager'])[1 + s % 4]::share_acl.permset,
       s % 7 <> 0, s % 11 <> 0, true, s % 13 <> 0,
       CASE pg_temp.pick('share-expiry', s, 20)
            WHEN 0 THEN now() - interval '1 day' WHEN 1 THEN now() + interval '1 year' END,
       pg_temp.uid('user', 0)
FROM generate_series(0, :n_shares - 1) s,
     LATERAL (SELECT pg_temp.pick('share-level', s, 100) AS lvl) l;

-- the benchmark's member (user 4242) has editor shares on 20 projects
INSERT INTO share_acl.share (resource_id, grantee_id, perms, granted_by)
SELECT pg_temp.uid('project', p), pg_temp.uid('user', 4242), 'editor', pg_temp.uid('user', 0)
FROM generate_series(2, 199, 10) p;
COMMIT;
ANALYZE share_acl.resource, share_acl.collection_item, share_acl.share, share_acl.principal,
        share_acl.member, share_acl.team_member;

-- 10,000 share links (SPEC §10), inserted directly like the rest: one in ten
-- on a project, two in ten on a collection, the rest on assets; permission
-- sets and toggles vary; every 20th revoked, every 20th (+1) expired, every
-- 20th (+2) expiring in 30 days, every 10th (+5) with a password, every 25th
-- (+3) with max_views; created by the admins.  Tokens are not stored: they
-- are computed from the link id and the signing key when needed.
SELECT share_acl._password_hash('bench-link-password') AS link_pw_hash \gset
BEGIN;
INSERT INTO share_acl.link (id, resource_id, perms, allow_download, allow_comments, allow_approval,
                            allow_contribution, password_hash, expires_at, max_views, created_by,
                            revoked_at, label)
SELECT md5('link:' || i)::uuid,
       CASE WHEN i % 10 = 0 THEN pg_temp.uid('project', (i / 10) % 200)
            WHEN i % 10 IN (1, 2) THEN pg_temp.uid('collection', i % :n_collections)
            ELSE pg_temp.uid('asset', (i * 7919) % :n_assets) END,
       (ARRAY['viewer', 'commenter', 'view_download', 'editor'])[1 + i % 4]::share_acl.permset,
       i % 3 = 0, i % 4 <> 1, i % 5 = 0, i % 7 = 0,
       CASE WHEN i % 10 = 5 THEN :'link_pw_hash' END,
       CASE i % 20 WHEN 1 THEN now() - interval '1 day' WHEN 2 THEN now() + interval '30 days' END,
       CASE WHEN i % 25 = 3 THEN 100 END,
       pg_temp.uid('user', 1 + i % 50),
       CASE WHEN i % 20 = 0 THEN now() - interval '1 hour' END,
       'Link ' || i
FROM generate_series(0, 9999) i;
COMMIT;
ANALYZE share_acl.link;
