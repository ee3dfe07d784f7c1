-- Share link secrets and the server log (SPEC §5): open_link and create_link
-- warn once per backend when settings in effect would write the token or
-- password they were given to the server log, naming the settings and never
-- the secret, and stay silent with safe settings.  (psql echoes the lines
-- below as written: the token is in a variable, :'token'.)
INSERT INTO share_acl.workspace (id, name) VALUES ('55000000-0000-0000-0000-000000000001', 'log settings');
INSERT INTO share_acl.principal (id, kind, email) VALUES
    ('55000000-0000-0000-0001-000000000001', 'user', 'owner@log-settings.example');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
    ('55000000-0000-0000-0000-000000000001', '55000000-0000-0000-0001-000000000001', 'owner');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id) VALUES
    ('55000000-0000-0000-0005-000000000001', '55000000-0000-0000-0000-000000000001', 'project', NULL,
     '55000000-0000-0000-0001-000000000001');
INSERT INTO share_acl.link (id, resource_id, created_by) VALUES
    ('55000000-0000-0000-0007-000000000001', '55000000-0000-0000-0005-000000000001',
     '55000000-0000-0000-0001-000000000001');
CREATE TEMP TABLE tok AS SELECT share_acl._link_token('55000000-0000-0000-0007-000000000001') AS t;
SELECT t AS token FROM tok \gset

-- the defaults, the token not in the statement text: no warning
SELECT status FROM tok, share_acl.open_link(tok.t);
-- a literal token with log_min_error_statement = panic: nothing logs the text
SET log_min_error_statement = panic;
SELECT status FROM share_acl.open_link(:'token');
-- log_statement = 'all' logs the text: a warning, once
SET log_statement = 'all';
SELECT status FROM share_acl.open_link(:'token');
SELECT status FROM share_acl.open_link(:'token');
SELECT status FROM share_acl.open_link(:'token', 'a password');
RESET log_statement;

-- a new backend: the defaults write a failing statement's text to the log
-- (log_min_error_statement = error), so a literal password is reported
\c
SELECT share_acl.create_link('55000000-0000-0000-0005-000000000001', password => 'Literal-Pass-55') IS NOT NULL AS created;
SELECT share_acl.create_link('55000000-0000-0000-0005-000000000001', password => 'Literal-Pass-55') IS NOT NULL AS created;

-- a new backend, debug_print_plan: the plans inside open_link hold the
-- token whatever way it was passed
\c
SET debug_print_plan = on;
SET client_min_messages = warning;
SELECT status FROM share_acl.open_link((SELECT share_acl._link_token('55000000-0000-0000-0007-000000000001')));
RESET client_min_messages;
RESET debug_print_plan;

-- a new backend: a message whose first statement changes how the text
-- parses (a Unicode escape without standard_conforming_strings fails to
-- parse again): the check assumes the text is logged and warns, it does
-- not fail the call
\c
SET log_min_error_statement = panic;
SET log_statement = 'ddl';
SET standard_conforming_strings = off \; SELECT share_acl.link_id('not a token') IS NULL AS no_link, U&'abc' AS text;
RESET standard_conforming_strings;
RESET log_statement;

DELETE FROM share_acl.workspace WHERE id = '55000000-0000-0000-0000-000000000001';
DELETE FROM share_acl.principal WHERE id = '55000000-0000-0000-0001-000000000001';
