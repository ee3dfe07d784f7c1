-- A link's view count is written at the opening transaction's commit below
-- the UPDATE statement (src/row_write.c).  Pinned here: its CHECK
-- constraints as the statement checks them — one on a column it changes,
-- and one NOT VALID (which the statement checks at every update) — but not
-- a valid one on columns it leaves as they were (that row met it when they
-- were written); and its index entries when the new version is not a HOT
-- one (an index on the count itself), so that the row is found by that
-- index afterwards.  And a delete evaluates no default (unshare()
-- with a default that cannot be computed), as DELETE evaluates none.
SET log_min_error_statement = panic;	-- (the token below is a literal)
\o /dev/null
SELECT share_acl.create_user('owner@counter-checks.test') AS owner \gset
SELECT share_acl.create_workspace('counter-checks', :'owner') AS ws \gset
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
SELECT share_acl.create_link(:'project', label => 'a long label') AS token \gset
COMMIT;
\o

-- a valid check on the count: the second open's commit breaks it
ALTER TABLE share_acl.link ADD CONSTRAINT few_views CHECK (view_count < 2);
SELECT ok FROM share_acl.open_link(:'token');
\set VERBOSITY terse
SELECT ok FROM share_acl.open_link(:'token');
\set VERBOSITY default
SELECT view_count FROM share_acl.link WHERE label = 'a long label';
ALTER TABLE share_acl.link DROP CONSTRAINT few_views;

-- a NOT VALID check that the row breaks, on a column the count leaves: the
-- statement checks it at every update, and so does the count
BEGIN;
ALTER TABLE share_acl.link ADD CONSTRAINT short_label CHECK (length(label) < 5) NOT VALID;
\o /dev/null
SELECT ok FROM share_acl.open_link(:'token');
\o
\set VERBOSITY terse
COMMIT;
\set VERBOSITY default
SELECT view_count FROM share_acl.link WHERE label = 'a long label';

-- a valid check on a column the count leaves, whose function now says no
-- to the row: the count is written (the row's label is as it was checked);
-- an UPDATE of the label itself is refused
CREATE FUNCTION pg_temp.label_ok(text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
ALTER TABLE share_acl.link ADD CONSTRAINT label_ok CHECK (pg_temp.label_ok(label));
CREATE OR REPLACE FUNCTION pg_temp.label_ok(text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT false';
SELECT ok FROM share_acl.open_link(:'token');
SELECT view_count FROM share_acl.link WHERE label = 'a long label';
\set VERBOSITY terse
UPDATE share_acl.link SET label = 'another' WHERE label = 'a long label';
\set VERBOSITY default
ALTER TABLE share_acl.link DROP CONSTRAINT label_ok;

-- an index on the count: each count is a new version with its index entries
CREATE INDEX link_view_count_idx ON share_acl.link (view_count);
SELECT ok FROM share_acl.open_link(:'token');
SELECT ok FROM share_acl.open_link(:'token');
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT label FROM share_acl.link WHERE view_count = 4;
SELECT label, view_count FROM share_acl.link WHERE view_count = 4;
SELECT count(*) AS older_versions_found FROM share_acl.link WHERE view_count IN (2, 3);
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP INDEX share_acl.link_view_count_idx;

-- a delete below the statement evaluates no default, as DELETE evaluates
-- none: unshare() of a share whose table has a default that cannot be
-- computed (an insert, share(), fails on it, as INSERT does)
\o /dev/null
SELECT share_acl.create_user('viewer@counter-checks.test') AS viewer \gset
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.share(:'project', :'viewer', 'viewer') AS share_id \gset
COMMIT;
\o
ALTER TABLE share_acl.share ADD COLUMN extra int;
ALTER TABLE share_acl.share ALTER COLUMN extra SET DEFAULT (1 / 0);
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.unshare(:'share_id');
SELECT count(*) AS shares_left FROM share_acl.share WHERE id = :'share_id';
COMMIT;
BEGIN;
SELECT share_acl.set_principal(:'owner');
\set VERBOSITY terse
SELECT share_acl.share(:'project', :'viewer', 'viewer');
\set VERBOSITY default
ROLLBACK;
ALTER TABLE share_acl.share DROP COLUMN extra;
