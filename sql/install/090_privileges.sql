-- Privileges (SPEC section 4 "Who may call them", section 6), applied once, here, after
-- every other install file, to every function, table and view of the schema.
-- No other install file grants or revokes anything.
--
-- Roles (created in 040_api.sql): share_acl_user, granted to the
-- application's database role, may call the management API and the look-ups;
-- share_acl_admin is a trusted administrator (also without a principal).
-- Superusers pass every check.  A role with neither may use what row-level
-- security on application tables needs, and nothing that names a principal
-- or lists things: it can enumerate nothing.
--
-- Functions.  PostgreSQL lets PUBLIC execute every new function; here that
-- is revoked on every function of the schema, then EXECUTE is granted from
-- two deliberate lists (a name stands for every function of that name, a
-- signature for that one function):
--   * PUBLIC: the permset type (I/O, operators, index support, aggregates,
--     casts, inspection), the current context (set_principal,
--     current_principal, current_link, invoker_is_admin), the checks for the
--     current context that the RLS policies of protect() call as the
--     querying role (has_access(resource, perms), effective_permissions(
--     resource), is_owner, parent_is), and protect() / unprotect() themselves (they run
--     with the caller's rights: only a table's owner can protect it);
--   * share_acl_user and share_acl_admin: the look-ups that name a principal
--     or list things, the management API and the share link API;
--   * share_acl_admin alone: cache_stats (it counts over every tenant).
-- Every other function is executable by the extension's owner alone: the
-- internal helpers (names starting with "_"; never on a list, checked
-- below), which only the SECURITY DEFINER functions call, as that owner;
-- the trigger functions, which fire without an EXECUTE privilege; and any
-- function added later without being put on a list.  So a new function is
-- private until it is listed here, and test/pgtap/28_privileges.sql, which
-- classifies every function of the schema, fails on a function it does not
-- know.  An upgrade script that adds functions must end the same way
-- (REVOKE from PUBLIC, then the grants).

-- who_has_access reads the internal _who_has_access (C) and the principals'
-- e-mails; it runs as the extension's owner so that its callers need neither.
ALTER FUNCTION share_acl.who_has_access(uuid) SECURITY DEFINER;

-- First, what default privileges gave: ALTER DEFAULT PRIVILEGES of the role
-- that creates the extension (or of this schema) grant on every table,
-- sequence, function and schema it creates, here too.  Every privilege any
-- role but the owner holds on them is revoked, so that the grants below are
-- the only ones (_revoke_default_privileges does the same for the audit_log
-- partitions audit_retain creates later).
DO $$
DECLARE
    grantee text;
BEGIN
    FOR grantee IN
        SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.rolname) END
          FROM (SELECT c.relacl AS acl, c.relowner AS owner FROM pg_catalog.pg_class c
                 WHERE c.relnamespace = 'share_acl'::pg_catalog.regnamespace
                UNION ALL
                SELECT p.proacl, p.proowner FROM pg_catalog.pg_proc p
                 WHERE p.pronamespace = 'share_acl'::pg_catalog.regnamespace
                UNION ALL
                SELECT n.nspacl, n.nspowner FROM pg_catalog.pg_namespace n
                 WHERE n.oid = 'share_acl'::pg_catalog.regnamespace) o
          CROSS JOIN LATERAL pg_catalog.aclexplode(o.acl) a
          LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
         WHERE a.grantee <> o.owner
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON ALL TABLES IN SCHEMA share_acl FROM %s', grantee);
        EXECUTE pg_catalog.format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA share_acl FROM %s', grantee);
        EXECUTE pg_catalog.format('REVOKE ALL ON ALL ROUTINES IN SCHEMA share_acl FROM %s', grantee);
        EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA share_acl FROM %s', grantee);
    END LOOP;
END $$;

REVOKE ALL ON ALL ROUTINES IN SCHEMA share_acl FROM PUBLIC;

DO $$
DECLARE
    public_routines text[] := ARRAY[
        -- the permset type
        'permset_in', 'permset_out', 'permset_recv', 'permset_send',
        'permset_eq', 'permset_ne', 'permset_lt', 'permset_le', 'permset_gt', 'permset_ge',
        'permset_cmp', 'permset_hash', 'permset_hash_extended',
        'permset_contains', 'permset_contained', 'permset_overlaps',
        'permset_or', 'permset_and', 'permset_minus',
        'permset_union', 'permset_intersect',
        'permset_flags', 'permset_level', 'permset', 'text',
        -- the current context
        'set_principal', 'current_principal', 'current_link', 'invoker_is_admin',
        -- what RLS policies on application tables call, as the querying role
        'share_acl.has_access(uuid,share_acl.permset)',
        'share_acl.effective_permissions(uuid)',
        'is_owner', 'parent_is',
        -- row-level security for application tables (table owners)
        'protect', 'unprotect',
        -- the e-mail rule: the CHECK of principal.email runs it as the role
        -- that writes the row, and the key of its unique index likewise
        -- (also where ON CONFLICT names it: 020_model.sql)
        'is_valid_email', 'email_key',
        -- the rule of names, which the CHECKs of names and labels run likewise
        'is_valid_name',
        -- the default id of shares and notifications, evaluated likewise
        'time_ordered_uuid'];
    user_routines text[] := ARRAY[
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
        -- reviews
        'request_review', 'submit_review', 'cancel_review',
        -- notifications (one's own; notification_digest: oneself, or an
        -- administrator; notify_mention: the application's hook)
        'mute', 'unmute', 'mark_read', 'unread_count', 'set_notification_preference',
        'notification_digest', 'notify_mention', 'notification_recipient',
        -- share links (open_link too: external viewers come through the
        -- application's role; the key functions check for an administrator)
        'create_link', 'open_link', 'link_id', 'revoke_link', 'update_link', 'expiring_links',
        'rotate_signing_key', 'retire_signing_key',
        -- the audit trail: reading (row-level security and view_audit
        -- decide; audit_readable is audit_log's policy), verifying, and the
        -- trigger for application tables
        'audit_for', 'audit_readable', 'audit_verify', 'audit_trigger'];
    admin_routines text[] := ARRAY[
        -- what this backend's cache holds (counts over every tenant)
        'cache_stats',
        -- retention: the audit log's (drops partitions), the notifications'
        'audit_retain', 'notification_retain',
        -- the mailer and the hourly job
        'mark_notifications_sent', 'claim_email_outbox', 'claim_digests', 'notify_expiring_links'];
    entry text;
    grantees text;
    f regprocedure;
    n int;
BEGIN
    FOR entry, grantees IN
        SELECT e, 'PUBLIC' FROM pg_catalog.unnest(public_routines) e
        UNION ALL
        SELECT e, 'share_acl_user, share_acl_admin' FROM pg_catalog.unnest(user_routines) e
        UNION ALL
        SELECT e, 'share_acl_admin' FROM pg_catalog.unnest(admin_routines) e
    LOOP
        IF entry LIKE '\_%' OR entry LIKE 'share\_acl.\_%' THEN
            RAISE EXCEPTION 'internal function % must not be granted to anyone', entry
                USING ERRCODE = 'invalid_grant_operation';
        END IF;
        n := 0;
        FOR f IN SELECT p.oid::pg_catalog.regprocedure FROM pg_catalog.pg_proc p
                  WHERE p.pronamespace = 'share_acl'::pg_catalog.regnamespace
                    AND CASE WHEN entry LIKE '%(%' THEN p.oid = pg_catalog.to_regprocedure(entry)
                             ELSE p.proname = entry END
        LOOP
            EXECUTE pg_catalog.format('GRANT EXECUTE ON ROUTINE %s TO %s', f, grantees);
            n := n + 1;
        END LOOP;
        IF n = 0 THEN
            RAISE EXCEPTION 'there is no function % in schema share_acl to grant', entry
                USING ERRCODE = 'undefined_function';
        END IF;
    END LOOP;
END $$;

-- Tables and views: nothing for PUBLIC.  share_acl_user reads the model and
-- the links it may see (active_links); share_acl_admin may also bulk-load the
-- model and the links (INSERT/COPY: the triggers keep integrity, caches and
-- audit right).  The signing keys and the lockout and view-counting tables
-- are for the extension's own SECURITY DEFINER code only.
REVOKE ALL ON ALL TABLES IN SCHEMA share_acl FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA share_acl FROM PUBLIC;
GRANT USAGE ON SCHEMA share_acl TO PUBLIC;
GRANT SELECT ON share_acl.workspace, share_acl.principal, share_acl.member,
                share_acl.team_member, share_acl.resource, share_acl.collection_item,
                share_acl.share, share_acl.promotion_request, share_acl.review,
                share_acl.review_reviewer
    TO share_acl_user;
GRANT SELECT, INSERT, UPDATE, DELETE
    ON share_acl.workspace, share_acl.principal, share_acl.member,
       share_acl.team_member, share_acl.resource, share_acl.collection_item,
       share_acl.share, share_acl.promotion_request, share_acl.link, share_acl.link_view,
       share_acl.review, share_acl.review_reviewer
    TO share_acl_admin;
GRANT SELECT ON share_acl.review_status TO share_acl_user, share_acl_admin;
-- notifications, preferences and mutes: one's own rows (row-level
-- security); the mail outbox: the mailer (an administrator)
GRANT SELECT ON share_acl.notification, share_acl.notification_preference, share_acl.notification_mute
    TO share_acl_user, share_acl_admin;
GRANT SELECT ON share_acl.email_outbox TO share_acl_admin;
GRANT SELECT ON share_acl.active_links TO share_acl_user, share_acl_admin;
-- The audit log: read through its row-level security policy (view_audit);
-- written only by the extension's own triggers and functions, as its owner:
-- nobody may insert, update or delete (forged history), and its partitions
-- grant nothing (a query on one would skip the policy).
GRANT SELECT ON share_acl.audit_log TO share_acl_user, share_acl_admin;
