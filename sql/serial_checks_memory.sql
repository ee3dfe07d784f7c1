-- A plan that calls share_acl runs outside parallel mode in REPEATABLE READ
-- (src/serial_checks.c).  A query descriptor run again row by row (the inner
-- query of a set-returning SQL function evaluated lazily) has its plan copied
-- once, not once per row: the backend's peak memory stays where it was.
CREATE TABLE serial_rows AS SELECT gen_random_uuid() AS id, g AS n FROM generate_series(1, 20000) g;
ANALYZE serial_rows;
CREATE FUNCTION serial_rows_srf() RETURNS SETOF int LANGUAGE sql STABLE AS $$
    SELECT n FROM serial_rows, generate_series(1, 30) g
    WHERE share_acl.has_access(id, 'view') IS NOT NULL
$$;
CREATE FUNCTION pg_temp.peak_kb() RETURNS bigint LANGUAGE sql AS $$
    SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+) kB'))[1]::bigint
$$;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
-- in READ COMMITTED first: what the query needs anyway
SELECT count(*) FROM (SELECT serial_rows_srf() x) s;
SELECT pg_temp.peak_kb() AS peak_before \gset
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) FROM (SELECT serial_rows_srf() x) s;
COMMIT;
-- (600,000 rows: a copy per row took about 135 bytes each, 80 MB)
SELECT pg_temp.peak_kb() - :peak_before < 20000 AS peak_memory_flat;
DROP FUNCTION serial_rows_srf();
DROP TABLE serial_rows;
