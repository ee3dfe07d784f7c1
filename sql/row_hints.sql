-- A look-up by primary key may take the row where it last found it
-- (src/row_hint.c), but only when that place still holds, under the
-- look-up's snapshot, the row its index would find.  The link of one token
-- is opened again after each change to its table: revoked (a new version of
-- the row), deleted and its table truncated by VACUUM (the place past the
-- table's end), and the place taken by other links (another key there): each
-- open answers as the index would.  Then a resource shared by an
-- administrator (its row read by the share and by the share's foreign key)
-- is deleted and its place taken by another resource: a share of the
-- deleted one is refused, as the index says it is gone.  Last, a share
-- removed and its place taken by other shares: removing it again is "does
-- not exist", and the others stay.
SET log_min_error_statement = panic;	-- the tokens are literals below
\set regression_db :DBNAME
CREATE DATABASE share_acl_hints;
\c share_acl_hints
SET log_min_error_statement = panic;
CREATE EXTENSION share_acl;
\o /dev/null
SELECT share_acl.create_user('owner@hints.test') AS owner \gset
SELECT share_acl.create_workspace('hints', :'owner') AS ws \gset
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
SELECT share_acl.create_link(:'project') AS tok \gset
\o
SELECT status, link_id IS NOT NULL AS has_link FROM share_acl.open_link(:'tok');
SELECT status FROM share_acl.open_link(:'tok');
-- three opens in one transaction look the link up a dozen times by its id
-- (its row, its view row's foreign key, its audit row's workspace): the
-- first goes through the index, the others mostly find it where it was
BEGIN;
SELECT pg_stat_get_xact_numscans('share_acl.link_pkey'::regclass) AS scans_before \gset
SELECT status FROM share_acl.open_link(:'tok');
SELECT status FROM share_acl.open_link(:'tok');
SELECT status FROM share_acl.open_link(:'tok');
SELECT pg_stat_get_xact_numscans('share_acl.link_pkey'::regclass) - :scans_before < 3 AS fewer_index_scans_than_opens;
COMMIT;
UPDATE share_acl.link SET revoked_at = now();
SELECT status FROM share_acl.open_link(:'tok');
SELECT status FROM share_acl.open_link(:'tok');
DELETE FROM share_acl.link;
VACUUM share_acl.link;
SELECT pg_relation_size('share_acl.link') AS link_table_bytes;
SELECT status FROM share_acl.open_link(:'tok');
\o /dev/null
SELECT share_acl.create_link(:'project') FROM generate_series(1, 20);
\o
SELECT count(*) AS links, min(ctid) = '(0,1)' AS from_the_first_place FROM share_acl.link;
SELECT status, link_id IS NOT NULL AS has_link FROM share_acl.open_link(:'tok');
SELECT count(*) AS views_counted FROM share_acl.link WHERE view_count > 0;
\o /dev/null
SELECT share_acl.create_resource(:'ws', 'project') AS gone \gset
SELECT share_acl.create_user('guest@hints.test') AS guest \gset
\o
RESET share_acl.principal;
SELECT count(*) AS shared FROM share_acl.share(:'gone', :'guest', 'viewer');
SELECT ctid AS gone_place FROM share_acl.resource WHERE id = :'gone' \gset
DELETE FROM share_acl.resource WHERE id = :'gone';
VACUUM share_acl.resource;
\o /dev/null
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') FROM generate_series(1, 20);
\o
SELECT count(*) AS taken FROM share_acl.resource WHERE ctid = :'gone_place';
RESET share_acl.principal;
\set VERBOSITY sqlstate
SELECT count(*) AS shared FROM share_acl.share(:'gone', :'guest', 'viewer');
\set VERBOSITY default
SELECT count(*) AS shares_of_the_gone FROM share_acl.share WHERE resource_id = :'gone';
\o /dev/null
SELECT share_acl.share(:'project', :'guest', 'viewer') AS first_share \gset
SELECT share_acl.create_user('other' || i || '@hints.test') AS other FROM generate_series(1, 5) i;
\o
SELECT ctid AS first_place FROM share_acl.share WHERE id = :'first_share' \gset
SELECT count(*) AS unshared FROM share_acl.unshare(:'first_share');
VACUUM share_acl.share;
\o /dev/null
SELECT share_acl.share(:'project', p.id, 'viewer') FROM share_acl.principal p WHERE p.email LIKE 'other%@hints.test';
\o
SELECT count(*) AS taken FROM share_acl.share WHERE ctid = :'first_place';
\set VERBOSITY sqlstate
SELECT count(*) AS unshared FROM share_acl.unshare(:'first_share');
\set VERBOSITY default
SELECT count(*) AS shares_of_the_others FROM share_acl.share WHERE resource_id = :'project';
\c :regression_db
DROP DATABASE share_acl_hints;
