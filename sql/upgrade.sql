-- ALTER EXTENSION share_acl UPDATE reaches the current version from every
-- version whose install script is kept (the oldest first).
-- warm this backend's caches first: after DROP/CREATE EXTENSION below, the
-- engine must find the new tables (new OIDs), not the dropped ones
CREATE TEMP TABLE ids AS SELECT gen_random_uuid() AS ws, gen_random_uuid() AS owner, gen_random_uuid() AS project;
CREATE FUNCTION pg_temp.load_sample() RETURNS void LANGUAGE sql AS $$
  INSERT INTO share_acl.workspace (id, name) SELECT ws, 'upgrade' FROM ids;
  INSERT INTO share_acl.principal (id, kind, email) SELECT owner, 'user', 'owner@upgrade.test' FROM ids;
  INSERT INTO share_acl.member SELECT ws, owner, 'owner' FROM ids;
  INSERT INTO share_acl.resource (id, workspace_id, kind) SELECT project, ws, 'project' FROM ids;
$$;
SELECT pg_temp.load_sample();
SELECT share_acl.has_access(owner, project, 'full') AS owner_has_full_before FROM ids;
CREATE TEMP TABLE upgrade_result (from_version text, reached text, is_default bool);
DO $$
DECLARE v text; cur text; def text;
BEGIN
  SELECT default_version INTO def FROM pg_available_extensions WHERE name = 'share_acl';
  FOR v IN SELECT version FROM pg_available_extension_versions
           WHERE name = 'share_acl' ORDER BY string_to_array(version, '.')::int[]
  LOOP
    DROP EXTENSION share_acl CASCADE;
    EXECUTE format('CREATE EXTENSION share_acl VERSION %L', v);
    ALTER EXTENSION share_acl UPDATE;
    SELECT extversion INTO cur FROM pg_extension WHERE extname = 'share_acl';
    INSERT INTO upgrade_result VALUES (v, cur, cur = def);
  END LOOP;
END $$;
SELECT count(*) > 0 AS some_version, bool_and(is_default) AS all_reach_default FROM upgrade_result;
SELECT from_version FROM upgrade_result ORDER BY string_to_array(from_version, '.')::int[] LIMIT 1;
-- the update graph has a path from the oldest version to the default one
WITH v AS (
  SELECT (SELECT version FROM pg_available_extension_versions WHERE name = 'share_acl'
          ORDER BY string_to_array(version, '.')::int[] LIMIT 1) AS oldest,
         (SELECT default_version FROM pg_available_extensions WHERE name = 'share_acl') AS current)
SELECT v.oldest = v.current
       OR EXISTS (SELECT 1 FROM pg_extension_update_paths('share_acl') p
                  WHERE p.source = v.oldest AND p.target = v.current AND p.path IS NOT NULL) AS has_path
FROM v;
-- the same backend answers from the re-created extension's tables
SELECT share_acl.has_access(owner, project, 'full') AS unknown_after_recreate FROM ids;
SELECT pg_temp.load_sample();
SELECT share_acl.has_access(owner, project, 'full') AS owner_has_full_after FROM ids;
