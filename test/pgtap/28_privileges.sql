-- pgTAP: who may call what (SPEC §4 "Who may call them", §6, §9).
--
-- Every function of the schema is classified below: executable by PUBLIC,
-- by share_acl_user (and share_acl_admin), by share_acl_admin alone, or by
-- the extension's owner only
-- (the internal "_" helpers by their name, the others listed).  A function
-- that is not classified here fails the first test: decide who may call it,
-- put it on the matching list of sql/install/090_privileges.sql (nothing to
-- do there for owner-only functions) and here.
--
-- Then: the look-ups that name a principal or list things refuse a role
-- without share_acl rights (42501) and answer for a member of
-- share_acl_user; the current-context checks, protect() and row-level
-- security, and the permset type work for a role without share_acl rights.
BEGIN;
SELECT plan(62);
SET LOCAL search_path = share_acl, public;

CREATE TEMP TABLE classified (entry text NOT NULL, class text NOT NULL
                              CHECK (class IN ('public', 'user', 'admin', 'owner')));
INSERT INTO classified
SELECT e, 'public' FROM unnest(ARRAY[
    -- the permset type
    'permset_in', 'permset_out', 'permset_recv', 'permset_send',
    'permset_eq', 'permset_ne', 'permset_lt', 'permset_le', 'permset_gt', 'permset_ge',
    'permset_cmp', 'permset_hash', 'permset_hash_extended',
    'permset_contains', 'permset_contained', 'permset_overlaps',
    'permset_or', 'permset_and', 'permset_minus',
    'permset_union', 'permset_intersect',
    'permset_flags', 'permset_level', 'permset', 'text',
    -- the current context and the checks for it (RLS policies call them)
    'set_principal', 'current_principal', 'current_link', 'invoker_is_admin',
    'share_acl.has_access(uuid,share_acl.permset)',
    'share_acl.effective_permissions(uuid)',
    'is_owner', 'parent_is',
    -- row-level security for application tables
    'protect', 'unprotect',
    -- the e-mail rule (principal.email's CHECK and its unique index's key
    -- run them as the writing role)
    'is_valid_email', 'email_key',
    -- the rule of names (the CHECKs of names and labels run it likewise)
    'is_valid_name',
    -- the default id of shares and notifications (evaluated likewise)
    'time_ordered_uuid']) e
UNION ALL
SELECT e, 'user' FROM unnest(ARRAY[
    -- look-ups that name a principal or list things
    'share_acl.has_access(uuid,uuid,share_acl.permset)',
    'share_acl.effective_permissions(uuid,uuid)',
    'explain_access', 'accessible_resources', 'who_has_access',
    -- management API
    'create_workspace', 'create_user', 'create_team',
    'rename_workspace', 'rename_team', 'set_display_name',
    'add_member', 'set_role', 'remove_member', 'add_team_member', 'remove_team_member',
    'create_resource', 'move_resource', 'add_to_collection', 'remove_from_collection',
    'delete_resource', 'set_general_access', 'set_restricted', 'set_guest_ai',
    'share', 'share_with_email', 'update_share', 'unshare',
    'transfer_ownership', 'transfer_resource_ownership',
    'request_promotion', 'decide_promotion', 'set_workspace_policy',
    'request_review', 'submit_review', 'cancel_review',
    'mute', 'unmute', 'mark_read', 'unread_count', 'set_notification_preference',
    'notification_digest', 'notify_mention', 'notification_recipient',
    -- share links
    'create_link', 'open_link', 'link_id', 'revoke_link', 'update_link', 'expiring_links',
    'rotate_signing_key', 'retire_signing_key',
    -- the audit trail
    'audit_for', 'audit_readable', 'audit_verify', 'audit_trigger']) e
UNION ALL
SELECT e, 'admin' FROM unnest(ARRAY[
    -- what this backend's cache holds (counts over every tenant)
    'cache_stats',
    -- audit log retention
    'audit_retain', 'notification_retain', 'mark_notifications_sent', 'claim_email_outbox', 'claim_digests',
    'notify_expiring_links']) e
UNION ALL
SELECT e, 'owner' FROM unnest(ARRAY[
    -- trigger functions (they fire without EXECUTE)
    'principal_check', 'member_check', 'member_owner_check', 'team_member_check',
    'resource_check', 'resource_insert_check', 'collection_item_check', 'share_check',
    'id_registry_sync', 'id_registry_forget', 'id_registry_insert',
    'cache_invalidate_trigger', 'change_log_trigger', 'change_log_guard', 'change_log_written',
    'signing_key_replace_unused',
    'audit_model_trigger', 'audit_log_guard', 'audit_chain_guard',
    'review_reviewer_check', 'review_resource_sync', 'review_reviewer_gone']) e;

-- every function of the schema with its class (NULL: not classified)
CREATE TEMP VIEW routine AS
SELECT p.oid, p.oid::regprocedure::text AS sig, p.proname, p.prosecdef, p.prosrc,
       CASE WHEN p.proname LIKE '\_%' THEN 'internal'
            ELSE (SELECT c.class FROM classified c
                   WHERE CASE WHEN c.entry LIKE '%(%' THEN p.oid = to_regprocedure(c.entry)
                              ELSE p.proname = c.entry END
                   ORDER BY c.entry LIKE '%(%' DESC LIMIT 1)
       END AS class,
       EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public_executes
  FROM pg_proc p
 WHERE p.pronamespace = 'share_acl'::regnamespace;

-- ----------------------------------------------------------------- the lists
SELECT is(ARRAY(SELECT sig FROM routine WHERE class IS NULL ORDER BY sig), '{}'::text[],
          'every function of the schema is classified (PUBLIC, share_acl_user, owner only, internal "_")');
SELECT is(ARRAY(SELECT c.entry FROM classified c
                 WHERE NOT EXISTS (SELECT 1 FROM routine r
                                    WHERE CASE WHEN c.entry LIKE '%(%' THEN r.oid = to_regprocedure(c.entry)
                                               ELSE r.proname = c.entry END)
                 ORDER BY 1),
          '{}'::text[], 'every classified name is a function of the schema');
SELECT is(ARRAY(SELECT sig FROM routine WHERE public_executes <> (class = 'public') ORDER BY sig),
          '{}'::text[], 'PUBLIC may execute exactly the functions listed for PUBLIC');
SELECT is(ARRAY(SELECT sig FROM routine
                 WHERE has_function_privilege('share_acl_user', oid, 'EXECUTE') <> (class IN ('public', 'user'))
                 ORDER BY sig),
          '{}'::text[], 'share_acl_user may execute exactly the functions listed for PUBLIC and share_acl_user');
SELECT is(ARRAY(SELECT sig FROM routine
                 WHERE has_function_privilege('share_acl_admin', oid, 'EXECUTE') <> (class IN ('public', 'user', 'admin'))
                 ORDER BY sig),
          '{}'::text[], 'share_acl_admin may execute exactly the functions listed for PUBLIC, share_acl_user and share_acl_admin');
SELECT is(ARRAY(SELECT sig FROM routine
                 WHERE class = 'internal'
                   AND (public_executes OR has_function_privilege('share_acl_user', oid, 'EXECUTE')
                        OR has_function_privilege('share_acl_admin', oid, 'EXECUTE'))
                 ORDER BY sig),
          '{}'::text[], 'no internal "_" function is executable by PUBLIC, share_acl_user or share_acl_admin');
SELECT ok((SELECT count(*) FROM routine WHERE class = 'internal') > 10, 'the internal functions are checked too');
SELECT is(ARRAY(SELECT DISTINCT r.sig || ' to ' || a.grantee::regrole::text
                  FROM routine r, pg_proc p, aclexplode(p.proacl) a
                 WHERE p.oid = r.oid AND a.grantee <> 0 AND a.grantee <> p.proowner
                   AND a.grantee::regrole::text NOT IN ('share_acl_user', 'share_acl_admin')
                 ORDER BY 1),
          '{}'::text[], 'EXECUTE is granted to no other role');
SELECT is(ARRAY(SELECT sig FROM routine
                 WHERE class IN ('public', 'user') AND NOT prosecdef AND prosrc ~ 'share_acl\._'
                 ORDER BY sig),
          '{}'::text[], 'no function that runs with its caller''s rights calls an internal "_" function');
SELECT is(ARRAY(SELECT c.oid::regclass::text FROM pg_class c
                 WHERE c.relnamespace = 'share_acl'::regnamespace AND c.relkind IN ('v', 'm')
                   AND pg_get_viewdef(c.oid) ~ 'share_acl\._'
                 ORDER BY 1),
          '{}'::text[], 'no view calls an internal "_" function');
SELECT is(ARRAY(SELECT c.oid::regclass::text FROM pg_class c, aclexplode(c.relacl) a
                 WHERE c.relnamespace = 'share_acl'::regnamespace AND a.grantee = 0
                 ORDER BY 1),
          '{}'::text[], 'no table, view or sequence of the schema grants anything to PUBLIC');

-- ----------------------------------------------------------------- data and roles
-- workspace W: owner o, member m; project P (private) > A (owned by m,
-- viewer share for m), B
INSERT INTO share_acl.workspace (id, name) VALUES ('28000000-0000-0000-0000-0000000000a1', 'privileges');
INSERT INTO share_acl.principal (id, kind, email) VALUES
  ('28000000-0000-0000-0000-000000000001', 'user', 'o@privileges.test'),
  ('28000000-0000-0000-0000-000000000002', 'user', 'm@privileges.test');
INSERT INTO share_acl.member VALUES
  ('28000000-0000-0000-0000-0000000000a1', '28000000-0000-0000-0000-000000000001', 'owner'),
  ('28000000-0000-0000-0000-0000000000a1', '28000000-0000-0000-0000-000000000002', 'member');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id) VALUES
  ('28000000-0000-0000-0000-0000000000b1', '28000000-0000-0000-0000-0000000000a1', 'project', NULL, '28000000-0000-0000-0000-000000000001'),
  ('28000000-0000-0000-0000-0000000000c1', '28000000-0000-0000-0000-0000000000a1', 'asset', '28000000-0000-0000-0000-0000000000b1', '28000000-0000-0000-0000-000000000002'),
  ('28000000-0000-0000-0000-0000000000c2', '28000000-0000-0000-0000-0000000000a1', 'asset', '28000000-0000-0000-0000-0000000000b1', '28000000-0000-0000-0000-000000000001');
INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES
  ('28000000-0000-0000-0000-0000000000c1', '28000000-0000-0000-0000-000000000002', 'viewer');

CREATE ROLE t28_plain NOLOGIN;              -- no share_acl role at all
CREATE ROLE t28_app NOLOGIN;                -- the application's role
GRANT share_acl_user TO t28_app;
CREATE ROLE t28_owner NOLOGIN;              -- owns an application table, no share_acl role
CREATE SCHEMA t28 AUTHORIZATION t28_owner;
GRANT USAGE ON SCHEMA t28 TO t28_plain;

-- -------------------------------- look-ups: a role without share_acl rights
SET LOCAL ROLE t28_plain;
SELECT throws_ok($$SELECT share_acl.has_access('28000000-0000-0000-0000-000000000002', '28000000-0000-0000-0000-0000000000c1', 'view')$$,
                 '42501', NULL, 'plain role: has_access(principal, resource, perms) is refused');
SELECT throws_ok($$SELECT share_acl.effective_permissions('28000000-0000-0000-0000-000000000002', '28000000-0000-0000-0000-0000000000c1')$$,
                 '42501', NULL, 'plain role: effective_permissions(principal, resource) is refused');
SELECT throws_ok($$SELECT * FROM share_acl.explain_access('28000000-0000-0000-0000-000000000002', '28000000-0000-0000-0000-0000000000c1', 'view')$$,
                 '42501', NULL, 'plain role: explain_access is refused');
SELECT throws_ok($$SELECT * FROM share_acl.accessible_resources('28000000-0000-0000-0000-000000000001', 'view')$$,
                 '42501', NULL, 'plain role: accessible_resources is refused');
SELECT throws_ok($$SELECT * FROM share_acl.accessible_resources('28000000-0000-0000-0000-000000000001', 'view', 'asset')$$,
                 '42501', NULL, 'plain role: accessible_resources with a kind is refused');
SELECT throws_ok($$SELECT * FROM share_acl.who_has_access('28000000-0000-0000-0000-0000000000b1')$$,
                 '42501', NULL, 'plain role: who_has_access is refused');
SELECT throws_ok($$SELECT * FROM share_acl._who_has_access('28000000-0000-0000-0000-0000000000b1')$$,
                 '42501', NULL, 'plain role: the internal _who_has_access is refused');
SELECT throws_ok($$SELECT share_acl.create_workspace('x', '28000000-0000-0000-0000-000000000001')$$,
                 '42501', NULL, 'plain role: the management API is refused');
SELECT throws_ok($$SELECT * FROM share_acl.open_link('x')$$,
                 '42501', NULL, 'plain role: open_link is refused');
SELECT throws_ok($$SELECT count(*) FROM share_acl.resource$$,
                 '42501', NULL, 'plain role: the model tables are not readable');
SELECT throws_ok($$SELECT * FROM share_acl.cache_stats()$$,
                 '42501', NULL, 'plain role: cache_stats is refused');
SELECT throws_ok($$SELECT count(*) FROM share_acl.change_log$$,
                 '42501', NULL, 'plain role: the change log is not readable');
RESET ROLE;

-- -------------------------------- look-ups: a member of share_acl_user
SET LOCAL ROLE t28_app;
SELECT is(share_acl.has_access('28000000-0000-0000-0000-000000000002', '28000000-0000-0000-0000-0000000000c1', 'view'),
          true, 'share_acl_user: has_access(principal, resource, perms) answers');
SELECT is(share_acl.effective_permissions('28000000-0000-0000-0000-000000000001', '28000000-0000-0000-0000-0000000000b1'),
          'full'::share_acl.permset, 'share_acl_user: effective_permissions(principal, resource) answers');
SELECT ok((SELECT count(*) FROM share_acl.explain_access('28000000-0000-0000-0000-000000000002', '28000000-0000-0000-0000-0000000000c1', 'view')) > 0,
          'share_acl_user: explain_access answers');
SELECT ok(ARRAY(SELECT share_acl.accessible_resources('28000000-0000-0000-0000-000000000002', 'view', 'asset'))
            @> ARRAY['28000000-0000-0000-0000-0000000000c1']::uuid[],
          'share_acl_user: accessible_resources answers');
SELECT ok(ARRAY(SELECT email FROM share_acl.who_has_access('28000000-0000-0000-0000-0000000000c1'))
            @> ARRAY['o@privileges.test', 'm@privileges.test'],
          'share_acl_user: who_has_access answers, with e-mails');
SELECT throws_ok($$SELECT * FROM share_acl._who_has_access('28000000-0000-0000-0000-0000000000b1')$$,
                 '42501', NULL, 'share_acl_user: the internal _who_has_access is refused');
SELECT throws_ok($$SELECT share_acl._role('28000000-0000-0000-0000-0000000000a1', '28000000-0000-0000-0000-000000000001')$$,
                 '42501', NULL, 'share_acl_user: an internal helper of the management API is refused');
SELECT throws_ok($$SELECT * FROM share_acl.cache_stats()$$,
                 '42501', NULL, 'share_acl_user: cache_stats (counts over every tenant) is refused');
RESET ROLE;
SET LOCAL ROLE share_acl_admin;
SELECT ok((SELECT mode FROM share_acl.cache_stats()) IN ('backend', 'shared'), 'share_acl_admin: cache_stats answers');
RESET ROLE;

-- -------------------------------- the current context: every role
SET LOCAL ROLE t28_plain;
SELECT lives_ok($$SELECT share_acl.set_principal('28000000-0000-0000-0000-000000000002')$$,
                'plain role: set_principal');
SELECT is(share_acl.current_principal(), '28000000-0000-0000-0000-000000000002'::uuid,
          'plain role: current_principal');
SELECT is(share_acl.has_access('28000000-0000-0000-0000-0000000000c1', 'view'), true,
          'plain role: has_access(resource, perms) for the current principal');
SELECT is(share_acl.has_access('28000000-0000-0000-0000-0000000000c2', 'view'), false,
          'plain role: has_access(resource, perms) denies too');
SELECT ok(share_acl.effective_permissions('28000000-0000-0000-0000-0000000000c1') @> 'viewer'::share_acl.permset,
          'plain role: effective_permissions(resource)');
SELECT is(share_acl.is_owner('28000000-0000-0000-0000-0000000000c1'), true, 'plain role: is_owner');
SELECT is(share_acl.current_link(), NULL, 'plain role: current_link');
SELECT is(share_acl.invoker_is_admin(), false, 'plain role: invoker_is_admin');
RESET ROLE;
SELECT share_acl.set_principal(NULL);

-- -------------------------------- the permset type: every role
SET LOCAL ROLE t28_plain;
SELECT is('editor'::share_acl.permset OPERATOR(share_acl.@>) 'viewer'::share_acl.permset, true,
          'plain role: permset operators');
SELECT is(('view'::share_acl.permset OPERATOR(share_acl.|) 'comment')
          OPERATOR(share_acl.-) 'view'::share_acl.permset, 'comment'::share_acl.permset,
          'plain role: permset set arithmetic');
SELECT is((SELECT share_acl.permset_union(p) FROM unnest(ARRAY['view', 'comment']::share_acl.permset[]) p),
          'view,comment'::share_acl.permset, 'plain role: permset aggregates');
SELECT is(ARRAY['view', 'download']::text[]::share_acl.permset::text, 'view,download',
          'plain role: permset casts');
SELECT is((SELECT count(DISTINCT p) FROM unnest(ARRAY['view', 'view', 'comment']::share_acl.permset[]) p),
          2::bigint, 'plain role: permset comparison (DISTINCT)');
SELECT is(share_acl.permset_level('editor'), 'editor', 'plain role: permset inspection');
RESET ROLE;

-- -------------------------------- row-level security: roles without share_acl rights
SET LOCAL ROLE t28_owner;
CREATE TABLE t28.doc (id uuid PRIMARY KEY, project_id uuid NOT NULL, title text);
INSERT INTO t28.doc VALUES
  ('28000000-0000-0000-0000-0000000000c1', '28000000-0000-0000-0000-0000000000b1', 'shared'),
  ('28000000-0000-0000-0000-0000000000c2', '28000000-0000-0000-0000-0000000000b1', 'not shared');
GRANT SELECT, INSERT, UPDATE, DELETE ON t28.doc TO t28_plain;
SELECT lives_ok($$SELECT share_acl.protect('t28.doc', 'id', 'project_id')$$,
                'a table owner without share_acl rights protects its table');
SELECT throws_ok($$SELECT share_acl.protect('t28.doc', 'title')$$, '42804', NULL,
                 'protect() still refuses a column that is not a uuid');
SELECT throws_ok($$SELECT share_acl.protect('t28.doc', 'nope')$$, '42703', NULL,
                 'protect() still refuses a missing column');
RESET ROLE;
SET LOCAL ROLE t28_plain;
SELECT share_acl.set_principal('28000000-0000-0000-0000-000000000002');
SELECT is(ARRAY(SELECT title FROM t28.doc), ARRAY['shared'],
          'a role without share_acl rights reads the rows its principal may view');
SELECT throws_ok($$INSERT INTO t28.doc VALUES (gen_random_uuid(), '28000000-0000-0000-0000-0000000000b1', 'new')$$,
                 '42501', NULL, 'and the insert policy refuses what its principal may not upload');
SELECT share_acl.set_principal('28000000-0000-0000-0000-000000000001');
SELECT lives_ok($$INSERT INTO t28.doc VALUES ('28000000-0000-0000-0000-0000000000c3', '28000000-0000-0000-0000-0000000000b1', 'new')$$,
                'and lets its principal insert where it may upload');
DELETE FROM t28.doc WHERE title = 'shared';
SELECT share_acl.set_principal(NULL);
RESET ROLE;
SELECT is(ARRAY(SELECT title FROM t28.doc ORDER BY title), ARRAY['new', 'not shared'],
          'and delete where it may delete');
SET LOCAL ROLE t28_owner;
SELECT lives_ok($$SELECT share_acl.unprotect('t28.doc')$$,
                'a table owner without share_acl rights unprotects its table');
RESET ROLE;

-- -------------------------------- unprotect(NULL)
SELECT throws_ok($$SELECT share_acl.unprotect(NULL)$$, '22004', NULL,
                 'unprotect(NULL) is 22004');
SELECT throws_ok($$SELECT share_acl.protect(NULL)$$, '22004', NULL,
                 'protect(NULL) is 22004');
-- a regclass from a number that no relation has: undefined_table, not a
-- syntax error from the ALTER TABLE built with it
SELECT throws_ok($$SELECT share_acl.unprotect(2147483000::oid::regclass)$$, '42P01',
                 'relation with OID 2147483000 does not exist',
                 'unprotect() of an oid no relation has is 42P01');
SELECT throws_ok($$SELECT share_acl.protect(2147483000::oid::regclass)$$, '42P01',
                 'relation with OID 2147483000 does not exist',
                 'protect() of an oid no relation has is 42P01');

-- Maintenance (CREATE INDEX, ANALYZE, autovacuum, REFRESH MATERIALIZED VIEW)
-- runs a table owner's index expressions as that owner in a
-- security-restricted operation, with the superuser who started it (or the
-- autovacuum worker's) as the outer role: no trusted administrator's call.
CREATE ROLE t28_indexer;
GRANT share_acl_user TO t28_indexer;
CREATE TABLE public.t28_seen (admin boolean, key_retired boolean);
GRANT INSERT ON public.t28_seen TO t28_indexer;
CREATE FUNCTION public.t28_note(x int) RETURNS int LANGUAGE plpgsql VOLATILE AS $$
DECLARE retired boolean := true;
BEGIN
    BEGIN
        PERFORM share_acl.rotate_signing_key();
    EXCEPTION WHEN insufficient_privilege THEN
        retired := false;
    END;
    INSERT INTO public.t28_seen VALUES (share_acl.invoker_is_admin(), retired);
    RETURN x;
END $$;
CREATE FUNCTION public.t28_index(x int) RETURNS int LANGUAGE plpgsql IMMUTABLE
    AS $$ BEGIN PERFORM public.t28_note(x); RETURN x; END $$;
CREATE TABLE public.t28_bait (x int);
INSERT INTO public.t28_bait VALUES (1);
ALTER TABLE public.t28_bait OWNER TO t28_indexer;
CREATE INDEX ON public.t28_bait (public.t28_index(x));
SELECT is((SELECT bool_or(admin) FROM public.t28_seen), false,
          'a superuser''s CREATE INDEX runs the owner''s index expression as no trusted administrator');
SELECT is((SELECT bool_or(key_retired) FROM public.t28_seen), false,
          '... which cannot manage the signing keys there (42501)');
-- an administrator's own materialized view is the administrator's code
CREATE ROLE t28_ops;
GRANT share_acl_admin TO t28_ops;
GRANT CREATE ON SCHEMA public TO t28_ops;
SET LOCAL ROLE t28_ops;
CREATE MATERIALIZED VIEW public.t28_admin_mv AS SELECT share_acl.invoker_is_admin() AS admin;
RESET ROLE;
SELECT is((SELECT admin FROM public.t28_admin_mv), true,
          'a materialized view of a share_acl_admin member is an administrator''s call');
SET LOCAL ROLE t28_ops;
REFRESH MATERIALIZED VIEW public.t28_admin_mv;
RESET ROLE;
SELECT is((SELECT admin FROM public.t28_admin_mv), true, '... also when refreshed');

SELECT * FROM finish();
ROLLBACK;
