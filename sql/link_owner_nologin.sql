-- open_link's background worker records attempts as the extension's owner
-- without logging in as it: an owner that may not log in (NOLOGIN, a
-- common hardening) must not make every password or max_views open fail.
SET log_min_error_statement = panic;	-- the token is a literal below
\set regression_db :DBNAME
CREATE ROLE share_acl_nologin_owner SUPERUSER NOLOGIN;
CREATE DATABASE share_acl_nologin;
\c share_acl_nologin
SET log_min_error_statement = panic;
SET ROLE share_acl_nologin_owner;
CREATE EXTENSION share_acl;
RESET ROLE;
SELECT extowner::regrole AS owner FROM pg_extension WHERE extname = 'share_acl';
\o /dev/null
SELECT share_acl.create_user('owner@nologin.test') AS owner \gset
SELECT share_acl.create_workspace('nologin', :'owner') AS ws \gset
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
SELECT share_acl.create_link(:'project', password => 'correct horse', max_views => 5) AS tok \gset
\o
SELECT status FROM share_acl.open_link(:'tok', 'wrong');
SELECT status FROM share_acl.open_link(:'tok', 'correct horse');
SELECT failed_attempts, view_count FROM share_acl.link;
\c :regression_db
DROP DATABASE share_acl_nologin;
DROP ROLE share_acl_nologin_owner;
