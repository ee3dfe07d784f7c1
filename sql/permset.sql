-- share_acl.permset: input, output, named sets, operators, aggregates, casts,
-- binary round trip, GROUP BY / DISTINCT / hash join, and every error path.
SET search_path = share_acl, public;
-- err(q): run q and show its SQLSTATE, message and hint instead of failing
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; hint text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
  RETURN st || ': ' || msg || CASE WHEN hint <> '' THEN E'\nHINT: ' || hint ELSE '' END;
END $$;

-- each flag on its own, in table order
SELECT f, f::permset::text AS canonical
FROM unnest(ARRAY['view','view_details','react','download','comment','annotate',
  'approve','upload','edit','rename','move','copy','delete_own','delete',
  'view_activity','run_ai','share','manage_members','change_permissions',
  'manage_collections','resolve_comments','make_public','manage_settings',
  'view_audit','transfer_ownership','delete_space']) AS f;

-- each named set's exact expansion
SELECT n, n::permset AS flags, permset_level(n::permset) AS level
FROM unnest(ARRAY['viewer','commenter','editor','manager','full','view_only',
  'view_download','contributor','full_editor']) AS n;

-- named sets nest as SPEC §1 says
SELECT 'commenter'::permset = 'viewer,comment,annotate,approve'::permset AS commenter_ok,
       'editor'::permset = 'commenter,download,upload,edit,rename,move,copy,delete_own,view_activity,run_ai'::permset AS editor_ok,
       'manager'::permset = 'editor,share,manage_members,change_permissions,manage_collections,resolve_comments'::permset AS manager_ok,
       'full_editor'::permset = 'contributor,delete'::permset AS full_editor_ok,
       cardinality(permset_flags('full')) AS full_count;

-- separators, whitespace, case, duplicates, empty set
SELECT ' VIEW | Edit ,react '::permset, 'view|view,view'::permset,
       ''::permset AS empty, '   '::permset AS blank,
       E'\tview\n,\r edit'::permset AS tabs;
SELECT ''::permset::text = '' AS empty_text, permset_flags('') AS no_flags;

-- output is canonical whatever the input order
SELECT 'delete_space,view'::permset, 'comment,view'::permset = 'view,comment'::permset;

-- operators
SELECT 'editor'::permset @> 'viewer' AS contains,
       'viewer'::permset @> 'editor' AS not_contains,
       'viewer'::permset <@ 'editor' AS contained,
       'editor'::permset <@ 'viewer' AS not_contained,
       'view,edit'::permset && 'edit,share' AS overlaps,
       'view'::permset && 'edit' AS disjoint,
       ''::permset <@ 'view' AS empty_in_all,
       'view'::permset @> '' AS all_contain_empty;
SELECT 'view'::permset | 'edit' AS union_,
       'view,edit'::permset & 'edit,share' AS intersection,
       'editor'::permset - 'commenter' AS difference,
       'view'::permset - 'view' AS nothing_left;
SELECT 'view'::permset = 'view' AS eq, 'view'::permset <> 'edit' AS ne,
       'view'::permset = 'edit' AS not_eq, 'view'::permset <> 'view' AS not_ne;
SELECT 'view'::permset < 'view_details' AS lt, 'edit'::permset > 'view' AS gt,
       'view'::permset <= 'view' AS le, 'view'::permset >= 'view' AS ge;

-- permset_flags and permset_level
SELECT permset_flags('viewer'), permset_flags('copy,view');
SELECT permset_level('') IS NULL AS empty_no_level,
       permset_level('view') IS NULL AS view_no_level,
       permset_level('viewer,comment') AS still_viewer,
       permset_level('commenter') AS commenter,
       permset_level('editor,share') AS editor_plus,
       permset_level('manager') AS manager,
       permset_level('full') AS full_;

-- casts
SELECT 'view,edit'::text::permset, ('editor'::permset)::text,
       ARRAY['view','edit']::text[]::permset AS from_array,
       ARRAY[]::text[]::permset AS from_empty_array,
       ARRAY['viewer','download']::permset AS array_of_names,
       permset(ARRAY['view,edit','share']) AS items_may_be_lists;
SELECT permset('comment'), text('comment'::permset);

-- NULL in, NULL out
SELECT permset_flags(NULL) IS NULL, permset_level(NULL) IS NULL,
       (NULL::permset | 'view') IS NULL, ('view'::permset @> NULL) IS NULL;

-- aggregates: NULL over no rows, NULLs skipped
CREATE TEMP TABLE ps (grp int, p permset);
INSERT INTO ps VALUES (1, 'view'), (1, 'view,edit'), (1, NULL), (2, 'editor'),
  (2, 'viewer'), (3, NULL);
SELECT grp, permset_union(p), permset_intersect(p) FROM ps GROUP BY grp ORDER BY grp;
SELECT permset_union(p) IS NULL AS union_empty, permset_intersect(p) IS NULL AS intersect_empty
FROM ps WHERE false;
-- parallel aggregation uses the combine functions
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
CREATE TABLE permset_big AS SELECT (ARRAY['view','edit','share','download'])[1 + i % 4]::permset AS p
  FROM generate_series(1, 1000) i;
ANALYZE permset_big;
EXPLAIN (COSTS OFF) SELECT permset_union(p), permset_intersect(p) FROM permset_big;
SELECT permset_union(p), permset_intersect(p) FROM permset_big;
DROP TABLE permset_big;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- GROUP BY, DISTINCT, ORDER BY, hash and merge joins
SELECT p, count(*) FROM ps WHERE p IS NOT NULL GROUP BY p ORDER BY p;
SELECT DISTINCT p FROM ps WHERE p IS NOT NULL ORDER BY p;
SET enable_mergejoin = off; SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM ps a JOIN ps b ON a.p = b.p;
SELECT count(*) FROM ps a JOIN ps b ON a.p = b.p;
SET enable_hashjoin = off; SET enable_mergejoin = on;
SELECT count(*) FROM ps a JOIN ps b ON a.p = b.p;
RESET enable_mergejoin; RESET enable_nestloop; RESET enable_hashjoin;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT p FROM ps GROUP BY p;
RESET enable_sort;

-- btree and hash indexes
CREATE TEMP TABLE idx AS SELECT (CASE WHEN i % 3 = 0 THEN 'viewer' WHEN i % 3 = 1 THEN 'editor' ELSE 'full' END)::permset AS p
  FROM generate_series(1, 300) i;
CREATE INDEX idx_b ON idx (p);
CREATE INDEX idx_h ON idx USING hash (p);
ANALYZE idx;
SET enable_seqscan = off;
SELECT count(*) FROM idx WHERE p = 'editor';
SELECT count(*) FROM idx WHERE p > 'viewer';
RESET enable_seqscan;

-- hash functions agree with equality
SELECT permset_hash('view,edit') = permset_hash('edit|view') AS same_hash,
       permset_hash_extended('view', 0) = permset_hash_extended('view', 0) AS same_ext,
       permset_hash_extended('view', 0) <> permset_hash_extended('view', 1) AS seeded;

-- binary round trip through COPY
CREATE TEMP TABLE rt (p permset);
INSERT INTO rt VALUES (''), ('view'), ('editor'), ('full'), ('delete_space');
COPY rt TO '/tmp/share_acl_permset.bin' (FORMAT binary);
CREATE TEMP TABLE rt2 (p permset);
COPY rt2 FROM '/tmp/share_acl_permset.bin' (FORMAT binary);
SELECT (SELECT array_agg(p ORDER BY p) FROM rt) = (SELECT array_agg(p ORDER BY p) FROM rt2) AS binary_round_trip;
SELECT permset_send('full') AS full_bytes, permset_send('view') AS view_bytes;
-- text round trip
SELECT bool_and(p::text::permset = p) AS text_round_trip FROM rt;

\pset format unaligned
\pset tuples_only on
-- errors: unknown name (22P02, names the word, hints the valid names)
SELECT pg_temp.err('SELECT ''view,fly''::permset');
SELECT pg_temp.err('SELECT ''Viewers''::permset');
SELECT pg_temp.err('SELECT ARRAY[''view'',''nope'']::permset');
-- an array's text sent as a permset (a client binding a list): the hint says so
SELECT pg_temp.err('SELECT ''{view,comment}''::permset');
-- empty items
SELECT pg_temp.err('SELECT ''view,,edit''::permset');
SELECT pg_temp.err('SELECT ''view,''::permset');
SELECT pg_temp.err('SELECT '',view''::permset');
SELECT pg_temp.err('SELECT ''|''::permset');
SELECT pg_temp.err('SELECT ''view | | edit''::permset');
-- non-ASCII and control bytes
SELECT pg_temp.err('SELECT ''vïew''::permset');
SELECT pg_temp.err('SELECT E''view\x01''::permset');
SELECT pg_temp.err('SELECT E''view\x7f''::permset');
-- words glued without separator
SELECT pg_temp.err('SELECT ''view edit''::permset');
-- over-long input
SELECT pg_temp.err('SELECT repeat(''view,'', 1000)::permset');
-- an over-long single word is named only by its start
SELECT pg_temp.err('SELECT repeat(''x'', 100)::permset');
-- NULL array element
SELECT pg_temp.err('SELECT ARRAY[''view'', NULL]::permset');
-- multi-dimensional array
SELECT pg_temp.err('SELECT ARRAY[[''view''],[''edit'']]::permset');
-- binary input with unknown bits (22P03)
CREATE TEMP TABLE badbin (p int8);
INSERT INTO badbin VALUES (1::int8 << 40);
COPY badbin TO '/tmp/share_acl_permset_bad.bin' (FORMAT binary);
SELECT pg_temp.err('COPY rt2 FROM ''/tmp/share_acl_permset_bad.bin'' (FORMAT binary)');
\! rm -f /tmp/share_acl_permset.bin /tmp/share_acl_permset_bad.bin
-- the largest valid input still parses
SELECT length(repeat('view,', 818) || 'view') AS len, (repeat('view,', 818) || 'view')::permset;
