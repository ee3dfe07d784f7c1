-- The share_acl demo: a small video studio's workspace, built through the
-- management API, and what the extension answers about it.
\set ON_ERROR_STOP 1
\set QUIET on
\pset footer off
CREATE EXTENSION share_acl;
SET search_path = share_acl, public;

\echo
\echo '=== Northwind Studio: people, roles and a team'
-- an administrator (here: the superuser, no principal set) creates the people
SELECT create_user('ana@northwind.example', 'Ana (owner)') AS ana \gset
SELECT create_user('ben@northwind.example', 'Ben (admin)') AS ben \gset
SELECT create_user('cleo@northwind.example', 'Cleo (editor)') AS cleo \gset
SELECT create_user('dev@northwind.example', 'Dev (member)') AS dev \gset
SELECT create_user('eve@northwind.example', 'Eve (viewer)') AS eve \gset
SELECT create_workspace('Northwind Studio', :'ana') AS ws \gset

\o /dev/null
BEGIN;
SELECT set_principal(:'ana');
SELECT add_member(:'ws', :'ben', 'admin');
SELECT add_member(:'ws', :'cleo', 'member');
SELECT add_member(:'ws', :'dev', 'member');
SELECT add_member(:'ws', :'eve', 'viewer');
SELECT create_team(:'ws', 'Editors') AS editors \gset
SELECT add_team_member(:'editors', :'cleo');
-- the tree: two projects, a "Selects" collection holding a cut from each
SELECT create_resource(:'ws', 'project') AS spring \gset
SELECT create_resource(:'ws', 'project') AS summer \gset
SELECT create_resource(:'ws', 'asset', :'spring') AS spring_cut \gset
SELECT create_resource(:'ws', 'asset', :'spring') AS spring_raw \gset
SELECT create_resource(:'ws', 'asset', :'summer') AS summer_cut \gset
SELECT create_resource(:'ws', 'collection', :'spring') AS selects \gset
SELECT add_to_collection(:'selects', :'spring_cut');
SELECT add_to_collection(:'selects', :'summer_cut');
-- the raw footage is restricted: nothing above it flows in
SELECT set_restricted(:'spring_raw', true);
-- the Editors team may edit the spring project; the workspace is told about summer
SELECT share(:'spring', :'editors', 'editor') AS editors_share \gset
SELECT set_general_access(:'summer', 'public');
-- Eve is a viewer: an editor share on summer is capped to view, comment, annotate, download (R9)
SELECT share(:'summer', :'eve', 'editor');
-- a client reviews the selects: a commenter share by e-mail makes an external guest
SELECT share_with_email(:'selects', 'client@agency.example', 'commenter',
                        allow_download => false) AS client_share \gset
COMMIT;
\o
SELECT id AS client FROM principal WHERE email = 'client@agency.example' \gset

\echo
\echo '=== Who may do what: effective permissions (SPEC §3)'
SELECT coalesce(p.display_name, p.email) AS who, coalesce(p.email, '') AS email,
       permset_level(effective_permissions(p.id, :'spring_cut')) AS on_spring_cut,
       permset_level(effective_permissions(p.id, :'summer_cut')) AS on_summer_cut,
       permset_level(effective_permissions(p.id, :'spring_raw')) AS on_raw_footage
FROM principal p WHERE p.kind <> 'team'
ORDER BY p.email;

\echo '=== Eve is a viewer: her editor share on summer is capped (R9)'
SELECT effective_permissions(:'eve', :'summer_cut') AS eve_on_summer_cut;

\echo '=== Can the client download the spring cut? (the share switched downloads off, R6)'
SELECT has_access(:'client', :'spring_cut', 'comment') AS can_comment,
       has_access(:'client', :'spring_cut', 'download') AS can_download,
       has_access(:'client', :'summer_cut', 'view') AS sees_summer_cut_through_selects;

\echo '=== Why may Cleo edit the spring cut? explain_access names every rule'
SELECT rule, perms, detail FROM explain_access(:'cleo', :'spring_cut', 'edit');

\echo '=== Who has access to the summer cut, and how'
SELECT email, role, permset_level(perms) AS level, via FROM who_has_access(:'summer_cut');

\echo '=== The application''s own table behind row-level security'
\o /dev/null
\ir app.sql
\o
INSERT INTO app.asset (id, project_id, title, duration_s) VALUES
  (:'spring_cut', :'spring', 'Spring - final cut', 94),
  (:'spring_raw', :'spring', 'Spring - raw footage', 3600),
  (:'summer_cut', :'summer', 'Summer - teaser', 31);
-- (the role is the cluster's: created once, kept for a demo in another database)
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'demo_app') AS demo_app_missing \gset
\if :demo_app_missing
CREATE ROLE demo_app LOGIN;
\endif
GRANT share_acl_user TO demo_app;
SET ROLE demo_app;
BEGIN;
SELECT set_principal(:'client') \gset
SELECT 'as the client' AS who, title FROM app.asset ORDER BY title;
COMMIT;
BEGIN;
SELECT set_principal(:'dev') \gset
SELECT 'as Dev (member)' AS who, title FROM app.asset ORDER BY title;
COMMIT;
BEGIN;
SELECT set_principal(:'ana') \gset
SELECT 'as Ana (owner)' AS who, title FROM app.asset ORDER BY title;
COMMIT;
RESET ROLE;

\echo '=== A share link for a reviewer without an account (SPEC §5)'
\o /dev/null
BEGIN;
SELECT set_principal(:'ana');
SELECT create_link(:'selects', 'commenter', label => 'agency review',
                   expires_at => now() + interval '7 days') AS token \gset
COMMIT;
\o
SELECT length(:'token') AS token_length, :'token' ~ '^[A-Za-z0-9_-]+$' AS url_safe;
-- psql writes the token into the statement text; an application passes it as
-- a bind parameter (see the README, "Server logs").  Here no failing
-- statement's text is logged, so open_link has nothing to warn about.
SET log_min_error_statement = panic;
-- (the link's level reads viewer: a commenter link holds comment, but not
-- approve unless create_link is given allow_approval => true, and
-- permset_level names the highest level whose every flag the set holds;
-- perms shows the flags themselves)
BEGIN;
SELECT ok, status, perms, permset_level(perms) AS level FROM open_link(:'token', viewer_email => 'reviewer@agency.example');
SELECT has_access(:'spring_cut', 'comment') AS link_can_comment_on_spring_cut,
       has_access(:'spring_raw', 'view') AS link_sees_raw_footage;
COMMIT;
SELECT status AS one_character_changed
FROM open_link(left(:'token', 59) || CASE WHEN right(:'token', 1) = 'A' THEN 'B' ELSE 'A' END);
SELECT label, view_count, has_password FROM active_links;

\echo '=== A revoke takes effect at once: the Editors share is removed'
\o /dev/null
BEGIN;
SELECT set_principal(:'ana');
SELECT unshare(:'editors_share');
COMMIT;
\o
SELECT permset_level(effective_permissions(:'cleo', :'spring_cut')) AS cleo_on_spring_cut_now;

\echo '=== A review round (SPEC §8): Ana asks Dev and the client to review the spring cut'
\o /dev/null
BEGIN;
SELECT set_principal(:'ana');
SELECT request_review(:'spring_cut', ARRAY[:'dev', :'client']::uuid[], now() + interval '2 days',
                      'Final colour pass: approve, or say what to change.') AS review \gset
COMMIT;
\o
-- while the review is open, Dev (a member without access to spring) may comment and approve
SELECT permset_level(effective_permissions(:'dev', :'spring_cut')) AS dev_on_spring_cut_during_review,
       (SELECT detail FROM explain_access(:'dev', :'spring_cut', 'approve') WHERE rule = 'review') AS why;
\o /dev/null
BEGIN;
SELECT set_principal(:'dev');
SELECT submit_review(:'review', 'approved', 'Looks great.');
SELECT set_principal(:'client');
SELECT submit_review(:'review', 'needs_changes', 'The titles are too small on phones.');
COMMIT;
\o
SELECT p.email AS reviewer, s.decision, s.note, s.state AS review_state
  FROM review_status s JOIN principal p ON p.id = s.reviewer_id
 WHERE s.review_id = :'review' ORDER BY p.email;
-- every reviewer decided: the review is closed, and Dev's access with it
SELECT coalesce(permset_level(effective_permissions(:'dev', :'spring_cut')), 'nothing') AS dev_on_spring_cut_after;
-- the notices: Ana was told of both decisions, the reviewers of the request
SELECT p.email AS recipient, n.kind, n.payload ->> 'decision' AS decision, n.email AS mail
  FROM notification n JOIN principal p ON p.id = n.recipient_id
 WHERE n.kind IN ('review_requested', 'review_decided')
 ORDER BY n.kind DESC, p.email, decision;
BEGIN;
SELECT set_principal(:'ana') \g /dev/null
SELECT unread_count() AS ana_unread;   -- with the first view of her link, above
COMMIT;

\echo '=== The audit trail (SPEC §7): who did what, through which link, and the proof'
-- as the application's role (row-level security applies to it)
SET ROLE demo_app;
-- Eve (a viewer) tries to share the spring project: refused, and the refusal
-- is in the log although her transaction was rolled back
\set ON_ERROR_STOP 0
\set VERBOSITY terse
\echo '(the ERROR below is expected: Eve may not share)'
BEGIN;
SELECT set_principal(:'eve') \g /dev/null
SELECT share(:'spring', :'dev', 'editor');
ROLLBACK;
\set VERBOSITY default
\set ON_ERROR_STOP 1
SELECT pg_sleep(0.5) \g /dev/null
-- Ben is an admin (view_audit): the history of the spring project and of
-- everything below it (resources, collection items, shares, the link and its
-- opens), oldest first
BEGIN;
SELECT set_principal(:'ben') \g /dev/null
SELECT l.id, l.action, l.object_type,
       coalesce(p.email, CASE WHEN l.link_id IS NOT NULL THEN '(link viewer)' ELSE '(administrator)' END) AS actor,
       l.viewer_email,
       coalesce(l.new ->> 'status',
                permset_level((coalesce(l.new, l.old) ->> 'perms')::permset)) AS detail
  FROM audit_for(:'spring') l LEFT JOIN principal p ON p.id = l.actor_id
 ORDER BY l.id;
SELECT l.action, l.object_type, p.email AS actor, l.new ->> 'message' AS message
  FROM audit_log l JOIN principal p ON p.id = l.actor_id
 WHERE l.action = 'refused';
SELECT * FROM audit_verify(:'ws');
COMMIT;
-- Eve (no view_audit) sees none of it
BEGIN;
SELECT set_principal(:'eve') \g /dev/null
SELECT count(*) AS audit_rows_eve_sees FROM audit_log;
COMMIT;
RESET ROLE;
