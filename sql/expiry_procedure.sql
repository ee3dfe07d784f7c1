-- Expiries are judged at the statement's start, or at the transaction's when
-- that is later: a procedure (or DO block) that commits starts new
-- transactions within one client statement, whose statement_timestamp()
-- stays at the CALL's start.  A share that expires while the procedure runs
-- stops granting in its next transaction.
\o /dev/null
SELECT share_acl.create_user('owner@expiry-proc.test') AS owner \gset
SELECT share_acl.create_user('bob@expiry-proc.test') AS bob \gset
SELECT share_acl.create_workspace('expiry procedure', :'owner') AS ws \gset
SELECT share_acl.add_member(:'ws', :'bob', 'member');
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
SELECT share_acl.share(:'project', :'bob', 'editor', expires_at => clock_timestamp() + interval '1 second');
COMMIT;
\o
CREATE TABLE expiry_seen (n int, edits boolean, listed bigint);
CREATE PROCEDURE expiry_loop(bob uuid, project uuid) LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..2 LOOP
        INSERT INTO expiry_seen SELECT i, share_acl.has_access(bob, project, 'edit'),
               (SELECT count(*) FROM share_acl.accessible_resources(bob, 'edit'));
        COMMIT;
        IF i = 1 THEN
            PERFORM pg_sleep(greatest(0, extract(epoch FROM (SELECT s.expires_at FROM share_acl.share s
                                                                WHERE s.grantee_id = bob) - clock_timestamp()))
                                         + 0.1);
            COMMIT;
        END IF;
    END LOOP;
END $$;
CALL expiry_loop(:'bob', :'project');
SELECT * FROM expiry_seen ORDER BY n;
DROP PROCEDURE expiry_loop(uuid, uuid);
DROP TABLE expiry_seen;
