-- Default privileges (ALTER DEFAULT PRIVILEGES) that an operator set for
-- the role that creates the extension, or for the schema, do not reach
-- share_acl's objects: not its tables (the signing keys, link password
-- hashes, the audit trail's staging and chain heads), not its sequences, not
-- its internal functions, not its schema, and not the audit_log month
-- partitions that audit_retain creates later.
SET client_min_messages = warning;
CREATE ROLE default_privileges_reader LOGIN;
ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO default_privileges_reader, PUBLIC;
ALTER DEFAULT PRIVILEGES GRANT ALL ON SEQUENCES TO default_privileges_reader, PUBLIC;
ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON ROUTINES TO default_privileges_reader;
ALTER DEFAULT PRIVILEGES GRANT ALL ON SCHEMAS TO default_privileges_reader, PUBLIC;
DROP EXTENSION share_acl CASCADE;
CREATE EXTENSION share_acl;
ALTER DEFAULT PRIVILEGES IN SCHEMA share_acl GRANT ALL ON TABLES TO default_privileges_reader;
RESET client_min_messages;
-- what a role that is neither share_acl_user nor share_acl_admin holds,
-- directly or through PUBLIC: nothing but the deliberate grants to PUBLIC
-- (USAGE on the schema, EXECUTE on the functions 090_privileges.sql lists)
CREATE FUNCTION pg_temp.stray() RETURNS TABLE (kind text, n bigint) LANGUAGE sql AS $$
    SELECT 'tables and sequences', count(*)
      FROM pg_class c, aclexplode(c.relacl) a
     WHERE c.relnamespace = 'share_acl'::regnamespace
       AND a.grantee IN (0, 'default_privileges_reader'::regrole)
    UNION ALL
    SELECT 'functions', count(*)
      FROM pg_proc p, aclexplode(p.proacl) a
     WHERE p.pronamespace = 'share_acl'::regnamespace
       AND (a.grantee = 'default_privileges_reader'::regrole
            OR (a.grantee = 0 AND p.proname LIKE '\_%'))
    UNION ALL
    SELECT 'schema', count(*)
      FROM pg_namespace n, aclexplode(n.nspacl) a
     WHERE n.oid = 'share_acl'::regnamespace
       AND (a.grantee = 'default_privileges_reader'::regrole
            OR (a.grantee = 0 AND a.privilege_type <> 'USAGE'))
$$;
SELECT * FROM pg_temp.stray();
-- audit_retain makes month partitions: they grant nothing either
SELECT share_acl.audit_retain('400 days') >= 0 AS retained;
SELECT count(*) > 0 AS month_partitions FROM pg_inherits
 WHERE inhparent = 'share_acl.audit_log'::regclass
   AND inhrelid::regclass::text LIKE 'share_acl.audit_log_2%';
SELECT * FROM pg_temp.stray();
SET ROLE default_privileges_reader;
SELECT count(*) FROM share_acl.signing_key;
SELECT count(*) FROM share_acl.audit_stage;
SELECT count(*) FROM share_acl.audit_log_default;
SELECT share_acl._random_bytes(4) IS NOT NULL;
RESET ROLE;
-- as before
DROP FUNCTION pg_temp.stray();
SET client_min_messages = warning;
ALTER DEFAULT PRIVILEGES IN SCHEMA share_acl REVOKE ALL ON TABLES FROM default_privileges_reader;
ALTER DEFAULT PRIVILEGES REVOKE ALL ON TABLES FROM default_privileges_reader, PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE ALL ON SEQUENCES FROM default_privileges_reader, PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON ROUTINES FROM default_privileges_reader;
ALTER DEFAULT PRIVILEGES REVOKE ALL ON SCHEMAS FROM default_privileges_reader, PUBLIC;
DROP EXTENSION share_acl CASCADE;
CREATE EXTENSION share_acl;
DROP ROLE default_privileges_reader;
