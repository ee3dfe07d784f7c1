-- A link's view count is rewritten at every open: with its table's pages
-- packed full, each new version would go to another page with an entry in
-- each of the table's four indexes.  The table leaves room on its pages
-- (fillfactor), so that the count's update stays on the page, with no index
-- entry (a HOT update), even for a link among many made one after another;
-- as the audit chains' heads, rewritten at every seal.
SET log_min_error_statement = panic;
SELECT relname, reloptions FROM pg_class
 WHERE oid IN ('share_acl.link'::regclass, 'share_acl.audit_chain'::regclass) ORDER BY relname;
\o /dev/null
SELECT share_acl.create_user('owner@view-count-hot.test') AS owner \gset
SELECT share_acl.create_workspace('view-count-hot', :'owner') AS ws \gset
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
CREATE TEMP TABLE hot_tokens AS
SELECT n, share_acl.create_link(:'project', label => 'link ' || n) AS token
  FROM generate_series(1, 120) n;
COMMIT;
SELECT token AS token FROM hot_tokens WHERE n = 5 \gset
\o
-- (a link on the table's first page, which its neighbours filled)
SELECT (ctid::text::point)[0] = 0 AS on_first_page
  FROM share_acl.link WHERE id = share_acl.link_id(:'token');
SELECT pg_stat_force_next_flush();
SELECT n_tup_upd AS upd0, n_tup_hot_upd AS hot0 FROM pg_stat_user_tables
 WHERE relid = 'share_acl.link'::regclass \gset
\o /dev/null
SELECT ok FROM share_acl.open_link(:'token');
SELECT ok FROM share_acl.open_link(:'token');
SELECT ok FROM share_acl.open_link(:'token');
SELECT ok FROM share_acl.open_link(:'token');
SELECT ok FROM share_acl.open_link(:'token');
SELECT ok FROM share_acl.open_link(:'token');
SELECT ok FROM share_acl.open_link(:'token');
SELECT ok FROM share_acl.open_link(:'token');
SELECT ok FROM share_acl.open_link(:'token');
SELECT ok FROM share_acl.open_link(:'token');
\o
SELECT view_count FROM share_acl.link WHERE label = 'link 5';
SELECT pg_stat_force_next_flush();
SELECT n_tup_upd - :upd0 AS updates, n_tup_hot_upd - :hot0 AS hot_updates
  FROM pg_stat_user_tables WHERE relid = 'share_acl.link'::regclass;
