-- The management API (SPEC section 6, all but links): workspaces, users, members and
-- roles, teams, the resource tree, general access, direct shares, ownership,
-- promotion requests and workspace policies.
--
-- Who may call:
--   * Every function acts for share_acl.current_principal() and checks that
--     principal's permissions with share_acl.has_access(): on the resource, or
--     on the workspace id for workspace-level actions (R12).  A refusal is
--     ERROR 42501 naming the missing permission, or the workspace policy.
--   * With no principal set, only a trusted administrator may call: a superuser
--     or a member of the role share_acl_admin (share_acl.invoker_is_admin()).
--     Such a call is not checked against permissions (workspace policies still
--     apply); anyone else gets 42501 "no principal set".
--   * EXECUTE is granted to the role share_acl_user (and share_acl_admin), not
--     to PUBLIC: grant share_acl_user to the application's database role.
--
-- Errors: NULL where a value is needed 22004; unknown id P0002; a principal or
-- resource of the wrong kind 42809; a request the rules do not allow whoever
-- asks (the owner role outside transfer_ownership, a bad policy value, an
-- expiry in the past, ...) 22023; a duplicate 23505; a request that is no
-- longer pending 55000.

-- ---------------------------------------------------------------------------
-- Roles
-- ---------------------------------------------------------------------------

-- Roles are cluster-wide: create them only when missing (another database of
-- the cluster may have created them already, or be creating them now: a
-- CREATE EXTENSION running at the same time in another database waits for
-- that one's role and then finds it taken, 23505 - it is there, which is
-- all this asks).  DROP EXTENSION leaves them.
-- share_acl_user: may call the management functions (as a principal);
-- share_acl_admin: a trusted administrator, may call them without a principal
-- and bulk-load the model tables.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['share_acl_user', 'share_acl_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN unique_violation OR duplicate_object THEN
                NULL;
            END;
        END IF;
    END LOOP;
END $$;
-- What each role may execute and read is granted in 090_privileges.sql.

-- ---------------------------------------------------------------------------
-- Internal helpers.  They are called only from the SECURITY DEFINER API
-- functions below, whose owner and pinned search_path they run with; they are
-- SECURITY INVOKER themselves (no per-call role and setting switch), and no
-- other role may execute them.
-- ---------------------------------------------------------------------------

-- The acting principal; NULL for a trusted administrator without one.  In a
-- read-only transaction (every one of a hot standby) 25006 naming the calling
-- function comes first, as the functions written in C refuse (src/authorize.c).
CREATE FUNCTION share_acl._actor(target uuid DEFAULT NULL) RETURNS uuid
    AS 'MODULE_PATHNAME', 'actor' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION share_acl._actor(uuid) IS
    'internal: the acting principal, NULL for a trusted administrator without one; 42501 for anyone else (its audit row naming target, what the call names); 25006 naming the calling function in a read-only transaction';

-- The same 25006 for a function that writes without an actor.
CREATE FUNCTION share_acl._require_writable() RETURNS void
    AS 'MODULE_PATHNAME', 'require_writable' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION share_acl._require_writable() IS
    'internal: 25006 naming the calling function in a read-only transaction';

-- A time plus an interval whose days and months are counted in UTC, not in
-- the caller's TimeZone: how long a workspace's default_link_expiry lasts
-- does not depend on the session that makes the link.
CREATE FUNCTION share_acl._utc_plus(t timestamptz, i interval) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.timezone('UTC', pg_catalog.timezone('UTC', t) OPERATOR(pg_catalog.+) i)
$$;
COMMENT ON FUNCTION share_acl._utc_plus(timestamptz, interval) IS
    'internal: t + i with days and months counted in UTC';

-- Application tables' foreign keys on share_acl's tables (src/app_references.c):
-- a management function deletes rows as the extension's owner, and the AFTER
-- triggers of a cascade into an application table would fire with that
-- owner's rights.  A foreign key on another table than resource, workspace
-- and principal refuses the functions that delete rows, before they delete.
CREATE FUNCTION share_acl._refuse_application_references(function text) RETURNS void
    AS 'MODULE_PATHNAME', 'app_references_refuse' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION share_acl._refuse_application_references(text) IS
    'internal: 42830 when an application table''s foreign key references a share_acl table whose rows the management functions delete (any but resource, workspace and principal)';

-- May a refusal name resource to actor?  Only to who may view it (or a
-- trusted administrator, actor NULL): an id in a refusal must not tell
-- anyone what it hides (a restricted resource, a collection, where a link
-- or share points).
CREATE FUNCTION share_acl._may_name(actor uuid, resource uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT actor IS NULL OR coalesce(share_acl.has_access(actor, resource, 'view'), false)
$$;
COMMENT ON FUNCTION share_acl._may_name(uuid, uuid) IS
    'internal: whether a refusal may name the resource to the actor (it may view it, or no principal acts)';

-- Check or raise 42501 naming the missing flags.  A NULL principal is a
-- trusted administrator (see _actor) and passes.  This, _require_manager
-- and _deny are the one authorisation step of every management function,
-- in C (src/authorize.c): they ask the engine directly.
CREATE FUNCTION share_acl._require(principal uuid, target uuid, perms share_acl.permset, action text)
RETURNS void
    AS 'MODULE_PATHNAME', 'require_permissions' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION share_acl._require(uuid, uuid, share_acl.permset, text) IS
    'internal: raise 42501 naming the missing permissions unless the principal (NULL = trusted administrator) has perms on the target';

-- The detail of a refusal that the workspace's policies alone cause, as
-- _require gives it ("The workspace policy ... withholds it."), or NULL: for
-- the refusals raised in SQL (SPEC section 6: naming the policy).
CREATE FUNCTION share_acl._policies_withholding(principal uuid, target uuid, needed share_acl.permset)
RETURNS text
    AS 'MODULE_PATHNAME', 'policies_withholding' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION share_acl._policies_withholding(uuid, uuid, share_acl.permset) IS
    'internal: the detail naming the workspace policies that alone withhold the needed permissions of the principal on the resource, or NULL';

-- Only the workspace owner (or a trusted administrator) may do this.
CREATE FUNCTION share_acl._require_owner(principal uuid, workspace uuid, what text)
RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF _require_owner.principal IS NOT NULL
       AND share_acl._role_now(_require_owner.workspace, _require_owner.principal)
           IS DISTINCT FROM 'owner' THEN
        PERFORM share_acl._deny(_require_owner.workspace,
            pg_catalog.format('permission denied: only the owner of workspace %s may %s', workspace, what));
    END IF;
END $$;
COMMENT ON FUNCTION share_acl._require_owner(uuid, uuid, text) IS
    'internal: raise 42501 unless the principal (NULL = trusted administrator) owns the workspace';

-- The acting principal's role as every check sees it (the engine: the
-- latest committed rows and this transaction's own, also in REPEATABLE READ,
-- where _role below reads the transaction's snapshot): what authorises a call
-- by role.  (As the rules see it, R2: an external principal's internal role
-- reads as guest.)
CREATE FUNCTION share_acl._role_now(workspace uuid, principal uuid) RETURNS text
    AS 'MODULE_PATHNAME', 'role_now' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION share_acl._role_now(uuid, uuid) IS
    'internal: the role of the principal in the workspace as every check sees it (latest committed), or NULL';

-- The role of a principal in a workspace, or NULL.
CREATE FUNCTION share_acl._role(workspace uuid, principal uuid) RETURNS share_acl.workspace_role
LANGUAGE sql STABLE AS $$
    SELECT m.role FROM share_acl.member m
     WHERE m.workspace_id = $1 AND m.principal_id = $2
$$;
COMMENT ON FUNCTION share_acl._role(uuid, uuid) IS
    'internal: the role of the principal in the workspace, or NULL';

-- The same, its member row locked until the end of the transaction: for a
-- call that changes the role, so that a concurrent transfer_ownership (which
-- locks the rows it changes) is waited for and its new owner seen (in
-- REPEATABLE READ: a serialization failure).  (remove_member locks the row
-- with the structure lock: _lock_structure_with.)
CREATE FUNCTION share_acl._role_locked(workspace uuid, principal uuid) RETURNS share_acl.workspace_role
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    r share_acl.workspace_role;
BEGIN
    SELECT m.role INTO r FROM share_acl.member m
     WHERE m.workspace_id = _role_locked.workspace AND m.principal_id = _role_locked.principal
       FOR UPDATE;
    IF NOT FOUND THEN
        -- (a row deleted while this waited may have been added again by the
        -- same transaction, which a new statement sees in READ COMMITTED)
        SELECT m.role INTO r FROM share_acl.member m
         WHERE m.workspace_id = _role_locked.workspace AND m.principal_id = _role_locked.principal
           FOR UPDATE;
    END IF;
    RETURN r;
END $$;
COMMENT ON FUNCTION share_acl._role_locked(uuid, uuid) IS
    'internal: the role of the principal in the workspace, or NULL, its member row locked';

-- Is the principal in the team, directly or through nested teams (teams(P))?
-- (The engine's closure, with this transaction's own changes.)
CREATE FUNCTION share_acl._in_team(principal uuid, team uuid) RETURNS boolean
    AS 'MODULE_PATHNAME', 'in_team' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION share_acl._in_team(uuid, uuid) IS
    'internal: whether the principal is in the team, directly or through nested teams';

-- The workspace row, or P0002.
CREATE FUNCTION share_acl._get_workspace(workspace uuid) RETURNS share_acl.workspace
LANGUAGE plpgsql STABLE AS $$
DECLARE
    w share_acl.workspace;
BEGIN
    SELECT * INTO w FROM share_acl.workspace x WHERE x.id = _get_workspace.workspace;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'workspace % does not exist', workspace USING ERRCODE = 'no_data_found';
    END IF;
    RETURN w;
END $$;
COMMENT ON FUNCTION share_acl._get_workspace(uuid) IS 'internal: the workspace row, or ERROR P0002';

-- The same, for a call that applies the policies that hold at creation
-- (allow_external_sharing, require_link_password, default_link_expiry): in
-- REPEATABLE READ and SERIALIZABLE a policy changed by a transaction that
-- committed after this one began fails the call (40001, _policies_current)
-- rather than be read as it was, while the permission checks beside it read
-- the latest committed state (a change of both at once would otherwise pass
-- where neither order of the two would).  No lock is taken.  In READ
-- COMMITTED each statement reads the latest.
CREATE FUNCTION share_acl._policies_current(workspace uuid) RETURNS void
    AS 'MODULE_PATHNAME', 'policies_current' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION share_acl._policies_current(uuid) IS
    'internal: in REPEATABLE READ and SERIALIZABLE, ERROR 40001 when the workspace row changed since the transaction''s snapshot';
CREATE FUNCTION share_acl._get_policies(workspace uuid) RETURNS share_acl.workspace
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM share_acl._policies_current(workspace);
    -- the row is held until the end of the transaction: a change of the
    -- policies (set_workspace_policy updates it) waits for this one, so that
    -- a link, share or review made while allow_external_sharing is true has
    -- committed before it turns false, and a later move or filing
    -- (_exposure_check) sees it
    PERFORM 1 FROM share_acl.workspace w WHERE w.id = _get_policies.workspace FOR SHARE OF w;
    -- the lock may have waited for a transaction that also took rights
    -- away: the checks after it see what it committed, and every caller asks
    -- again after it what it asked before (a check made before the wait and
    -- a write after it would act on rights the caller no longer holds)
    PERFORM share_acl._see_committed();
    RETURN share_acl._get_workspace(workspace);
END $$;
COMMENT ON FUNCTION share_acl._get_policies(uuid) IS
    'internal: the workspace row whose creation-time policies a call applies, held (FOR SHARE) until the end of the transaction (40001 in REPEATABLE READ and SERIALIZABLE when changed since the snapshot), or ERROR P0002; the checks after it see what committed while it waited';

-- The principal row, or P0002.
CREATE FUNCTION share_acl._get_principal(principal uuid) RETURNS share_acl.principal
LANGUAGE plpgsql STABLE AS $$
DECLARE
    p share_acl.principal;
BEGIN
    SELECT * INTO p FROM share_acl.principal x WHERE x.id = _get_principal.principal;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'principal % does not exist', principal USING ERRCODE = 'no_data_found';
    END IF;
    RETURN p;
END $$;
COMMENT ON FUNCTION share_acl._get_principal(uuid) IS 'internal: the principal row, or ERROR P0002';

-- A team has no role in a workspace: 42809 for one named where a member is.
CREATE FUNCTION share_acl._refuse_team_role(principal uuid) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM share_acl.principal x
                WHERE x.id = _refuse_team_role.principal AND x.kind = 'team') THEN
        RAISE EXCEPTION 'a team cannot be a workspace member'
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'Add the team''s members instead, or share with the team.';
    END IF;
END $$;
COMMENT ON FUNCTION share_acl._refuse_team_role(uuid) IS
    'internal: ERROR 42809 when the principal is a team (a team has no role in a workspace)';

-- The team's principal row; P0002, or 42809 for a principal that is no team.
CREATE FUNCTION share_acl._get_team(team uuid) RETURNS share_acl.principal
LANGUAGE plpgsql STABLE AS $$
DECLARE
    t share_acl.principal := share_acl._get_principal(team);
BEGIN
    IF t.kind <> 'team' THEN
        RAISE EXCEPTION 'principal % is not a team', team USING ERRCODE = 'wrong_object_type';
    END IF;
    RETURN t;
END $$;
COMMENT ON FUNCTION share_acl._get_team(uuid) IS 'internal: the team''s principal row, or ERROR P0002 (no principal) or 42809 (not a team)';

-- The resource row, or P0002.
CREATE FUNCTION share_acl._get_resource(resource uuid) RETURNS share_acl.resource
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r share_acl.resource;
BEGIN
    SELECT * INTO r FROM share_acl.resource x WHERE x.id = _get_resource.resource;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'resource % does not exist', resource USING ERRCODE = 'no_data_found';
    END IF;
    RETURN r;
END $$;
COMMENT ON FUNCTION share_acl._get_resource(uuid) IS 'internal: the resource row, or ERROR P0002';

-- Raise 22023 unless the text looks like an e-mail address (as the table's CHECK).
CREATE FUNCTION share_acl._check_email(email text) RETURNS void
    AS 'MODULE_PATHNAME', 'check_email' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._check_email(text) IS
    'internal: raise 22023 unless the text is an e-mail address share_acl accepts (src/email.c: name@domain, the name a dot-atom of at most 64 bytes, the domain a host name in ASCII of at most 253 characters in labels of at most 63, no white space, control or invisible formatting character, none of < > ")';

-- Does the name hold a character that shows (not only white space or
-- characters that show nothing: src/email.c)?
CREATE FUNCTION share_acl._name_shows(name text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'name_shows' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._name_shows(text) IS
    'internal: does the name hold a character that shows (not only white space, controls or characters that show nothing)';

-- Raise 22023 unless the text is a name share_acl stores (as the tables'
-- CHECKs): at most 200 characters, none of them a control character, a
-- line or paragraph separator or a bidirectional embedding, override or
-- isolate (is_valid_name); a required one (a workspace's or a team's) with a
-- character that shows, not only white space.  NULL passes (NOT NULL is the
-- caller's).  fn is the function named in the message, what the kind of name.
CREATE FUNCTION share_acl._check_name(fn text, what text, name text, required boolean) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF length(name) > 200 OR (required AND length(name) < 1) OR NOT share_acl.is_valid_name(name) THEN
        RAISE EXCEPTION '%: a % has % characters, none of them a control character, a line or paragraph separator or a bidirectional embedding, override or isolate',
            fn, what, CASE WHEN required THEN '1 to 200' ELSE 'at most 200' END
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF required AND NOT share_acl._name_shows(name) THEN
        RAISE EXCEPTION '%: a % must hold a character that shows', fn, what
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The %s is only white space or characters that show nothing.', what);
    END IF;
END $$;
COMMENT ON FUNCTION share_acl._check_name(text, text, text, boolean) IS
    'internal: raise 22023 unless the text is a name of at most 200 characters (when required, with a character that shows), none of them a control character, a line or paragraph separator or a bidirectional embedding, override or isolate';

-- The outsider of workspace ws that principal p is or, for a team, holds
-- (directly or through nested teams): a person (a user or an external
-- principal) without a role in ws (R2); p itself first; NULL when none.  While
-- allow_external_sharing is false a share, review or team membership
-- naming p would reach it, and is refused as one naming the outsider.  In C
-- (src/principals.c): the rows as the checks read them, the latest committed,
-- also in REPEATABLE READ (a member removed together with a grant to the
-- actor is an outsider to it).
CREATE FUNCTION share_acl._outsider_in(p uuid, ws uuid) RETURNS uuid
    AS 'MODULE_PATHNAME', 'outsider_in' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION share_acl._outsider_in(uuid, uuid) IS
    'internal: the principal, or a member of the team (nested teams expanded), that is a person without a role in the workspace (an outsider, R2); NULL when none';

-- The persons a principal stands for: itself, or a team's members at any
-- depth of nested teams (each once), as this transaction sees the rows.
CREATE FUNCTION share_acl._persons_in(principal uuid) RETURNS SETOF uuid
LANGUAGE sql STABLE SET jit = off AS $$
    WITH RECURSIVE t(id) AS (
        SELECT $1
        UNION
        SELECT tm.member_id FROM share_acl.team_member tm JOIN t ON tm.team_id = t.id
    )
    SELECT t.id FROM t JOIN share_acl.principal p ON p.id = t.id AND p.kind <> 'team'
$$;
COMMENT ON FUNCTION share_acl._persons_in(uuid) IS
    'internal: the principal when it is a person, or the persons in the team (nested teams too), each once';

-- How a refusal names such a principal: "external principal <id>" or "user
-- <id> with no role in the workspace".
CREATE FUNCTION share_acl._outsider_label(p uuid) RETURNS text
LANGUAGE sql STABLE STRICT AS $$
    SELECT CASE WHEN x.kind = 'external' THEN pg_catalog.format('external principal %s', x.id)
                ELSE pg_catalog.format('user %s with no role in the workspace', x.id) END
      FROM share_acl.principal x WHERE x.id = p
$$;
COMMENT ON FUNCTION share_acl._outsider_label(uuid) IS
    'internal: how a refusal of allow_external_sharing names a principal _outsider_in found';

-- The principal an e-mail names for a share or review of resource r: the
-- one with that e-mail (matched case-insensitively), or a new external
-- principal with a guest role in r's workspace (refused while
-- allow_external_sharing is false).
CREATE FUNCTION share_acl._principal_for_email(r share_acl.resource, email text, action text)
RETURNS uuid
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    w share_acl.workspace;
    gid uuid;
BEGIN
    PERFORM share_acl._check_email(email);
    SELECT p.id INTO gid FROM share_acl.principal p
     WHERE share_acl.email_key(p.email) = share_acl.email_key(_principal_for_email.email);
    w := share_acl._get_policies(r.workspace_id);
    -- while sharing with outsiders is off, an address nobody has and one of
    -- a principal with no role in the workspace (perhaps another tenant's
    -- user) are refused alike, naming the address: the refusal must not
    -- tell whether, or as whom, the address is known elsewhere
    IF NOT w.allow_external_sharing
       AND (gid IS NULL OR share_acl._role(r.workspace_id, gid) IS NULL) THEN
        PERFORM share_acl._deny(r.id,
            pg_catalog.format('permission denied: the workspace policy allow_external_sharing forbids %s with %s, which is no member''s e-mail address',
                              CASE action WHEN 'share_with_email' THEN 'sharing' ELSE 'a review' END, email));
    END IF;
    IF gid IS NULL THEN
        -- another transaction may be creating the same one: wait for it,
        -- then take the principal it committed
        INSERT INTO share_acl.principal AS p (kind, email) VALUES ('external', email)
            ON CONFLICT ((share_acl.email_key(p.email))) DO NOTHING
            RETURNING p.id INTO gid;
        IF gid IS NULL THEN
            -- (that transaction may also have taken the caller's rights: the
            -- checks after this see what it committed, and the callers ask
            -- theirs again)
            PERFORM share_acl._see_committed();
            SELECT p.id INTO gid FROM share_acl.principal p
             WHERE share_acl.email_key(p.email) = share_acl.email_key(_principal_for_email.email);
            IF gid IS NULL THEN
                RAISE EXCEPTION 'could not serialize access: a concurrent transaction created a principal with e-mail "%"', email
                    USING ERRCODE = 'serialization_failure',
                          HINT = 'Retry the transaction.';
            END IF;
            RETURN gid;
        END IF;
        INSERT INTO share_acl.member (workspace_id, principal_id, role)
            VALUES (r.workspace_id, gid, 'guest');
    END IF;
    RETURN gid;
END $$;
COMMENT ON FUNCTION share_acl._principal_for_email(share_acl.resource, text, text) IS
    'internal: the principal with this e-mail, or a new external principal with a guest role in the resource''s workspace; after a wait for another transaction creating it, the checks see what committed (the caller asks its own again)';

-- What a share grants: its permset masked by its toggles (R6).
CREATE FUNCTION share_acl._share_mask(perms share_acl.permset, allow_download boolean,
                                      allow_comments boolean, allow_approval boolean,
                                      allow_contribution boolean)
RETURNS share_acl.permset
    AS 'MODULE_PATHNAME', 'permset_apply_toggles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._share_mask(share_acl.permset, boolean, boolean, boolean, boolean) IS
    'internal: a share''s permset masked by its allow_* toggles (R6)';

-- No escalation: raise 42501 naming the flags of grant that the principal
-- does not hold on the resource.
CREATE FUNCTION share_acl._no_escalation(principal uuid, resource uuid, granted share_acl.permset,
                                         action text)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM share_acl._no_escalation_held(principal, resource, granted, action);
    PERFORM share_acl._no_escalation_below(principal, resource, granted, action);
END $$;
COMMENT ON FUNCTION share_acl._no_escalation(uuid, uuid, share_acl.permset, text) IS
    'internal: raise 42501 naming the granted permissions the principal does not hold on the resource (or, under member_edit_own_only, on a resource below it)';

CREATE FUNCTION share_acl._no_escalation_held(principal uuid, resource uuid, granted share_acl.permset,
                                              action text)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    missing share_acl.permset;
BEGIN
    IF principal IS NULL THEN
        RETURN;
    END IF;
    missing := granted OPERATOR(share_acl.-)
               coalesce(share_acl.effective_permissions(principal, resource), ''::share_acl.permset);
    IF missing OPERATOR(share_acl.<>) ''::share_acl.permset THEN
        PERFORM share_acl._deny(_no_escalation_held.resource,
            pg_catalog.format('permission denied: %s cannot grant "%s" on resource %s', action, missing, resource),
            'A principal can grant only permissions it holds itself on the resource.', NULL);
    END IF;
END $$;
COMMENT ON FUNCTION share_acl._no_escalation_held(uuid, uuid, share_acl.permset, text) IS
    'internal: raise 42501 naming the granted permissions the principal does not hold on the resource';

-- Under the workspace's member_edit_own_only policy a member holds edit,
-- rename, move and delete only on what it owns (R9).  What it passes on at R
-- (a share, a link, general access, new ancestors through a move or a
-- collection) reaches everything below R but a restricted resource and what
-- is below that (R8).  So for what it may pass on at R, a member under the
-- policy holds none of those four flags while something below R within that
-- reach is not its own: _passable(principal, R, held) is held without them
-- then, else held.  Walked downwards, stopping at the first such resource.
--
-- _edit_own_only(principal, R): R's workspace when the policy caps the
-- principal there (on, and the principal a member), else NULL.
-- (The policy and the role as every check sees them: share_acl._edit_own_only_now,
-- the engine's, also in REPEATABLE READ.)
CREATE FUNCTION share_acl._edit_own_only_now(principal uuid, resource uuid) RETURNS boolean
    AS 'MODULE_PATHNAME', 'edit_own_only_now' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION share_acl._edit_own_only_now(uuid, uuid) IS
    'internal: whether member_edit_own_only caps the principal (a member) at the resource, as every check sees it';
CREATE FUNCTION share_acl._edit_own_only(principal uuid, resource uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT r.workspace_id FROM share_acl.resource r
     WHERE r.id = $2 AND share_acl._edit_own_only_now($1, $2)
$$;
COMMENT ON FUNCTION share_acl._edit_own_only(uuid, uuid) IS
    'internal: the resource''s workspace when its member_edit_own_only policy caps the principal (a member) there, else NULL';

-- _foreign_below(principal, R): is a resource below R, within that reach,
-- not the principal's own?  C (src/tree_below.c: index probes, whatever the
-- planner would guess of a recursive query where few parents hold most
-- resources), STABLE, reading with the snapshot of the query that calls it
-- (src/commit_recheck.c asks it under a snapshot of its own making at
-- commit).  Keep it so.
CREATE FUNCTION share_acl._foreign_below(principal uuid, resource uuid) RETURNS boolean
    AS 'MODULE_PATHNAME', 'foreign_below' LANGUAGE C STABLE;
COMMENT ON FUNCTION share_acl._foreign_below(uuid, uuid) IS
    'internal: is a resource below the resource (restricted ones and what is below them aside) owned by someone else than the principal';

-- A call that relied on _foreign_below(principal, R) being false notes it:
-- an upload below R by someone else may commit meanwhile, so the answer is
-- asked again at commit (src/commit_recheck.c), 40001 when it changed.
CREATE FUNCTION share_acl._recheck_at_commit(principal uuid, resource uuid) RETURNS void
    AS 'MODULE_PATHNAME', 'recheck_at_commit' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION share_acl._recheck_at_commit(uuid, uuid) IS
    'internal: ask _foreign_below(principal, resource) again when the transaction commits (40001 when something of someone else is below it by then)';

CREATE FUNCTION share_acl._passable(principal uuid, resource uuid, held share_acl.permset)
RETURNS share_acl.permset
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF principal IS NULL
       OR held OPERATOR(share_acl.&) 'edit,rename,move,delete'::share_acl.permset OPERATOR(share_acl.=) ''::share_acl.permset
       OR share_acl._edit_own_only(principal, resource) IS NULL THEN
        RETURN held;
    END IF;
    IF NOT share_acl._foreign_below(principal, resource) THEN
        PERFORM share_acl._recheck_at_commit(principal, resource);
        RETURN held;
    END IF;
    RETURN held OPERATOR(share_acl.-) 'edit,rename,move,delete'::share_acl.permset;
END $$;
COMMENT ON FUNCTION share_acl._passable(uuid, uuid, share_acl.permset) IS
    'internal: what a principal may pass on at a resource of what it holds there: without edit, rename, move and delete for a member under member_edit_own_only while a resource of someone else is below it (restricted ones aside)';

-- The end of a refusal's message when flags it names (missing) are among
-- those member_edit_own_only took from the actor at R (capped): its cause.
CREATE FUNCTION share_acl._edit_own_only_cause(missing share_acl.permset, capped share_acl.permset)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN coalesce($1 OPERATOR(share_acl.&) $2, ''::share_acl.permset) OPERATOR(share_acl.=) ''::share_acl.permset
                THEN ''
                ELSE ': a resource below it is not the principal''s own (member_edit_own_only)' END
$$;
COMMENT ON FUNCTION share_acl._edit_own_only_cause(share_acl.permset, share_acl.permset) IS
    'internal: the cause a refusal names when flags it misses were taken by member_edit_own_only (a resource of someone else below), else the empty string';

-- A grant on R under member_edit_own_only (see _passable): 42501 naming the
-- flags of the grant that the member may not pass on at R.
CREATE FUNCTION share_acl._no_escalation_below(principal uuid, resource uuid, granted share_acl.permset,
                                               action text)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    capped share_acl.permset := granted OPERATOR(share_acl.&) 'edit,rename,move,delete'::share_acl.permset;
    ws uuid;
BEGIN
    IF principal IS NULL OR capped OPERATOR(share_acl.=) ''::share_acl.permset THEN
        RETURN;
    END IF;
    ws := share_acl._edit_own_only(principal, resource);
    IF ws IS NULL THEN
        RETURN;
    END IF;
    -- the walk below must see a move or collection change committed
    -- meanwhile, and none may slip in before this grant commits; and what
    -- the principal holds is asked again as the transaction waited for left
    -- it (a resource given to someone else meanwhile)
    PERFORM share_acl._lock_structure(ARRAY[ws]);
    PERFORM share_acl._see_committed();
    PERFORM share_acl._no_escalation_held(principal, resource, granted, action);
    IF share_acl._edit_own_only(principal, resource) IS NULL THEN
        RETURN;
    END IF;
    IF NOT share_acl._foreign_below(principal, resource) THEN
        PERFORM share_acl._recheck_at_commit(principal, resource);     -- (an upload meanwhile)
    ELSE
        PERFORM share_acl._deny(_no_escalation_below.resource,
            pg_catalog.format('permission denied: %s cannot grant "%s" on resource %s%s',
                              action, capped, resource, share_acl._edit_own_only_cause(capped, capped)),
            'Under member_edit_own_only a member may edit, rename, move and delete only what it owns, and cannot pass these permissions on where they would reach what others own.', NULL);
    END IF;
END $$;
COMMENT ON FUNCTION share_acl._no_escalation_below(uuid, uuid, share_acl.permset, text) IS
    'internal: raise 42501 when a member under member_edit_own_only grants edit, rename, move or delete on a resource holding another principal''s resource below it';

-- The core of share() and share_with_email(), in C (src/manage.c), as are
-- share() and unshare(): the hot paths of sharing.
CREATE FUNCTION share_acl._share(action text, actor uuid, resource uuid, grantee uuid,
                                 perms share_acl.permset, expires_at timestamptz,
                                 allow_download boolean, allow_comments boolean,
                                 allow_approval boolean, allow_contribution boolean)
RETURNS uuid
    AS 'MODULE_PATHNAME', 'share_create_as' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION share_acl._share(text, uuid, uuid, uuid, share_acl.permset, timestamptz,
                                     boolean, boolean, boolean, boolean) IS
    'internal: the checks and insert behind share() and share_with_email()';

-- May the actor change or end a grant on resource that made_by made (a
-- share, a review)?  change_permissions on the resource, or having made it;
-- otherwise 42501 naming both ("... or being the grantor of share <id>").
CREATE FUNCTION share_acl._require_manager(actor uuid, resource uuid, made_by uuid, maker text,
                                           action text)
RETURNS void
    AS 'MODULE_PATHNAME', 'require_manager' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION share_acl._require_manager(uuid, uuid, uuid, text, text) IS
    'internal: raise 42501 unless the actor has change_permissions on the resource or made the grant (share, review) on it';

-- ---------------------------------------------------------------------------
-- Workspaces, users, members, teams
-- ---------------------------------------------------------------------------

-- Any user may create a workspace it owns; a trusted administrator may create
-- one for any user.
CREATE FUNCTION share_acl.create_workspace(name text, owner uuid) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor();
    o share_acl.principal;
    ws uuid;
BEGIN
    IF name IS NULL OR owner IS NULL THEN
        RAISE EXCEPTION 'create_workspace: name and owner must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM share_acl._check_name('create_workspace', 'workspace name', name, true);
    o := share_acl._get_principal(owner);
    IF actor IS NOT NULL AND actor <> owner THEN
        PERFORM share_acl._deny(NULL,
            'permission denied: create_workspace can only make the current principal the owner');
    END IF;
    IF o.kind <> 'user' THEN
        RAISE EXCEPTION 'the owner of a workspace must be a user, and principal % is of kind %', owner, o.kind
            USING ERRCODE = 'wrong_object_type';
    END IF;
    INSERT INTO share_acl.workspace AS w (name) VALUES (create_workspace.name) RETURNING w.id INTO ws;
    INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES (ws, owner, 'owner');
    RETURN ws;
END $$;
COMMENT ON FUNCTION share_acl.create_workspace(text, uuid) IS
    'create a workspace owned by a user (the current principal itself, or any user for a trusted administrator); returns its id';

-- The prologue of what only a trusted administrator does, whoever the
-- principal set (create_user, rotate_signing_key, retire_signing_key,
-- audit_retain, notification_retain): 25006 in a read-only transaction, then
-- 42501 (audited) for anyone else.  Those functions act for no principal:
-- each runs with none (its SET clause), so its audit rows name no actor
-- (actor_id NULL; db_role is who called), not the principal an
-- administrator's session happened to set.
CREATE FUNCTION share_acl._require_admin(action text) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM share_acl._require_writable();
    IF NOT share_acl.invoker_is_admin() THEN
        PERFORM share_acl._deny(NULL,
            pg_catalog.format('permission denied: %s is for trusted administrators only', action),
            NULL, 'Call it as a superuser or a member of share_acl_admin.');
    END IF;
END $$;
COMMENT ON FUNCTION share_acl._require_admin(text) IS
    'internal: 25006 in a read-only transaction; 42501 (audited) unless the caller is a superuser or a member of share_acl_admin';

-- Users are provisioned by the identity system: trusted administrators only.
CREATE FUNCTION share_acl.create_user(email text, display_name text DEFAULT NULL) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET share_acl.principal = '' AS $$
DECLARE
    pid uuid;
BEGIN
    PERFORM share_acl._require_admin('create_user');
    IF email IS NULL THEN
        RAISE EXCEPTION 'create_user: email must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM share_acl._check_email(email);
    PERFORM share_acl._check_name('create_user', 'display name', display_name, false);
    -- someone shared with by e-mail (an external principal) who signs up
    -- becomes a user: the same principal, its shares and guest roles kept,
    -- so that any workspace may then make it a member
    -- (twice when a share_with_email of the address commits meanwhile:
    -- the insert waits for it, and the principal it made is converted)
    FOR attempt IN 1 .. 2 LOOP
        UPDATE share_acl.principal p
           SET kind = 'user', display_name = coalesce(create_user.display_name, p.display_name)
         WHERE share_acl.email_key(p.email) = share_acl.email_key(create_user.email) AND p.kind = 'external'
        RETURNING p.id INTO pid;
        EXIT WHEN pid IS NOT NULL OR attempt = 2;
        INSERT INTO share_acl.principal AS p (kind, email, display_name)
        VALUES ('user', email, display_name)
        ON CONFLICT ((share_acl.email_key(p.email))) DO NOTHING
        RETURNING p.id INTO pid;
        EXIT WHEN pid IS NOT NULL;
    END LOOP;
    IF pid IS NULL THEN
        RAISE EXCEPTION 'a principal with e-mail "%" already exists', email
            USING ERRCODE = 'unique_violation';
    END IF;
    RETURN pid;
END $$;
COMMENT ON FUNCTION share_acl.create_user(text, text) IS
    'create an internal user (trusted administrators only), or make the external principal with that e-mail a user; e-mails are unique with ASCII letters folded; returns its id';

CREATE FUNCTION share_acl.create_team(workspace uuid, name text) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(create_team.workspace);
    tid uuid;
BEGIN
    IF workspace IS NULL OR name IS NULL THEN
        RAISE EXCEPTION 'create_team: workspace and name must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM share_acl._get_workspace(workspace);
    PERFORM share_acl._require(actor, workspace, 'manage_members', 'create_team');
    PERFORM share_acl._check_name('create_team', 'team name', name, true);
    INSERT INTO share_acl.principal AS p (kind, display_name, workspace_id)
    VALUES ('team', name, workspace) RETURNING p.id INTO tid;
    RETURN tid;
END $$;
COMMENT ON FUNCTION share_acl.create_team(uuid, text) IS
    'create a team in the workspace (needs manage_members on it); returns its id';

-- Renames.  Names follow the rules of their creation.  The UPDATE may wait
-- for the row (a transaction changing it, or one that also takes the
-- caller's rights; a workspace's row is held shared by the calls that apply
-- its policies, _get_policies): the caller is asked again after it, so that
-- a rename never rests on rights taken away by a transaction it waited for,
-- and a row deleted meanwhile is P0002.  A workspace's rename is a change
-- of its row: a REPEATABLE READ transaction that began before it and then
-- applies the workspace's policies fails with 40001 (_policies_current; the
-- row lock of _get_policies would fail on it all the same), to be retried.
CREATE FUNCTION share_acl.rename_workspace(workspace uuid, name text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(rename_workspace.workspace);
BEGIN
    IF workspace IS NULL OR name IS NULL THEN
        RAISE EXCEPTION 'rename_workspace: workspace and name must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM share_acl._get_workspace(workspace);
    PERFORM share_acl._require(actor, workspace, 'manage_settings', 'rename_workspace');
    PERFORM share_acl._check_name('rename_workspace', 'workspace name', name, true);
    UPDATE share_acl.workspace w SET name = rename_workspace.name WHERE w.id = rename_workspace.workspace;
    IF NOT FOUND THEN
        -- (deleted by the transaction the UPDATE waited for)
        RAISE EXCEPTION 'workspace % does not exist', workspace USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM share_acl._see_committed();
    PERFORM share_acl._require(actor, workspace, 'manage_settings', 'rename_workspace');
END $$;
COMMENT ON FUNCTION share_acl.rename_workspace(uuid, text) IS
    'rename a workspace (needs manage_settings on it)';

CREATE FUNCTION share_acl.rename_team(team uuid, name text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(rename_team.team);
    t share_acl.principal;
BEGIN
    IF team IS NULL OR name IS NULL THEN
        RAISE EXCEPTION 'rename_team: team and name must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    t := share_acl._get_team(team);
    PERFORM share_acl._require(actor, t.workspace_id, 'manage_members', 'rename_team');
    PERFORM share_acl._check_name('rename_team', 'team name', name, true);
    UPDATE share_acl.principal p SET display_name = rename_team.name
     WHERE p.id = rename_team.team AND p.kind = 'team';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'principal % does not exist', team USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM share_acl._see_committed();
    PERFORM share_acl._require(actor, t.workspace_id, 'manage_members', 'rename_team');
END $$;
COMMENT ON FUNCTION share_acl.rename_team(uuid, text) IS
    'rename a team (needs manage_members on its workspace)';

-- A person's display name is the person's own (it shows in every workspace
-- the person is in): the principal itself, or a trusted administrator,
-- changes it; NULL clears it.  A team's is its name (rename_team).
CREATE FUNCTION share_acl.set_display_name(principal uuid, display_name text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(set_display_name.principal);
    p share_acl.principal;
BEGIN
    IF principal IS NULL THEN
        RAISE EXCEPTION 'set_display_name: principal must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    p := share_acl._get_principal(principal);
    IF actor IS NOT NULL AND actor <> principal THEN
        PERFORM share_acl._deny(set_display_name.principal,
            'permission denied: set_display_name changes only the current principal''s own display name',
            NULL, 'A person sets its own display name; a trusted administrator (no principal set) may set anyone''s.');
    END IF;
    IF p.kind = 'team' THEN
        RAISE EXCEPTION 'principal % is a team: its name is changed by rename_team', principal
            USING ERRCODE = 'wrong_object_type';
    END IF;
    PERFORM share_acl._check_name('set_display_name', 'display name', display_name, false);
    UPDATE share_acl.principal x SET display_name = set_display_name.display_name
     WHERE x.id = set_display_name.principal AND x.kind <> 'team';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'principal % does not exist', principal USING ERRCODE = 'no_data_found';
    END IF;
END $$;
COMMENT ON FUNCTION share_acl.set_display_name(uuid, text) IS
    'set a person''s display name (the principal itself, or a trusted administrator; NULL clears it)';

-- The 'owner' role is refused here with 22023 whoever asks: it changes only
-- through transfer_ownership().
CREATE FUNCTION share_acl.add_member(workspace uuid, principal uuid, role share_acl.workspace_role)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(add_member.workspace);
    p share_acl.principal;
    cur share_acl.workspace_role;
BEGIN
    IF workspace IS NULL OR principal IS NULL OR role IS NULL THEN
        RAISE EXCEPTION 'add_member: workspace, principal and role must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM share_acl._get_workspace(workspace);
    p := share_acl._get_principal(principal);
    PERFORM share_acl._require(actor, workspace, 'manage_members', 'add_member');
    IF role = 'owner' THEN
        RAISE EXCEPTION 'add_member cannot give the owner role'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use share_acl.transfer_ownership().';
    END IF;
    IF role = 'admin' THEN
        PERFORM share_acl._require_owner(actor, workspace, 'assign the admin role');
    END IF;
    PERFORM share_acl._refuse_team_role(principal);
    IF p.kind = 'external' AND role NOT IN ('guest', 'viewer') THEN
        RAISE EXCEPTION 'an external principal can only have the guest or viewer role'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    cur := share_acl._role(workspace, principal);
    IF cur IS NOT NULL THEN
        RAISE EXCEPTION 'principal % is already a member of workspace % (role %)', principal, workspace, cur
            USING ERRCODE = 'unique_violation',
                  HINT = 'Use share_acl.set_role() to change the role.';
    END IF;
    INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES (workspace, principal, role);
    -- (the insert may have waited for another transaction's insert of the
    -- same member, which may also have taken the caller's rights: asked
    -- again as it left them)
    PERFORM share_acl._see_committed();
    PERFORM share_acl._require(actor, workspace, 'manage_members', 'add_member');
    IF role = 'admin' THEN
        PERFORM share_acl._require_owner(actor, workspace, 'assign the admin role');
    END IF;
END $$;
COMMENT ON FUNCTION share_acl.add_member(uuid, uuid, share_acl.workspace_role) IS
    'give a user or external principal a role in the workspace (needs manage_members; admin only by the owner; never owner)';

CREATE FUNCTION share_acl.set_role(workspace uuid, principal uuid, role share_acl.workspace_role)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(set_role.workspace);
    p share_acl.principal;
    cur share_acl.workspace_role;
BEGIN
    IF workspace IS NULL OR principal IS NULL OR role IS NULL THEN
        RAISE EXCEPTION 'set_role: workspace, principal and role must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM share_acl._get_workspace(workspace);
    p := share_acl._get_principal(principal);
    PERFORM share_acl._require(actor, workspace, 'manage_members', 'set_role');
    cur := share_acl._role_locked(workspace, principal);
    -- (the lock may have waited for a change of the caller's own role)
    PERFORM share_acl._see_committed();
    PERFORM share_acl._require(actor, workspace, 'manage_members', 'set_role');
    PERFORM share_acl._refuse_team_role(principal);
    IF cur IS NULL THEN
        RAISE EXCEPTION 'principal % is not a member of workspace %', principal, workspace
            USING ERRCODE = 'no_data_found',
                  HINT = 'Use share_acl.add_member().';
    END IF;
    IF role = 'owner' OR cur = 'owner' THEN
        RAISE EXCEPTION 'set_role cannot give or take the owner role'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use share_acl.transfer_ownership().';
    END IF;
    IF role = 'admin' OR cur = 'admin' THEN
        PERFORM share_acl._require_owner(actor, workspace, 'assign or change the admin role');
    END IF;
    IF p.kind = 'external' AND role NOT IN ('guest', 'viewer') THEN
        RAISE EXCEPTION 'an external principal can only have the guest or viewer role'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE share_acl.member m SET role = set_role.role
     WHERE m.workspace_id = set_role.workspace AND m.principal_id = set_role.principal;
    -- A pending promotion request ends with the role it was made from, as
    -- with the membership (remove_member): approved when the new role is the
    -- one asked for or above it, else rejected, by the caller (pending, it
    -- would stop a new request, and an approval later would give back a role
    -- taken away since).  The member row is locked already, before the
    -- request's, as decide_promotion locks them.
    IF set_role.role IS DISTINCT FROM cur THEN
        UPDATE share_acl.promotion_request x
           -- (workspace_role lists the roles from the highest down)
           SET status = CASE WHEN set_role.role <= x.role THEN 'approved' ELSE 'rejected' END,
               decided_by = actor, decided_at = now()
         WHERE x.workspace_id = set_role.workspace AND x.principal_id = set_role.principal
           AND x.status = 'pending';
    END IF;
END $$;
COMMENT ON FUNCTION share_acl.set_role(uuid, uuid, share_acl.workspace_role) IS
    'change a member''s role (needs manage_members; admin given or changed only by the owner; never owner); a change ends the person''s pending promotion request (approved when it gives the role asked or more, else rejected)';

-- The removed principal also leaves the workspace's teams; its direct shares
-- stay (as an outsider it keeps only what shares give it, R2).
CREATE FUNCTION share_acl.remove_member(workspace uuid, principal uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(remove_member.workspace);
    cur share_acl.workspace_role;
BEGIN
    IF workspace IS NULL OR principal IS NULL THEN
        RAISE EXCEPTION 'remove_member: workspace and principal must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM share_acl._get_workspace(workspace);
    -- the refusals first (the caller's rights too), on the role as it is (a
    -- refused call waits for no lock), then again on the role and the
    -- caller's rights as the locks leave them: the member's row
    -- and team rows (a transaction that changed the role, and may then add
    -- the person to a team, or removed it from one, commits first) and the
    -- structure lock (an add_team_member of this person in flight commits
    -- first: the statement after the lock sees its team row; in REPEATABLE
    -- READ the lock is a serialization failure; or it waits for this
    -- transaction and then finds no role), taken together
    -- (_lock_structure_with: a transaction that changed structure and then
    -- this person's role holds the structure lock and waits for the row)
    FOR pass IN 1 .. 2 LOOP
        PERFORM share_acl._require(actor, workspace, 'manage_members', 'remove_member');
        cur := share_acl._role(workspace, principal);
        IF cur IS NULL THEN
            PERFORM share_acl._refuse_team_role(principal);
            RAISE EXCEPTION 'principal % is not a member of workspace %', principal, workspace
                USING ERRCODE = 'no_data_found';
        END IF;
        IF cur = 'owner' THEN
            RAISE EXCEPTION 'the owner of a workspace cannot be removed'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Transfer ownership first with share_acl.transfer_ownership().';
        END IF;
        IF cur = 'admin' THEN
            PERFORM share_acl._require_owner(actor, workspace, 'remove an admin');
        END IF;
        EXIT WHEN pass = 2;
        -- (with the person's pending promotion request, which this call
        -- rejects: _lock_structure_rows)
        PERFORM share_acl._lock_structure_with(workspace, principal, false);
        PERFORM share_acl._see_committed();
    END LOOP;
    PERFORM share_acl._refuse_application_references('remove_member');
    DELETE FROM share_acl.member m
     WHERE m.workspace_id = remove_member.workspace AND m.principal_id = remove_member.principal;
    DELETE FROM share_acl.team_member tm
     WHERE tm.member_id = remove_member.principal
       AND tm.team_id IN (SELECT t.id FROM share_acl.principal t
                           WHERE t.kind = 'team' AND t.workspace_id = remove_member.workspace);
    -- The person's pending promotion request ends with the membership it
    -- was made in (approved once the person is back, it would give the role
    -- asked by someone the workspace let go; pending, it stops a new
    -- request): rejected by the remover.  Its row is locked already; a
    -- request_promotion in flight held the member row, which this call
    -- waited for, and committed: this statement sees its request (READ
    -- COMMITTED) and waits for no one for it (a decision of it locks the
    -- member row first).
    UPDATE share_acl.promotion_request x
       SET status = 'rejected', decided_by = actor, decided_at = now()
     WHERE x.workspace_id = remove_member.workspace AND x.principal_id = remove_member.principal
       AND x.status = 'pending';
END $$;
COMMENT ON FUNCTION share_acl.remove_member(uuid, uuid) IS
    'take a principal''s role away, remove it from the workspace''s teams and reject its pending promotion request (needs manage_members; an admin only by the owner; never the owner)';

-- A person added to a team must have a role in the team's workspace, so that
-- teams cannot carry grants to outsiders past allow_external_sharing.  Adding
-- an existing team member again changes nothing.
CREATE FUNCTION share_acl.add_team_member(team uuid, member uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off AS $$
DECLARE
    actor uuid := share_acl._actor(add_team_member.team);
    t share_acl.principal;
    m share_acl.principal;
    outsider uuid;
    granted_on uuid[];
    held share_acl.permset[];
    held_by_grants share_acl.permset[];
    held_lasting share_acl.permset[];
    gained share_acl.permset;
BEGIN
    IF team IS NULL OR member IS NULL THEN
        RAISE EXCEPTION 'add_team_member: team and member must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    t := share_acl._get_team(team);
    m := share_acl._get_principal(member);
    PERFORM share_acl._require(actor, t.workspace_id, 'manage_members', 'add_team_member');
    IF m.kind = 'team' AND m.workspace_id IS DISTINCT FROM t.workspace_id THEN
        RAISE EXCEPTION 'a team can only contain teams of its own workspace'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- a remove_member of this person in flight commits first, then the
    -- role is read as it left it; or it waits for this transaction
    PERFORM share_acl._lock_structure(ARRAY[t.workspace_id]);
    -- (and the caller is asked again: the lock may have waited for a change
    -- of its own role)
    PERFORM share_acl._see_committed();
    PERFORM share_acl._require(actor, t.workspace_id, 'manage_members', 'add_team_member');
    IF m.kind <> 'team' AND share_acl._role(t.workspace_id, m.id) IS NULL THEN
        RAISE EXCEPTION 'principal % has no role in the workspace of team %', member, team
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Add it to the workspace first with share_acl.add_member().';
    END IF;
    -- a team's shares and reviews reach its members: while the workspace
    -- refuses sharing with outsiders, no team holding one (a person whose
    -- role was taken since it joined) joins a team, as no share could name it
    IF NOT (SELECT w.allow_external_sharing FROM share_acl.workspace w WHERE w.id = t.workspace_id) THEN
        outsider := share_acl._outsider_in(m.id, t.workspace_id);
        IF outsider IS NOT NULL THEN
            PERFORM share_acl._deny(team,
                pg_catalog.format('permission denied: the workspace policy allow_external_sharing forbids adding %s%s to team %s',
                                  share_acl._outsider_label(outsider),
                                  CASE WHEN outsider <> m.id
                                       THEN pg_catalog.format(' (a member of team %s)', m.id) ELSE '' END,
                                  team),
                NULL, 'A team''s shares and reviews reach its members: outsiders (principals without a role in the workspace, also inside a team added) join no team while allow_external_sharing is false.');
        END IF;
    END IF;
    -- adding oneself (or a team one is in) gives oneself what the team's
    -- shares and reviews give, and those of the teams it is in: no more
    -- than one holds already (no escalation, as a share), but for the
    -- workspace owner, who holds everything anyway (R1).  Those grants
    -- reach below their resources only as far as the actor's own do
    -- (restriction stops both, R8), so their resources are what is asked.
    IF actor IS NOT NULL AND (member = actor OR share_acl._in_team(actor, member))
       AND share_acl._role_now(t.workspace_id, actor) IS DISTINCT FROM 'owner' THEN
        granted_on := ARRAY(
            WITH RECURSIVE up(id) AS (
                SELECT add_team_member.team
                UNION
                SELECT tm.team_id FROM share_acl.team_member tm JOIN up ON tm.member_id = up.id)
            SELECT s.resource_id FROM share_acl.share s WHERE s.grantee_id IN (SELECT up.id FROM up)
            UNION
            SELECT rr.resource_id FROM share_acl.review_reviewer rr
             WHERE rr.reviewer_id IN (SELECT up.id FROM up) AND rr.active);
        -- what the actor holds there now; and by grants (a "share" that
        -- members_can_share alone gives counts as not held, since kept
        -- through the team it would outlast the policy); and lastingly (what
        -- one holds only through a grant that ends, an expiring share or an
        -- open review, counts as not held for what the team would give for
        -- good, as share() to a team one is in asks)
        SELECT array_agg(coalesce(share_acl.effective_permissions(actor, g.id), ''::share_acl.permset) ORDER BY g.n),
               array_agg(share_acl._held_by_grants(actor, g.id) ORDER BY g.n),
               array_agg(share_acl._reach_lasting(actor, g.id) ORDER BY g.n)
          INTO held, held_by_grants, held_lasting
          FROM unnest(granted_on) WITH ORDINALITY AS g(id, n);
    END IF;
    INSERT INTO share_acl.team_member (team_id, member_id) VALUES (team, member)
        ON CONFLICT DO NOTHING;
    FOR i IN 1 .. coalesce(cardinality(granted_on), 0) LOOP
        gained := (coalesce(share_acl.effective_permissions(actor, granted_on[i]), ''::share_acl.permset)
                   OPERATOR(share_acl.-) held[i])
                  OPERATOR(share_acl.|)
                  (share_acl._held_by_grants(actor, granted_on[i]) OPERATOR(share_acl.-) held_by_grants[i])
                  OPERATOR(share_acl.|)
                  (share_acl._reach_lasting(actor, granted_on[i]) OPERATOR(share_acl.-) held_lasting[i]);
        IF gained OPERATOR(share_acl.<>) ''::share_acl.permset THEN
            -- (the resource named only to who may view it)
            PERFORM share_acl._deny(team,
                pg_catalog.format('permission denied: add_team_member requires "%s" on %s',
                                  gained, CASE WHEN held[i] OPERATOR(share_acl.@>) 'view'::share_acl.permset
                                               THEN 'resource ' || granted_on[i]
                                               ELSE 'a resource the grants of team ' || team || ' reach' END),
                'Joining the team would give these permissions to the acting principal, which does not hold them, or holds them only through a grant that ends (a share with an expiry, an open review): a principal adds itself, or a team it is in, to a team only when that gives it nothing it lacks.',
                'Ask the workspace owner to add you.');
        END IF;
    END LOOP;
END $$;
COMMENT ON FUNCTION share_acl.add_team_member(uuid, uuid) IS
    'add a workspace member or a team of the same workspace to a team (needs manage_members on the team''s workspace; cycles refused; the acting principal joins, or adds a team it is in, only when that gives it nothing it lacks)';

CREATE FUNCTION share_acl.remove_team_member(team uuid, member uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(remove_team_member.team);
    t share_acl.principal;
BEGIN
    IF team IS NULL OR member IS NULL THEN
        RAISE EXCEPTION 'remove_team_member: team and member must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    t := share_acl._get_team(team);
    PERFORM share_acl._require(actor, t.workspace_id, 'manage_members', 'remove_team_member');
    -- the structure lock first, as add_team_member's (a transaction that
    -- removes and then changes structure cannot wait for an add that waits
    -- for the removed row), and the caller asked again after the wait
    PERFORM share_acl._lock_structure(ARRAY[t.workspace_id]);
    PERFORM share_acl._see_committed();
    PERFORM share_acl._require(actor, t.workspace_id, 'manage_members', 'remove_team_member');
    -- (the row locked, as its writer leaves it, and the caller asked again)
    PERFORM 1 FROM share_acl.team_member tm
     WHERE tm.team_id = remove_team_member.team AND tm.member_id = remove_team_member.member
       FOR UPDATE;
    IF FOUND THEN
        PERFORM share_acl._see_committed();
        PERFORM share_acl._require(actor, t.workspace_id, 'manage_members', 'remove_team_member');
    END IF;
    PERFORM share_acl._refuse_application_references('remove_team_member');
    DELETE FROM share_acl.team_member tm
     WHERE tm.team_id = remove_team_member.team AND tm.member_id = remove_team_member.member;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'principal % is not in team %', member, team USING ERRCODE = 'no_data_found';
    END IF;
END $$;
COMMENT ON FUNCTION share_acl.remove_team_member(uuid, uuid) IS
    'remove a principal from a team (needs manage_members on the team''s workspace)';

-- ---------------------------------------------------------------------------
-- Resources
-- ---------------------------------------------------------------------------

-- In C (src/manage.c): applications upload all day.
CREATE FUNCTION share_acl.create_resource(workspace uuid, kind share_acl.resource_kind,
                                          parent uuid DEFAULT NULL,
                                          id uuid DEFAULT pg_catalog.gen_random_uuid())
RETURNS uuid
    AS 'MODULE_PATHNAME', 'resource_create'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION share_acl.create_resource(uuid, share_acl.resource_kind, uuid, uuid) IS
    'create a resource owned by the current principal (needs upload on the parent, or on the workspace for a top-level project); returns its id';

-- No escalation through structure (R14).
--
-- move_resource, add_to_collection and set_restricted(r, false) give a
-- resource R new ancestors, and what those pass down (general access R4,
-- shares R5, ownership R10, share links R7) then reaches R.  Each makes its
-- change between _structure_before(), which records the engine's answers on
-- R, and _structure_check(), which asks again (the transaction sees its own
-- change from its next statement on) and refuses with 42501, naming the
-- flags, when a principal or a share link gained on R a flag that the actor
-- did not hold on R before the change: a flag it could not have granted by
-- sharing R (section 6 no escalation).  A trusted administrator without a principal
-- is exempt, as are direct table writes (administrators only).  What a
-- principal gains is what its grants pass on, with the workspace's switches
-- at their widest (guest access and guest uploads on, member_edit_own_only
-- off, _reach): a move made while guests are disabled would otherwise pass
-- on to a guest what the actor does not hold as soon as the owner turns
-- guest access back on.  Against a principal the same switch caps as the
-- actor, the actor's holdings are counted with that switch open too (see
-- _structure_check).
-- create_resource is not such a change: the new resource is its creator's.
--
-- Who is asked.  A principal's E(P, R) changes only through what the
-- resources that newly reach R give it (their general access: every internal
-- member when one is public, the admins when one is shared; their shares;
-- their owners), and through the caps that follow R's place: a guest's or
-- outsider's run_ai follows R's top-level project, and reaches it through
-- shares or ownership on anc(R).  So the principals asked are the owners of
-- and the grantees of shares (and the reviewers of open reviews) on anc(R)
-- and everything the change puts above R (teams expanded to their members,
-- nested too), and the internal members
-- or admins when a newly reaching resource is public or shared, unless the
-- actor holds all that general access can give them (the public level, or
-- editor, and share by R11): so not every member of the workspace in the
-- common case.  Before the change they are taken from what may reach R after
-- it, after the change from what does; someone asked only after the change
-- (a share committed meanwhile) counts as having held nothing before.
--
-- Below R.  What the new ancestors pass down reaches a resource D below R
-- only through R, on top of what already reached D (or not at all past a
-- restricted resource), so each principal's gain on D before the caps (R9)
-- is within its gain on R.  The caps are the same on D and R for one
-- principal but for member_edit_own_only, which spares the resources a
-- member owns (and on those it holds everything already, R10), and a guest's
-- or outsider's run_ai, which follows D's top-level project: that can grow
-- below R when a move takes R's subtree into another project (a restricted D
-- too, which nothing else above reaches), or when R holds resources of
-- another project through collections.  So where a project of the workspace
-- enables guest AI, every guest and outsider is also checked for run_ai on
-- every resource below R on which the actor lacks run_ai (all of them when
-- it lacks run_ai on R; a restricted one, which the actor's rights on R do
-- not reach, even when it owns R).  A share link is not capped by project:
-- what it gains below R, it gains on R.

-- anc() of section 2 for a set of resources: each of them, their parents and the
-- collections holding them, upwards, not above a restricted resource (R8).
-- A recursive query whose step looks each resource up by index (a lateral
-- join: never planned as a scan of the tables), and whose UNION keeps one
-- hashed set of what was found: each resource is read once, however many
-- levels and paths lead to it (comparing each level with an array of all
-- found so far cost levels x ancestors).
CREATE FUNCTION share_acl._ancestors(resources uuid[], through_restricted boolean DEFAULT false)
RETURNS uuid[]
LANGUAGE sql STABLE SET jit = off AS $$
    WITH RECURSIVE up(id) AS (
        SELECT u FROM pg_catalog.unnest(_ancestors.resources) AS u WHERE u IS NOT NULL
        UNION
        SELECT x.id FROM up,
          LATERAL (SELECT r.parent_id FROM share_acl.resource r
                    WHERE r.id = up.id AND r.parent_id IS NOT NULL
                      AND (_ancestors.through_restricted OR NOT r.restricted)
                   UNION ALL
                   SELECT ci.collection_id FROM share_acl.collection_item ci
                     JOIN share_acl.resource r ON r.id = ci.resource_id
                                              AND (_ancestors.through_restricted OR NOT r.restricted)
                    WHERE ci.resource_id = up.id) AS x(id)
    )
    SELECT coalesce(pg_catalog.array_agg(up.id), '{}') FROM up
$$;
COMMENT ON FUNCTION share_acl._ancestors(uuid[], boolean) IS
    'internal: the resources, their parents and the collections holding them, upwards, stopping above restricted resources (anc of SPEC section 2) unless through_restricted (what contains them, for a mute)';

-- The principals whose run_ai a guest-AI project may change (R9): the
-- workspace's guests, and the people shared with or asked to review who
-- have no role in it.
CREATE FUNCTION share_acl._guests(ws uuid) RETURNS SETOF uuid
LANGUAGE sql STABLE AS $$
    SELECT m.principal_id FROM share_acl.member m
     WHERE m.workspace_id = ws AND m.role = 'guest'
  UNION
    SELECT s.grantee_id
      FROM share_acl.share s
      JOIN share_acl.resource x ON x.id = s.resource_id AND x.workspace_id = ws
      JOIN share_acl.principal g ON g.id = s.grantee_id AND g.kind <> 'team'
     WHERE NOT EXISTS (SELECT 1 FROM share_acl.member m
                        WHERE m.workspace_id = ws AND m.principal_id = s.grantee_id)
  UNION
    SELECT rr.reviewer_id
      FROM share_acl.review_reviewer rr
      JOIN share_acl.resource x ON x.id = rr.resource_id AND x.workspace_id = ws
      JOIN share_acl.principal g ON g.id = rr.reviewer_id AND g.kind <> 'team'
     WHERE rr.active AND NOT EXISTS (SELECT 1 FROM share_acl.member m
                                      WHERE m.workspace_id = ws AND m.principal_id = rr.reviewer_id)
$$;
COMMENT ON FUNCTION share_acl._guests(uuid) IS
    'internal: the guests of a workspace and the people without a role in it that are shared with or asked to review';

-- The pairs of a guest or outsider of the workspace and one of the
-- resources whose run_ai the callers ask (set_guest_ai, _structure_state):
-- each guest with each resource while they make few pairs; past that, only
-- the guests that a grant or an ownership on the resource's ancestors
-- concerns (its owners, grantees and reviewers, the members of its teams:
-- _concerned_now), the only ways a guest or outsider reaches a resource
-- (R2, R4 is for internal members, R5, R10; not above a restriction, R8).
-- A member that shares assets with thousands of new addresses (each one a
-- guest) would otherwise make each call ask every guest of every resource
-- below (guests x resources, 13.7 s for 8,000 of each, under the structure
-- lock); now what is asked grows with the grants that reach the resources.
CREATE FUNCTION share_acl._guest_pairs(ws uuid, resources uuid[])
RETURNS TABLE (guest uuid, resource uuid)
LANGUAGE plpgsql STABLE SET jit = off AS $$
DECLARE
    guests uuid[] := ARRAY(SELECT share_acl._guests(ws));
BEGIN
    IF cardinality(guests)::bigint * cardinality(resources) <= 100000 THEN
        RETURN QUERY SELECT g, b FROM unnest(guests) AS g, unnest(resources) AS b;
        RETURN;
    END IF;
    -- what the resources inherit from (anc, R8), each once; the guests a
    -- grant or an ownership there concerns; and down from each such
    -- resource, within that set and not into a restricted one, to the
    -- resources it reaches: one row per resource reached from each granting
    -- one, never one per (resource, ancestor) pair
    RETURN QUERY
    WITH RECURSIVE targets AS MATERIALIZED (
        SELECT DISTINCT u AS b FROM unnest(resources) AS u
    ), closure AS MATERIALIZED (
        SELECT u AS a FROM unnest(share_acl._ancestors(resources)) AS u
    ), granted AS MATERIALIZED (
        SELECT c.a, g.id
          FROM closure AS c, unnest(share_acl._concerned_now(ARRAY[c.a])) AS g(id)
         WHERE g.id = ANY (guests)
    ), down(a, x) AS (
        SELECT DISTINCT granted.a, granted.a FROM granted
        UNION
        SELECT d.a, y.id
          FROM down AS d,
               LATERAL (SELECT c.id FROM share_acl.resource c
                         WHERE c.parent_id = d.x AND NOT c.restricted
                        UNION ALL
                        SELECT ci.resource_id FROM share_acl.collection_item ci
                          JOIN share_acl.resource c ON c.id = ci.resource_id AND NOT c.restricted
                         WHERE ci.collection_id = d.x) AS y(id)
         WHERE y.id IN (SELECT closure.a FROM closure)
    )
    SELECT DISTINCT g.id, d.x
      FROM down AS d JOIN granted AS g ON g.a = d.a JOIN targets AS t ON t.b = d.x;
END $$;
COMMENT ON FUNCTION share_acl._guest_pairs(uuid, uuid[]) IS
    'internal: the (guest or outsider, resource) pairs of the workspace whose run_ai is asked: all of them when few, else those a grant or an ownership on the resource''s ancestors concerns';

-- What the engine answers on R now: what the grants give on R (_reach:
-- E(P, R) with the workspace's switches at their widest) to every principal
-- whose permissions may change (see "Who is asked": reach, the resources whose
-- owners and grantees are asked; fresh, those newly reaching R), the share
-- links on anc(R) with what each gives (R7: toggles applied, nothing from
-- share on), and the pairs of a guest or outsider and a resource of ai_over
-- (resources below R) on which it has run_ai.  held is what the actor holds
-- on R: members that only general access reaches are not asked when it
-- covers what they could gain.  (Without JIT: compiling these small queries
-- would cost more than running them, at every call.)
CREATE FUNCTION share_acl._structure_state(actor uuid, resource uuid, anc uuid[], reach uuid[],
                                           fresh uuid[], held share_acl.permset, ai_over uuid[])
RETURNS jsonb
LANGUAGE plpgsql STABLE SET jit = off AS $$
DECLARE
    w share_acl.workspace;
    ws uuid;
    r11 share_acl.permset;
    asked uuid[];
    level uuid[];
    who jsonb;
    lasting jsonb;
    links jsonb;
    ai jsonb := '[]'::jsonb;
BEGIN
    SELECT x.* INTO w FROM share_acl.workspace x
     WHERE x.id = (SELECT r.workspace_id FROM share_acl.resource r WHERE r.id = _structure_state.resource);
    ws := w.id;
    r11 := CASE WHEN w.members_can_share THEN 'share'::share_acl.permset ELSE ''::share_acl.permset END;
    asked := ARRAY(SELECT r.owner_id FROM share_acl.resource r
                    WHERE r.id = ANY (reach) AND r.owner_id IS NOT NULL
                   UNION
                   SELECT s.grantee_id FROM share_acl.share s WHERE s.resource_id = ANY (reach)
                   UNION
                   SELECT rr.reviewer_id FROM share_acl.review_reviewer rr
                    WHERE rr.resource_id = ANY (reach) AND rr.active);
    -- and as the checks read the rows: these are read under the transaction's
    -- snapshot, which in REPEATABLE READ may miss grants that committed after
    -- it began and that the engine (the latest committed state) counts, such
    -- as the very grant that lets the actor make the change; and the actor
    -- always
    asked := asked || share_acl._concerned_now(reach);
    IF actor IS NOT NULL THEN
        asked := asked || actor;
    END IF;
    IF NOT held OPERATOR(share_acl.@>) (w.public_access_level OPERATOR(share_acl.|) r11)
       AND EXISTS (SELECT 1 FROM share_acl.resource x WHERE x.id = ANY (fresh) AND x.general_access = 'public') THEN
        asked := asked || ARRAY(SELECT m.principal_id FROM share_acl.member m
                                 WHERE m.workspace_id = ws AND m.role IN ('owner', 'admin', 'member'));
    END IF;
    IF NOT held OPERATOR(share_acl.@>) ('editor'::share_acl.permset OPERATOR(share_acl.|) r11)
       AND EXISTS (SELECT 1 FROM share_acl.resource x WHERE x.id = ANY (fresh) AND x.general_access = 'shared') THEN
        asked := asked || ARRAY(SELECT m.principal_id FROM share_acl.member m
                                 WHERE m.workspace_id = ws AND m.role = 'admin');
    END IF;
    -- the members of the teams asked, of the teams in them, and so on
    level := asked;
    LOOP
        level := ARRAY(SELECT tm.member_id FROM share_acl.team_member tm WHERE tm.team_id = ANY (level)
                       EXCEPT
                       SELECT unnest(asked));
        EXIT WHEN cardinality(level) = 0;
        asked := asked || level;
    END LOOP;
    SELECT coalesce(jsonb_object_agg(e.id::text, e.perms::text)
                        FILTER (WHERE e.perms OPERATOR(share_acl.<>) ''::share_acl.permset), '{}'),
           coalesce(jsonb_object_agg(e.id::text, e.lasting::text)
                        FILTER (WHERE e.lasting OPERATOR(share_acl.<>) ''::share_acl.permset), '{}')
      INTO who, lasting
      FROM (SELECT a.id, share_acl._reach(a.id, _structure_state.resource) AS perms,
                   share_acl._reach_lasting(a.id, _structure_state.resource) AS lasting
              FROM (SELECT DISTINCT u FROM unnest(asked) AS u) AS a(id)) e;
    SELECT coalesce(jsonb_object_agg(l.id::text,
               (share_acl._share_mask(l.perms, l.allow_download, l.allow_comments,
                                      l.allow_approval, l.allow_contribution)
                OPERATOR(share_acl.-) share_acl._link_never())::text), '{}') INTO links
      FROM share_acl.link l
     WHERE l.resource_id = ANY (anc)
       AND l.revoked_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > greatest(pg_catalog.statement_timestamp(), pg_catalog.now()));
    IF cardinality(ai_over) > 0 THEN
        SELECT coalesce(jsonb_agg(p.guest::text || ' ' || p.resource::text), '[]') INTO ai
          FROM share_acl._guest_pairs(ws, ai_over) AS p
         WHERE share_acl._reach(p.guest, p.resource) OPERATOR(share_acl.@>) 'run_ai'::share_acl.permset;
    END IF;
    RETURN jsonb_build_object('who', who, 'lasting', lasting, 'links', links, 'ai', ai);
END $$;
COMMENT ON FUNCTION share_acl._structure_state(uuid, uuid, uuid[], uuid[], uuid[], share_acl.permset, uuid[]) IS
    'internal: the engine''s answers on a resource that a change of structure may widen (R14): the permissions of the principals concerned (all, and what lasts), the share links reaching it, and run_ai of guests and outsiders on the resources below it given';

-- What P's grants give it on R with R's workspace switches at their widest:
-- guest access (R3) and guest uploads on, member_edit_own_only (R9) off.  A
-- change of structure is judged by what it passes on through the grants,
-- not by what a switch lets through today: whoever may turn a switch may
-- turn it back, and the grants then give this (R14).
CREATE FUNCTION share_acl._reach(principal uuid, resource uuid) RETURNS share_acl.permset
    AS 'MODULE_PATHNAME', 'reach_of' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._reach(uuid, uuid) IS
    'internal: E(P, R) with the workspace''s guest access and guest uploads taken as on and member_edit_own_only as off, what a change of structure passes on to P (R14)';

-- _reach counting only the grants that do not end: no share with an expiry,
-- no open review (R14: a change of structure must not make lasting, beyond
-- what the actor holds, what only a grant that ends gave, as update_share to
-- a later expiry may not).
CREATE FUNCTION share_acl._reach_lasting(principal uuid, resource uuid) RETURNS share_acl.permset
    AS 'MODULE_PATHNAME', 'reach_lasting_of' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._reach_lasting(uuid, uuid) IS
    'internal: _reach counting only the grants that do not end (no expiring share, no open review), what a change of structure passes on to P for good (R14)';

-- E(P, R) but a "share" that members_can_share alone gives (R11): what one
-- holds by grants, for add_team_member's self-join check.
CREATE FUNCTION share_acl._held_by_grants(principal uuid, resource uuid) RETURNS share_acl.permset
    AS 'MODULE_PATHNAME', 'held_by_grants' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._held_by_grants(uuid, uuid) IS
    'internal: the effective permissions of the principal on the resource but a share that members_can_share alone gives (R11)';

-- Which switches cap P on R: 1 member_edit_own_only (a member), 2 guest access
-- and guest uploads (a guest or an outsider), 0 none.
CREATE FUNCTION share_acl._switch_class(principal uuid, resource uuid) RETURNS integer
    AS 'MODULE_PATHNAME', 'switch_class' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._switch_class(uuid, uuid) IS
    'internal: which of the workspace''s switches cap a principal on a resource (1 member_edit_own_only, 2 guest access and uploads, 0 none), for R14';

CREATE FUNCTION share_acl._concerned_now(resources uuid[]) RETURNS uuid[]
    AS 'MODULE_PATHNAME', 'concerned_now' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION share_acl._concerned_now(uuid[]) IS
    'internal: the owners, grantees and reviewers of the resources and their teams'' members, as the checks read the rows (latest committed)';

-- Everything below a resource: its children and collection items, downwards
-- (src/tree_below.c: each resource read once, whatever the depth).
CREATE FUNCTION share_acl._below(resource uuid) RETURNS uuid[]
    AS 'MODULE_PATHNAME', 'resources_below' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION share_acl._below(uuid) IS
    'internal: the resources below a resource, through children and collection items, downwards';

-- A resource and its descendants, what deleting it deletes, top first
-- (src/tree_below.c: an index probe each, whatever the planner would guess of
-- a recursive query on a table whose few parents hold most resources).
CREATE FUNCTION share_acl._subtree(resource uuid) RETURNS uuid[]
    AS 'MODULE_PATHNAME', 'resource_subtree' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION share_acl._subtree(uuid) IS
    'internal: a resource and its descendants through children (what deleting it deletes), top first, level by level; empty when it does not exist';

-- Before a change that puts the resources "above" directly above R: NULL
-- when nothing needs checking, otherwise what the actor holds on R, anc(R),
-- the resources below R on which guests' run_ai is checked (ai_over) and
-- _structure_state() over what may reach R after the change.  Exempt from
-- the check on R (exempt: only run_ai below R is checked): an actor that
-- holds on R every flag anyone could gain (only the workspace owner, who
-- holds everything everywhere, ever has transfer_ownership or delete_space,
-- R1 and R9, and no link gives them), and an actor with a role that owns R
-- and everything below it that R's new ancestors reach ("anyone may move
-- what they own"; a resource of someone else filed below R is not its own).
-- Neither holds anything on a restricted resource below R (R8),
-- where a guest's run_ai may grow all the same: so where a project enables
-- guest AI, ai_over is every resource below R on which the actor lacks
-- run_ai, and NULL is returned (a trusted administrator aside) only when
-- the actor is exempt and ai_over is empty.
CREATE FUNCTION share_acl._structure_before(actor uuid, resource uuid, above uuid[]) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    held share_acl.permset;
    passable share_acl.permset;
    capped share_acl.permset;
    actor_class integer;
    exempt boolean;
    ai_over uuid[] := '{}'::uuid[];
    anc uuid[];
    reach uuid[];
BEGIN
    IF actor IS NULL THEN
        RETURN NULL;
    END IF;
    held := coalesce(share_acl.effective_permissions(actor, resource), ''::share_acl.permset);
    IF held OPERATOR(share_acl.@>) 'full'::share_acl.permset THEN
        RETURN NULL;            -- the workspace owner: everything everywhere (R1)
    END IF;
    anc := share_acl._ancestors(ARRAY[resource]);
    -- a member under member_edit_own_only with someone else's resource below
    -- R passes on no edit, rename, move or delete at R (_passable): checked,
    -- owner or not
    passable := share_acl._passable(actor, resource, held);
    exempt := passable OPERATOR(share_acl.=) held
        AND held OPERATOR(share_acl.@>) ('full'::share_acl.permset OPERATOR(share_acl.-)
                                         'transfer_ownership,delete_space'::share_acl.permset);
    -- anyone may move what it owns: what others gain is access to its own.
    -- (Owning a resource above R is not enough: R10's full on R is capped by
    -- the actor's role (R9), and R is someone else's.  Nor is owning R when
    -- something below it, within the reach of R's new ancestors, is someone
    -- else's: what others gain there is access to that, and only the check
    -- on R bounds it; an upload below R committing meanwhile is caught at
    -- commit, _recheck_at_commit.)
    IF NOT exempt AND passable OPERATOR(share_acl.=) held
       AND EXISTS (SELECT 1 FROM share_acl.resource r
                    WHERE r.id = _structure_before.resource AND r.owner_id = actor)
       AND EXISTS (SELECT 1 FROM share_acl.resource r
                     JOIN share_acl.member m ON m.workspace_id = r.workspace_id
                    WHERE r.id = _structure_before.resource AND m.principal_id = actor)
       AND NOT share_acl._foreign_below(actor, resource) THEN
        exempt := true;
        PERFORM share_acl._recheck_at_commit(actor, resource);
    END IF;
    capped := held OPERATOR(share_acl.-) passable;
    held := passable;
    -- what the actor holds with the switches that cap it open, for those the
    -- same switch caps (_structure_check)
    actor_class := share_acl._switch_class(actor, resource);
    -- run_ai below R (see above): only where a project enables guest AI and
    -- the workspace has guests or outsiders (shared with, or asked to review)
    IF EXISTS (SELECT 1 FROM share_acl.resource r
                 JOIN share_acl.resource p ON p.workspace_id = r.workspace_id
                WHERE r.id = _structure_before.resource AND p.guest_ai_enabled)
       AND EXISTS (SELECT 1 FROM share_acl._guests((SELECT r.workspace_id FROM share_acl.resource r
                                                     WHERE r.id = _structure_before.resource))) THEN
        ai_over := ARRAY(SELECT b FROM unnest(share_acl._below(resource)) AS b
                          WHERE NOT coalesce(share_acl.has_access(actor, b, 'run_ai'), false));
    END IF;
    IF exempt AND cardinality(ai_over) = 0 THEN
        RETURN NULL;
    END IF;
    reach := CASE WHEN exempt THEN '{}' ELSE anc || share_acl._ancestors(above) END;
    RETURN jsonb_build_object(
        'held', held::text, 'capped', capped::text, 'exempt', exempt, 'ai_over', to_jsonb(ai_over), 'anc', to_jsonb(anc),
        'actor', actor, 'actor_class', actor_class,
        'held_reach', CASE WHEN actor_class = 0 THEN held
                           ELSE coalesce(share_acl._reach(actor, resource), held) END::text,
        'state', share_acl._structure_state(actor, resource, anc, reach,
                                            ARRAY(SELECT unnest(reach) EXCEPT SELECT unnest(anc)),
                                            held, ai_over));
END $$;
COMMENT ON FUNCTION share_acl._structure_before(uuid, uuid, uuid[]) IS
    'internal: before a change that gives a resource new ancestors, what the actor holds on it and the engine''s answers on it (NULL when nothing needs checking, R14)';

-- After the change: raise 42501 naming every flag that a principal or a
-- share link gained on R and that the actor did not hold on R before the
-- change (not asked of an exempt actor), and run_ai when a guest or outsider
-- gained it on a resource below R on which the actor did not hold it.  What
-- a principal gains is counted with the switches open (_reach); a principal
-- that the same switch caps as the actor (both members under
-- member_edit_own_only, both guests) gains it only when the actor holds it
-- too, so its gain is measured against what the actor holds with that
-- switch open (held_reach), anyone else's against what the actor holds now.
CREATE FUNCTION share_acl._structure_check(resource uuid, prior jsonb, action text)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    exempt boolean;
    anc uuid[];
    cur jsonb;
    held share_acl.permset := (prior->>'held')::share_acl.permset;
    held_reach share_acl.permset := (prior->>'held_reach')::share_acl.permset;
    actor_class integer := (prior->>'actor_class')::integer;
    missing share_acl.permset;
BEGIN
    IF prior IS NULL THEN
        RETURN;
    END IF;
    exempt := (prior->>'exempt')::boolean;
    anc := CASE WHEN exempt THEN '{}' ELSE share_acl._ancestors(ARRAY[resource]) END;
    cur := share_acl._structure_state((prior->>'actor')::uuid, resource, anc, anc,
               ARRAY(SELECT unnest(anc) EXCEPT SELECT jsonb_array_elements_text(prior->'anc')::uuid),
               (prior->>'held')::share_acl.permset,
               ARRAY(SELECT jsonb_array_elements_text(prior->'ai_over')::uuid));
    missing := ''::share_acl.permset;
    IF NOT exempt THEN
        -- What each principal gains, now ('who') and for good ('lasting'): a
        -- principal that held a flag on R only through a grant that ends (an
        -- expiring share, an open review) and that a new ancestor gives it
        -- without an end gains it, as an update_share to a later expiry
        -- would.  (The actor's own such gain is within what it holds, as
        -- when it joins a team or shares with a team it is in.)
        SELECT share_acl.permset_union(
                   CASE WHEN g.beyond OPERATOR(share_acl.=) ''::share_acl.permset THEN g.beyond
                        WHEN actor_class <> 0 AND share_acl._switch_class(g.id, resource) = actor_class
                        THEN g.gained OPERATOR(share_acl.-) held_reach
                        ELSE g.beyond END)
          INTO missing
          FROM (SELECT a.key::uuid AS id, d.gained, d.gained OPERATOR(share_acl.-) held AS beyond
                  FROM unnest(ARRAY['who', 'lasting']) AS m(answers),
                       jsonb_each_text(cur->m.answers) a,
                       LATERAL (SELECT a.value::share_acl.permset OPERATOR(share_acl.-)
                                       coalesce((prior->'state'->m.answers->>a.key)::share_acl.permset,
                                                ''::share_acl.permset) AS gained) d) g;
        missing := coalesce(missing, ''::share_acl.permset) OPERATOR(share_acl.|)
                   (coalesce((SELECT share_acl.permset_union(a.value::share_acl.permset)
                                FROM jsonb_each_text(cur->'links') a
                               WHERE NOT (prior->'state'->'links') ? a.key), ''::share_acl.permset)
                    OPERATOR(share_acl.-) held);
        -- Ownership (R10) that a new ancestor passes to a principal owning
        -- neither R nor any of its former ancestors (nor the workspace) is
        -- capped only by that principal's role (R9), which may change: a
        -- guest that filed someone else's asset in its own collection while
        -- a share let it, then promoted after the share's revocation, would
        -- hold share, manage_members, change_permissions and view_audit on
        -- it that nobody granted.  So the actor must hold what a member takes from
        -- that ownership (everything but make_public, manage_settings,
        -- transfer_ownership and delete_space; a member with full access
        -- may still file what it fully controls).
        IF EXISTS (SELECT 1 FROM share_acl.resource x
                    WHERE x.id = ANY (anc) AND x.owner_id IS NOT NULL
                      AND x.owner_id IS DISTINCT FROM (SELECT r.owner_id FROM share_acl.resource r
                                                        WHERE r.id = _structure_check.resource)
                      AND NOT EXISTS (SELECT 1 FROM share_acl.resource y
                                       WHERE y.id IN (SELECT jsonb_array_elements_text(prior->'anc')::uuid)
                                         AND y.owner_id = x.owner_id)
                      -- (the workspace's owner holds everything everywhere,
                      -- R1; a principal without a role may be given one)
                      AND NOT EXISTS (SELECT 1 FROM share_acl.member m
                                       WHERE m.workspace_id = x.workspace_id AND m.principal_id = x.owner_id
                                         AND m.role = 'owner')) THEN
            missing := missing OPERATOR(share_acl.|)
                       (('full'::share_acl.permset OPERATOR(share_acl.-)
                         'make_public,manage_settings,transfer_ownership,delete_space'::share_acl.permset)
                        OPERATOR(share_acl.-) held);
        END IF;
    END IF;
    -- (ai_over holds only resources on which the actor lacks run_ai)
    IF EXISTS (SELECT jsonb_array_elements_text(cur->'ai')
               EXCEPT
               SELECT jsonb_array_elements_text(prior->'state'->'ai')) THEN
        missing := missing OPERATOR(share_acl.|) 'run_ai'::share_acl.permset;
    END IF;
    IF missing OPERATOR(share_acl.<>) ''::share_acl.permset THEN
        PERFORM share_acl._deny(_structure_check.resource,
            pg_catalog.format('permission denied: %s requires "%s" on resource %s%s', action, missing, resource,
                              share_acl._edit_own_only_cause(missing, (prior->>'capped')::share_acl.permset)),
            'The change would give these permissions on the resource, or below it, to principals or share links that do not have them yet, or have them only through a grant that ends (through its new ancestors, or through guest AI where a project would become top-level); moving a resource, adding it to a collection or lifting its restriction may pass on only permissions the acting principal holds on it.', NULL);
    END IF;
END $$;
COMMENT ON FUNCTION share_acl._structure_check(uuid, jsonb, text) IS
    'internal: after a change that gave a resource new ancestors, raise 42501 naming what others gained on it that the actor does not hold (R14)';

-- allow_external_sharing and new ancestors.  While the policy is false no
-- share or link reaching an outsider is made, and filing a resource where
-- one already reaches would be such a share: a move, an add_to_collection or
-- a restriction lifted is refused (42501, naming the policy) when a new
-- ancestor of the resource has a share link that is neither revoked nor
-- expired, or a share or an open review's reviewer row that reaches an
-- outsider (a person without a role in the workspace, R2, or a team holding
-- one).  Asked of every principal, owners too (a share of
-- theirs to an outsider is refused as well); not of a trusted administrator.
-- An upload into such a collection is not refused: existing shares and
-- links keep working, and what they reach grows as the collection does.
-- _exposure_before: the resource's ancestors before the change, or NULL
-- when nothing is to be checked.
CREATE FUNCTION share_acl._policies_unheld(workspace uuid) RETURNS void
    AS 'MODULE_PATHNAME', 'policies_unheld' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION share_acl._policies_unheld(uuid) IS
    'internal: in REPEATABLE READ and SERIALIZABLE, ERROR 40001 when a transaction this one''s snapshot does not see as finished held the workspace row (it may have made a link or a share reaching an outsider)';
CREATE FUNCTION share_acl._exposure_unseen(resources uuid[]) RETURNS void
    AS 'MODULE_PATHNAME', 'exposure_unseen' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION share_acl._exposure_unseen(uuid[]) IS
    'internal: in REPEATABLE READ and SERIALIZABLE, ERROR 40001 when a share link, share or reviewer row on one of the resources was written by a transaction this one''s snapshot does not see';
CREATE FUNCTION share_acl._exposure_before(actor uuid, resource uuid) RETURNS uuid[]
LANGUAGE sql STABLE AS $$
    SELECT share_acl._ancestors(ARRAY[r.id])
      FROM share_acl.resource r JOIN share_acl.workspace w ON w.id = r.workspace_id
     WHERE r.id = $2 AND $1 IS NOT NULL AND NOT w.allow_external_sharing
$$;
COMMENT ON FUNCTION share_acl._exposure_before(uuid, uuid) IS
    'internal: the ancestors of a resource before a change that may give it new ones, when its workspace refuses external sharing and a principal acts; NULL otherwise';

CREATE FUNCTION share_acl._exposure_check(resource uuid, before uuid[], action text) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    ws uuid;
    added uuid[];
    hit record;
    actor uuid := share_acl._actor(_exposure_check.resource);
BEGIN
    IF before IS NULL THEN
        RETURN;
    END IF;
    SELECT r.workspace_id INTO ws FROM share_acl.resource r WHERE r.id = _exposure_check.resource;
    added := ARRAY(SELECT unnest(share_acl._ancestors(ARRAY[resource])) EXCEPT SELECT unnest(before));
    IF cardinality(added) = 0 THEN
        RETURN;
    END IF;
    -- (a link or share made by a transaction this one's snapshot does not
    -- see: 40001 in REPEATABLE READ; in READ COMMITTED the turn of the
    -- policy waited for it, _get_policies)
    PERFORM share_acl._exposure_unseen(added);
    SELECT l.id, l.resource_id INTO hit FROM share_acl.link l
     WHERE l.resource_id = ANY (added) AND l.revoked_at IS NULL
       AND (l.expires_at IS NULL OR l.expires_at > greatest(pg_catalog.statement_timestamp(), pg_catalog.now()))
       AND (l.max_views IS NULL OR l.view_count < l.max_views)
     ORDER BY l.id LIMIT 1;
    -- (the ancestor, its link and its outsider are named only to who may
    -- view that ancestor: the refusal must not map what the caller cannot see)
    IF FOUND THEN
        PERFORM share_acl._deny(resource,
            CASE WHEN share_acl._may_name(actor, hit.resource_id)
                 THEN pg_catalog.format('permission denied: the workspace policy allow_external_sharing forbids %s: share link %s of resource %s would reach resource %s',
                                        action, hit.id, hit.resource_id, resource)
                 ELSE pg_catalog.format('permission denied: the workspace policy allow_external_sharing forbids %s: a share link of a resource it would be put below would reach resource %s',
                                        action, resource) END,
            NULL, 'While allow_external_sharing is false, a resource is not put where a share link or a share with an outsider already reaches.');
    END IF;
    SELECT g.grantee_id, g.resource_id, share_acl._outsider_in(g.grantee_id, ws) AS outsider INTO hit
      FROM (SELECT s.grantee_id, s.resource_id FROM share_acl.share s
             WHERE s.resource_id = ANY (added)
               AND (s.expires_at IS NULL OR s.expires_at > greatest(pg_catalog.statement_timestamp(), pg_catalog.now()))
            UNION
            SELECT v.reviewer_id, v.resource_id FROM share_acl.review_reviewer v
             WHERE v.resource_id = ANY (added) AND v.active
               AND (v.expires_at IS NULL OR v.expires_at > greatest(pg_catalog.statement_timestamp(), pg_catalog.now()))) g
     WHERE share_acl._outsider_in(g.grantee_id, ws) IS NOT NULL
     ORDER BY g.grantee_id, g.resource_id LIMIT 1;
    IF FOUND THEN
        PERFORM share_acl._deny(resource,
            CASE WHEN share_acl._may_name(actor, hit.resource_id)
                 THEN pg_catalog.format('permission denied: the workspace policy allow_external_sharing forbids %s: resource %s is shared with %s%s, which would reach resource %s',
                                        action, hit.resource_id, share_acl._outsider_label(hit.outsider),
                                        CASE WHEN hit.outsider <> hit.grantee_id
                                             THEN pg_catalog.format(' (a member of team %s)', hit.grantee_id) ELSE '' END,
                                        resource)
                 ELSE pg_catalog.format('permission denied: the workspace policy allow_external_sharing forbids %s: a resource it would be put below is shared with a principal with no role in the workspace, which would reach resource %s',
                                        action, resource) END,
            NULL, 'While allow_external_sharing is false, a resource is not put where a share link or a share with an outsider already reaches.');
    END IF;
END $$;
COMMENT ON FUNCTION share_acl._exposure_check(uuid, uuid[], text) IS
    'internal: after a change that gave a resource new ancestors, raise 42501 when its workspace refuses external sharing and a new ancestor has a live share link or a share or review reaching an outsider';

-- A resource's row locked against other writers of it (FOR NO KEY UPDATE),
-- as it is once they are done; the checks after it see what they committed
-- (a new owner, a restriction): a call that checked before the lock asks
-- again after it.
CREATE FUNCTION share_acl._resource_locked(resource uuid) RETURNS share_acl.resource
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    r share_acl.resource;
BEGIN
    SELECT * INTO r FROM share_acl.resource x WHERE x.id = _resource_locked.resource FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'resource % does not exist', resource USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM share_acl._see_committed();
    RETURN r;
END $$;
COMMENT ON FUNCTION share_acl._resource_locked(uuid) IS
    'internal: the resource''s row locked FOR NO KEY UPDATE, as its concurrent writers leave it, the checks after it seeing what they committed; ERROR P0002 when there is none';

-- R14 compares the state before a change with the state after it: one such
-- change at a time per workspace, each reading what the one before it
-- committed.  The resource's row, read again once its workspace's
-- structure is locked (see structure_lock, 020_model.sql); with lock_row,
-- also locked against other writers of it, as it is once they are done: a
-- change decided by a flag of the row (lifting a restriction, a new general
-- access) must not be decided by the version a concurrent change that
-- takes no structure lock (making it restricted) is replacing.
CREATE FUNCTION share_acl._structure_locked(resource uuid, lock_row boolean DEFAULT false)
RETURNS share_acl.resource
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM share_acl._lock_structure(ARRAY[(share_acl._get_resource(resource)).workspace_id]);
    IF lock_row THEN
        RETURN share_acl._resource_locked(resource);
    END IF;
    -- the checks after the wait see what the transaction waited for
    PERFORM share_acl._see_committed();
    RETURN share_acl._get_resource(resource);
END $$;
COMMENT ON FUNCTION share_acl._structure_locked(uuid, boolean) IS
    'internal: lock the structure of the resource''s workspace until the end of the transaction, then return its row as it is now (with lock_row, locked FOR NO KEY UPDATE after its concurrent writers)';

-- The depth of resources (src/engine.h ENGINE_MAX_DEPTH): what is below
-- resource, put under above (NULL: made top-level), must stay within it.
CREATE FUNCTION share_acl._depth_room(above uuid) RETURNS integer
    AS 'MODULE_PATHNAME', 'depth_room' LANGUAGE C STABLE;
COMMENT ON FUNCTION share_acl._depth_room(uuid) IS
    'internal: how many levels may be below a new child of a resource (NULL: below a top-level one) within the depth limit; negative when that child would be too deep';

-- The longest path down from resource (children and collection items), or
-- room + 1 when longer; each resource below is read once, however many
-- paths reach it (a walk of paths, collections filed in one another at
-- every depth, took seconds under the workspace's structure lock).
CREATE FUNCTION share_acl._depth_below(resource uuid, room integer) RETURNS integer
    AS 'MODULE_PATHNAME', 'depth_below' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION share_acl._depth_below(uuid, integer) IS
    'internal: how many levels are below the resource (the longest path down through children and collection items), room + 1 when more than room';

CREATE FUNCTION share_acl._depth_check(resource uuid, above uuid, action text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    room integer := share_acl._depth_room(above);
BEGIN
    IF room < 0 OR share_acl._depth_below(resource, room) > room THEN
        -- a cycle (above at or below resource) is refused as one (42P19), as
        -- in a shallow tree, not as the depth it would also exceed
        IF above IS NOT NULL
           AND resource = ANY (share_acl._ancestors(ARRAY[above], through_restricted => true)) THEN
            IF action = 'add_to_collection' THEN
                RAISE EXCEPTION 'adding % to a collection below it would make a cycle', resource
                    USING ERRCODE = 'invalid_recursion';
            END IF;
            RAISE EXCEPTION 'the parent of resource % would make a cycle', resource
                USING ERRCODE = 'invalid_recursion';
        END IF;
        RAISE EXCEPTION '%: resource % would be more than % levels below the top of its tree',
                        action, resource, share_acl._depth_room(NULL)
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = pg_catalog.format('A resource is at most %s levels below a top-level project, parents and collections counted.',
                                           share_acl._depth_room(NULL));
    END IF;
END $$;
COMMENT ON FUNCTION share_acl._depth_check(uuid, uuid, text) IS
    'internal: raise 54000 when the resource, with what is below it, would be deeper than the limit under above (42P19 when above is at or below it: a cycle)';

-- new_parent NULL makes a project top-level (needs upload on the workspace).
CREATE FUNCTION share_acl.move_resource(resource uuid, new_parent uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(move_resource.resource);
    r share_acl.resource;
    np share_acl.resource;
    prior jsonb;
    exposure uuid[];
BEGIN
    IF resource IS NULL THEN
        RAISE EXCEPTION 'move_resource: resource must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- (refused at once, before waiting for the structure lock; asked again after it)
    PERFORM share_acl._get_resource(resource);
    PERFORM share_acl._require(actor, resource, 'move', 'move_resource');
    IF new_parent IS NOT NULL AND new_parent <> resource THEN
        PERFORM share_acl._get_resource(new_parent);
        PERFORM share_acl._require(actor, new_parent, 'upload', 'move_resource');
    END IF;
    -- (the row too: a change of it committed meanwhile, a new owner or a
    -- restriction, is waited for and seen by every check below)
    r := share_acl._structure_locked(resource, lock_row => true);
    PERFORM share_acl._require(actor, resource, 'move', 'move_resource');
    IF new_parent = resource THEN      -- (the table's check would say 23514)
        RAISE EXCEPTION 'resource % cannot be its own parent: that would make a cycle', resource
            USING ERRCODE = 'invalid_recursion';
    END IF;
    IF new_parent IS NULL THEN
        IF r.kind <> 'project' THEN
            RAISE EXCEPTION 'only a project can be top-level: a resource of kind % needs a parent', r.kind
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        PERFORM share_acl._require(actor, r.workspace_id, 'upload', 'move_resource');
    ELSE
        np := share_acl._get_resource(new_parent);
        IF np.workspace_id <> r.workspace_id THEN
            RAISE EXCEPTION 'resource % cannot move to another workspace', resource
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        PERFORM share_acl._require(actor, new_parent, 'upload', 'move_resource');
    END IF;
    -- R14: the new parent must not pass on to anyone what the actor does not hold
    IF r.parent_id IS DISTINCT FROM new_parent THEN
        prior := share_acl._structure_before(actor, resource, array_remove(ARRAY[new_parent], NULL));
        exposure := share_acl._exposure_before(actor, resource);
    END IF;
    IF r.parent_id IS DISTINCT FROM new_parent THEN
        PERFORM share_acl._depth_check(resource, new_parent, 'move_resource');
    END IF;
    UPDATE share_acl.resource x SET parent_id = new_parent WHERE x.id = move_resource.resource;
    PERFORM share_acl._structure_check(resource, prior, 'move_resource');
    PERFORM share_acl._exposure_check(resource, exposure, 'move_resource');
END $$;
COMMENT ON FUNCTION share_acl.move_resource(uuid, uuid) IS
    'move a resource under a new parent (needs move on it and upload on the target; NULL makes a project top-level; cycles refused; no one may gain on it what the actor does not hold, R14)';

-- Adding a resource already in the collection changes nothing.
CREATE FUNCTION share_acl.add_to_collection(collection uuid, resource uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(add_to_collection.collection);
    c share_acl.resource;
    r share_acl.resource;
    prior jsonb;
    exposure uuid[];
BEGIN
    IF collection IS NULL OR resource IS NULL THEN
        RAISE EXCEPTION 'add_to_collection: collection and resource must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    c := share_acl._get_resource(collection);
    r := share_acl._get_resource(resource);
    -- (refused before saying anything of what the actor may not see, and at
    -- once, before waiting for the structure lock; asked again after it)
    PERFORM share_acl._require(actor, collection, 'manage_collections', 'add_to_collection');
    PERFORM share_acl._require(actor, resource, 'view', 'add_to_collection');
    IF c.kind <> 'collection' THEN
        RAISE EXCEPTION 'resource % is not a collection (its kind is %)', collection, c.kind
            USING ERRCODE = 'wrong_object_type';
    END IF;
    IF r.workspace_id <> c.workspace_id THEN
        RAISE EXCEPTION 'a collection can only contain resources of its own workspace'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    r := share_acl._structure_locked(resource);
    PERFORM share_acl._require(actor, collection, 'manage_collections', 'add_to_collection');
    PERFORM share_acl._require(actor, resource, 'view', 'add_to_collection');
    IF collection = resource THEN      -- (the table's check would say 23514)
        RAISE EXCEPTION 'collection % cannot contain itself: that would make a cycle', resource
            USING ERRCODE = 'invalid_recursion';
    END IF;
    -- R14: the collection must not pass on to anyone what the actor does not hold
    -- (an item already there is held, so that it stays: a removal of it in
    -- flight is waited for, and then the filing is checked as a new one)
    PERFORM 1 FROM share_acl.collection_item ci
     WHERE ci.collection_id = add_to_collection.collection
       AND ci.resource_id = add_to_collection.resource
       FOR KEY SHARE;
    IF NOT FOUND THEN
        PERFORM share_acl._see_committed();
        PERFORM share_acl._require(actor, collection, 'manage_collections', 'add_to_collection');
        PERFORM share_acl._require(actor, resource, 'view', 'add_to_collection');
        prior := share_acl._structure_before(actor, resource, ARRAY[collection]);
        exposure := share_acl._exposure_before(actor, resource);
        PERFORM share_acl._depth_check(resource, collection, 'add_to_collection');
    END IF;
    INSERT INTO share_acl.collection_item (collection_id, resource_id) VALUES (collection, resource)
        ON CONFLICT DO NOTHING;
    PERFORM share_acl._structure_check(resource, prior, 'add_to_collection');
    PERFORM share_acl._exposure_check(resource, exposure, 'add_to_collection');
END $$;
COMMENT ON FUNCTION share_acl.add_to_collection(uuid, uuid) IS
    'put a resource in a collection (needs manage_collections on the collection and view on the resource; cycles refused; no one may gain on it what the actor does not hold, R14)';

CREATE FUNCTION share_acl.remove_from_collection(collection uuid, resource uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(remove_from_collection.collection);
    c share_acl.resource;
BEGIN
    IF collection IS NULL OR resource IS NULL THEN
        RAISE EXCEPTION 'remove_from_collection: collection and resource must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    c := share_acl._get_resource(collection);
    PERFORM share_acl._get_resource(resource);
    -- (refused before saying whether a resource the actor may not see is
    -- in the collection, R8)
    PERFORM share_acl._require(actor, collection, 'manage_collections', 'remove_from_collection');
    PERFORM share_acl._require(actor, resource, 'view', 'remove_from_collection');
    IF c.kind <> 'collection' THEN
        RAISE EXCEPTION 'resource % is not a collection (its kind is %)', collection, c.kind
            USING ERRCODE = 'wrong_object_type';
    END IF;
    -- (the structure lock first, as add_to_collection's, then the row
    -- locked, as its writer leaves it, and the caller asked again)
    PERFORM share_acl._lock_structure(ARRAY[c.workspace_id]);
    PERFORM 1 FROM share_acl.collection_item ci
     WHERE ci.collection_id = remove_from_collection.collection
       AND ci.resource_id = remove_from_collection.resource
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'resource % is not in collection %', resource, collection
            USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM share_acl._see_committed();
    PERFORM share_acl._require(actor, collection, 'manage_collections', 'remove_from_collection');
    PERFORM share_acl._require(actor, resource, 'view', 'remove_from_collection');
    PERFORM share_acl._refuse_application_references('remove_from_collection');
    DELETE FROM share_acl.collection_item ci
     WHERE ci.collection_id = remove_from_collection.collection
       AND ci.resource_id = remove_from_collection.resource;
END $$;
COMMENT ON FUNCTION share_acl.remove_from_collection(uuid, uuid) IS
    'take a resource out of a collection (needs manage_collections on the collection and view on the resource)';

-- Everything below the resource goes with it (and its shares and collection
-- entries), so the actor must be able to delete each of those resources too:
-- a restricted one below (R8: nothing above flows into it) or, with
-- member_edit_own_only, someone else's, may be beyond its reach.  What the
-- cascade removes must be what was checked, as it is when the delete runs:
-- the walk's resources are locked, top first, and the walk and its checks
-- run again, seeing what committed meanwhile, until a walk finds nothing
-- new (the rows of theirs that the cascade deletes and the management calls
-- write are locked with them: a wait for them comes before the last
-- checks).  A resource another transaction adds or moves below a locked one
-- waits for this one (its foreign-key check locks the parent); one whose
-- transaction this one waited for, or a resource changed by it (made
-- restricted, given another owner), is seen by the next walk's checks.
-- Nothing is locked before a walk finds the actor may delete all it found.
-- A trusted administrator's walk (no principal) checks nothing and locks the
-- same way.  delete_resource (C, src/app_references.c) runs the walk and
-- deletes the resource as the extension's owner, then fires the deletion's
-- AFTER triggers (the cascade's, and those of the application's tables it
-- reaches) as its caller: never with this owner's rights.
-- (The walk reads the subtree by index probes, _subtree: a recursive query
-- was planned for the whole table where few parents hold most resources, a
-- scan of every tenant's resources to delete one asset.  Without JIT, for
-- the statements that take the subtree's rows.)
CREATE FUNCTION share_acl._delete_resource_walk(resource uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off AS $$
DECLARE
    actor uuid := share_acl._actor(_delete_resource_walk.resource);
    found_ids uuid[];           -- the walk's resources, top first
    locked uuid[] := ARRAY[]::uuid[];
    beyond uuid;
BEGIN
    IF resource IS NULL THEN
        RAISE EXCEPTION 'delete_resource: resource must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM share_acl._get_resource(resource);
    -- the resource and everything below it; the one nearest the top that the
    -- actor may not delete is named (a trusted administrator deletes anything)
    LOOP
        SELECT pg_catalog.array_agg(x.id ORDER BY d.n),
               (pg_catalog.array_agg(x.id ORDER BY d.n)
                    FILTER (WHERE actor IS NOT NULL AND NOT share_acl._may_delete(actor, x)))[1]
          INTO found_ids, beyond
          FROM pg_catalog.unnest(share_acl._subtree(_delete_resource_walk.resource)) WITH ORDINALITY d(id, n)
          JOIN share_acl.resource x ON x.id = d.id;
        -- deleted by the transaction the locks below waited for (it, or one
        -- above it): as for a call after that delete, P0002
        IF found_ids IS NULL THEN
            PERFORM share_acl._get_resource(resource);
        END IF;
        -- (a resource below that the actor may not even view, a restricted
        -- one, is not named: the refusal must not show what it hides)
        IF beyond IS NOT NULL AND beyond <> resource AND NOT share_acl._may_name(actor, beyond) THEN
            PERFORM share_acl._deny(_delete_resource_walk.resource,
                pg_catalog.format('permission denied: delete_resource of resource %s would delete resources below it that this principal may not delete', resource));
        ELSIF beyond IS NOT NULL THEN
            PERFORM share_acl._deny(_delete_resource_walk.resource,
                pg_catalog.format('permission denied: delete_resource requires "delete" on resource %s, or "delete_own" on a resource one owns', beyond),
                NULLIF(pg_catalog.concat_ws(' ',
                    CASE WHEN beyond <> resource
                         THEN pg_catalog.format('Resource %s is below resource %s and would be deleted with it.', beyond, resource) END,
                    share_acl._policies_withholding(actor, beyond, 'delete')), ''));
        END IF;
        EXIT WHEN NOT EXISTS (SELECT pg_catalog.unnest(found_ids) EXCEPT SELECT pg_catalog.unnest(locked));
        PERFORM FROM share_acl.resource x
          JOIN pg_catalog.unnest(found_ids) WITH ORDINALITY f(id, n) ON x.id = f.id
         WHERE NOT EXISTS (SELECT FROM pg_catalog.unnest(locked) l(id) WHERE l.id = f.id)
         ORDER BY f.n
           FOR UPDATE OF x;
        -- and the rows the cascade deletes that the management calls write
        -- (shares, links, reviews, collection items): a transaction that
        -- wrote one of them and took the actor's rights is waited for here,
        -- and the next walk's checks see what it committed, rather than the
        -- cascade waiting for it after the last check
        PERFORM FROM share_acl.share x WHERE x.resource_id = ANY (found_ids) ORDER BY x.id FOR UPDATE;
        PERFORM FROM share_acl.link x WHERE x.resource_id = ANY (found_ids) ORDER BY x.id FOR UPDATE;
        PERFORM FROM share_acl.review x WHERE x.resource_id = ANY (found_ids) ORDER BY x.id FOR UPDATE;
        PERFORM FROM share_acl.collection_item x
         WHERE x.resource_id = ANY (found_ids) OR x.collection_id = ANY (found_ids)
         ORDER BY x.collection_id, x.resource_id FOR UPDATE;
        PERFORM share_acl._see_committed();
        locked := found_ids;
    END LOOP;
END $$;
COMMENT ON FUNCTION share_acl._delete_resource_walk(uuid) IS
    'internal: delete_resource''s checks and locks of the resource and everything below it';
CREATE FUNCTION share_acl.delete_resource(resource uuid) RETURNS void
    AS 'MODULE_PATHNAME', 'resource_delete' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION share_acl.delete_resource(uuid) IS
    'delete a resource and everything below it (needs delete, or delete_own when the principal owns it, on each of them)';


CREATE FUNCTION share_acl._may_delete(actor uuid, r share_acl.resource) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT share_acl.has_access(actor, r.id, 'delete')
        OR (r.owner_id IS NOT DISTINCT FROM actor AND share_acl.has_access(actor, r.id, 'delete_own'))
$$;
COMMENT ON FUNCTION share_acl._may_delete(uuid, share_acl.resource) IS
    'internal: may the principal delete the resource (delete, or delete_own on its own)?';

CREATE FUNCTION share_acl.set_general_access(resource uuid, access share_acl.general_access)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(set_general_access.resource);
    r share_acl.resource;
    w share_acl.workspace;
    held share_acl.permset;     -- what the actor may pass on at the resource
    held_raw share_acl.permset; -- what it holds there
    reached uuid[];             -- the members the new general access reaches
    before share_acl.permset[]; -- what each held on the resource before
    gained share_acl.permset;
    missing share_acl.permset;
    needed share_acl.permset := CASE WHEN access = 'public' THEN 'make_public'
                                     ELSE 'change_permissions' END::share_acl.permset;
BEGIN
    IF resource IS NULL OR access IS NULL THEN
        RAISE EXCEPTION 'set_general_access: resource and access must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    r := share_acl._get_resource(resource);
    PERFORM share_acl._require(actor, resource, needed, 'set_general_access');
    -- under the structure lock (taken once not refused, before the row, for
    -- private too, as by every call that locks a resource's row: no wait for
    -- a row held by a call waiting for the structure), what it reaches below
    -- is walked (_passable), whether the access changes is decided by the row
    -- as its writer leaves it, and the caller is asked again after the wait
    IF actor IS NOT NULL THEN
        r := share_acl._structure_locked(resource, lock_row => true);
        PERFORM share_acl._require(actor, resource, needed, 'set_general_access');
    END IF;
    -- no escalation (R4 gives on R and below what sharing would): the
    -- members it reaches may gain only flags the actor holds on R
    IF actor IS NOT NULL AND access <> 'private' AND access <> r.general_access THEN
        w := share_acl._get_workspace(r.workspace_id);
        held_raw := coalesce(share_acl.effective_permissions(actor, resource), ''::share_acl.permset);
        held := share_acl._passable(actor, resource, held_raw);
        IF NOT held OPERATOR(share_acl.@>)
               ((CASE WHEN access = 'shared' THEN 'editor'::share_acl.permset ELSE w.public_access_level END)
                OPERATOR(share_acl.|)
                (CASE WHEN w.members_can_share THEN 'share' ELSE '' END)::share_acl.permset) THEN
            reached := ARRAY(SELECT m.principal_id FROM share_acl.member m
                              WHERE m.workspace_id = r.workspace_id
                                AND (m.role = 'admin' OR (access = 'public' AND m.role = 'member')));
            before := ARRAY(SELECT share_acl.effective_permissions(p, resource) FROM unnest(reached) p);
        END IF;
    END IF;
    UPDATE share_acl.resource x SET general_access = access WHERE x.id = set_general_access.resource;
    IF before IS NOT NULL THEN
        SELECT share_acl.permset_union(share_acl.effective_permissions(g.p, resource)
                                       OPERATOR(share_acl.-) coalesce(g.had, ''::share_acl.permset))
          INTO gained
          FROM unnest(reached, before) AS g(p, had);
        missing := coalesce(gained, ''::share_acl.permset) OPERATOR(share_acl.-) held;
        IF missing OPERATOR(share_acl.<>) ''::share_acl.permset THEN
            PERFORM share_acl._deny(set_general_access.resource,
                pg_catalog.format('permission denied: set_general_access requires "%s" on resource %s%s', missing, resource,
                                  share_acl._edit_own_only_cause(missing, held_raw OPERATOR(share_acl.-) held)),
                pg_catalog.format('General access %s would give these permissions on the resource to workspace members who do not have them yet; it may pass on only permissions the acting principal holds on it.', access));
        END IF;
    END IF;
END $$;
COMMENT ON FUNCTION share_acl.set_general_access(uuid, share_acl.general_access) IS
    'set a resource''s general access (public needs make_public, private and shared need change_permissions; the members it reaches may gain only what the actor holds on the resource)';

CREATE FUNCTION share_acl.set_restricted(resource uuid, restricted boolean) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(set_restricted.resource);
    r share_acl.resource;
    prior jsonb;
    exposure uuid[];
BEGIN
    IF resource IS NULL OR restricted IS NULL THEN
        RAISE EXCEPTION 'set_restricted: resource and restricted must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    r := share_acl._get_resource(resource);
    PERFORM share_acl._require(actor, resource, 'change_permissions', 'set_restricted');
    -- under the structure lock (taken once not refused, before the row, as
    -- by every call that locks a resource's row), decided by the row as its
    -- writer leaves it (a restriction being made meanwhile is lifted with
    -- the R14 check, not taken for none; a new owner), the caller asked again
    r := share_acl._structure_locked(resource, lock_row => true);
    PERFORM share_acl._require(actor, resource, 'change_permissions', 'set_restricted');
    -- R14: lifting a restriction lets everything above flow in again
    IF r.restricted AND NOT set_restricted.restricted THEN
        prior := share_acl._structure_before(actor, resource,
                     array_remove(ARRAY[r.parent_id], NULL)
                     || ARRAY(SELECT ci.collection_id FROM share_acl.collection_item ci
                               WHERE ci.resource_id = set_restricted.resource));
        exposure := share_acl._exposure_before(actor, resource);
    END IF;
    UPDATE share_acl.resource x SET restricted = set_restricted.restricted
     WHERE x.id = set_restricted.resource;
    PERFORM share_acl._structure_check(resource, prior, 'set_restricted');
    PERFORM share_acl._exposure_check(resource, exposure, 'set_restricted');
END $$;
COMMENT ON FUNCTION share_acl.set_restricted(uuid, boolean) IS
    'make a resource restricted (R8: nothing above it flows in) or not (needs change_permissions; lifting it may not give anyone on the resource what the actor does not hold, R14)';

-- A top-level project's guest AI (R9): while it is on, guests and outsiders
-- keep run_ai on what they reach in the project.  Turning it on needs
-- change_permissions and run_ai on the project, and run_ai wherever below it
-- a guest or outsider would gain it (what guests then gain, the actor
-- holds); off, change_permissions.  It takes the workspace's structure
-- lock, as set_general_access does: R14's guest run_ai check reads it.
CREATE FUNCTION share_acl.set_guest_ai(project uuid, enabled boolean) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(set_guest_ai.project);
    r share_acl.resource;
    bad uuid;
    needed share_acl.permset := CASE WHEN enabled THEN 'change_permissions,run_ai'
                                     ELSE 'change_permissions' END::share_acl.permset;
BEGIN
    IF project IS NULL OR enabled IS NULL THEN
        RAISE EXCEPTION 'set_guest_ai: project and enabled must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- (refused at once, before waiting for the structure lock; asked again after it)
    PERFORM share_acl._get_resource(project);
    PERFORM share_acl._require(actor, project, needed, 'set_guest_ai');
    r := share_acl._structure_locked(project, lock_row => true);
    PERFORM share_acl._require(actor, project, needed, 'set_guest_ai');
    -- (off is allowed on a nested project too: one moved under another keeps
    -- its flag, read again if it becomes top-level, and turning it off takes away)
    IF r.kind <> 'project' OR (r.parent_id IS NOT NULL AND enabled) THEN
        RAISE EXCEPTION 'resource % is not a top-level project: guest AI is turned on on top-level projects', project
            USING ERRCODE = 'wrong_object_type';
    END IF;
    UPDATE share_acl.resource x SET guest_ai_enabled = set_guest_ai.enabled
     WHERE x.id = set_guest_ai.project AND x.guest_ai_enabled IS DISTINCT FROM set_guest_ai.enabled;
    -- Below a restricted resource the actor's rights on the project do not
    -- reach (R8): a guest or outsider may not gain run_ai where the actor
    -- lacks it (the engine sees the UPDATE above).  Turning on what is on
    -- already gives nobody anything (FOUND: the UPDATE changed the row).
    IF enabled AND FOUND AND actor IS NOT NULL
       AND NOT coalesce(share_acl.effective_permissions(actor, project), ''::share_acl.permset)
               OPERATOR(share_acl.@>) 'full'::share_acl.permset
       AND EXISTS (SELECT 1 FROM share_acl.resource x WHERE x.workspace_id = r.workspace_id AND x.restricted) THEN
        SELECT p.resource INTO bad
          FROM share_acl._guest_pairs(r.workspace_id,
                   ARRAY(SELECT b FROM unnest(share_acl._below(project)) AS b
                          WHERE NOT coalesce(share_acl.has_access(actor, b, 'run_ai'), false))) AS p
         -- (with the switches open: guest access turned on again later gives it)
         WHERE share_acl._reach(p.guest, p.resource) OPERATOR(share_acl.@>) 'run_ai'::share_acl.permset
         LIMIT 1;
        IF bad IS NOT NULL THEN
            PERFORM share_acl._deny(project,
                pg_catalog.format('permission denied: set_guest_ai requires "run_ai" on resource %s', bad),
                'Turning guest AI on gives guests run_ai below the project, also on restricted resources the acting principal''s rights do not reach.',
                NULL);
        END IF;
    END IF;
END $$;
COMMENT ON FUNCTION share_acl.set_guest_ai(uuid, boolean) IS
    'turn a top-level project''s guest AI on (needs change_permissions and run_ai on it: guests and outsiders then keep run_ai there, R9) or off (change_permissions; also on a project moved under another, which keeps its flag)';

-- ---------------------------------------------------------------------------
-- Direct shares
-- ---------------------------------------------------------------------------

-- No escalation is checked on what the share grants, i.e. perms masked by the
-- allow_* options (R6).  allow_external_sharing = false refuses shares to
-- outsiders (persons without a role in the workspace, R2: an external
-- principal with a guest or viewer role is none); existing shares keep
-- working.  A trusted administrator without a principal is not
-- checked for permissions, but workspace policies apply to it too.
CREATE FUNCTION share_acl.share(resource uuid, grantee uuid, perms share_acl.permset,
                                expires_at timestamptz DEFAULT NULL,
                                allow_download boolean DEFAULT true,
                                allow_comments boolean DEFAULT true,
                                allow_approval boolean DEFAULT true,
                                allow_contribution boolean DEFAULT true)
RETURNS uuid
    AS 'MODULE_PATHNAME', 'share_create'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION share_acl.share(uuid, uuid, share_acl.permset, timestamptz,
                                    boolean, boolean, boolean, boolean) IS
    'share a resource with a user, external principal or team (needs share; grants only what the grantor holds, to a team it is in only what it holds through grants that do not end); returns the share id';

-- The e-mail is matched case-insensitively.  An unknown e-mail creates an
-- external principal with a guest role in the resource's workspace (refused
-- while allow_external_sharing is false); a known one is shared with as is.
CREATE FUNCTION share_acl.share_with_email(resource uuid, email text, perms share_acl.permset,
                                           expires_at timestamptz DEFAULT NULL,
                                           allow_download boolean DEFAULT true,
                                           allow_comments boolean DEFAULT true,
                                           allow_approval boolean DEFAULT true,
                                           allow_contribution boolean DEFAULT true)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(share_with_email.resource);
    r share_acl.resource;
    gid uuid;
BEGIN
    IF resource IS NULL OR email IS NULL OR perms IS NULL THEN
        RAISE EXCEPTION 'share_with_email: resource, email and perms must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM share_acl._check_email(email);
    r := share_acl._get_resource(resource);
    PERFORM share_acl._require(actor, resource, 'share', 'share_with_email');
    gid := share_acl._principal_for_email(r, email, 'share_with_email');
    -- (asked again in _share: finding the principal may have waited)
    RETURN share_acl._share('share_with_email', actor, resource, gid, perms, expires_at,
                            allow_download, allow_comments, allow_approval, allow_contribution);
END $$;
COMMENT ON FUNCTION share_acl.share_with_email(uuid, text, share_acl.permset, timestamptz,
                                               boolean, boolean, boolean, boolean) IS
    'share a resource with a person by e-mail, creating an external principal with a guest role when the e-mail is unknown; returns the share id';

-- Options left NULL keep their values.  To remove the expiry give
-- clear_expiry => true (with expires_at left NULL).  When the update widens
-- the grant (more flags, or a later or no expiry) it is new sharing: the
-- acting principal needs "share" on the resource, as share() does (a grantor
-- who may no longer share, by members_can_share or its role, may only narrow
-- the shares it made), and must hold every flag of the resulting grant (no
-- escalation); narrowing is always allowed to whoever may manage the share.
CREATE FUNCTION share_acl.update_share(share uuid, perms share_acl.permset DEFAULT NULL,
                                       expires_at timestamptz DEFAULT NULL,
                                       allow_download boolean DEFAULT NULL,
                                       allow_comments boolean DEFAULT NULL,
                                       allow_approval boolean DEFAULT NULL,
                                       allow_contribution boolean DEFAULT NULL,
                                       clear_expiry boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor((SELECT s.resource_id FROM share_acl.share s WHERE s.id = update_share.share));
    s share_acl.share;
    n share_acl.share;
    old_grant share_acl.permset;
    new_grant share_acl.permset;
    ws share_acl.workspace;
    outsider uuid;
BEGIN
    IF share IS NULL OR clear_expiry IS NULL THEN
        RAISE EXCEPTION 'update_share: share and clear_expiry must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- (the caller is checked on the share as it is before its row is
    -- locked, and again once it is: a refused caller holds nothing)
    FOR locked IN 0 .. 1 LOOP
        IF locked = 0 THEN
            SELECT * INTO s FROM share_acl.share x WHERE x.id = update_share.share;
        ELSE
            SELECT * INTO s FROM share_acl.share x WHERE x.id = update_share.share FOR UPDATE;
        END IF;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'share % does not exist', share USING ERRCODE = 'no_data_found';
        END IF;
        IF locked = 1 THEN
            -- (asked as the row's writer left it, and the caller's rights)
            PERFORM share_acl._see_committed();
        END IF;
        PERFORM share_acl._require_manager(actor, s.resource_id, s.granted_by, 'grantor of share ' || s.id,
                                           'update_share');
    END LOOP;
    IF clear_expiry AND expires_at IS NOT NULL THEN
        RAISE EXCEPTION 'update_share: give expires_at or clear_expiry, not both'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF expires_at <= greatest(pg_catalog.statement_timestamp(), pg_catalog.now()) THEN
        RAISE EXCEPTION 'update_share: expires_at % is not in the future', expires_at
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use share_acl.unshare() to end a share now.';
    END IF;
    n := s;
    n.perms := coalesce(perms, s.perms);
    -- ('infinity': never, stored as none, as share() stores it)
    n.expires_at := CASE WHEN clear_expiry THEN NULL
                         ELSE nullif(coalesce(expires_at, s.expires_at), 'infinity'::timestamptz) END;
    n.allow_download := coalesce(allow_download, s.allow_download);
    n.allow_comments := coalesce(allow_comments, s.allow_comments);
    n.allow_approval := coalesce(allow_approval, s.allow_approval);
    n.allow_contribution := coalesce(allow_contribution, s.allow_contribution);
    old_grant := share_acl._share_mask(s.perms, s.allow_download, s.allow_comments,
                                       s.allow_approval, s.allow_contribution);
    new_grant := share_acl._share_mask(n.perms, n.allow_download, n.allow_comments,
                                       n.allow_approval, n.allow_contribution);
    IF new_grant OPERATOR(share_acl.=) ''::share_acl.permset THEN
        RAISE EXCEPTION 'update_share: the share would grant nothing'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use share_acl.unshare() to remove a share.';
    END IF;
    IF NOT (new_grant OPERATOR(share_acl.<@) old_grant)
       OR (s.expires_at IS NOT NULL AND (n.expires_at IS NULL OR n.expires_at > s.expires_at)) THEN
        -- widening a share one receives (oneself, or a team one is in, nested
        -- too): the actor may hold the flags through this very share, so no
        -- escalation check would stop it, and the grant would outlive what
        -- the grantor gave (share() refuses a share to oneself likewise)
        IF actor IS NOT NULL AND (s.grantee_id = actor OR share_acl._in_team(actor, s.grantee_id)) THEN
            RAISE EXCEPTION 'update_share: a principal cannot widen a share it receives'
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'More permissions, a later expiry or none would keep what the share gives past what the grantor gave; its grantee, or a member of the team it goes to, may only narrow it.';
        END IF;
        -- a wider share to an outsider is new external sharing: the policy
        -- that applies at creation applies to it too (narrowing stays free);
        -- the caller is asked again once the policies are held
        ws := share_acl._get_policies((SELECT r.workspace_id FROM share_acl.resource r WHERE r.id = s.resource_id));
        PERFORM share_acl._require_manager(actor, s.resource_id, s.granted_by, 'grantor of share ' || s.id,
                                           'update_share');
        PERFORM share_acl._require(actor, s.resource_id, 'share', 'update_share');
        PERFORM share_acl._no_escalation(actor, s.resource_id, new_grant, 'update_share');
        IF NOT ws.allow_external_sharing THEN
            outsider := share_acl._outsider_in(s.grantee_id, ws.id);
            IF outsider IS NOT NULL THEN
                PERFORM share_acl._deny(s.resource_id,
                    pg_catalog.format('permission denied: the workspace policy allow_external_sharing forbids widening a share with %s%s',
                                      share_acl._outsider_label(outsider),
                                      CASE WHEN outsider <> s.grantee_id
                                           THEN pg_catalog.format(' (a member of team %s)', s.grantee_id) ELSE '' END),
                    NULL, 'While allow_external_sharing is false, shares reaching outsiders (principals without a role in the workspace) keep working but may only be narrowed.');
            END IF;
        END IF;
    END IF;
    UPDATE share_acl.share x
       SET perms = n.perms, expires_at = n.expires_at,
           allow_download = n.allow_download, allow_comments = n.allow_comments,
           allow_approval = n.allow_approval, allow_contribution = n.allow_contribution
     WHERE x.id = s.id;
END $$;
COMMENT ON FUNCTION share_acl.update_share(uuid, share_acl.permset, timestamptz,
                                           boolean, boolean, boolean, boolean, boolean) IS
    'change a share (needs change_permissions on its resource, or being its grantor; widening it, share on the resource and every flag of the result); NULL options keep their values, clear_expiry => true removes the expiry';

CREATE FUNCTION share_acl.unshare(share uuid) RETURNS void
    AS 'MODULE_PATHNAME', 'share_remove'
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION share_acl.unshare(uuid) IS
    'remove a share (needs change_permissions on its resource, or being its grantor)';

-- ---------------------------------------------------------------------------
-- Ownership
-- ---------------------------------------------------------------------------

-- Only the owner holds transfer_ownership on the workspace (R12).  The new
-- owner must already be an internal member (admin or member) of the workspace;
-- the old owner becomes admin.
CREATE FUNCTION share_acl.transfer_ownership(workspace uuid, new_owner uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(transfer_ownership.workspace);
    cur share_acl.workspace_role;
    p share_acl.principal;
BEGIN
    IF workspace IS NULL OR new_owner IS NULL THEN
        RAISE EXCEPTION 'transfer_ownership: workspace and new_owner must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM share_acl._get_workspace(workspace);
    p := share_acl._get_principal(new_owner);
    PERFORM share_acl._require(actor, workspace, 'transfer_ownership', 'transfer_ownership');
    -- one transfer at a time: the owner's row and the new owner's, in id
    -- order; then what committed meanwhile decides (a concurrent transfer
    -- made the actor an admin: refused, not a duplicate owner; a concurrent
    -- remove_member took the new owner's role: refused).  In REPEATABLE READ
    -- a row changed meanwhile is a serialization failure.
    PERFORM 1 FROM share_acl.member m
     WHERE m.workspace_id = transfer_ownership.workspace
       AND (m.role = 'owner' OR m.principal_id = new_owner)
     ORDER BY m.principal_id FOR UPDATE;
    PERFORM share_acl._see_committed();
    PERFORM share_acl._require(actor, workspace, 'transfer_ownership', 'transfer_ownership');
    cur := share_acl._role(workspace, new_owner);
    IF cur = 'owner' THEN
        RAISE EXCEPTION 'principal % already owns workspace %', new_owner, workspace
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p.kind = 'team' THEN
        RAISE EXCEPTION 'a team cannot own a workspace'
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'The new owner is a user who is an admin or member of the workspace.';
    END IF;
    IF cur IS NULL OR cur NOT IN ('admin', 'member') THEN
        RAISE EXCEPTION 'the new owner must already be an admin or member of workspace %', workspace
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = CASE WHEN cur IS NULL THEN format('principal %s is not a member of the workspace', new_owner)
                                ELSE format('principal %s has role %s', new_owner, cur) END;
    END IF;
    -- demote first: the unique index allows one owner at a time
    UPDATE share_acl.member m SET role = 'admin'
     WHERE m.workspace_id = transfer_ownership.workspace AND m.role = 'owner';
    UPDATE share_acl.member m SET role = 'owner'
     WHERE m.workspace_id = transfer_ownership.workspace AND m.principal_id = new_owner;
END $$;
COMMENT ON FUNCTION share_acl.transfer_ownership(uuid, uuid) IS
    'make an admin or member the owner of the workspace; the old owner becomes admin (owner only)';

-- The new owner of a resource must be a person with a role in its workspace
-- (ownership counts only then, R10).
CREATE FUNCTION share_acl.transfer_resource_ownership(resource uuid, new_owner uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(transfer_resource_ownership.resource);
    r share_acl.resource;
    p share_acl.principal;
BEGIN
    IF resource IS NULL OR new_owner IS NULL THEN
        RAISE EXCEPTION 'transfer_resource_ownership: resource and new_owner must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    r := share_acl._get_resource(resource);
    p := share_acl._get_principal(new_owner);
    PERFORM share_acl._require(actor, r.workspace_id, 'transfer_ownership', 'transfer_resource_ownership');
    -- (the structure lock, then the row as its writer leaves it, and the
    -- caller asked again)
    r := share_acl._structure_locked(resource, lock_row => true);
    PERFORM share_acl._require(actor, r.workspace_id, 'transfer_ownership', 'transfer_resource_ownership');
    IF p.kind = 'team' THEN
        RAISE EXCEPTION 'a team cannot own a resource' USING ERRCODE = 'wrong_object_type';
    END IF;
    IF share_acl._role(r.workspace_id, new_owner) IS NULL THEN
        RAISE EXCEPTION 'principal % has no role in the workspace of resource %', new_owner, resource
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE share_acl.resource x SET owner_id = new_owner WHERE x.id = transfer_resource_ownership.resource;
    IF NOT FOUND THEN           -- deleted by a transaction that committed meanwhile
        RAISE EXCEPTION 'resource % does not exist', resource USING ERRCODE = 'no_data_found';
    END IF;
END $$;
COMMENT ON FUNCTION share_acl.transfer_resource_ownership(uuid, uuid) IS
    'give a resource a new owner among the workspace''s people (workspace owner only)';

-- ---------------------------------------------------------------------------
-- Promotion requests
-- ---------------------------------------------------------------------------

-- A viewer may ask for guest or member, a guest for member; an external
-- principal cannot become a member (22023).  Anyone else is refused (42501).
-- A request lives as long as the membership it was made in: remove_member
-- rejects it.  So the role is asked again with the asker's member row locked
-- FOR KEY SHARE (which only its deletion waits for): a removal in flight
-- commits first and the asker then has no role (42501; in REPEATABLE READ a
-- serialization failure), or it waits for this request and rejects it.  The
-- workspace's and the principal's rows are locked first, as their deletes
-- lock them before they cascade to the member row.
CREATE FUNCTION share_acl.request_promotion(workspace uuid, role share_acl.workspace_role)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(request_promotion.workspace);
    cur share_acl.workspace_role;
    k share_acl.principal_kind;
    rid uuid;
BEGIN
    IF actor IS NULL THEN
        PERFORM share_acl._deny(request_promotion.workspace,
            'permission denied: request_promotion needs a principal (the person asking)');
    END IF;
    IF workspace IS NULL OR role IS NULL THEN
        RAISE EXCEPTION 'request_promotion: workspace and role must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM share_acl._get_workspace(workspace);
    -- (asked first as it is, so that a refused caller waits for no lock)
    FOR pass IN 1 .. 2 LOOP
        IF pass = 1 THEN
            cur := share_acl._role(workspace, actor);
        ELSE
            PERFORM 1 FROM share_acl.workspace w WHERE w.id = request_promotion.workspace FOR KEY SHARE;
            PERFORM 1 FROM share_acl.principal p WHERE p.id = actor FOR KEY SHARE;
            SELECT m.role INTO cur FROM share_acl.member m
             WHERE m.workspace_id = request_promotion.workspace AND m.principal_id = actor
               FOR KEY SHARE;
        END IF;
        IF cur IS NULL OR cur NOT IN ('viewer', 'guest') THEN
            PERFORM share_acl._deny(request_promotion.workspace,
                pg_catalog.format('permission denied: request_promotion is for viewers and guests of workspace %s', workspace));
        END IF;
        IF NOT ((cur = 'viewer' AND role IN ('guest', 'member')) OR (cur = 'guest' AND role = 'member')) THEN
            RAISE EXCEPTION 'a % may request only %', cur,
                            CASE cur WHEN 'viewer' THEN 'guest or member' ELSE 'member' END
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        EXIT WHEN pass = 2;
        SELECT p.kind INTO k FROM share_acl.principal p WHERE p.id = actor;
        IF k = 'external' AND role = 'member' THEN
            RAISE EXCEPTION 'an external principal cannot become a member'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF EXISTS (SELECT 1 FROM share_acl.promotion_request q
                    WHERE q.workspace_id = request_promotion.workspace AND q.principal_id = actor
                      AND q.status = 'pending') THEN
            RAISE EXCEPTION 'a promotion request of principal % is already pending in workspace %', actor, workspace
                USING ERRCODE = 'unique_violation';
        END IF;
    END LOOP;
    -- (a concurrent request of the same principal: the unique index decides)
    INSERT INTO share_acl.promotion_request AS q (workspace_id, principal_id, role)
    VALUES (workspace, actor, role)
    ON CONFLICT (workspace_id, principal_id) WHERE status = 'pending' DO NOTHING
    RETURNING q.id INTO rid;
    IF rid IS NULL THEN
        RAISE EXCEPTION 'a promotion request of principal % is already pending in workspace %', actor, workspace
            USING ERRCODE = 'unique_violation';
    END IF;
    -- those who decide: the owner and the admins (manage_members)
    PERFORM share_acl._notify(ARRAY(SELECT m.principal_id FROM share_acl.member m
                                     WHERE m.workspace_id = request_promotion.workspace
                                       AND m.role IN ('owner', 'admin')),
                              'promotion_requested', NULL,
                              pg_catalog.jsonb_build_object('request_id', rid, 'by', actor, 'role', role),
                              request_promotion.workspace);
    RETURN rid;
END $$;
COMMENT ON FUNCTION share_acl.request_promotion(uuid, share_acl.workspace_role) IS
    'ask for a higher role (a viewer: guest or member; a guest: member); returns the request id';

-- Approving applies the role; a request whose principal is no longer a viewer
-- or guest can only be rejected (55000 otherwise).  An approval locks the
-- person's member row before the request's row, as remove_member (which
-- rejects the request) and the cascades of an administrator's DELETE of the
-- person or the workspace do: one waits for the other, none deadlocks.
CREATE FUNCTION share_acl.decide_promotion(request uuid, approve boolean) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor((SELECT q.workspace_id FROM share_acl.promotion_request q WHERE q.id = decide_promotion.request));
    q share_acl.promotion_request;
    cur share_acl.workspace_role;
BEGIN
    IF request IS NULL OR approve IS NULL THEN
        RAISE EXCEPTION 'decide_promotion: request and approve must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- (the caller is checked on the request as it is before its row is
    -- locked, and again once it is: a refused caller holds nothing)
    FOR locked IN 0 .. 1 LOOP
        IF locked = 0 THEN
            SELECT * INTO q FROM share_acl.promotion_request x WHERE x.id = decide_promotion.request;
        ELSE
            -- (first the rows an administrator's DELETE of the workspace or
            -- the person locks before its cascade reaches their member and
            -- request rows, and which this call's writes then lock for
            -- their foreign keys: a delete in flight is waited for holding
            -- nothing; the request's workspace and principal never change)
            PERFORM 1 FROM share_acl.workspace w WHERE w.id = q.workspace_id FOR KEY SHARE;
            PERFORM 1 FROM share_acl.principal p WHERE p.id = q.principal_id FOR KEY SHARE;
            IF approve THEN
                -- (locked: a set_role or remove_member of that person in
                -- flight is waited for and its role seen, in REPEATABLE
                -- READ a serialization failure)
                cur := share_acl._role_locked(q.workspace_id, q.principal_id);
            END IF;
            SELECT * INTO q FROM share_acl.promotion_request x WHERE x.id = decide_promotion.request
               FOR UPDATE;
        END IF;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'promotion request % does not exist', request USING ERRCODE = 'no_data_found';
        END IF;
        IF locked = 1 THEN
            -- (asked as the rows' writers left them, and the caller's
            -- rights: the locks may have waited for a change of its role)
            PERFORM share_acl._see_committed();
        END IF;
        PERFORM share_acl._require(actor, q.workspace_id, 'manage_members', 'decide_promotion');
    END LOOP;
    IF q.status <> 'pending' THEN
        RAISE EXCEPTION 'promotion request % is already %', request, q.status
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF approve THEN
        IF cur IS NULL OR cur NOT IN ('viewer', 'guest') THEN
            RAISE EXCEPTION 'principal % is no longer a viewer or guest of workspace %', q.principal_id, q.workspace_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Reject the request instead.';
        END IF;
        UPDATE share_acl.member m SET role = q.role
         WHERE m.workspace_id = q.workspace_id AND m.principal_id = q.principal_id;
    END IF;
    UPDATE share_acl.promotion_request x
       SET status = CASE WHEN approve THEN 'approved' ELSE 'rejected' END,
           decided_by = actor, decided_at = now()
     WHERE x.id = q.id;
    PERFORM share_acl._notify(ARRAY[q.principal_id], 'promotion_decided', NULL,
        pg_catalog.jsonb_build_object('request_id', q.id, 'role', q.role, 'approved', approve, 'by', actor),
        q.workspace_id);
END $$;
COMMENT ON FUNCTION share_acl.decide_promotion(uuid, boolean) IS
    'approve (and apply the role) or reject a pending promotion request (needs manage_members)';

-- ---------------------------------------------------------------------------
-- Workspace policies
-- ---------------------------------------------------------------------------

-- Names are matched case-insensitively.  Boolean policies take any boolean
-- text (true/false, on/off, yes/no, 1/0); public_access_level a permset text;
-- default_link_expiry a positive interval of at most 100 years or 'none'.  Anything else is 22023.
CREATE FUNCTION share_acl.set_workspace_policy(workspace uuid, name text, value text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(set_workspace_policy.workspace);
    -- (ASCII letters folded alone: lower() follows the database's collation,
    -- which in Turkish makes I a dotless i)
    pol text := translate(btrim(name), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
    b boolean;
    i interval;
    expiry timestamptz;
    ps share_acl.permset;
    added share_acl.permset;    -- what a raised public_access_level adds
    missing share_acl.permset;
    public_resource uuid;
BEGIN
    IF workspace IS NULL OR name IS NULL OR value IS NULL THEN
        RAISE EXCEPTION 'set_workspace_policy: workspace, name and value must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM share_acl._get_workspace(workspace);
    PERFORM share_acl._require(actor, workspace, 'manage_settings', 'set_workspace_policy');
    -- the value first, as every refusal that does not depend on the
    -- workspace's state: it waits for no lock
    IF pol IN ('allow_external_sharing', 'require_link_password', 'allow_guest_uploads',
               'track_external_views', 'guest_access_enabled', 'members_can_share',
               'member_edit_own_only') THEN
        BEGIN
            b := btrim(value)::boolean;
        EXCEPTION WHEN data_exception THEN
            RAISE EXCEPTION 'invalid value for workspace policy %: "%"', pol, left(value, 100)
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Give true or false.';
        END;
    ELSIF pol = 'default_link_expiry' THEN
        IF translate(btrim(value), 'NOE', 'noe') = 'none' THEN
            i := NULL;
        ELSE
            BEGIN
                i := value::interval;
            EXCEPTION WHEN data_exception THEN
                RAISE EXCEPTION 'invalid value for workspace policy default_link_expiry: "%"', left(value, 100)
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Give a positive interval such as ''7 days'', or ''none''.';
            END;
            -- a link's expiry is now() plus it, which must be ahead on every
            -- day: an interval of months, days and time of both signs is
            -- refused ('1 mon -29 days' is ahead today but behind on 31
            -- January, when every create_link would fail)
            IF extract(month FROM i) < 0 OR extract(year FROM i) < 0 OR extract(day FROM i) < 0
               OR extract(epoch FROM i - date_trunc('day', i)) < 0 THEN
                RAISE EXCEPTION 'invalid value for workspace policy default_link_expiry: "%" has a negative part', left(value, 100)
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Give a positive interval such as ''7 days'', or ''none''.';
            END IF;
            -- judged by that expiry too, which must be within the timestamp
            -- range
            BEGIN
                expiry := share_acl._utc_plus(now(), i);
            EXCEPTION WHEN datetime_field_overflow THEN
                expiry := 'infinity';
            END;
            IF i <= interval '0' OR expiry <= now() THEN
                RAISE EXCEPTION 'invalid value for workspace policy default_link_expiry: "%" is not positive', left(value, 100)
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Give a positive interval such as ''7 days'', or ''none''.';
            END IF;
            -- (years of 365.25 days: compared as intervals, a month is 30
            -- days and '36001 days', under 99 years, would be more)
            IF extract(epoch FROM i) > extract(epoch FROM interval '100 years')
               OR expiry > share_acl._utc_plus(now(), interval '100 years') THEN
                RAISE EXCEPTION 'invalid value for workspace policy default_link_expiry: "%" is more than 100 years', left(value, 100)
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Give a positive interval of at most 100 years, or ''none'' for links without an expiry.';
            END IF;
        END IF;
    ELSIF pol = 'public_access_level' THEN
        BEGIN
            ps := value::share_acl.permset;
        EXCEPTION WHEN data_exception THEN
            RAISE EXCEPTION 'invalid value for workspace policy public_access_level: "%"', left(value, 100)
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Give a permission set such as ''viewer'' or ''view,comment''.';
        END;
    ELSE
        RAISE EXCEPTION 'unknown workspace policy "%"', left(name, 100)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Valid policies: allow_external_sharing, require_link_password, default_link_expiry, allow_guest_uploads, track_external_views, guest_access_enabled, public_access_level, members_can_share, member_edit_own_only.';
    END IF;
    -- every policy under the workspace's structure lock, with the
    -- workspace's row locked, the two taken together (_lock_structure_with:
    -- a transaction that made a link holds the row shared and may be
    -- waiting for the structure lock): a raise of public_access_level checks
    -- the public resources under it (below).  Turning external sharing off
    -- in REPEATABLE READ: a link or share made by a transaction this one
    -- does not see would escape its later filings' checks (_exposure_check);
    -- asked before the row is locked, which makes it this transaction's own
    PERFORM share_acl._lock_structure_with(workspace, NULL, pol = 'allow_external_sharing' AND NOT b);
    PERFORM share_acl._see_committed();
    -- (asked again: the locks may have waited for a change of the caller's role)
    PERFORM share_acl._require(actor, workspace, 'manage_settings', 'set_workspace_policy');
    IF pol = 'default_link_expiry' THEN
        UPDATE share_acl.workspace w SET default_link_expiry = i WHERE w.id = set_workspace_policy.workspace;
    ELSIF pol = 'public_access_level' THEN
        -- no escalation (R4 gives on every public resource and below what
        -- sharing would): a raised level may add, on each public resource,
        -- only flags the actor holds there (the owner holds everything).
        -- Under the workspace's structure lock (above), as
        -- set_general_access: a resource made public meanwhile is among those
        -- checked, or that call waits for this one and checks against the
        -- new level.
        IF actor IS NOT NULL THEN
            added := ps OPERATOR(share_acl.-)
                     ((SELECT w.public_access_level FROM share_acl.workspace w
                        WHERE w.id = set_workspace_policy.workspace)
                      OPERATOR(share_acl.|) 'transfer_ownership,delete_space'::share_acl.permset);
            IF added OPERATOR(share_acl.<>) ''::share_acl.permset THEN
                SELECT r.id, added OPERATOR(share_acl.-) h.held
                  INTO public_resource, missing
                  FROM share_acl.resource r
                 CROSS JOIN LATERAL (SELECT coalesce(share_acl.effective_permissions(actor, r.id),
                                                     ''::share_acl.permset) AS held) h
                 WHERE r.workspace_id = set_workspace_policy.workspace AND r.general_access = 'public'
                   AND NOT h.held OPERATOR(share_acl.@>) added
                 ORDER BY r.id LIMIT 1;
                IF FOUND THEN
                    PERFORM share_acl._deny(set_workspace_policy.workspace,
                        pg_catalog.format('permission denied: public_access_level %s requires "%s" on public resource %s',
                                          ps, missing, public_resource),
                        'A public access level gives its permissions to every member on each public resource; it may add only permissions the acting principal holds on each of them.');
                END IF;
            END IF;
        END IF;
        UPDATE share_acl.workspace w SET public_access_level = ps WHERE w.id = set_workspace_policy.workspace;
    ELSE
        EXECUTE format('UPDATE share_acl.workspace SET %I = $1 WHERE id = $2', pol) USING b, workspace;
    END IF;
END $$;
COMMENT ON FUNCTION share_acl.set_workspace_policy(uuid, text, text) IS
    'set a workspace sharing policy of SPEC section 6 from its text value (needs manage_settings on the workspace)';
