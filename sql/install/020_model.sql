-- The model (SPEC §2): workspaces, principals, members, teams, the resource
-- tree with collections, direct shares, promotion requests.  Integrity rules
-- that a CHECK cannot express (cycles, one workspace per tree, exactly one
-- owner) are enforced by triggers, so that every path — the API, INSERT,
-- UPDATE, COPY — obeys them.

CREATE TYPE share_acl.principal_kind AS ENUM ('user', 'external', 'team');
CREATE TYPE share_acl.workspace_role AS ENUM ('owner', 'admin', 'member', 'guest', 'viewer');
CREATE TYPE share_acl.resource_kind AS ENUM ('project', 'collection', 'asset', 'conversation');
CREATE TYPE share_acl.general_access AS ENUM ('private', 'shared', 'public');

CREATE TABLE share_acl.workspace (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    -- sharing policies (SPEC §6), one column each, named as the policy
    allow_external_sharing boolean NOT NULL DEFAULT true,
    require_link_password boolean NOT NULL DEFAULT false,
    default_link_expiry interval CHECK (default_link_expiry > interval '0'),
    allow_guest_uploads boolean NOT NULL DEFAULT false,
    track_external_views boolean NOT NULL DEFAULT true,
    guest_access_enabled boolean NOT NULL DEFAULT true,
    public_access_level share_acl.permset NOT NULL DEFAULT 'viewer',
    members_can_share boolean NOT NULL DEFAULT true,
    member_edit_own_only boolean NOT NULL DEFAULT false
);

CREATE TABLE share_acl.principal (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind share_acl.principal_kind NOT NULL,
    email text CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 320),
    display_name text CHECK (length(display_name) <= 200),
    workspace_id uuid REFERENCES share_acl.workspace (id) ON DELETE CASCADE,
    CONSTRAINT principal_team_has_workspace
        CHECK ((kind = 'team') = (workspace_id IS NOT NULL)),
    CONSTRAINT principal_person_has_email
        CHECK ((kind = 'team') = (email IS NULL))
);
CREATE UNIQUE INDEX principal_email_key ON share_acl.principal (lower(email));
CREATE INDEX principal_workspace_idx ON share_acl.principal (workspace_id);

CREATE TABLE share_acl.member (
    workspace_id uuid NOT NULL REFERENCES share_acl.workspace (id) ON DELETE CASCADE,
    principal_id uuid NOT NULL REFERENCES share_acl.principal (id) ON DELETE CASCADE,
    role share_acl.workspace_role NOT NULL,
    PRIMARY KEY (workspace_id, principal_id)
);
CREATE UNIQUE INDEX member_one_owner ON share_acl.member (workspace_id) WHERE role = 'owner';
CREATE INDEX member_principal_idx ON share_acl.member (principal_id);

CREATE TABLE share_acl.team_member (
    team_id uuid NOT NULL REFERENCES share_acl.principal (id) ON DELETE CASCADE,
    member_id uuid NOT NULL REFERENCES share_acl.principal (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, member_id)
);
CREATE INDEX team_member_member_idx ON share_acl.team_member (member_id);

CREATE TABLE share_acl.resource (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES share_acl.workspace (id) ON DELETE CASCADE,
    kind share_acl.resource_kind NOT NULL,
    parent_id uuid REFERENCES share_acl.resource (id) ON DELETE CASCADE,
    owner_id uuid REFERENCES share_acl.principal (id) ON DELETE SET NULL,
    general_access share_acl.general_access NOT NULL DEFAULT 'private',
    restricted boolean NOT NULL DEFAULT false,
    guest_ai_enabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT resource_top_level_is_project
        CHECK (parent_id IS NOT NULL OR kind = 'project'),
    CONSTRAINT resource_not_own_parent CHECK (parent_id <> id),
    CONSTRAINT resource_guest_ai_on_projects CHECK (kind = 'project' OR NOT guest_ai_enabled)
);
CREATE INDEX resource_parent_idx ON share_acl.resource (parent_id);
CREATE INDEX resource_workspace_idx ON share_acl.resource (workspace_id);
CREATE INDEX resource_owner_idx ON share_acl.resource (owner_id);

CREATE TABLE share_acl.collection_item (
    collection_id uuid NOT NULL REFERENCES share_acl.resource (id) ON DELETE CASCADE,
    resource_id uuid NOT NULL REFERENCES share_acl.resource (id) ON DELETE CASCADE,
    PRIMARY KEY (collection_id, resource_id),
    CONSTRAINT collection_item_not_self CHECK (collection_id <> resource_id)
);
CREATE INDEX collection_item_resource_idx ON share_acl.collection_item (resource_id);

CREATE TABLE share_acl.share (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    resource_id uuid NOT NULL REFERENCES share_acl.resource (id) ON DELETE CASCADE,
    grantee_id uuid NOT NULL REFERENCES share_acl.principal (id) ON DELETE CASCADE,
    perms share_acl.permset NOT NULL,
    allow_download boolean NOT NULL DEFAULT true,
    allow_comments boolean NOT NULL DEFAULT true,
    allow_approval boolean NOT NULL DEFAULT true,
    allow_contribution boolean NOT NULL DEFAULT true,
    expires_at timestamptz,
    granted_by uuid REFERENCES share_acl.principal (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX share_resource_idx ON share_acl.share (resource_id);
CREATE INDEX share_grantee_idx ON share_acl.share (grantee_id);

CREATE TABLE share_acl.promotion_request (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES share_acl.workspace (id) ON DELETE CASCADE,
    principal_id uuid NOT NULL REFERENCES share_acl.principal (id) ON DELETE CASCADE,
    role share_acl.workspace_role NOT NULL CHECK (role IN ('member', 'guest')),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at timestamptz NOT NULL DEFAULT now(),
    decided_by uuid REFERENCES share_acl.principal (id) ON DELETE SET NULL,
    decided_at timestamptz
);
CREATE UNIQUE INDEX promotion_request_one_pending
    ON share_acl.promotion_request (workspace_id, principal_id) WHERE status = 'pending';

-- ---------------------------------------------------------------------------
-- Integrity triggers.  They run AFTER each row, i.e. at the end of the
-- statement, so that one INSERT or COPY may list a child before its parent
-- (as a pg_dump of a reorganised tree does).
-- ---------------------------------------------------------------------------

-- member: roles that fit the principal's kind; teams are not members.
CREATE FUNCTION share_acl.member_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE k share_acl.principal_kind;
BEGIN
    SELECT p.kind INTO k FROM share_acl.principal p WHERE p.id = NEW.principal_id;
    IF k = 'team' THEN
        RAISE EXCEPTION 'a team cannot be a workspace member'
            USING ERRCODE = 'check_violation',
                  HINT = 'Add the team''s members instead, or share with the team.';
    END IF;
    IF k = 'external' AND NEW.role NOT IN ('guest', 'viewer') THEN
        RAISE EXCEPTION 'an external principal can only have the guest or viewer role'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER member_check AFTER INSERT OR UPDATE ON share_acl.member
    FOR EACH ROW EXECUTE FUNCTION share_acl.member_check();

-- member: exactly one owner per workspace once it has members, checked at
-- commit so that an ownership transfer or a bulk load may pass through
-- intermediate states.  (A workspace row alone is allowed, so that a plain
-- pg_dump restore, one COPY per transaction, works.)
CREATE FUNCTION share_acl.member_owner_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE ws uuid; n int;
BEGIN
    ws := CASE WHEN TG_OP = 'DELETE' THEN OLD.workspace_id ELSE NEW.workspace_id END;
    IF NOT EXISTS (SELECT 1 FROM share_acl.workspace w WHERE w.id = ws) THEN
        RETURN NULL;            -- the workspace itself is gone
    END IF;
    SELECT count(*) INTO n FROM share_acl.member m
     WHERE m.workspace_id = ws AND m.role = 'owner';
    IF n <> 1 THEN
        RAISE EXCEPTION 'workspace % must have exactly one owner (it has %)', ws, n
            USING ERRCODE = 'integrity_constraint_violation',
                  HINT = 'Use share_acl.transfer_ownership() to change the owner.';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER member_owner_check
    AFTER INSERT OR UPDATE OR DELETE ON share_acl.member
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION share_acl.member_owner_check();

-- team_member: the team is a team; nested teams stay in one workspace; no cycle.
CREATE FUNCTION share_acl.team_member_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE t share_acl.principal; m share_acl.principal;
BEGIN
    SELECT * INTO t FROM share_acl.principal WHERE id = NEW.team_id;
    SELECT * INTO m FROM share_acl.principal WHERE id = NEW.member_id;
    IF t.kind IS DISTINCT FROM 'team' THEN
        RAISE EXCEPTION 'principal % is not a team', NEW.team_id
            USING ERRCODE = 'wrong_object_type';
    END IF;
    IF m.kind = 'team' AND m.workspace_id IS DISTINCT FROM t.workspace_id THEN
        RAISE EXCEPTION 'a team can only contain teams of its own workspace'
            USING ERRCODE = 'check_violation';
    END IF;
    IF m.kind = 'team' AND EXISTS (
        WITH RECURSIVE down(id) AS (
            SELECT NEW.member_id
            UNION
            SELECT tm.member_id FROM share_acl.team_member tm JOIN down ON tm.team_id = down.id)
        SELECT 1 FROM down WHERE id = NEW.team_id)
    THEN
        RAISE EXCEPTION 'adding team % to team % would make a cycle', NEW.member_id, NEW.team_id
            USING ERRCODE = 'invalid_recursion';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER team_member_check AFTER INSERT OR UPDATE ON share_acl.team_member
    FOR EACH ROW EXECUTE FUNCTION share_acl.team_member_check();

-- resource: parent in the same workspace; no cycle; no change of workspace.
-- Statement-level with the transition table, so a bulk load is checked in
-- a few set-based queries rather than one query per row.
CREATE FUNCTION share_acl.resource_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE bad uuid;
BEGIN
    SELECT n.id INTO bad FROM new_rows n JOIN share_acl.resource p ON p.id = n.parent_id
     WHERE p.workspace_id <> n.workspace_id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'the parent of resource % is in another workspace', bad
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT n.id INTO bad FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE o.workspace_id <> n.workspace_id LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'resource % cannot change workspace', bad
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    -- a cycle must pass through a changed row.  Inserted rows can only form
    -- one among themselves; an update may close one through any resource or
    -- collection above the new parent.
    IF TG_OP = 'INSERT' THEN
        WITH RECURSIVE up(start, id) AS (
            SELECT n.id, n.parent_id FROM new_rows n WHERE n.parent_id IS NOT NULL
            UNION
            SELECT up.start, r.parent_id FROM up JOIN new_rows r ON r.id = up.id
             WHERE r.parent_id IS NOT NULL AND up.id <> up.start)
        SELECT start INTO bad FROM up WHERE id = start LIMIT 1;
    ELSE
        WITH RECURSIVE up(start, id) AS (
            SELECT n.id, n.parent_id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE n.parent_id IS DISTINCT FROM o.parent_id AND n.parent_id IS NOT NULL
            UNION
            SELECT up.start, x.up_id FROM up,
              LATERAL (SELECT r.parent_id AS up_id FROM share_acl.resource r WHERE r.id = up.id
                       UNION ALL
                       SELECT ci.collection_id FROM share_acl.collection_item ci
                        WHERE ci.resource_id = up.id) x
            WHERE x.up_id IS NOT NULL AND up.id <> up.start)
        SELECT start INTO bad FROM up WHERE id = start LIMIT 1;
    END IF;
    IF FOUND THEN
        RAISE EXCEPTION 'the parent of resource % would make a cycle', bad
            USING ERRCODE = 'invalid_recursion';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER resource_check_insert AFTER INSERT ON share_acl.resource
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.resource_check();
CREATE TRIGGER resource_check_update AFTER UPDATE ON share_acl.resource
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.resource_check();

-- collection_item: a collection of the same workspace; no cycle.
CREATE FUNCTION share_acl.collection_item_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE bad uuid;
BEGIN
    SELECT n.collection_id INTO bad FROM new_rows n JOIN share_acl.resource c ON c.id = n.collection_id
     WHERE c.kind <> 'collection' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'resource % is not a collection', bad
            USING ERRCODE = 'wrong_object_type';
    END IF;
    SELECT n.resource_id INTO bad FROM new_rows n
      JOIN share_acl.resource c ON c.id = n.collection_id
      JOIN share_acl.resource r ON r.id = n.resource_id
     WHERE c.workspace_id <> r.workspace_id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'resource % is in another workspace than its collection', bad
            USING ERRCODE = 'check_violation';
    END IF;
    -- a cycle: the item is at or above its collection
    WITH RECURSIVE up(start, id) AS (
        SELECT DISTINCT n.collection_id, n.collection_id FROM new_rows n
        UNION
        SELECT up.start, x.up_id FROM up,
          LATERAL (SELECT r.parent_id AS up_id FROM share_acl.resource r WHERE r.id = up.id
                   UNION ALL
                   SELECT ci.collection_id FROM share_acl.collection_item ci WHERE ci.resource_id = up.id) x
        WHERE x.up_id IS NOT NULL)
    SELECT n.resource_id INTO bad FROM new_rows n JOIN up ON up.start = n.collection_id AND up.id = n.resource_id
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'adding % to a collection below it would make a cycle', bad
            USING ERRCODE = 'invalid_recursion';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER collection_item_check_insert AFTER INSERT ON share_acl.collection_item
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.collection_item_check();
CREATE TRIGGER collection_item_check_update AFTER UPDATE ON share_acl.collection_item
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.collection_item_check();

-- share: the grantee is a principal of the resource's workspace or a person.
CREATE FUNCTION share_acl.share_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE g share_acl.principal; ws uuid;
BEGIN
    SELECT * INTO g FROM share_acl.principal WHERE id = NEW.grantee_id;
    IF g.kind = 'team' THEN
        SELECT workspace_id INTO ws FROM share_acl.resource WHERE id = NEW.resource_id;
        IF g.workspace_id IS DISTINCT FROM ws THEN
            RAISE EXCEPTION 'a team can only be granted resources of its own workspace'
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER share_check AFTER INSERT OR UPDATE ON share_acl.share
    FOR EACH ROW EXECUTE FUNCTION share_acl.share_check();

-- pg_dump keeps the contents of every model table (extension configuration tables).
SELECT pg_catalog.pg_extension_config_dump('share_acl.workspace', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.principal', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.member', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.team_member', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.resource', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.collection_item', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.share', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.promotion_request', '');
