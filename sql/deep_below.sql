-- The walks down and up that structure changes make (_below: set_guest_ai,
-- the check before a move or a filing; _ancestors: the same checks and the
-- mutes of notifications) read each resource once, however deep the tree:
-- a chain of 600 collections, each holding 30 assets, is walked about as
-- fast as a flat project of as many assets.  (Comparing each level with an
-- array of everything found so far cost levels × resources: a member's
-- chain of 990 levels made set_guest_ai and a move take 8-9 s each, under
-- the workspace's structure lock.)  Timed side by side, best of three, so
-- that a loaded machine slows both alike.
\o /dev/null
SELECT share_acl.create_user('owner@deep-below.test') AS owner \gset
SELECT share_acl.create_user('mem@deep-below.test') AS mem \gset
SELECT share_acl.create_user('guest@deep-below.test') AS guest \gset
SELECT share_acl.create_workspace('deep below', :'owner') AS ws \gset
SELECT share_acl.add_member(:'ws', :'mem', 'member');
SELECT share_acl.add_member(:'ws', :'guest', 'guest');
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS flat \gset
SELECT share_acl.set_restricted(share_acl.create_resource(:'ws', 'asset', :'flat'), true);
COMMIT;
-- a member's project, in which it builds the chain
BEGIN;
SELECT share_acl.set_principal(:'mem');
SELECT share_acl.create_resource(:'ws', 'project') AS chain_project \gset
SELECT share_acl.create_resource(:'ws', 'collection', :'chain_project') AS dest \gset
COMMIT;
-- (loaded as an administrator would, rows rather than API calls: faster)
CREATE TEMP TABLE chain AS
SELECT i, md5('deep-below chain ' || i)::uuid AS id FROM generate_series(1, 600) i;
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id)
SELECT c.id, :'ws', 'collection', coalesce(p.id, :'chain_project'), :'mem'
  FROM chain c LEFT JOIN chain p ON p.i = c.i - 1 ORDER BY c.i;
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id)
SELECT gen_random_uuid(), :'ws', 'asset', c.id, :'mem' FROM chain c, generate_series(1, 30);
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id)
SELECT gen_random_uuid(), :'ws', 'asset', :'flat', :'owner' FROM generate_series(1, 18000);
SELECT id AS top FROM chain WHERE i = 1 \gset
SELECT id AS bottom FROM chain WHERE i = 600 \gset
\o

SELECT cardinality(share_acl._below(:'top')) AS below_top,
       cardinality(share_acl._below(:'chain_project')) AS below_project,
       cardinality(share_acl._below(:'flat')) AS below_flat,
       cardinality(share_acl._ancestors(ARRAY[:'bottom'::uuid])) AS above_bottom;

CREATE FUNCTION pg_temp.best_ms(resource uuid) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    best float8;
    t0 timestamptz;
BEGIN
    FOR k IN 1..3 LOOP
        t0 := clock_timestamp();
        PERFORM share_acl._below(resource);
        best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
    END LOOP;
    RETURN best;
END $$;
SELECT pg_temp.best_ms(:'chain_project') AS chain_ms, pg_temp.best_ms(:'flat') AS flat_ms \gset
SELECT :chain_ms < 4 * :flat_ms AS chain_walked_like_flat;

-- the same chain under the API's structure checks (a guest in the
-- workspace, a restricted resource in it): the member's set_guest_ai of
-- its project and move of the chain's top, within 20 s (the same calls
-- took 8-9 s each with 100,000 resources below)
SET statement_timeout = '20s';
BEGIN;
SELECT share_acl.set_principal(:'mem');
SELECT share_acl.set_guest_ai(:'chain_project', true);
SELECT share_acl.move_resource(:'top', :'dest');
COMMIT;
RESET statement_timeout;

DELETE FROM share_acl.workspace WHERE id = :'ws';
