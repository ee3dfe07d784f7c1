-- A database administrator's maintenance under a warm session: VACUUM FULL
-- and CLUSTER give every table of the model a new file and every row a new
-- place, REINDEX (also CONCURRENTLY, whose indexes get new oids) new index
-- files, TRUNCATE empties the change log.  The session that warmed its
-- caches before (the structure, its principals' contexts, kept statements,
-- row hints, looked-up relation and index oids) then answers and writes
-- exactly as before: checks, share and unshare, an upload, a link made and
-- opened, a review requested and decided, the inbox calls, the audit chains.
SET log_min_error_statement = panic;	-- the tokens are literals below
\set regression_db :DBNAME
CREATE DATABASE share_acl_maintenance;
\c share_acl_maintenance
SET log_min_error_statement = panic;
CREATE EXTENSION share_acl;
\o /dev/null
SELECT share_acl.create_user('owner@maint.test') AS owner \gset
SELECT share_acl.create_user('viewer@maint.test') AS viewer \gset
SELECT share_acl.create_user('member@maint.test') AS member \gset
SELECT share_acl.create_workspace('maintenance', :'owner') AS ws \gset
SELECT share_acl.add_member(:'ws', :'member', 'member');
SELECT share_acl.add_member(:'ws', :'viewer', 'viewer');
SELECT share_acl.create_team(:'ws', 'crew') AS crew \gset
SELECT share_acl.add_team_member(:'crew', :'viewer');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
SELECT share_acl.create_resource(:'ws', 'asset', :'project') AS asset \gset
SELECT share_acl.create_resource(:'ws', 'collection', :'project') AS coll \gset
SELECT share_acl.add_to_collection(:'coll', :'asset');
SELECT share_acl.share(:'coll', :'crew', 'commenter');
SELECT share_acl.create_link(:'asset') AS tok \gset
\o
-- warm: the viewer comments the asset through the team's share of the collection
SELECT share_acl.has_access(:'viewer', :'asset', 'view,comment') AS viewer_comments,
       share_acl.has_access(:'viewer', :'asset', 'edit') AS viewer_edits,
       share_acl.has_access(:'member', :'asset', 'view') AS member_views;
SELECT status FROM share_acl.open_link(:'tok');

VACUUM FULL share_acl.resource;
VACUUM FULL share_acl.collection_item;
VACUUM FULL share_acl.share;
VACUUM FULL share_acl.principal;
VACUUM FULL share_acl.member;
VACUUM FULL share_acl.team_member;
VACUUM FULL share_acl.workspace;
VACUUM FULL share_acl.link;
VACUUM FULL share_acl.link_view;
VACUUM FULL share_acl.signing_key;
VACUUM FULL share_acl.review;
VACUUM FULL share_acl.review_reviewer;
VACUUM FULL share_acl.notification;
VACUUM FULL share_acl.notification_preference;
VACUUM FULL share_acl.notification_mute;
VACUUM FULL share_acl.audit_chain;
VACUUM FULL share_acl.audit_log_default;
VACUUM FULL share_acl.id_registry;
CLUSTER share_acl.resource USING resource_pkey;
CLUSTER share_acl.share USING share_pkey;
REINDEX TABLE share_acl.resource;
REINDEX TABLE CONCURRENTLY share_acl.share;
REINDEX TABLE CONCURRENTLY share_acl.link;
REINDEX TABLE CONCURRENTLY share_acl.principal;
REINDEX TABLE CONCURRENTLY share_acl.notification_preference;
REINDEX TABLE CONCURRENTLY share_acl.audit_log_default;
TRUNCATE share_acl.change_log;

-- the same session, after
SELECT share_acl.has_access(:'viewer', :'asset', 'view,comment') AS viewer_comments,
       share_acl.has_access(:'viewer', :'asset', 'edit') AS viewer_edits,
       share_acl.has_access(:'member', :'asset', 'view') AS member_views;
SELECT status FROM share_acl.open_link(:'tok');
BEGIN;
SELECT share_acl.set_principal(:'owner') IS NULL AS acting;
SELECT share_acl.share(:'asset', :'member', 'editor') AS member_share \gset
SELECT share_acl.has_access(:'member', :'asset', 'edit') AS member_edits_after_share;
SELECT share_acl.unshare(:'member_share');
SELECT share_acl.has_access(:'member', :'asset', 'view') AS member_views_after_unshare;
SELECT share_acl.create_resource(:'ws', 'asset', :'project') AS upload \gset
SELECT share_acl.add_to_collection(:'coll', :'upload');
SELECT share_acl.has_access(:'viewer', :'upload', 'comment') AS viewer_comments_upload;
SELECT share_acl.create_link(:'upload') AS tok2 \gset
SELECT share_acl.request_review(:'asset', ARRAY[:'member']::uuid[]) AS review \gset
COMMIT;
SELECT status FROM share_acl.open_link(:'tok2');
BEGIN;
SELECT share_acl.set_principal(:'member') IS NULL AS acting;
SELECT share_acl.mute(:'asset');
SELECT share_acl.submit_review(:'review', 'approved');
SELECT share_acl.set_notification_preference('share_received', true, true);
SELECT kind, count(*) FROM share_acl.notification GROUP BY kind ORDER BY kind;
COMMIT;
SELECT state FROM share_acl.review_status WHERE review_id = :'review' GROUP BY state;
SELECT view_count FROM share_acl.link WHERE resource_id IN (:'asset', :'upload') ORDER BY view_count;
SELECT ok, first_bad_id FROM share_acl.audit_verify(:'ws');
\c :regression_db
DROP DATABASE share_acl_maintenance;
