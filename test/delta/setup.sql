-- test/delta/setup.sql — the workspace and the random change generator of
-- the delta suite (test/delta/run.sh).  Run as a superuser in a database
-- where share_acl, test/reference/model.sql and test/reference/generate.sql
-- are installed and test/delta/ballast.sql has run, with psql variables
-- seed (int) and ballast (the number of ballast assets).
--
--   * workspace W: share_acl_ref.generate_workspace(seed, ...) — a few
--     hundred resources in nested projects, collections and assets, items in
--     several collections, restricted ones, every general access, people of
--     every role, nested teams and shares on every level;
--   * schema delta: the sample (the people of W and a team; every resource
--     id of W ever seen, W itself and a few ballast resources), the answers
--     a new backend gave, the comparisons, and delta.random_statement(),
--     which returns one random change of W (now and then of the ballast)
--     as SQL, valid under the caller's snapshot (inside its transaction).

\set ON_ERROR_STOP 1
SET search_path = share_acl, public;

CREATE SCHEMA delta;

CREATE TABLE delta.config (
    ws      uuid NOT NULL,      -- the workspace that changes
    ballast uuid NOT NULL,      -- the ballast workspace
    n_ballast int NOT NULL
);

INSERT INTO delta.config
SELECT share_acl_ref.generate_workspace(:seed, n_users => 8, n_externals => 3, n_outsiders => 2,
                                        n_teams => 5, n_resources => 320, n_shares => 160),
       md5('delta ballast')::uuid, :ballast;

CREATE FUNCTION delta.ws() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT ws FROM delta.config $$;

-- people of W (owners and grantees), and who is checked: the people and a team
CREATE TABLE delta.people (p uuid PRIMARY KEY);
INSERT INTO delta.people
SELECT id FROM share_acl_ref.object WHERE kind IN ('user', 'external', 'outsider');
CREATE TABLE delta.principals (p uuid PRIMARY KEY, label text NOT NULL);
INSERT INTO delta.principals
SELECT id, label FROM share_acl_ref.object
 WHERE kind IN ('user', 'external', 'outsider') OR label LIKE '%/t1';

-- every resource id of W a fresh backend has seen (deleted ones stay: they
-- must stay unknown), W itself (R12) and a few ballast resources
CREATE TABLE delta.seen (r uuid PRIMARY KEY);
INSERT INTO delta.seen
SELECT ws FROM delta.config
UNION ALL SELECT md5('delta ballast project')::uuid
UNION ALL SELECT md5('delta ballast coll 3')::uuid
UNION ALL SELECT md5('delta ballast asset 97')::uuid
UNION ALL SELECT md5('delta ballast asset 98')::uuid;

-- a fresh backend's answers
CREATE TABLE delta.expected (p uuid, r uuid, perms permset, viewable boolean, PRIMARY KEY (p, r));
CREATE TABLE delta.expected_lists (p uuid PRIMARY KEY, n bigint, digest text);

-- the list of what p may view in W: its size and a digest
CREATE FUNCTION delta.list_of(p uuid, OUT n bigint, OUT digest text)
LANGUAGE sql VOLATILE AS $$
    SELECT count(*), md5(coalesce(string_agg(a::text, ',' ORDER BY a), ''))
      FROM share_acl.accessible_resources(p, 'view') a
$$;

-- Record a new backend's answers: E and has_access view for every pair of
-- the sample, and the list of what each principal may view in W as those
-- checks say (SPEC §12: check = list).
CREATE FUNCTION delta.record_expected() RETURNS void
LANGUAGE sql VOLATILE AS $$
    INSERT INTO delta.seen SELECT id FROM share_acl.resource WHERE workspace_id = delta.ws()
    ON CONFLICT DO NOTHING;
    DELETE FROM delta.expected;
    INSERT INTO delta.expected
    SELECT p.p, s.r, share_acl.effective_permissions(p.p, s.r),
           share_acl.has_access(p.p, s.r, 'view')
      FROM delta.principals p, delta.seen s;
    DELETE FROM delta.expected_lists;
    INSERT INTO delta.expected_lists
    SELECT p.p, count(x.id), md5(coalesce(string_agg(x.id::text, ',' ORDER BY x.id), ''))
      FROM delta.principals p
      LEFT JOIN (delta.expected e JOIN share_acl.resource x ON x.id = e.r AND e.viewable)
             ON e.p = p.p
     GROUP BY p.p;
$$;

-- the differences between this backend's answers and the recorded ones
CREATE FUNCTION delta.pair_differences() RETURNS SETOF text
LANGUAGE sql VOLATILE AS $$
    SELECT format('pair %s [%s] resource %s: here {%s} view=%s, fresh backend {%s} view=%s',
                  e.p, pr.label, e.r, x.perms, x.viewable, e.perms, e.viewable)
      FROM delta.expected e
      JOIN delta.principals pr ON pr.p = e.p
     CROSS JOIN LATERAL (SELECT share_acl.effective_permissions(e.p, e.r)::text AS perms,
                                share_acl.has_access(e.p, e.r, 'view') AS viewable) x
     WHERE x.perms IS DISTINCT FROM e.perms::text OR x.viewable IS DISTINCT FROM e.viewable
     LIMIT 20
$$;

-- (of the principals in which, or of all)
CREATE FUNCTION delta.list_differences(which uuid[] DEFAULT NULL) RETURNS SETOF text
LANGUAGE sql VOLATILE AS $$
    SELECT format('list of %s [%s]: here %s resources (%s), fresh backend %s (%s)',
                  e.p, pr.label, l.n, l.digest, e.n, e.digest)
      FROM delta.expected_lists e
      JOIN delta.principals pr ON pr.p = e.p AND (which IS NULL OR pr.p = ANY (which))
     CROSS JOIN LATERAL delta.list_of(e.p) l
     WHERE (l.n, l.digest) IS DISTINCT FROM (e.n, e.digest)
     LIMIT 20
$$;

-- Inside a transaction that changed W: this backend's answers against the
-- reference model, which reads the same uncommitted rows, on the resources
-- of W the transaction's statements named (touched), up to 40 of those
-- below them, and a sample of the others.
CREATE FUNCTION delta.own_differences(touched uuid[]) RETURNS SETOF text
LANGUAGE sql VOLATILE AS $$
    WITH RECURSIVE below(r, depth) AS (
        SELECT t, 0 FROM unnest(touched) t
         WHERE EXISTS (SELECT 1 FROM share_acl.resource x WHERE x.id = t AND x.workspace_id = delta.ws())
            OR EXISTS (SELECT 1 FROM delta.seen s WHERE s.r = t)
        UNION
        SELECT c.r, b.depth + 1
          FROM below b
         CROSS JOIN LATERAL (SELECT x.id AS r FROM share_acl.resource x WHERE x.parent_id = b.r
                             UNION ALL
                             SELECT ci.resource_id FROM share_acl.collection_item ci
                              WHERE ci.collection_id = b.r) c
         WHERE b.depth < 3),
    sample AS (
        SELECT r FROM below WHERE depth = 0
        UNION (SELECT r FROM below WHERE depth > 0 ORDER BY depth, r LIMIT 40)
        UNION (SELECT r FROM delta.seen ORDER BY md5(r::text || pg_current_xact_id()::text) LIMIT 12))
    SELECT format('in its own transaction: pair %s [%s] resource %s: here {%s}, reference model {%s}',
                  p.p, p.label, s.r, x.here, x.model)
      FROM delta.principals p, (SELECT DISTINCT r FROM sample) s,
           LATERAL (SELECT share_acl.effective_permissions(p.p, s.r)::text AS here,
                           share_acl_ref.effective_permissions(p.p, s.r)::text AS model) x
     WHERE x.here IS DISTINCT FROM x.model
     LIMIT 20
$$;

-- one element of an array at random (NULL when empty)
CREATE FUNCTION delta.pick(a uuid[]) RETURNS uuid
LANGUAGE sql VOLATILE AS $$
    SELECT CASE WHEN cardinality(a) > 0 THEN a[1 + floor(random() * cardinality(a))::int] END
$$;

CREATE FUNCTION delta.pick_text(a text[]) RETURNS text
LANGUAGE sql VOLATILE AS $$ SELECT a[1 + floor(random() * cardinality(a))::int] $$;

CREATE SEQUENCE delta.id_seq;

-- a new id (deterministic for a seed: ids of rolled back statements are never reused)
CREATE FUNCTION delta.new_id() RETURNS uuid
LANGUAGE sql VOLATILE AS $$ SELECT md5('delta new ' || random()::text || nextval('delta.id_seq'))::uuid $$;

-- the row values of a new resource of W
CREATE FUNCTION delta.new_row(id uuid, kind resource_kind, parent uuid) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = share_acl, pg_catalog AS $$
DECLARE
    people uuid[] := ARRAY(SELECT p FROM delta.people ORDER BY p);
BEGIN
    RETURN format('(%L, %L, %L, %L, %L, %L, %L, %L)', id, delta.ws(), kind, parent,
                  CASE WHEN random() < 0.15 THEN NULL ELSE delta.pick(people) END,
                  delta.pick_text(ARRAY['private', 'private', 'private', 'shared', 'public']),
                  random() < 0.15, kind = 'project' AND random() < 0.5);
END $$;

-- resources of W that are not at or above x (parents and collections), among cands
CREATE FUNCTION delta.not_below(x uuid[], cands uuid[]) RETURNS uuid[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(c ORDER BY c), '{}') FROM unnest(cands) c
     WHERE NOT EXISTS (SELECT 1 FROM unnest(x) m WHERE share_acl_ref.is_above(m, c))
$$;

-- One random change of W (now and then of the ballast), valid under the
-- caller's snapshot: no cycle, parents and items in the same workspace.
CREATE FUNCTION delta.random_statement() RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = share_acl, pg_catalog AS $$
DECLARE
    w           uuid := delta.ws();
    cfg         delta.config;
    all_res     uuid[];
    containers  uuid[];
    collections uuid[];
    assets      uuid[];
    movable     uuid[];
    projects    uuid[];
    people      uuid[] := ARRAY(SELECT p FROM delta.people ORDER BY p);
    teams       uuid[];
    n_res       int;
    dice        int := floor(random() * 100)::int;
    x           uuid;
    p           uuid;
    c           uuid;
    ids         uuid[];
    rows        text[] := '{}';
    i           int;
    k           text;
BEGIN
    SELECT * INTO cfg FROM delta.config;
    SELECT array_agg(id ORDER BY id),
           array_agg(id ORDER BY id) FILTER (WHERE kind IN ('project', 'collection')),
           array_agg(id ORDER BY id) FILTER (WHERE kind = 'collection'),
           array_agg(id ORDER BY id) FILTER (WHERE kind = 'asset'),
           array_agg(id ORDER BY id) FILTER (WHERE kind <> 'project'),
           array_agg(id ORDER BY id) FILTER (WHERE kind = 'project')
      INTO all_res, containers, collections, assets, movable, projects
      FROM resource WHERE workspace_id = w;
    n_res := coalesce(cardinality(all_res), 0);
    teams := ARRAY(SELECT id FROM principal WHERE workspace_id = w AND kind = 'team' ORDER BY id);
    -- keep W between about 200 and 500 resources
    IF n_res < 200 AND dice >= 35 THEN
        dice := floor(random() * 35)::int;
    ELSIF n_res > 500 AND dice < 35 THEN
        dice := 35 + floor(random() * 65)::int;
    END IF;

    IF dice < 20 THEN
        -- one new resource
        k := delta.pick_text(ARRAY['collection', 'asset', 'asset', 'asset', 'conversation', 'project']);
        IF k = 'project' AND random() < 0.6 THEN
            p := NULL;
        ELSIF k IN ('asset', 'conversation') AND random() < 0.2 THEN
            p := delta.pick(assets);
        ELSE
            p := delta.pick(containers);
        END IF;
        IF p IS NULL THEN
            k := 'project';
        END IF;
        RETURN 'INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id, general_access, '
               'restricted, guest_ai_enabled) VALUES ' || delta.new_row(delta.new_id(), k::resource_kind, p);
    ELSIF dice < 30 THEN
        -- many rows in one statement: a new collection listed after its
        -- children, items of it, and resources under existing containers
        c := delta.new_id();
        FOR i IN 1..1 + floor(random() * 6)::int LOOP
            rows := rows || delta.new_row(delta.new_id(), 'asset', c);
        END LOOP;
        rows := rows || delta.new_row(c, 'collection', delta.pick(containers));
        FOR i IN 1..floor(random() * 6)::int LOOP
            rows := rows || delta.new_row(delta.new_id(),
                                          delta.pick_text(ARRAY['asset', 'collection', 'conversation'])::resource_kind,
                                          delta.pick(containers));
        END LOOP;
        RETURN 'INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id, general_access, '
               'restricted, guest_ai_enabled) VALUES ' || array_to_string(rows, ', ');
    ELSIF dice < 35 THEN
        -- items of a new collection, in the same transaction as the collection
        -- (none at or above its parent: an asset may hold resources, and a
        -- resource whose kind changed may be an asset holding a collection)
        c := delta.new_id();
        p := delta.pick(containers);
        ids := ARRAY(SELECT r FROM unnest(ARRAY(SELECT delta.pick(assets)
                                                  FROM generate_series(1, 1 + floor(random() * 4)::int))) r
                      WHERE r <> p AND NOT share_acl_ref.is_above(r, p));
        RETURN format('INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id) '
                      'VALUES (%L, %L, ''collection'', %L)', c, w, p)
               || '; ' ||
               format('INSERT INTO share_acl.collection_item (collection_id, resource_id) '
                      'SELECT %L, r FROM unnest(%L::uuid[]) r ON CONFLICT DO NOTHING', c, ids);
    ELSIF dice < 47 THEN
        -- move one resource (a project to the top level now and then)
        FOR i IN 1..10 LOOP
            x := delta.pick(all_res);
            IF random() < 0.15 AND (SELECT kind FROM resource WHERE id = x) = 'project' THEN
                RETURN format('UPDATE share_acl.resource SET parent_id = NULL WHERE id = %L', x);
            END IF;
            p := delta.pick(delta.not_below(ARRAY[x],
                 ARRAY(SELECT delta.pick(CASE WHEN random() < 0.85 THEN containers ELSE all_res END)
                         FROM generate_series(1, 8))));
            IF p IS NOT NULL THEN
                RETURN format('UPDATE share_acl.resource SET parent_id = %L WHERE id = %L', p, x);
            END IF;
        END LOOP;
    ELSIF dice < 53 THEN
        -- move several resources, to one parent or each to its own
        ids := ARRAY(SELECT DISTINCT delta.pick(movable) FROM generate_series(1, 2 + floor(random() * 5)::int));
        containers := delta.not_below(ids, ARRAY(SELECT delta.pick(containers) FROM generate_series(1, 10)));
        IF cardinality(containers) > 0 THEN
            IF random() < 0.5 THEN
                RETURN format('UPDATE share_acl.resource SET parent_id = %L WHERE id = ANY (%L::uuid[])',
                              delta.pick(containers), ids);
            END IF;
            RETURN format('UPDATE share_acl.resource r SET parent_id = v.p FROM unnest(%L::uuid[], %L::uuid[]) v(id, p) '
                          'WHERE r.id = v.id', ids,
                          ARRAY(SELECT delta.pick(containers) FROM unnest(ids)));
        END IF;
    ELSIF dice < 65 THEN
        -- restricted, general access, owner, guest AI: one or several rows
        ids := ARRAY(SELECT DISTINCT delta.pick(all_res) FROM generate_series(1, 1 + floor(random() * 4)::int));
        CASE floor(random() * 6)::int
            WHEN 0, 1 THEN
                RETURN format('UPDATE share_acl.resource SET restricted = NOT restricted WHERE id = ANY (%L::uuid[])', ids);
            WHEN 2 THEN
                RETURN format('UPDATE share_acl.resource SET general_access = %L WHERE id = ANY (%L::uuid[])',
                              delta.pick_text(ARRAY['private', 'shared', 'public']), ids);
            WHEN 3 THEN
                RETURN format('UPDATE share_acl.resource SET owner_id = %L WHERE id = ANY (%L::uuid[])',
                              CASE WHEN random() < 0.2 THEN NULL ELSE delta.pick(people) END, ids);
            WHEN 4 THEN
                RETURN format('UPDATE share_acl.resource SET guest_ai_enabled = NOT guest_ai_enabled '
                              'WHERE kind = ''project'' AND workspace_id = %L AND id = ANY (%L::uuid[])',
                              w, ARRAY[delta.pick(projects), delta.pick(projects)]);
            ELSE
                -- every child of a container
                RETURN format('UPDATE share_acl.resource SET restricted = random() < 0.3, general_access = %L '
                              'WHERE parent_id = %L', delta.pick_text(ARRAY['private', 'shared', 'public']),
                              delta.pick(containers));
        END CASE;
    ELSIF dice < 72 THEN
        -- delete a resource with its subtree (small ones)
        FOR i IN 1..10 LOOP
            x := delta.pick(all_res);
            IF (WITH RECURSIVE t(id) AS (SELECT x UNION SELECT r.id FROM resource r JOIN t ON r.parent_id = t.id)
                SELECT count(*) FROM t) <= 25 THEN
                IF random() < 0.3 THEN
                    -- with another one, in one statement
                    RETURN format('DELETE FROM share_acl.resource WHERE id = ANY (%L::uuid[])',
                                  ARRAY[x, delta.pick(assets)]);
                END IF;
                RETURN format('DELETE FROM share_acl.resource WHERE id = %L', x);
            END IF;
        END LOOP;
    ELSIF dice < 81 THEN
        -- items into a collection
        c := delta.pick(collections);
        IF c IS NOT NULL THEN
            ids := ARRAY(SELECT r FROM unnest(ARRAY(SELECT delta.pick(CASE WHEN random() < 0.7 THEN assets ELSE all_res END)
                                                      FROM generate_series(1, 1 + floor(random() * 4)::int))) r
                          WHERE r <> c AND NOT share_acl_ref.is_above(r, c));
            IF cardinality(ids) > 0 THEN
                RETURN format('INSERT INTO share_acl.collection_item (collection_id, resource_id) '
                              'SELECT %L, r FROM unnest(%L::uuid[]) r ON CONFLICT DO NOTHING', c, ids);
            END IF;
        END IF;
    ELSIF dice < 87 THEN
        -- items out of a collection: one, or all of one collection
        SELECT ci.collection_id, ci.resource_id INTO c, x FROM collection_item ci
          JOIN resource r ON r.id = ci.collection_id AND r.workspace_id = w
         ORDER BY ci.collection_id, ci.resource_id
        OFFSET floor(random() * (SELECT count(*) FROM collection_item ci
                                   JOIN resource r ON r.id = ci.collection_id AND r.workspace_id = w))
         LIMIT 1;
        IF FOUND THEN
            IF random() < 0.3 THEN
                RETURN format('DELETE FROM share_acl.collection_item WHERE collection_id = %L', c);
            END IF;
            RETURN format('DELETE FROM share_acl.collection_item WHERE collection_id = %L AND resource_id = %L', c, x);
        END IF;
    ELSIF dice < 89 THEN
        -- a change of kind (an asset or conversation becomes a collection, an
        -- empty collection an asset)
        x := delta.pick(ARRAY(SELECT r.id FROM resource r
                               WHERE r.workspace_id = w AND r.kind <> 'project'
                                 AND NOT EXISTS (SELECT 1 FROM collection_item ci WHERE ci.collection_id = r.id)
                               ORDER BY r.id));
        k := CASE WHEN (SELECT kind FROM resource WHERE id = x) = 'collection' THEN 'asset' ELSE 'collection' END;
        IF x IS NOT NULL THEN
            RETURN format('UPDATE share_acl.resource SET kind = %L WHERE id = %L', k, x);
        END IF;
    ELSIF dice < 93 THEN
        -- a review's grant opened or closed for one reviewer (SPEC §8)
        IF random() < 0.25 THEN
            SELECT rr.review_id, rr.reviewer_id INTO c, p FROM review_reviewer rr
              JOIN resource r ON r.id = rr.resource_id AND r.workspace_id = w
             ORDER BY rr.review_id, rr.reviewer_id
            OFFSET floor(random() * (SELECT count(*) FROM review_reviewer rr
                                       JOIN resource r ON r.id = rr.resource_id AND r.workspace_id = w))
             LIMIT 1;
            IF FOUND THEN
                RETURN format('UPDATE share_acl.review_reviewer SET active = NOT active '
                              'WHERE review_id = %L AND reviewer_id = %L', c, p);
            END IF;
        END IF;
        -- a share given or taken back
        IF random() < 0.6 THEN
            RETURN format('INSERT INTO share_acl.share (resource_id, grantee_id, perms, allow_download) '
                          'VALUES (%L, %L, %L, %L)', delta.pick(all_res),
                          CASE WHEN random() < 0.7 THEN delta.pick(people) ELSE delta.pick(teams) END,
                          share_acl_ref.random_permset(), random() < 0.7);
        END IF;
        RETURN format('DELETE FROM share_acl.share WHERE id = %L',
                      delta.pick(ARRAY(SELECT s.id FROM share s
                                         JOIN resource r ON r.id = s.resource_id AND r.workspace_id = w
                                        ORDER BY s.id)));
    ELSIF dice < 95 THEN
        -- a person joins or leaves a team
        x := delta.pick(teams);
        p := delta.pick(people);
        IF EXISTS (SELECT 1 FROM team_member WHERE team_id = x AND member_id = p) THEN
            RETURN format('DELETE FROM share_acl.team_member WHERE team_id = %L AND member_id = %L', x, p);
        END IF;
        RETURN format('INSERT INTO share_acl.team_member (team_id, member_id) VALUES (%L, %L)', x, p);
    ELSIF dice < 98 THEN
        -- the ballast workspace: a new asset, or a flag
        IF random() < 0.5 THEN
            RETURN format('INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id) VALUES (%L, %L, ''asset'', %L)',
                          delta.new_id(), cfg.ballast, md5('delta ballast coll ' || (1 + floor(random() * 20)::int))::uuid);
        END IF;
        RETURN format('UPDATE share_acl.resource SET restricted = NOT restricted WHERE id = %L',
                      md5('delta ballast asset ' || (1 + floor(random() * cfg.n_ballast)::int))::uuid);
    ELSE
        -- a new id for an unreferenced asset: every backend must reload
        x := delta.pick(ARRAY(SELECT r.id FROM resource r
                               WHERE r.workspace_id = w AND r.kind = 'asset'
                                 AND NOT EXISTS (SELECT 1 FROM resource c WHERE c.parent_id = r.id)
                                 AND NOT EXISTS (SELECT 1 FROM collection_item ci WHERE ci.resource_id = r.id)
                                 AND NOT EXISTS (SELECT 1 FROM share s WHERE s.resource_id = r.id)
                                 AND NOT EXISTS (SELECT 1 FROM review v WHERE v.resource_id = r.id)
                                 AND NOT EXISTS (SELECT 1 FROM review_reviewer rr WHERE rr.resource_id = r.id)
                                 AND NOT EXISTS (SELECT 1 FROM link l WHERE l.resource_id = r.id)
                               ORDER BY r.id));
        IF x IS NOT NULL THEN
            RETURN format('UPDATE share_acl.resource SET id = %L WHERE id = %L', delta.new_id(), x);
        END IF;
    END IF;
    -- nothing fitting was found: a harmless flag change
    RETURN format('UPDATE share_acl.resource SET restricted = NOT restricted WHERE id = %L', delta.pick(all_res));
END $$;


COMMENT ON FUNCTION delta.ws() IS 'the workspace the delta suite changes (tests only)';
COMMENT ON FUNCTION delta.list_of(uuid) IS
    'how many resources the principal may view, and a digest of their ids (tests only)';
COMMENT ON FUNCTION delta.record_expected() IS
    'record this backend''s answers for the sample of the delta suite (tests only)';
COMMENT ON FUNCTION delta.pair_differences() IS
    'the pairs this backend answers otherwise than the recorded answers (tests only)';
COMMENT ON FUNCTION delta.list_differences(uuid[]) IS
    'the principals whose list this backend gives otherwise than the recorded one (tests only)';
COMMENT ON FUNCTION delta.own_differences(uuid[]) IS
    'inside a transaction: the pairs this backend answers otherwise than the reference model (tests only)';
COMMENT ON FUNCTION delta.pick(uuid[]) IS 'an element of the array at random, or NULL (tests only)';
COMMENT ON FUNCTION delta.pick_text(text[]) IS 'an element of the array at random (tests only)';
COMMENT ON FUNCTION delta.new_id() IS 'a new resource id, the same for the same seed (tests only)';
COMMENT ON FUNCTION delta.new_row(uuid, share_acl.resource_kind, uuid) IS
    'the values of a new resource of the delta suite''s workspace, as SQL (tests only)';
COMMENT ON FUNCTION delta.not_below(uuid[], uuid[]) IS
    'the candidates none of the given resources is at or above (tests only)';
COMMENT ON FUNCTION delta.random_statement() IS
    'one random valid change of the delta suite''s workspace, as SQL (tests only)';
