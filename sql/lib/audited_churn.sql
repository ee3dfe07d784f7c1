-- pg_temp.churn(p, n): n audited commits on resource p (its general access
-- set to shared and private in turn, one transaction each).  For
-- regression files that need seals one after the other
-- (\i sql/lib/audited_churn.sql, from the top of the tree).
CREATE PROCEDURE pg_temp.churn(p uuid, n int) LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. n LOOP
        PERFORM share_acl.set_general_access(p, CASE WHEN i % 2 = 0 THEN 'private' ELSE 'shared' END::share_acl.general_access);
        COMMIT;
    END LOOP;
END $$;
