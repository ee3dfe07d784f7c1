-- test/delta/ballast.sql — the ballast workspace of the delta suite
-- (test/delta/run.sh): :ballast assets in 20 collections of one project, so
-- that the resource table is too big for share_acl.cache_size = 1MB and a
-- new backend does not load it at its first check.  Runs before setup.sql.

\set ON_ERROR_STOP 1
SET search_path = share_acl, public;

INSERT INTO workspace (id, name) VALUES (md5('delta ballast')::uuid, 'delta ballast');
INSERT INTO resource (id, workspace_id, kind)
VALUES (md5('delta ballast project')::uuid, md5('delta ballast')::uuid, 'project');
INSERT INTO resource (id, workspace_id, kind, parent_id)
SELECT md5('delta ballast coll ' || c)::uuid, md5('delta ballast')::uuid, 'collection',
       md5('delta ballast project')::uuid
FROM generate_series(1, 20) c;
INSERT INTO resource (id, workspace_id, kind, parent_id, restricted)
SELECT md5('delta ballast asset ' || a)::uuid, md5('delta ballast')::uuid, 'asset',
       md5('delta ballast coll ' || (1 + a % 20))::uuid, a % 97 = 0
FROM generate_series(1, :ballast) a;
