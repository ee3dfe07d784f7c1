-- A session that stays connected while the extension is dropped and created
-- again keeps no table-expression cache of the dropped tables: the entries
-- an invalidation turned off are forgotten when a table's expressions are
-- planned anew (each reinstall left five such contexts behind for good).
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.reinstall_and_write(round int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DROP EXTENSION share_acl CASCADE;
    CREATE EXTENSION share_acl;
    PERFORM share_acl.set_principal(share_acl.create_user(format('owner%s@reinstall.test', round)));
    PERFORM share_acl.create_resource(share_acl.create_workspace('w', share_acl.current_principal()), 'project');
    PERFORM share_acl.set_principal(NULL);
END $$;
SELECT pg_temp.reinstall_and_write(1);
SELECT pg_temp.reinstall_and_write(2);
SELECT count(*) AS after_two FROM pg_backend_memory_contexts
 WHERE name = 'share_acl table expressions' \gset
SELECT pg_temp.reinstall_and_write(3);
SELECT pg_temp.reinstall_and_write(4);
SELECT pg_temp.reinstall_and_write(5);
SELECT pg_temp.reinstall_and_write(6);
SELECT count(*) <= :after_two AS not_grown FROM pg_backend_memory_contexts
 WHERE name = 'share_acl table expressions';
RESET client_min_messages;
