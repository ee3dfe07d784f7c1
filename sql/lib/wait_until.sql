-- pg_temp.wait_until(condition): true as soon as the SQL boolean expression
-- condition holds (evaluated afresh every 50 ms, pg_stat_activity's
-- snapshot cleared each time), false when it still does not after 20 s.
-- For regression files that wait for other sessions (\i sql/lib/wait_until.sql, run from the top of the tree as make installcheck does).
CREATE FUNCTION pg_temp.wait_until(condition text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    holds boolean;
BEGIN
    FOR i IN 1..400 LOOP
        PERFORM pg_stat_clear_snapshot();
        EXECUTE 'SELECT ' || condition INTO holds;
        IF holds THEN
            RETURN true;
        END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN false;
END $$;
