-- test/reference/generate.sql — random but deterministic workspaces for the
-- differential test (test/pgtap/30_differential.sql).
--
-- share_acl_ref.generate_workspace(seed, ...) inserts, directly into the
-- share_acl tables (as a superuser, the bulk-load path), one workspace with:
--   * random policies (guest_access_enabled, allow_guest_uploads,
--     members_can_share, member_edit_own_only, public_access_level);
--   * users with every role (exactly one owner), users with no role, external
--     people as guest, viewer or with no role (outsiders);
--   * teams nested up to n_teams deep (a DAG: a team only contains teams
--     created after it, so there is no cycle), holding people of every kind;
--   * projects with nested collections, assets and conversations (and now and
--     then a project below a project), collections holding resources of other
--     projects, restricted resources, every kind of general access,
--     guest_ai_enabled, owners of every kind (or none);
--   * shares to users, externals, outsiders and teams, with random permsets,
--     toggles, and expiries in the past, in the future, exactly now(), or none.
--
-- The same seed always gives the same workspace (setseed).  Ids are readable:
--   SSSSSSSS-KKKK-TTTT-8000-NNNNNNNNNNNN
-- with S the seed in hex, K the kind of object (0000 workspace, 0001 user,
-- 0002 external, 0003 outsider, 0004 team, 0005 resource, 0006 share, 0007 review), T the
-- tag argument in hex, N the object's number in decimal.  Every object is
-- also listed in share_acl_ref.object with a short label for diagnostics.
--
-- Used only by the tests.

CREATE SCHEMA IF NOT EXISTS share_acl_ref;

CREATE TABLE IF NOT EXISTS share_acl_ref.object (
    id    uuid PRIMARY KEY,
    seed  int NOT NULL,
    tag   int NOT NULL,
    kind  text NOT NULL,   -- workspace | user | external | outsider | team | resource | share | review
    label text NOT NULL
);

CREATE OR REPLACE FUNCTION share_acl_ref.make_id(seed int, kind int, tag int, n int)
RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT
AS $$
    SELECT format('%s-%s-%s-8000-%s',
                  lpad(to_hex(seed), 8, '0'),
                  lpad(kind::text, 4, '0'),
                  lpad(to_hex(tag), 4, '0'),
                  lpad(n::text, 12, '0'))::uuid
$$;

-- whether resource a is at or above resource b (parents and collections)
CREATE OR REPLACE FUNCTION share_acl_ref.is_above(a uuid, b uuid)
RETURNS boolean
LANGUAGE sql STABLE STRICT
AS $$
    WITH RECURSIVE up(id) AS (
        SELECT b
        UNION
        SELECT x.up_id
          FROM up
         CROSS JOIN LATERAL (
                SELECT r.parent_id AS up_id FROM share_acl.resource r WHERE r.id = up.id
                UNION ALL
                SELECT ci.collection_id FROM share_acl.collection_item ci WHERE ci.resource_id = up.id
         ) x
         WHERE x.up_id IS NOT NULL
    )
    SELECT EXISTS (SELECT 1 FROM up WHERE id = a)
$$;

-- a uniform integer in [lo, hi]
CREATE OR REPLACE FUNCTION share_acl_ref.rand_int(lo int, hi int)
RETURNS int
LANGUAGE sql VOLATILE STRICT
AS $$ SELECT lo + floor(random() * (hi - lo + 1))::int $$;

-- one element of a non-empty array, uniformly
CREATE OR REPLACE FUNCTION share_acl_ref.pick(a anyarray)
RETURNS anyelement
LANGUAGE sql VOLATILE STRICT
AS $$ SELECT a[share_acl_ref.rand_int(array_lower(a, 1), array_upper(a, 1))] $$;

-- a random permission set: a named set, a random subset of the flags, or both
CREATE OR REPLACE FUNCTION share_acl_ref.random_permset()
RETURNS share_acl.permset
LANGUAGE plpgsql VOLATILE
SET search_path = share_acl, pg_catalog
AS $$
DECLARE
    named text[] := ARRAY['viewer', 'commenter', 'editor', 'manager', 'full',
                          'view_only', 'view_download', 'contributor', 'full_editor'];
    flags text[] := permset_flags('full'::permset);
    chosen text[] := '{}';
    f text;
    how int := share_acl_ref.rand_int(0, 9);
BEGIN
    IF how <= 4 THEN
        RETURN share_acl_ref.pick(named)::permset;
    END IF;
    FOREACH f IN ARRAY flags LOOP
        IF random() < (CASE WHEN how <= 7 THEN 0.3 ELSE 0.1 END) THEN
            chosen := chosen || f;
        END IF;
    END LOOP;
    IF how = 9 THEN
        chosen := chosen || share_acl_ref.pick(named);
    END IF;
    RETURN permset(chosen);
END
$$;

CREATE OR REPLACE FUNCTION share_acl_ref.generate_workspace(
    seed          int,
    n_users       int DEFAULT 8,      -- kind user, with roles (user 1 is the owner)
    n_externals   int DEFAULT 3,      -- kind external
    n_outsiders   int DEFAULT 3,      -- kind user or external, never a member
    n_teams       int DEFAULT 4,
    n_resources   int DEFAULT 40,
    n_shares      int DEFAULT 30,
    tag           int DEFAULT 0)      -- lets one seed be generated twice
RETURNS uuid
LANGUAGE plpgsql VOLATILE
SET search_path = share_acl, pg_catalog
AS $$
DECLARE
    w         uuid := share_acl_ref.make_id(seed, 0, tag, 0);
    owner_id  uuid := share_acl_ref.make_id(seed, 1, tag, 1);
    people    uuid[] := '{}';     -- every user, external and outsider
    teams     uuid[] := '{}';
    resources uuid[] := '{}';
    containers uuid[] := '{}';   -- projects and collections
    assets    uuid[] := '{}';
    collections uuid[] := '{}';
    id        uuid;
    rl        workspace_role;
    k         resource_kind;
    parent    uuid;
    x         uuid;
    i         int;
    j         int;
    u         int;
    n_projects int := greatest(1, least(3, n_resources));
    pal       permset;
BEGIN
    IF seed < 0 THEN
        RAISE EXCEPTION 'seed must be >= 0';
    END IF;
    PERFORM setseed(((seed::bigint * 7919) % 1000003)::float8 / 1000003);

    -- the workspace and its policies
    pal := CASE share_acl_ref.rand_int(0, 5)
             WHEN 0 THEN 'commenter'::permset
             WHEN 1 THEN 'editor'::permset
             WHEN 2 THEN 'view_only'::permset
             WHEN 3 THEN share_acl_ref.random_permset()
             ELSE 'viewer'::permset
           END;
    INSERT INTO workspace (id, name, guest_access_enabled, allow_guest_uploads,
                           members_can_share, member_edit_own_only, public_access_level)
    VALUES (w, format('reference workspace seed %s', seed),
            random() < 0.75, random() < 0.5, random() < 0.7, random() < 0.35, pal);
    INSERT INTO share_acl_ref.object VALUES (w, seed, tag, 'workspace', format('s%s/W', seed));

    -- users with roles
    FOR i IN 1..n_users LOOP
        id := share_acl_ref.make_id(seed, 1, tag, i);
        rl := CASE
                WHEN i = 1 THEN 'owner'
                WHEN i = 2 THEN 'admin'
                WHEN i = 3 THEN 'member'
                WHEN i = 4 THEN 'guest'
                ELSE share_acl_ref.pick(ARRAY['admin', 'member', 'member', 'member',
                                              'guest', 'viewer', NULL]::workspace_role[])
              END;
        INSERT INTO principal (id, kind, email, display_name)
        VALUES (id, 'user', format('u%s.s%s.t%s@reference.example', i, seed, tag),
                format('user %s', i));
        IF rl IS NOT NULL THEN
            INSERT INTO member (workspace_id, principal_id, role) VALUES (w, id, rl);
        END IF;
        INSERT INTO share_acl_ref.object
        VALUES (id, seed, tag, 'user', format('s%s/u%s:%s', seed, i, coalesce(rl::text, 'none')));
        people := people || id;
    END LOOP;

    -- external people: guest, viewer, or no role
    FOR i IN 1..n_externals LOOP
        id := share_acl_ref.make_id(seed, 2, tag, i);
        rl := CASE
                WHEN i = 1 THEN 'guest'
                WHEN i = 2 THEN 'viewer'
                ELSE share_acl_ref.pick(ARRAY['guest', 'viewer', NULL]::workspace_role[])
              END;
        INSERT INTO principal (id, kind, email, display_name)
        VALUES (id, 'external', format('x%s.s%s.t%s@outside.example', i, seed, tag),
                format('external %s', i));
        IF rl IS NOT NULL THEN
            INSERT INTO member (workspace_id, principal_id, role) VALUES (w, id, rl);
        END IF;
        INSERT INTO share_acl_ref.object
        VALUES (id, seed, tag, 'external', format('s%s/x%s:%s', seed, i, coalesce(rl::text, 'none')));
        people := people || id;
    END LOOP;

    -- outsiders: people with no role in the workspace (users and externals)
    FOR i IN 1..n_outsiders LOOP
        id := share_acl_ref.make_id(seed, 3, tag, i);
        INSERT INTO principal (id, kind, email, display_name)
        VALUES (id, CASE WHEN i % 2 = 1 THEN 'user' ELSE 'external' END::principal_kind,
                format('o%s.s%s.t%s@elsewhere.example', i, seed, tag),
                format('outsider %s', i));
        INSERT INTO share_acl_ref.object
        VALUES (id, seed, tag, 'outsider',
                format('s%s/o%s:%s', seed, i, CASE WHEN i % 2 = 1 THEN 'user' ELSE 'external' END));
        people := people || id;
    END LOOP;

    -- teams, nested: team j may be put in any team i < j (a DAG, up to n_teams deep)
    FOR i IN 1..n_teams LOOP
        id := share_acl_ref.make_id(seed, 4, tag, i);
        INSERT INTO principal (id, kind, display_name, workspace_id)
        VALUES (id, 'team', format('team %s', i), w);
        INSERT INTO share_acl_ref.object VALUES (id, seed, tag, 'team', format('s%s/t%s', seed, i));
        teams := teams || id;
    END LOOP;
    FOR j IN 2..n_teams LOOP
        IF random() < 0.75 THEN     -- mostly a chain: deep nesting
            INSERT INTO team_member VALUES (teams[j - 1], teams[j]);
        END IF;
        IF j > 2 AND random() < 0.3 THEN
            INSERT INTO team_member VALUES (teams[share_acl_ref.rand_int(1, j - 2)], teams[j])
            ON CONFLICT DO NOTHING;
        END IF;
    END LOOP;
    FOREACH x IN ARRAY people LOOP
        FOR i IN 1..n_teams LOOP
            IF random() < 0.2 THEN
                INSERT INTO team_member VALUES (teams[i], x);
            END IF;
        END LOOP;
    END LOOP;

    -- resources: a few projects first, then anything below a container
    FOR i IN 1..n_resources LOOP
        id := share_acl_ref.make_id(seed, 5, tag, i);
        IF i <= n_projects THEN
            k := 'project';
            parent := NULL;
        ELSE
            k := share_acl_ref.pick(ARRAY['collection', 'collection', 'asset', 'asset', 'asset',
                                          'asset', 'conversation', 'project']::resource_kind[]);
            IF k = 'conversation' AND cardinality(assets) > 0 AND random() < 0.5 THEN
                parent := share_acl_ref.pick(assets);
            ELSIF k = 'asset' AND cardinality(assets) > 0 AND random() < 0.15 THEN
                parent := share_acl_ref.pick(assets);       -- a version below an asset
            ELSE
                parent := share_acl_ref.pick(containers);
            END IF;
        END IF;
        u := share_acl_ref.rand_int(0, cardinality(people) + 2);
        INSERT INTO resource (id, workspace_id, kind, parent_id, owner_id,
                              general_access, restricted, guest_ai_enabled)
        VALUES (id, w, k, parent,
                CASE WHEN u = 0 THEN NULL
                     WHEN u <= cardinality(people) THEN people[u]
                     ELSE owner_id END,
                share_acl_ref.pick(ARRAY['private', 'private', 'private', 'private',
                                         'shared', 'shared', 'public']::general_access[]),
                random() < 0.12,
                k = 'project' AND random() < 0.5);
        INSERT INTO share_acl_ref.object
        VALUES (id, seed, tag, 'resource', format('s%s/r%s:%s', seed, i, k));
        resources := resources || id;
        IF k IN ('project', 'collection') THEN
            containers := containers || id;
        END IF;
        IF k = 'collection' THEN
            collections := collections || id;
        END IF;
        IF k = 'asset' THEN
            assets := assets || id;
        END IF;
    END LOOP;

    -- collection items: mostly assets (often of another project), sometimes
    -- anything; never a cycle
    FOREACH x IN ARRAY collections LOOP
        FOR i IN 1..share_acl_ref.rand_int(0, 3) LOOP
            IF cardinality(assets) > 0 AND random() < 0.7 THEN
                id := share_acl_ref.pick(assets);
            ELSE
                id := share_acl_ref.pick(resources);
            END IF;
            IF id <> x AND NOT share_acl_ref.is_above(id, x) THEN
                INSERT INTO collection_item (collection_id, resource_id) VALUES (x, id)
                ON CONFLICT DO NOTHING;
            END IF;
        END LOOP;
    END LOOP;

    -- shares
    FOR i IN 1..n_shares LOOP
        u := share_acl_ref.rand_int(1, 100);
        INSERT INTO share (id, resource_id, grantee_id, perms, allow_download, allow_comments,
                           allow_approval, allow_contribution, expires_at, granted_by)
        VALUES (share_acl_ref.make_id(seed, 6, tag, i),
                share_acl_ref.pick(resources),
                CASE WHEN u <= 60 THEN share_acl_ref.pick(people) ELSE share_acl_ref.pick(teams) END,
                share_acl_ref.random_permset(),
                random() >= 0.25, random() >= 0.25, random() >= 0.25, random() >= 0.25,
                CASE share_acl_ref.rand_int(1, 20)
                    WHEN 1 THEN now()                                    -- expired: <= now()
                    WHEN 2 THEN now() - interval '1 microsecond'
                    WHEN 3 THEN now() + interval '1 microsecond'
                    WHEN 4 THEN now() - interval '1 day' * share_acl_ref.rand_int(1, 30)
                    WHEN 5 THEN now() - interval '1 hour'
                    WHEN 6 THEN now() + interval '1 hour'
                    WHEN 7 THEN now() + interval '1 day' * share_acl_ref.rand_int(1, 30)
                    WHEN 8 THEN now() + interval '1 day' * share_acl_ref.rand_int(1, 30)
                    ELSE NULL
                END,
                owner_id);
        INSERT INTO share_acl_ref.object
        VALUES (share_acl_ref.make_id(seed, 6, tag, i), seed, tag, 'share', format('s%s/sh%s', seed, i));
    END LOOP;

    -- reviews: a few, each with one to three reviewers (people or teams),
    -- open or closed, with a due time passed or not
    FOR i IN 1..greatest(n_shares / 10, 1) LOOP
        id := share_acl_ref.make_id(seed, 7, tag, i);
        INSERT INTO review (id, resource_id, requested_by, perms, due_at, close_at_due)
        VALUES (id, share_acl_ref.pick(resources), owner_id, share_acl_ref.random_permset(),
                now() + interval '1 hour' * share_acl_ref.rand_int(-48, 48), random() < 0.5);
        INSERT INTO review_reviewer (review_id, reviewer_id, resource_id, perms, expires_at, active)
        SELECT DISTINCT ON (g.x) v.id, g.x, v.resource_id, v.perms, CASE WHEN v.close_at_due THEN v.due_at END,
               random() >= 0.3
          FROM review v,
               LATERAL (SELECT CASE WHEN random() < 0.7 THEN share_acl_ref.pick(people)
                                    ELSE share_acl_ref.pick(teams) END AS x
                          FROM generate_series(1, share_acl_ref.rand_int(1, 3))) g
         WHERE v.id = share_acl_ref.make_id(seed, 7, tag, i) AND g.x IS NOT NULL;
        INSERT INTO share_acl_ref.object
        VALUES (id, seed, tag, 'review', format('s%s/rv%s', seed, i));
    END LOOP;

    RETURN w;
END
$$;

COMMENT ON FUNCTION share_acl_ref.generate_workspace(int, int, int, int, int, int, int, int) IS
    'insert a random, deterministic workspace for the differential test (tests only)';
