-- test/reference/model.sql — a slow, plain reference model of SPEC §3 (R1–R12,
-- without links), used only by the tests to check the C engine.
--
-- It reads the share_acl model tables and follows each rule literally, one
-- step at a time, in the order of the specification.  Clarity over speed:
-- every function re-reads what it needs, nothing is cached.
--
-- Where the specification is silent, it follows the project's decisions:
--   * a team asking has E = ∅ (teams do not act);
--   * an external principal with an internal role is treated as a guest;
--   * R3 (guest access disabled) empties E for guests and outsiders (no
--     role); viewers are not affected;
--   * R10 ownership counts only when the owner has a role in the workspace;
--     it gives `full`, which R9 then caps;
--   * R11 is applied before the R9 caps; member_edit_own_only compares the
--     resource's own owner_id with the principal;
--   * anc(R): R, its parent chain and the collections holding any of them,
--     recursively; at a restricted resource X, X itself counts (its general
--     access, shares and owner) but nothing above X does;
--   * a share is expired when expires_at <= greatest(statement_timestamp(),
--     now()) (the statement's start, or the transaction's when later, as in
--     a procedure that commits: as the engine judges it);
--   * the "enclosing project" of R9 is the top-level project reached through
--     parent_id (collections are not followed).
--
-- Entry point: share_acl_ref.effective_permissions(p uuid, r uuid), where r is
-- a resource id or a workspace id (R12).  Unknown ids give the empty set;
-- NULL arguments give NULL.

CREATE SCHEMA IF NOT EXISTS share_acl_ref;

-- teams(P): every team containing P directly or through nested teams.
CREATE OR REPLACE FUNCTION share_acl_ref.teams_of(p uuid)
RETURNS SETOF uuid
LANGUAGE sql STABLE STRICT
AS $$
    WITH RECURSIVE t(id) AS (
        SELECT tm.team_id
          FROM share_acl.team_member tm
         WHERE tm.member_id = p
        UNION
        SELECT tm.team_id
          FROM share_acl.team_member tm
          JOIN t ON tm.member_id = t.id
    )
    SELECT id FROM t
$$;

-- anc(R): R itself, then, for every resource X already in the set that is
-- not restricted, X's parent and every collection holding X.
CREATE OR REPLACE FUNCTION share_acl_ref.ancestors(r uuid)
RETURNS SETOF uuid
LANGUAGE sql STABLE STRICT
AS $$
    WITH RECURSIVE a(id) AS (
        SELECT x.id FROM share_acl.resource x WHERE x.id = r
        UNION
        SELECT up.id
          FROM a
          JOIN share_acl.resource x ON x.id = a.id
          CROSS JOIN LATERAL (
                SELECT x.parent_id AS id
                UNION ALL
                SELECT ci.collection_id
                  FROM share_acl.collection_item ci
                 WHERE ci.resource_id = x.id
          ) up
         WHERE NOT x.restricted          -- R8: nothing above a restricted resource
           AND up.id IS NOT NULL
    )
    SELECT id FROM a
$$;

-- The top-level project above R through parent_id (R itself when it is one).
CREATE OR REPLACE FUNCTION share_acl_ref.enclosing_project(r uuid)
RETURNS uuid
LANGUAGE sql STABLE STRICT
AS $$
    WITH RECURSIVE up(id, parent_id) AS (
        SELECT x.id, x.parent_id FROM share_acl.resource x WHERE x.id = r
        UNION
        SELECT x.id, x.parent_id
          FROM up JOIN share_acl.resource x ON x.id = up.parent_id
    )
    SELECT id FROM up WHERE parent_id IS NULL
$$;

-- P's role in W, with the rule that an external person is never internal.
CREATE OR REPLACE FUNCTION share_acl_ref.role_of(p uuid, w uuid)
RETURNS share_acl.workspace_role
LANGUAGE sql STABLE STRICT
AS $$
    SELECT CASE
             WHEN pr.kind = 'external' AND m.role IN ('owner', 'admin', 'member')
               THEN 'guest'::share_acl.workspace_role
             ELSE m.role
           END
      FROM share_acl.member m
      JOIN share_acl.principal pr ON pr.id = m.principal_id
     WHERE m.workspace_id = w AND m.principal_id = p
$$;

-- R6: a share's permset masked by its toggles.
CREATE OR REPLACE FUNCTION share_acl_ref.mask(perms share_acl.permset,
                                              allow_download boolean,
                                              allow_comments boolean,
                                              allow_approval boolean,
                                              allow_contribution boolean)
RETURNS share_acl.permset
LANGUAGE plpgsql IMMUTABLE STRICT
SET search_path = share_acl, pg_catalog
AS $$
DECLARE
    m permset := perms;
BEGIN
    IF NOT allow_download THEN
        m := m - 'download'::permset;
    END IF;
    IF NOT allow_comments THEN
        m := m - 'comment,annotate,react'::permset;
    END IF;
    IF NOT allow_approval THEN
        m := m - 'approve'::permset;
    END IF;
    IF NOT allow_contribution THEN
        m := m - 'upload,edit,rename,move,copy,delete_own,delete'::permset;
    END IF;
    RETURN m;
END
$$;

-- R12: permissions on the workspace itself.
CREATE OR REPLACE FUNCTION share_acl_ref.workspace_permissions(p uuid, w uuid)
RETURNS share_acl.permset
LANGUAGE plpgsql STABLE STRICT
SET search_path = share_acl, pg_catalog
AS $$
DECLARE
    ws      workspace;
    p_kind  principal_kind;
    p_role  workspace_role;
BEGIN
    SELECT * INTO ws FROM workspace WHERE id = w;
    IF NOT FOUND THEN
        RETURN ''::permset;
    END IF;
    SELECT kind INTO p_kind FROM principal WHERE id = p;
    IF NOT FOUND OR p_kind = 'team' THEN
        RETURN ''::permset;                     -- unknown, or a team: teams do not act
    END IF;
    p_role := share_acl_ref.role_of(p, w);
    RETURN CASE p_role
        WHEN 'owner'  THEN 'full'::permset
        WHEN 'admin'  THEN 'manage_members,manage_collections,manage_settings,view_audit,share,upload,view'::permset
        WHEN 'member' THEN 'upload,share,view'::permset
        WHEN 'guest'  THEN CASE WHEN ws.guest_access_enabled THEN 'view'::permset ELSE ''::permset END
        WHEN 'viewer' THEN 'view'::permset
        ELSE ''::permset                        -- no role in W
    END;
END
$$;

-- E(P, R) of SPEC §3 for a resource or (R12) a workspace.
CREATE OR REPLACE FUNCTION share_acl_ref.effective_permissions(p uuid, r uuid)
RETURNS share_acl.permset
LANGUAGE plpgsql STABLE STRICT
SET search_path = share_acl, pg_catalog
AS $$
DECLARE
    p_kind   principal_kind;
    res      resource;
    ws       workspace;
    p_role   workspace_role;
    internal boolean;       -- owner, admin or member
    guestish boolean;       -- guest, or no role at all (R2: treated as a guest)
    e        permset := ''::permset;
    a        resource;
    s        share;
    rv       review_reviewer;
    proj     resource;
    anc      uuid[];        -- anc(R)
    my_teams uuid[];        -- teams(P)
BEGIN
    -- R12: the id of a workspace
    IF EXISTS (SELECT 1 FROM workspace WHERE id = r) THEN
        RETURN share_acl_ref.workspace_permissions(p, r);
    END IF;

    SELECT * INTO res FROM resource WHERE id = r;
    IF NOT FOUND THEN
        RETURN ''::permset;                     -- unknown resource
    END IF;
    SELECT kind INTO p_kind FROM principal WHERE id = p;
    IF NOT FOUND OR p_kind = 'team' THEN
        RETURN ''::permset;                     -- unknown principal, or a team
    END IF;
    SELECT * INTO ws FROM workspace WHERE id = res.workspace_id;

    p_role   := share_acl_ref.role_of(p, ws.id);          -- NULL: an outsider (R2)
    internal := p_role IN ('owner', 'admin', 'member');
    internal := coalesce(internal, false);
    guestish := p_role IS NULL OR p_role = 'guest';
    anc      := ARRAY(SELECT share_acl_ref.ancestors(r));
    my_teams := ARRAY(SELECT share_acl_ref.teams_of(p));

    -- R1: the workspace owner has everything; nothing else applies.
    IF p_role = 'owner' THEN
        RETURN 'full'::permset;
    END IF;

    -- R3: guest access disabled empties E for guests and outsiders.
    IF guestish AND NOT ws.guest_access_enabled THEN
        RETURN ''::permset;
    END IF;

    -- R4: general access of every A in anc(R), for internal members only.
    IF internal THEN
        FOR a IN SELECT x.* FROM resource x WHERE x.id = ANY (anc)
        LOOP
            IF a.general_access = 'public' THEN
                e := e | ws.public_access_level;
            ELSIF a.general_access = 'shared' AND p_role = 'admin' THEN
                e := e | 'editor'::permset;
            END IF;
        END LOOP;
    END IF;

    -- R5 + R6: unexpired shares on anc(R) to P or to a team of P, each masked.
    FOR s IN SELECT sh.* FROM share sh
              WHERE sh.resource_id = ANY (anc)
                AND (sh.grantee_id = p OR sh.grantee_id = ANY (my_teams))
                AND (sh.expires_at IS NULL OR sh.expires_at > greatest(statement_timestamp(), now()))
    LOOP
        e := e | share_acl_ref.mask(s.perms, s.allow_download, s.allow_comments,
                                    s.allow_approval, s.allow_contribution);
    END LOOP;

    -- Reviews (SPEC §8): the grant of an open review on anc(R) to P or a team
    -- of P, as a share's, until its due time when it closes at it.
    FOR rv IN SELECT rr.* FROM review_reviewer rr
               WHERE rr.resource_id = ANY (anc) AND rr.active
                 AND (rr.reviewer_id = p OR rr.reviewer_id = ANY (my_teams))
                 AND (rr.expires_at IS NULL OR rr.expires_at > greatest(statement_timestamp(), now()))
    LOOP
        e := e | rv.perms;
    END LOOP;

    -- R10: the owner of any A in anc(R) gets full, if it has a role in W (R2).
    IF p_role IS NOT NULL AND EXISTS (
            SELECT 1 FROM resource x WHERE x.id = ANY (anc) AND x.owner_id = p)
    THEN
        e := e | 'full'::permset;
    END IF;

    -- R11: internal members may share what they can view (before the caps).
    IF internal AND ws.members_can_share AND e @> 'view'::permset THEN
        e := e | 'share'::permset;
    END IF;

    -- R9: role caps, last.
    IF p_role = 'admin' THEN
        e := e - 'transfer_ownership,delete_space'::permset;
    ELSIF p_role = 'member' THEN
        e := e - 'make_public,transfer_ownership,delete_space,manage_settings'::permset;
        IF ws.member_edit_own_only AND res.owner_id IS DISTINCT FROM p THEN
            e := e - 'edit,rename,move,delete'::permset;
        END IF;
    ELSIF p_role = 'viewer' THEN
        e := e & 'viewer,comment,annotate,download'::permset;
    ELSE
        -- a guest, or an outsider (R2)
        e := e - ('share,manage_members,change_permissions,make_public,'
                  'manage_settings,view_audit,transfer_ownership,delete_space')::permset;
        SELECT * INTO proj FROM resource
         WHERE id = share_acl_ref.enclosing_project(r);
        IF NOT coalesce(proj.guest_ai_enabled, false) THEN
            e := e - 'run_ai'::permset;
        END IF;
        IF NOT ws.allow_guest_uploads THEN
            e := e - 'upload'::permset;
        END IF;
    END IF;

    RETURN e;
END
$$;

COMMENT ON FUNCTION share_acl_ref.effective_permissions(uuid, uuid) IS
    'reference model of SPEC §3 (R1–R12, no links), for tests only';
