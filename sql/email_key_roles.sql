-- principal.email's unique index is on share_acl.email_key(email), which
-- ON CONFLICT names (create_user, share_with_email, request_review by
-- e-mail).  A backend whose first reader of the index is a role without
-- share_acl rights, the application's or an administrator's, must still
-- find that index (no 42P10), and an administrator's bulk load of
-- principals must evaluate the key (no "permission denied for function").
\set regression_db :DBNAME
\set regression_user :USER
CREATE DATABASE share_acl_email_key;
\c share_acl_email_key
CREATE EXTENSION share_acl;
CREATE ROLE email_key_app LOGIN;
GRANT share_acl_user TO email_key_app;
CREATE ROLE email_key_admin LOGIN;
GRANT share_acl_admin TO email_key_admin;
\o /dev/null
SELECT share_acl.create_user('owner@emailkey.test') AS owner \gset
SELECT share_acl.create_workspace('email key', :'owner') AS ws \gset
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
\o
-- the application's role reads principals first in a new backend
\c - email_key_app
SELECT count(*) > 0 AS principals_read FROM share_acl.principal;
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.share_with_email(:'project', 'Guest@EmailKey.test', 'viewer') IS NOT NULL AS shared;
SELECT share_acl.share_with_email(:'project', 'guest@emailkey.test', 'commenter') IS NOT NULL AS shared_again;
SELECT share_acl.request_review(:'project', NULL, reviewer_emails => ARRAY['reviewer@emailkey.test']) IS NOT NULL AS review;
COMMIT;
-- an administrator reads them first, then creates and bulk-loads users
\c - email_key_admin
SELECT count(*) > 0 AS principals_read FROM share_acl.principal;
SELECT share_acl.create_user('GUEST@emailkey.test') IS NOT NULL AS external_made_user;
INSERT INTO share_acl.principal (kind, email)
SELECT 'user', 'bulk' || i || '@emailkey.test' FROM generate_series(1, 3) i;
COPY share_acl.principal (kind, email) FROM stdin;
user	copied@emailkey.test
\.
\c - email_key_admin
INSERT INTO share_acl.principal (kind, email) VALUES ('user', 'fresh@emailkey.test');
INSERT INTO share_acl.principal (kind, email) VALUES ('user', 'FRESH@emailkey.test');
-- the same address differing in case only is one principal
SELECT kind, count(*) FROM share_acl.principal
 WHERE share_acl.email_key(email) LIKE '%@emailkey.test' GROUP BY kind ORDER BY kind;
-- any role may ask for the key (as for is_valid_email)
SELECT share_acl.email_key('Ada.LOVELACE@Example.ORG');
\c :regression_db :regression_user
DROP DATABASE share_acl_email_key;
DROP ROLE email_key_app;
DROP ROLE email_key_admin;
