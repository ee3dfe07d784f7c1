-- pgTAP: the principal store stays within its bound (half of
-- share_acl.cache_size) also when no change ever comes: a backend asked
-- about ever new principal ids (a client choosing ids, or a role that may
-- only call has_access with a principal of its choosing) empties it when it
-- passes the bound, at the next check, and keeps answering.  A principal
-- whose own grants outgrow the bound is not read again at every check (the
-- store is emptied only once it holds twice what that one needs).  Each
-- pg_prove file runs in a fresh backend.
BEGIN;
SELECT plan(7);
SET LOCAL share_acl.cache_size = '1MB';

\set w      31100000-0000-0000-0001-000000000001
\set owner  31100000-0000-0000-0002-000000000001
\set u      31100000-0000-0000-0002-000000000002
\set P      31100000-0000-0000-0003-000000000001
\set big    31100000-0000-0000-0002-000000000003

INSERT INTO share_acl.workspace (id, name) VALUES (:'w', 'principal store bound');
INSERT INTO share_acl.principal (id, kind, email) VALUES
    (:'owner', 'user', 'owner@bound.test'), (:'u', 'user', 'u@bound.test');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
    (:'w', :'owner', 'owner'), (:'w', :'u', 'member');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id) VALUES (:'P', :'w', 'project', NULL);
INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES (:'P', :'u', 'viewer');

CREATE FUNCTION pg_temp.store_bytes() RETURNS bigint LANGUAGE sql AS $$
    SELECT coalesce(sum(total_bytes), 0)::bigint FROM pg_backend_memory_contexts
     WHERE name LIKE 'share_acl principal%' $$;

SELECT is(share_acl.has_access(:'u', :'P', 'view'), true, 'a known principal first');
-- 60,000 ids that name no principal, each asked once (no change meanwhile)
SELECT is((SELECT count(*) FROM generate_series(1, 60000) AS i
            WHERE share_acl.effective_permissions(gen_random_uuid(), :'P') OPERATOR(share_acl.<>) ''),
          0::bigint, 'ids that name no principal hold nothing');
SELECT cmp_ok(pg_temp.store_bytes(), '<=', 2 * 1024 * 1024::bigint,
              'the principal store and contexts stay near their bound (1 MB cache_size)');
SELECT is(share_acl.has_access(:'u', :'P', 'view'), true, 'the known principal still answers after');

-- a member with 12,000 shares of its own (about 1 MB in the store)
INSERT INTO share_acl.principal (id, kind, email) VALUES (:'big', 'user', 'big@bound.test');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES (:'w', :'big', 'member');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
SELECT ('31100000-0000-0000-0004-' || lpad(to_hex(i), 12, '0'))::uuid, :'w', 'asset', :'P'
  FROM generate_series(1, 12000) AS i;
INSERT INTO share_acl.share (resource_id, grantee_id, perms)
SELECT ('31100000-0000-0000-0004-' || lpad(to_hex(i), 12, '0'))::uuid, :'big', 'viewer'
  FROM generate_series(1, 12000) AS i;
SELECT share_acl.has_access(:'big', :'P', 'view');
CREATE TEMP TABLE built AS SELECT contexts_built FROM share_acl.cache_stats();
SELECT is((SELECT count(*) FROM generate_series(1, 2000) AS i
            WHERE share_acl.has_access(:'big', ('31100000-0000-0000-0004-' || lpad(to_hex(i), 12, '0'))::uuid, 'view')),
          2000::bigint, 'its 2,000 checks answer');
SELECT cmp_ok((SELECT contexts_built FROM share_acl.cache_stats()) - (SELECT contexts_built FROM built), '<=', 1::bigint,
              'its context is not built again at each check (its grants alone are past the bound)');
SELECT cmp_ok(pg_temp.store_bytes(), '<=', 4 * 1024 * 1024::bigint,
              'the store holds that principal, within twice what it needs');

SELECT * FROM finish();
ROLLBACK;
