-- The model (SPEC section 2): workspaces, principals, members, teams, the resource
-- tree with collections, direct shares, promotion requests.  Integrity rules
-- that a CHECK cannot express (cycles, one workspace per tree, exactly one
-- owner, one id namespace) are enforced by triggers, so that every path --
-- the API, INSERT, UPDATE, COPY -- obeys them.

CREATE TYPE share_acl.principal_kind AS ENUM ('user', 'external', 'team');
CREATE TYPE share_acl.workspace_role AS ENUM ('owner', 'admin', 'member', 'guest', 'viewer');
CREATE TYPE share_acl.resource_kind AS ENUM ('project', 'collection', 'asset', 'conversation');
CREATE TYPE share_acl.general_access AS ENUM ('private', 'shared', 'public');

-- The rule of names (a workspace's, a team's, a person's display name, a
-- link's label; src/email.c): no control character, line or paragraph
-- separator, or bidirectional embedding, override or isolate - nothing that
-- breaks a line where the name is shown or makes it display as other text.
-- Run by the CHECKs below as the writing role, like is_valid_email.
CREATE FUNCTION share_acl.is_valid_name(name text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'name_ok' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.is_valid_name(text) IS
    'is the text a name share_acl accepts (no control character, line or paragraph separator, bidirectional embedding, override or isolate)';

-- The default id of shares and notifications (src/time_ordered_uuid.c): a
-- version 7 uuid, time first, so that rows written all day are added at the
-- right end of their indexes.  Anyone may call it, as gen_random_uuid(): the
-- default is evaluated as the role that writes the row.
CREATE FUNCTION share_acl.time_ordered_uuid() RETURNS uuid
    AS 'MODULE_PATHNAME', 'time_ordered_uuid' LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.time_ordered_uuid() IS
    'a version 7 uuid (Unix time in milliseconds, then 74 random bits): the default id of share and notification rows';

CREATE TABLE share_acl.workspace (
    -- (the nil uuid keys the audit chain of the rows without a workspace)
    id uuid PRIMARY KEY DEFAULT gen_random_uuid()
        CONSTRAINT workspace_id_not_nil CHECK (id <> '00000000-0000-0000-0000-000000000000'::uuid),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200 AND share_acl.is_valid_name(name)),
    created_at timestamptz NOT NULL DEFAULT now(),
    -- sharing policies (SPEC section 6), one column each, named as the policy
    allow_external_sharing boolean NOT NULL DEFAULT true,
    require_link_password boolean NOT NULL DEFAULT false,
    -- (no negative part: '1 mon -29 days' gives an expiry behind on 31 January;
    -- at most 100 years of 365.25 days, not of twelve 30-day months as
    -- intervals compare: '36001 days' is less than 99 years)
    default_link_expiry interval CHECK (default_link_expiry > interval '0'
        AND extract(epoch FROM default_link_expiry) <= extract(epoch FROM interval '100 years')
        AND extract(year FROM default_link_expiry) >= 0 AND extract(month FROM default_link_expiry) >= 0
        AND extract(day FROM default_link_expiry) >= 0
        AND extract(epoch FROM default_link_expiry - date_trunc('day', default_link_expiry)) >= 0),
    allow_guest_uploads boolean NOT NULL DEFAULT false,
    track_external_views boolean NOT NULL DEFAULT true,
    guest_access_enabled boolean NOT NULL DEFAULT true,
    public_access_level share_acl.permset NOT NULL DEFAULT 'viewer',
    members_can_share boolean NOT NULL DEFAULT true,
    member_edit_own_only boolean NOT NULL DEFAULT false
);

-- The e-mail rule of every address share_acl stores or takes (src/email.c):
-- name@domain, the name a dot-atom of at most 64 bytes, the domain a host
-- name in ASCII of at most 253 characters and labels of at most 63 (no
-- second spelling of one mailbox), no white space,
-- control or invisible formatting character, none of < > ".  The API says what was wrong
-- (_check_email, 040_api.sql); a direct write meets the CHECK below, run as
-- the writing role (so everyone may call it; an application may too).
CREATE FUNCTION share_acl.is_valid_email(email text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'email_ok' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.is_valid_email(text) IS
    'is the text an e-mail address share_acl accepts (name@domain; the name a dot-atom of at most 64 bytes, its letters in Unicode composed form NFC in a UTF-8 database; the domain a host name in ASCII of at most 253 characters, labels of at most 63 letters, digits and hyphens; no white space, control or invisible formatting character, none of < > ")';

CREATE TABLE share_acl.principal (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind share_acl.principal_kind NOT NULL,
    email text CHECK (share_acl.is_valid_email(email)),
    display_name text CHECK (length(display_name) <= 200 AND share_acl.is_valid_name(display_name)),
    workspace_id uuid REFERENCES share_acl.workspace (id) ON DELETE CASCADE,
    CONSTRAINT principal_team_has_workspace
        CHECK ((kind = 'team') = (workspace_id IS NOT NULL)),
    CONSTRAINT principal_person_has_email
        CHECK ((kind = 'team') = (email IS NULL)),
    -- the nil uuid is "no principal" to the engine (share_acl.principal unset)
    CONSTRAINT principal_id_not_nil
        CHECK (id <> '00000000-0000-0000-0000-000000000000'::uuid)
);
-- E-mails are one principal case-insensitively, for ASCII letters only:
-- lower() follows the database's locale, which folds other letters into
-- ASCII ones (U+0130 and U+212A become i and k in most), so a tenant could
-- name someone else's address with a look-alike and take over its shares;
-- and an index on it depends on the C library's case tables.
-- Executable by every role (090_privileges.sql): the unique index's
-- expression runs as whoever writes a principal (a trusted administrator's
-- bulk load too), and PostgreSQL inlines a SQL function only for a role that
-- may execute it, so with some roles denied, the index's key as the first
-- role to read it in a backend cached it and ON CONFLICT's as the current
-- role would differ (no arbiter index found, 42P10).
CREATE FUNCTION share_acl.email_key(email text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.translate($1, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') $$;
COMMENT ON FUNCTION share_acl.email_key(text) IS
    'an e-mail address with its ASCII letters in lower case: what makes two addresses one principal (principal_email_key indexes it)';
CREATE UNIQUE INDEX principal_email_key ON share_acl.principal (share_acl.email_key(email));
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
    -- the nil uuid keys the audit chain of rows without a workspace
    CONSTRAINT resource_id_not_nil
        CHECK (id <> '00000000-0000-0000-0000-000000000000'::uuid),
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
    id uuid PRIMARY KEY DEFAULT share_acl.time_ordered_uuid(),
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
-- (every foreign key has an index on its referencing column, so that deleting
-- referenced rows, one by one in a cascade, looks the referencing rows up
-- instead of scanning their table once per deleted row; the one exception
-- is notification.workspace_id, see 026_notifications_model.sql)
CREATE INDEX share_granted_by_idx ON share_acl.share (granted_by);

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
CREATE INDEX promotion_request_workspace_idx ON share_acl.promotion_request (workspace_id);
CREATE INDEX promotion_request_principal_idx ON share_acl.promotion_request (principal_id);
CREATE INDEX promotion_request_decided_by_idx ON share_acl.promotion_request (decided_by);

-- ---------------------------------------------------------------------------
-- Integrity triggers.  They run AFTER each row, i.e. at the end of the
-- statement, so that one INSERT or COPY may list a child before its parent
-- (as a pg_dump of a reorganised tree does).  They hold for UPDATE exactly
-- as for INSERT, with the same SQLSTATE.  A query that joins two transition
-- tables (or a transition table and a CTE) has no LIMIT and is no EXISTS
-- test: either would let the planner choose a nested loop over those
-- unindexed sets, quadratic for a bulk load; SELECT ... INTO stops at the
-- first row anyway, and a count serves as the test.  Nor has a join of a
-- transition table and a model table a LIMIT: the usual answer is no row,
-- which a plan chosen to find a first row fast may find only after a
-- nested loop over both.
-- ---------------------------------------------------------------------------

-- Serialising the cycle checks and R14.  Two transactions that each add one edge of
-- a cycle (A under B, B under A) would each pass the check, as neither sees
-- the other's uncommitted edge.  So every statement that could close a cycle
-- in a workspace (a parent change, a collection item, a team in a team, a
-- collection changing kind) first updates that workspace's row here.  The
-- second transaction waits for the first to end; in READ COMMITTED its check,
-- a later statement with a new snapshot, then sees the first one's edge and
-- refuses (42P19); in REPEATABLE READ or SERIALIZABLE the update fails with a
-- serialization failure (40001).  Only the integrity triggers (SECURITY
-- DEFINER, as the extension's owner) write this table, so no other role can
-- take these locks and stall a workspace; inserting new resources or shares
-- never takes them.  The same goes for R14 (040_api.sql): move_resource,
-- add_to_collection, set_restricted (lifting), set_general_access and
-- set_workspace_policy take the lock before they read the state they
-- compare with, and so does a
-- grant under member_edit_own_only before it walks what is below; and for
-- team membership: add_team_member before it reads the person's role,
-- remove_member before it removes the role and the team rows.  And, for one
-- order of locks (no deadlock between a transaction of several calls and a
-- single one), every call that locks a resource's row, a team member's or a
-- collection item's takes it before that row: set_restricted and
-- set_general_access either way, transfer_resource_ownership,
-- remove_team_member, remove_from_collection.  Not delete_resource: it locks
-- the shares and links of its subtree after the resources, and update_share
-- and update_link lock theirs before a grant's walk takes the structure lock
-- (two single calls would deadlock); a transaction that deletes and then
-- changes structure can still meet a single move of what it deleted.
CREATE TABLE share_acl.structure_lock (
    workspace_id uuid PRIMARY KEY REFERENCES share_acl.workspace (id) ON DELETE CASCADE,
    changes bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE share_acl.structure_lock IS
    'internal: one row per workspace, updated (so locked until commit) by every statement that could close a cycle in it';

CREATE FUNCTION share_acl._lock_structure(workspaces uuid[]) RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    -- sorted, so that two statements locking several workspaces cannot deadlock
    INSERT INTO share_acl.structure_lock AS l (workspace_id, changes)
    SELECT DISTINCT w, 1 FROM pg_catalog.unnest(workspaces) AS w WHERE w IS NOT NULL ORDER BY 1
    ON CONFLICT (workspace_id) DO UPDATE SET changes = l.changes + 1;
$$;
COMMENT ON FUNCTION share_acl._lock_structure(uuid[]) IS
    'internal: lock the structure of the workspaces until the end of the transaction, so that cycle checks run one at a time';

-- The structure lock of a workspace and rows, taken together: a call that
-- needs both (set_workspace_policy: the workspace's row; remove_member: the
-- member's row and its team rows) never waits for one while holding the
-- other.  Another transaction may hold such a row from an earlier call (a
-- link made holds the workspace's row shared; set_role the member's row;
-- remove_team_member a team row) and then wait for the structure lock; were
-- the call to hold the structure lock while it waited for that row, the two
-- would deadlock.  So the rows are asked NOWAIT after the structure lock;
-- when another transaction holds one, the structure lock is let go (one this
-- transaction held before stays held), the rows are waited for and locked,
-- and then the structure lock is asked NOWAIT; when that is held (or its
-- row not yet made), the rows are let go, and it begins again.  Each
-- attempt is a subtransaction, so what it took is let go when it fails.  A
-- lock_timeout or a cancel while waiting ends the call as it would have; so
-- does a serialization failure in REPEATABLE READ, also for a structure
-- change committed while the call waited for the rows.  A workspace deleted
-- meanwhile is P0002, as for a call that comes after.
CREATE FUNCTION share_acl._lock_structure_with(ws uuid, person uuid, ask_policies_unheld boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    first_held boolean;
BEGIN
    LOOP
        first_held := false;
        BEGIN
            PERFORM share_acl._lock_structure(ARRAY[ws]);
            first_held := true;
            PERFORM share_acl._lock_structure_rows(ws, person, ask_policies_unheld, true);
            RETURN;
        EXCEPTION
            WHEN lock_not_available THEN
                -- (a lock_timeout on the first is the caller's error)
                IF NOT first_held THEN
                    RAISE;
                END IF;
            WHEN foreign_key_violation THEN
                -- the structure lock's new row, for a workspace deleted meanwhile
                RAISE EXCEPTION 'workspace % does not exist', ws USING ERRCODE = 'no_data_found';
        END;
        first_held := false;
        BEGIN
            PERFORM share_acl._lock_structure_rows(ws, person, ask_policies_unheld, false);
            first_held := true;
            -- (a workspace whose structure was never locked has no row yet:
            -- the first round makes it, waiting for another that makes it)
            PERFORM 1 FROM share_acl.structure_lock l WHERE l.workspace_id = ws FOR UPDATE OF l NOWAIT;
            IF FOUND THEN
                PERFORM share_acl._lock_structure(ARRAY[ws]);
                RETURN;
            END IF;
            RAISE EXCEPTION USING ERRCODE = 'lock_not_available';
        EXCEPTION WHEN lock_not_available THEN
            IF NOT first_held THEN
                RAISE;
            END IF;
        END;
    END LOOP;
END $$;
COMMENT ON FUNCTION share_acl._lock_structure_with(uuid, uuid, boolean) IS
    'internal: lock the structure of the workspace and a person''s member and team rows in it (or the workspace''s row) until the end of the transaction, never waiting for one while holding the other (no deadlock with a transaction that holds a row and waits for the structure)';

-- The rows of _lock_structure_with: person's member row in ws, its rows in
-- ws's teams and its pending promotion request there (FOR UPDATE, in that
-- order: a decide_promotion approving, and the cascades of a DELETE of the
-- person or the workspace, lock the member row before the request), or with
-- person NULL the workspace's row (FOR NO KEY UPDATE), before which
-- _policies_unheld when asked (it reads who held the row before this
-- transaction locks it); NOWAIT when nowait.
CREATE FUNCTION share_acl._lock_structure_rows(ws uuid, person uuid, ask_policies_unheld boolean,
                                               nowait boolean) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF person IS NULL AND ask_policies_unheld THEN
        PERFORM share_acl._policies_unheld(ws);
    END IF;
    IF person IS NULL AND nowait THEN
        PERFORM 1 FROM share_acl.workspace w WHERE w.id = ws FOR NO KEY UPDATE OF w NOWAIT;
    ELSIF person IS NULL THEN
        PERFORM 1 FROM share_acl.workspace w WHERE w.id = ws FOR NO KEY UPDATE OF w;
    ELSIF nowait THEN
        PERFORM 1 FROM share_acl.member m
         WHERE m.workspace_id = ws AND m.principal_id = person FOR UPDATE OF m NOWAIT;
        PERFORM 1 FROM share_acl.team_member tm
         WHERE tm.member_id = person
           AND tm.team_id IN (SELECT t.id FROM share_acl.principal t WHERE t.kind = 'team' AND t.workspace_id = ws)
           FOR UPDATE OF tm NOWAIT;
        PERFORM 1 FROM share_acl.promotion_request x
         WHERE x.workspace_id = ws AND x.principal_id = person AND x.status = 'pending'
           FOR UPDATE OF x NOWAIT;
    ELSE
        PERFORM 1 FROM share_acl.member m
         WHERE m.workspace_id = ws AND m.principal_id = person FOR UPDATE OF m;
        PERFORM 1 FROM share_acl.team_member tm
         WHERE tm.member_id = person
           AND tm.team_id IN (SELECT t.id FROM share_acl.principal t WHERE t.kind = 'team' AND t.workspace_id = ws)
           FOR UPDATE OF tm;
        PERFORM 1 FROM share_acl.promotion_request x
         WHERE x.workspace_id = ws AND x.principal_id = person AND x.status = 'pending'
           FOR UPDATE OF x;
    END IF;
END $$;
COMMENT ON FUNCTION share_acl._lock_structure_rows(uuid, uuid, boolean, boolean) IS
    'internal: the row locks of _lock_structure_with';

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
COMMENT ON FUNCTION share_acl.member_check() IS
    'trigger: a member row''s role fits its principal''s kind (no team; an external principal is a guest or viewer)';

-- member: exactly one owner per workspace once it has members, checked at
-- commit so that an ownership transfer or a bulk load may pass through
-- intermediate states.  (A workspace row alone is allowed, so that a plain
-- pg_dump restore, one COPY per transaction, works.)
CREATE FUNCTION share_acl.member_owner_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE ws uuid; n bigint;
BEGIN
    -- an UPDATE that moves a row to another workspace changes both
    FOR ws IN SELECT DISTINCT x FROM pg_catalog.unnest(ARRAY[
                  CASE WHEN TG_OP <> 'INSERT' THEN OLD.workspace_id END,
                  CASE WHEN TG_OP <> 'DELETE' THEN NEW.workspace_id END]) AS x
               WHERE x IS NOT NULL
    LOOP
        IF NOT EXISTS (SELECT 1 FROM share_acl.workspace w WHERE w.id = ws) THEN
            CONTINUE;           -- the workspace itself is gone
        END IF;
        SELECT count(*) INTO n FROM share_acl.member m
         WHERE m.workspace_id = ws AND m.role = 'owner';
        IF n <> 1 THEN
            RAISE EXCEPTION 'workspace % must have exactly one owner (it has %)', ws, n
                USING ERRCODE = 'integrity_constraint_violation',
                      HINT = 'Use share_acl.transfer_ownership() to change the owner.';
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER member_owner_check
    AFTER INSERT OR UPDATE OR DELETE ON share_acl.member
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION share_acl.member_owner_check();
COMMENT ON FUNCTION share_acl.member_owner_check() IS
    'trigger (deferred to commit): a workspace with members has exactly one owner';

-- team_member: the team is a team; nested teams stay in one workspace; no cycle.
-- SECURITY DEFINER: it takes the workspace's structure lock.
-- The walk down the nested teams asks the primary key for each team's
-- members: planned for a small table (teams are few), it would read the whole
-- table once per level, and a chain of n teams would cost n^2 rows per check.
-- Each level's look-up is a subquery of the level before (LATERAL, and kept
-- apart by OFFSET 0), so it can only be an index probe per team: with joins
-- alone, statistics that call the table empty (an ANALYZE after a failed bulk
-- load) made a nested loop read the whole primary key per level.
CREATE FUNCTION share_acl.team_member_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET jit = off AS $$
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
    -- a team in a team may close a cycle: one such check at a time per
    -- workspace, each seeing the edges committed before it (see structure_lock)
    IF m.kind = 'team' THEN
        PERFORM share_acl._lock_structure(ARRAY[t.workspace_id]);
    END IF;
    IF m.kind = 'team' AND EXISTS (
        WITH RECURSIVE down(id) AS (
            SELECT NEW.member_id
            UNION
            SELECT below.member_id
              FROM down,
                   LATERAL (SELECT tm.member_id FROM share_acl.team_member tm
                             WHERE tm.team_id = down.id OFFSET 0) below)
        SELECT 1 FROM down WHERE id = NEW.team_id)
    THEN
        RAISE EXCEPTION 'adding team % to team % would make a cycle', NEW.member_id, NEW.team_id
            USING ERRCODE = 'invalid_recursion';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER team_member_check AFTER INSERT OR UPDATE ON share_acl.team_member
    FOR EACH ROW EXECUTE FUNCTION share_acl.team_member_check();
COMMENT ON FUNCTION share_acl.team_member_check() IS
    'trigger: a team_member row names a team; nested teams stay in one workspace and make no cycle';

-- resource: parent in the same workspace; no cycle; no change of workspace;
-- a collection with items stays a collection.  Statement-level with the
-- transition table, so a bulk load is checked in a few set-based queries
-- rather than one query per row.  New rows are checked in C
-- (resource_insert_check, src/model_checks.c: every upload takes that path),
-- changed rows here.  SECURITY DEFINER: it takes the workspace's structure
-- lock.
CREATE FUNCTION share_acl.resource_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad uuid;
    moved boolean;              -- some row has a new parent
    lock_ws uuid[];             -- workspaces whose structure lock is needed
BEGIN
    IF TG_OP <> 'UPDATE' OR TG_LEVEL <> 'STATEMENT' THEN
        RAISE EXCEPTION 'resource_check() must be an UPDATE statement trigger (resource_insert_check() checks new rows)'
            USING ERRCODE = 'trigger_protocol_violated';
    END IF;
    -- UPDATE: what changed, in one pass over the transition tables.  A row
    -- whose id changed has no old row (LEFT JOIN): it is checked as a new one.
    SELECT (pg_catalog.array_agg(n.id) FILTER (WHERE o.workspace_id <> n.workspace_id))[1],
           coalesce(bool_or(n.parent_id IS DISTINCT FROM o.parent_id AND n.parent_id IS NOT NULL), false),
           pg_catalog.array_agg(DISTINCT n.workspace_id)
               FILTER (WHERE (n.parent_id IS DISTINCT FROM o.parent_id AND n.parent_id IS NOT NULL)
                          OR (o.kind = 'collection' AND n.kind <> 'collection'))
      INTO bad, moved, lock_ws
      FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'resource % cannot change workspace', bad
            USING ERRCODE = 'check_violation';
    END IF;
    IF lock_ws IS NULL THEN
        RETURN NULL;            -- no new parent, no collection changing kind
    END IF;
    -- a new parent may close a cycle, and a collection that changes kind may
    -- be getting items at the same time: one such check at a time per
    -- workspace, each seeing what committed before it (see structure_lock)
    PERFORM share_acl._lock_structure(lock_ws);
    SELECT n.id INTO bad FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE o.kind = 'collection' AND n.kind <> 'collection'
       AND EXISTS (SELECT 1 FROM share_acl.collection_item ci WHERE ci.collection_id = n.id);
    IF FOUND THEN
        RAISE EXCEPTION 'resource % holds collection items and must stay a collection', bad
            USING ERRCODE = 'wrong_object_type';
    END IF;
    IF NOT moved THEN
        RETURN NULL;
    END IF;
    SELECT n.id INTO bad FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
      JOIN share_acl.resource p ON p.id = n.parent_id
     WHERE n.parent_id IS DISTINCT FROM o.parent_id AND p.workspace_id <> n.workspace_id;
    IF FOUND THEN
        RAISE EXCEPTION 'the parent of resource % is in another workspace', bad
            USING ERRCODE = 'check_violation';
    END IF;
    -- a cycle must pass through a row with a new parent, and may close
    -- through any resource or collection above that parent
    WITH RECURSIVE up(start, id) AS (
        SELECT n.id, n.parent_id FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
         WHERE n.parent_id IS DISTINCT FROM o.parent_id AND n.parent_id IS NOT NULL
        UNION
        SELECT up.start, x.up_id FROM up,
          LATERAL (SELECT r.parent_id AS up_id FROM share_acl.resource r WHERE r.id = up.id
                   UNION ALL
                   SELECT ci.collection_id FROM share_acl.collection_item ci
                    WHERE ci.resource_id = up.id) x
        WHERE x.up_id IS NOT NULL AND up.id <> up.start)
    SELECT start INTO bad FROM up WHERE id = start LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'the parent of resource % would make a cycle', bad
            USING ERRCODE = 'invalid_recursion';
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION share_acl.resource_insert_check() RETURNS trigger
    AS 'MODULE_PATHNAME', 'resource_insert_check' LANGUAGE C;
COMMENT ON FUNCTION share_acl.resource_insert_check() IS
    'statement trigger: a new resource''s parent is in its workspace, and the new rows make no cycle';
CREATE TRIGGER resource_check_insert AFTER INSERT ON share_acl.resource
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.resource_insert_check();
CREATE TRIGGER resource_check_update AFTER UPDATE ON share_acl.resource
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.resource_check();
COMMENT ON FUNCTION share_acl.resource_check() IS
    'trigger: changed resources keep their workspace, a parent in it and no cycle; a collection with items stays one';

-- collection_item: a collection of the same workspace; no cycle.
-- SECURITY DEFINER: it takes the workspace's structure lock.
CREATE FUNCTION share_acl.collection_item_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE bad uuid;
BEGIN
    -- an item may close a cycle: one such check at a time per workspace, each
    -- seeing what committed before it (see structure_lock)
    PERFORM share_acl._lock_structure(ARRAY(
        SELECT DISTINCT c.workspace_id FROM new_rows n JOIN share_acl.resource c ON c.id = n.collection_id));
    SELECT n.collection_id INTO bad FROM new_rows n JOIN share_acl.resource c ON c.id = n.collection_id
     WHERE c.kind <> 'collection';
    IF FOUND THEN
        RAISE EXCEPTION 'resource % is not a collection', bad
            USING ERRCODE = 'wrong_object_type';
    END IF;
    SELECT n.resource_id INTO bad FROM new_rows n
      JOIN share_acl.resource c ON c.id = n.collection_id
      JOIN share_acl.resource r ON r.id = n.resource_id
     WHERE c.workspace_id <> r.workspace_id;
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
    SELECT n.resource_id INTO bad FROM new_rows n JOIN up ON up.start = n.collection_id AND up.id = n.resource_id;
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
COMMENT ON FUNCTION share_acl.collection_item_check() IS
    'trigger: collection items name a collection of the item''s workspace and make no cycle';

-- Is principal a team of another workspace than resource's?  (A grant --
-- a share, a review -- to a team is for resources of its own workspace.)
-- (C, src/model_checks.c: two look-ups by primary key, in every share)
CREATE FUNCTION share_acl._team_outside(principal uuid, resource uuid) RETURNS boolean
    AS 'MODULE_PATHNAME', 'team_outside' LANGUAGE C STABLE;
COMMENT ON FUNCTION share_acl._team_outside(uuid, uuid) IS
    'internal: is the principal a team of another workspace than the resource''s?';

-- share: the grantee is a principal of the resource's workspace or a person.
CREATE FUNCTION share_acl.share_check() RETURNS trigger
    AS 'MODULE_PATHNAME', 'share_check' LANGUAGE C;
CREATE TRIGGER share_check AFTER INSERT OR UPDATE ON share_acl.share
    FOR EACH ROW EXECUTE FUNCTION share_acl.share_check();
COMMENT ON FUNCTION share_acl.share_check() IS
    'trigger: a share''s grantee is a principal of the resource''s workspace or a person';

-- principal: a change of kind, or of a team's workspace, keeps every rule
-- that the member, team_member and share rows naming the principal were
-- checked against when they were written, with the same SQLSTATE.  (A changed
-- id is refused by the foreign keys of those rows.)  Statement-level, so a
-- bulk update is checked in a few set-based queries.
CREATE FUNCTION share_acl.principal_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE bad uuid;
BEGIN
    IF (SELECT count(*) FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.kind IS DISTINCT FROM o.kind
            OR n.workspace_id IS DISTINCT FROM o.workspace_id) = 0 THEN
        RETURN NULL;
    END IF;
    -- member rows (member_check)
    SELECT n.id INTO bad FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.kind IS DISTINCT FROM o.kind AND n.kind = 'team'
       AND EXISTS (SELECT 1 FROM share_acl.member m WHERE m.principal_id = n.id);
    IF FOUND THEN
        RAISE EXCEPTION 'a team cannot be a workspace member'
            USING ERRCODE = 'check_violation',
                  DETAIL = pg_catalog.format('Principal %s has a role in a workspace.', bad),
                  HINT = 'Remove its workspace roles first.';
    END IF;
    SELECT n.id INTO bad FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.kind IS DISTINCT FROM o.kind AND n.kind = 'external'
       AND EXISTS (SELECT 1 FROM share_acl.member m
                    WHERE m.principal_id = n.id AND m.role NOT IN ('guest', 'viewer'));
    IF FOUND THEN
        RAISE EXCEPTION 'an external principal can only have the guest or viewer role'
            USING ERRCODE = 'check_violation',
                  DETAIL = pg_catalog.format('Principal %s has another role in a workspace.', bad);
    END IF;
    -- team_member rows (team_member_check): only teams have members; nested
    -- teams stay in one workspace
    SELECT n.id INTO bad FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.kind IS DISTINCT FROM o.kind AND n.kind <> 'team'
       AND EXISTS (SELECT 1 FROM share_acl.team_member tm WHERE tm.team_id = n.id);
    IF FOUND THEN
        RAISE EXCEPTION 'principal % is not a team', bad
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'It has team members.';
    END IF;
    SELECT n.id INTO bad FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.kind = 'team'
       AND (n.kind IS DISTINCT FROM o.kind OR n.workspace_id IS DISTINCT FROM o.workspace_id)
       AND (EXISTS (SELECT 1 FROM share_acl.team_member tm
                      JOIN share_acl.principal c ON c.id = tm.member_id
                     WHERE tm.team_id = n.id AND c.kind = 'team'
                       AND c.workspace_id IS DISTINCT FROM n.workspace_id)
            OR EXISTS (SELECT 1 FROM share_acl.team_member tm
                         JOIN share_acl.principal t ON t.id = tm.team_id
                        WHERE tm.member_id = n.id
                          AND t.workspace_id IS DISTINCT FROM n.workspace_id));
    IF FOUND THEN
        RAISE EXCEPTION 'a team can only contain teams of its own workspace'
            USING ERRCODE = 'check_violation',
                  DETAIL = pg_catalog.format('Team %s would be nested with a team of another workspace.', bad);
    END IF;
    -- share rows (share_check)
    SELECT n.id INTO bad FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.kind = 'team'
       AND (n.kind IS DISTINCT FROM o.kind OR n.workspace_id IS DISTINCT FROM o.workspace_id)
       AND EXISTS (SELECT 1 FROM share_acl.share s JOIN share_acl.resource r ON r.id = s.resource_id
                    WHERE s.grantee_id = n.id AND r.workspace_id IS DISTINCT FROM n.workspace_id);
    IF FOUND THEN
        RAISE EXCEPTION 'a team can only be granted resources of its own workspace'
            USING ERRCODE = 'check_violation',
                  DETAIL = pg_catalog.format('Team %s has shares on resources of another workspace.', bad);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER principal_check_update AFTER UPDATE ON share_acl.principal
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.principal_check();
COMMENT ON FUNCTION share_acl.principal_check() IS
    'statement trigger: a principal that changes kind or workspace still fits its member, team_member and share rows';

-- ---------------------------------------------------------------------------
-- One id names one thing (SPEC section 2): no resource may take the id of a
-- workspace, a principal or a share link, nor the reverse.  Every workspace,
-- principal, resource and link id (the links' triggers are made with their
-- table, 060_links_model.sql) is also a row of id_registry, whose primary key refuses the
-- second use of an id whichever table it comes from, also between concurrent
-- transactions (the second one waits for the first and fails if it commits),
-- which a look-up in the other tables could not do.
--
-- Statement-level triggers keep it in step on every path (INSERT, COPY,
-- UPDATE of an id, DELETE, also by cascade, TRUNCATE), set-based so that a
-- bulk load costs one INSERT ... SELECT per statement, and they fire in
-- every session_replication_role.  It is no configuration table: a restore
-- refills it through the same triggers.  Only the extension's owner (the
-- SECURITY DEFINER trigger function) reads or writes it.  The error names
-- the id, never what holds it or where.
-- ---------------------------------------------------------------------------
CREATE TABLE share_acl.id_registry (
    id uuid PRIMARY KEY,
    kind "char" NOT NULL CHECK (kind IN ('w', 'p', 'r', 'l'))
);
COMMENT ON TABLE share_acl.id_registry IS
    'internal: every workspace (w), principal (p), resource (r) and share link (l) id, so that one id names one thing';

-- Deleted and truncated rows free their ids.
CREATE FUNCTION share_acl.id_registry_forget() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k "char";
BEGIN
    IF TG_LEVEL <> 'STATEMENT' OR TG_NARGS <> 1 OR TG_ARGV[0] NOT IN ('w', 'p', 'r', 'l') THEN
        RAISE EXCEPTION 'id_registry_forget() must be a statement trigger whose argument is w, p, r or l'
            USING ERRCODE = 'trigger_protocol_violated';
    END IF;
    k := TG_ARGV[0]::"char";
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM share_acl.id_registry g WHERE g.kind = k;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM share_acl.id_registry g USING old_rows o WHERE g.id = o.id AND g.kind = k;
    ELSE
        RAISE EXCEPTION 'id_registry_forget() handles DELETE and TRUNCATE'
            USING ERRCODE = 'trigger_protocol_violated';
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION share_acl.id_registry_forget() IS
    'statement trigger (argument w, p, r or l): the ids of the table''s deleted and truncated rows leave share_acl.id_registry';

-- Updated rows whose id changed move their ids.
CREATE FUNCTION share_acl.id_registry_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k "char";
    wanted bigint;
    added bigint;
    taken uuid;
BEGIN
    IF TG_LEVEL <> 'STATEMENT' OR TG_NARGS <> 1 OR TG_ARGV[0] NOT IN ('w', 'p', 'r') THEN
        RAISE EXCEPTION 'id_registry_sync() must be a statement trigger whose argument is w, p or r'
            USING ERRCODE = 'trigger_protocol_violated';
    END IF;
    k := TG_ARGV[0]::"char";
    IF TG_OP = 'UPDATE' THEN
        -- an UPDATE keeps the number of rows and ids are unique: when every
        -- new id is an old one, no id changed
        SELECT count(*) INTO wanted FROM new_rows n
         WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id);
        IF wanted = 0 THEN
            RETURN NULL;
        END IF;
        -- only the ids that changed: those that left, then those that came
        DELETE FROM share_acl.id_registry g USING old_rows o
         WHERE g.id = o.id AND g.kind = k
           AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id);
        WITH came AS (SELECT n.id FROM new_rows n
                       WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id)),
             ins AS (INSERT INTO share_acl.id_registry (id, kind) SELECT c.id, k FROM came c
                     ON CONFLICT (id) DO NOTHING RETURNING 1)
        SELECT (SELECT count(*) FROM came), (SELECT count(*) FROM ins) INTO wanted, added;
    ELSE
        RAISE EXCEPTION 'id_registry_sync() handles UPDATE (id_registry_insert() new rows, id_registry_forget() deleted ones)'
            USING ERRCODE = 'trigger_protocol_violated';
    END IF;
    IF added < wanted THEN
        -- a later statement: it sees the row of a transaction that committed
        -- while this one waited for it
        SELECT n.id INTO taken FROM new_rows n JOIN share_acl.id_registry g ON g.id = n.id
         WHERE g.kind <> k;
        IF taken IS NULL THEN
            RAISE EXCEPTION 'an id of the new rows is already in use'
                USING ERRCODE = 'unique_violation',
                      HINT = 'Workspaces, principals, resources and share links share one namespace of ids.';
        END IF;
        RAISE EXCEPTION 'id % is already in use', taken
            USING ERRCODE = 'unique_violation',
                  HINT = 'Workspaces, principals, resources and share links share one namespace of ids.';
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION share_acl.id_registry_sync() IS
    'statement trigger (argument w, p or r): keep share_acl.id_registry in step with the ids the table''s updated rows changed; a used id is 23505';

-- New rows, in C (src/model_checks.c): every upload takes that path.
CREATE FUNCTION share_acl.id_registry_insert() RETURNS trigger
    AS 'MODULE_PATHNAME', 'id_registry_insert'
    LANGUAGE C;
COMMENT ON FUNCTION share_acl.id_registry_insert() IS
    'statement trigger (argument w, p, r or l): add the new rows'' ids to share_acl.id_registry; a used id is 23505';

-- The registry's triggers on table t, whose ids are of kind k (also called
-- for share_acl.link, 060_links_model.sql, which drops it: install only).
-- A table whose ids never change (fixed) gets, instead of the UPDATE
-- trigger with transition tables, a row trigger on UPDATE OF id that
-- refuses the change: its other updates (a link's view counter at every
-- open) then run no registry trigger at all.
CREATE FUNCTION share_acl._id_registry_triggers(t text, k text, fixed boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE pg_catalog.format('CREATE TRIGGER id_registry_insert AFTER INSERT ON share_acl.%I
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION share_acl.id_registry_insert(%L)', t, k);
    IF fixed THEN
        EXECUTE pg_catalog.format('CREATE TRIGGER id_registry_update AFTER UPDATE OF id ON share_acl.%I
                FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
                EXECUTE FUNCTION share_acl._id_fixed()', t);
    ELSE
        EXECUTE pg_catalog.format('CREATE TRIGGER id_registry_update AFTER UPDATE ON share_acl.%I
                REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
                FOR EACH STATEMENT EXECUTE FUNCTION share_acl.id_registry_sync(%L)', t, k);
    END IF;
    EXECUTE pg_catalog.format('CREATE TRIGGER id_registry_delete AFTER DELETE ON share_acl.%I
            REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION share_acl.id_registry_forget(%L)', t, k);
    EXECUTE pg_catalog.format('CREATE TRIGGER id_registry_truncate AFTER TRUNCATE ON share_acl.%I
            FOR EACH STATEMENT EXECUTE FUNCTION share_acl.id_registry_forget(%L)', t, k);
    -- also with session_replication_role = replica
    EXECUTE pg_catalog.format('ALTER TABLE share_acl.%I
            ENABLE ALWAYS TRIGGER id_registry_insert, ENABLE ALWAYS TRIGGER id_registry_update,
            ENABLE ALWAYS TRIGGER id_registry_delete, ENABLE ALWAYS TRIGGER id_registry_truncate', t);
END $$;
COMMENT ON FUNCTION share_acl._id_registry_triggers(text, text, boolean) IS
    'internal (install only): the id registry''s triggers on a table whose ids are of one kind';

-- Row trigger on UPDATE OF id of a table whose ids never change (a share link's).
CREATE FUNCTION share_acl._id_fixed() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'the id of a row of share_acl.% cannot change', TG_TABLE_NAME
        USING ERRCODE = 'feature_not_supported',
              HINT = 'Create a new row instead.';
END $$;
COMMENT ON FUNCTION share_acl._id_fixed() IS
    'internal: row trigger refusing an UPDATE of the id of a table whose ids never change (share links)';

SELECT share_acl._id_registry_triggers(t, k, false)
  FROM (VALUES ('workspace', 'w'), ('principal', 'p'), ('resource', 'r')) AS v(t, k);

-- pg_dump keeps the contents of every model table (extension configuration tables).
SELECT pg_catalog.pg_extension_config_dump('share_acl.workspace', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.principal', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.member', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.team_member', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.resource', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.collection_item', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.share', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.promotion_request', '');

-- What each table holds (SPEC section 2; psql's \dt+ shows it).
COMMENT ON TABLE share_acl.workspace IS
    'a tenant: its name and its sharing policies (set_workspace_policy)';
COMMENT ON TABLE share_acl.principal IS
    'who may be granted anything: a user, an external person known by e-mail, or a team of one workspace';
COMMENT ON TABLE share_acl.member IS
    'the role of a principal in a workspace (owner, admin, member, guest, viewer)';
COMMENT ON TABLE share_acl.team_member IS
    'the members of a team: people or teams of the same workspace (no cycle)';
COMMENT ON TABLE share_acl.resource IS
    'the resource tree of a workspace: projects, folders, collections and assets, with owner, general access and restriction';
COMMENT ON TABLE share_acl.collection_item IS
    'the resources a collection holds besides its children (a resource may be in several)';
COMMENT ON TABLE share_acl.share IS
    'a direct share: a permission set on a resource for a principal, with its toggles and expiry';
COMMENT ON TABLE share_acl.promotion_request IS
    'a viewer''s or guest''s request for another role, and its decision';
