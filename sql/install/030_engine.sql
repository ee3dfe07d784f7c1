-- The engine (SPEC section 3, section 4): checks and look-ups in C, the current-principal
-- setting, and the triggers that keep every backend's cache right.

-- The signal relations: composite types that no query reads.  A change to a
-- model table is made known to every backend by a relcache invalidation of
-- the signal relation of its group (an invalidation of the table itself
-- would also make every backend plan again each statement that names it).
CREATE TYPE share_acl._cache_signal_structure AS (unused integer);
CREATE TYPE share_acl._cache_signal_workspaces AS (unused integer);
CREATE TYPE share_acl._cache_signal_principals AS (unused integer);
CREATE TYPE share_acl._cache_signal_links AS (unused integer);
COMMENT ON TYPE share_acl._cache_signal_structure IS 'internal: invalidated when resource or collection_item changes';
COMMENT ON TYPE share_acl._cache_signal_workspaces IS 'internal: invalidated when workspace changes';
COMMENT ON TYPE share_acl._cache_signal_principals IS 'internal: invalidated when principal, member, team_member or share changes';
COMMENT ON TYPE share_acl._cache_signal_links IS 'internal: invalidated when link or signing_key changes';

CREATE FUNCTION share_acl._see_committed() RETURNS void
    AS 'MODULE_PATHNAME', 'see_committed' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION share_acl._see_committed() IS
    'internal: the checks after it in this statement see what other transactions have committed (after waiting for a row lock)';

CREATE FUNCTION share_acl.cache_invalidate_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME', 'cache_invalidate_trigger' LANGUAGE C;
COMMENT ON FUNCTION share_acl.cache_invalidate_trigger() IS
    'trigger (per statement, and per row for the replica role): make every backend bring its share_acl cache of this table up to date after commit';

-- The change log: per transaction, the ids whose cached data changed --
-- kind 'r': a resource, or the collections holding it (structure); kind
-- 'p': a principal's row, roles, direct teams, the shares granted to it or its
-- review grants (principal store); kind 'w': a workspace's row (the
-- workspaces) -- read by every backend to bring its caches up to date by
-- deltas instead of reloading.  A row without an id means "reload
-- everything of that kind"; one with deleted_through (kind '-') says that
-- entries of kind deleted_kind of transactions up to that one were deleted
-- (deleted_kind '-': markers, which stood for entries of every kind they
-- named; NULL: entries of any kind).  Written by the
-- triggers below as the owner of the table; nobody else needs any right on
-- it.  It is not dumped: a restored database starts with empty caches.
CREATE TABLE share_acl.change_log (
    txid xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    kind "char" NOT NULL,
    id uuid,
    deleted_through xid8,
    deleted_kind "char"
);
-- by kind first: a cache reads the entries of its own kind (and the markers),
-- not every entry since its position
CREATE INDEX change_log_kind_txid_idx ON share_acl.change_log (kind, txid);
-- a publication that includes it (FOR ALL TABLES) can replicate its deletes;
-- a subscriber ignores entries of transactions it has not reached
ALTER TABLE share_acl.change_log REPLICA IDENTITY FULL;
COMMENT ON TABLE share_acl.change_log IS
    'internal: ids of resources and principals changed per transaction, read by every backend to apply the change to its caches';

-- Whoever deletes entries (the pruning, or an owner's maintenance) leaves
-- the marker from which a backend that had not read them knows to reload;
-- TRUNCATE makes every backend reload; entries are never updated.
CREATE FUNCTION share_acl.change_log_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO share_acl.change_log (kind, id) VALUES ('r', NULL), ('p', NULL), ('w', NULL);
        PERFORM share_acl._change_log_own_reload();
    ELSIF TG_OP = 'DELETE' THEN
        -- one marker per kind deleted: a cache of another kind reads on (a
        -- deleted marker is replaced by one saying what it said: it stood
        -- for the deletion of entries up to its deleted_through, not its own
        -- transaction's)
        INSERT INTO share_acl.change_log (kind, id, deleted_through, deleted_kind)
        SELECT '-', NULL, max(coalesce(d.deleted_through, d.txid)), coalesce(d.deleted_kind, d.kind)
          FROM deleted_rows d GROUP BY 4;
    ELSE
        RAISE EXCEPTION 'share_acl.change_log entries cannot be changed'
            USING ERRCODE = 'prohibited_sql_statement_attempted';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION share_acl.change_log_guard() IS
    'trigger on change_log: a deletion leaves a marker, TRUNCATE makes every backend reload, entries are never updated';
CREATE FUNCTION share_acl._change_log_own_reload() RETURNS void
    AS 'MODULE_PATHNAME', 'change_log_own_reload' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION share_acl._change_log_own_reload() IS
    'internal: the current transaction wrote reload entries outside the change-log triggers (TRUNCATE): its reads scan the log for its own entries';
CREATE TRIGGER change_log_deleted AFTER DELETE ON share_acl.change_log
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT
    EXECUTE FUNCTION share_acl.change_log_guard();
CREATE TRIGGER change_log_truncated AFTER TRUNCATE ON share_acl.change_log
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.change_log_guard();
CREATE TRIGGER change_log_updated BEFORE UPDATE ON share_acl.change_log
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.change_log_guard();
-- Before an insert that change_log_trigger's writer did not make (the
-- guards', an owner's), the inserting transaction is counted as a writer of
-- entries of every kind (in shared memory, when the library is preloaded; the
-- writer counts its own): a backend whose position every such writer is
-- older than skips reading the log.
CREATE FUNCTION share_acl.change_log_written() RETURNS trigger
    AS 'MODULE_PATHNAME', 'change_log_written' LANGUAGE C;
COMMENT ON FUNCTION share_acl.change_log_written() IS
    'trigger on change_log: before entries are inserted by anyone but change_log_trigger (which counts its own), count the transaction as a writer of every kind (a reader that has seen every writer skips the log)';
CREATE TRIGGER change_log_written BEFORE INSERT ON share_acl.change_log
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.change_log_written();
ALTER TABLE share_acl.change_log ENABLE ALWAYS TRIGGER change_log_deleted,
    ENABLE ALWAYS TRIGGER change_log_truncated, ENABLE ALWAYS TRIGGER change_log_updated,
    ENABLE ALWAYS TRIGGER change_log_written;

CREATE FUNCTION share_acl.change_log_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME', 'change_log_trigger' LANGUAGE C;
COMMENT ON FUNCTION share_acl.change_log_trigger() IS
    'trigger on resource, collection_item, principal, member, team_member, share, review_reviewer and workspace: log the changed ids (arguments: the id column, the kind) and make every backend apply them at commit';

-- The triggers fire in every session_replication_role (ENABLE ALWAYS): a
-- change made with replica, as a replication tool or an administrator may
-- do, must invalidate like any other.  The apply worker of logical
-- replication (also replica) fires row triggers only, so each table also has
-- a row trigger enabled for the replica role alone (ENABLE REPLICA): it does
-- the same there, and outside replica mode costs nothing.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['workspace']
    LOOP
        EXECUTE format('CREATE TRIGGER zz_cache_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
                        ON share_acl.%I FOR EACH STATEMENT
                        EXECUTE FUNCTION share_acl.cache_invalidate_trigger()', t);
        EXECUTE format('CREATE TRIGGER zz_cache_invalidate_row AFTER INSERT OR UPDATE OR DELETE
                        ON share_acl.%I FOR EACH ROW
                        EXECUTE FUNCTION share_acl.cache_invalidate_trigger()', t);
        EXECUTE format('ALTER TABLE share_acl.%I ENABLE ALWAYS TRIGGER zz_cache_invalidate,
                        ENABLE REPLICA TRIGGER zz_cache_invalidate_row', t);
    END LOOP;
    -- the tables kept by id: the change log, per statement through
    -- transition tables (one trigger per event, as transition tables need);
    -- table:id column:kind
    FOREACH t IN ARRAY ARRAY['resource:id:r', 'collection_item:resource_id:r',
                             'principal:id:p', 'member:principal_id:p',
                             'team_member:member_id:p', 'share:grantee_id:p',
                             'review_reviewer:reviewer_id:p', 'workspace:id:w']
    LOOP
        EXECUTE format('CREATE TRIGGER zz_change_log_insert AFTER INSERT ON share_acl.%I
                        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
                        EXECUTE FUNCTION share_acl.change_log_trigger(%L, %L)',
                       split_part(t, ':', 1), split_part(t, ':', 2), split_part(t, ':', 3));
        EXECUTE format('CREATE TRIGGER zz_change_log_update AFTER UPDATE ON share_acl.%I
                        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
                        EXECUTE FUNCTION share_acl.change_log_trigger(%L, %L)',
                       split_part(t, ':', 1), split_part(t, ':', 2), split_part(t, ':', 3));
        EXECUTE format('CREATE TRIGGER zz_change_log_delete AFTER DELETE ON share_acl.%I
                        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
                        EXECUTE FUNCTION share_acl.change_log_trigger(%L, %L)',
                       split_part(t, ':', 1), split_part(t, ':', 2), split_part(t, ':', 3));
        EXECUTE format('CREATE TRIGGER zz_change_log_truncate AFTER TRUNCATE ON share_acl.%I
                        FOR EACH STATEMENT EXECUTE FUNCTION share_acl.change_log_trigger(%L, %L)',
                       split_part(t, ':', 1), split_part(t, ':', 2), split_part(t, ':', 3));
        EXECUTE format('CREATE TRIGGER zz_change_log_row AFTER INSERT OR UPDATE OR DELETE
                        ON share_acl.%I FOR EACH ROW
                        EXECUTE FUNCTION share_acl.change_log_trigger(%L, %L)',
                       split_part(t, ':', 1), split_part(t, ':', 2), split_part(t, ':', 3));
        EXECUTE format('ALTER TABLE share_acl.%I ENABLE ALWAYS TRIGGER zz_change_log_insert,
                        ENABLE ALWAYS TRIGGER zz_change_log_update,
                        ENABLE ALWAYS TRIGGER zz_change_log_delete,
                        ENABLE ALWAYS TRIGGER zz_change_log_truncate,
                        ENABLE REPLICA TRIGGER zz_change_log_row', split_part(t, ':', 1));
    END LOOP;
END $$;

-- what this backend's cache holds
CREATE FUNCTION share_acl.cache_stats(
    OUT mode text, OUT structure text, OUT resources bigint, OUT private_bytes bigint,
    OUT shared_bytes bigint, OUT generation bigint, OUT full_loads bigint,
    OUT delta_batches bigint, OUT deltas_applied bigint, OUT principals text,
    OUT contexts_built bigint, OUT workspaces text, OUT workspace_reads bigint)
    AS 'MODULE_PATHNAME', 'cache_stats' LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION share_acl.cache_stats() IS
    'this backend''s share_acl cache: mode (shared: the structure is the database''s shared image; backend: its own), structure (empty, full, partial), resources held, private and shared bytes, generation, full loads and change-log deltas applied, principals (empty, shared: from the database''s image of all principals, backend: read one by one), how many principal contexts this backend built, workspaces (empty, shared: from the database''s workspace image, backend: read from the table), and how many times it read the workspace table whole (a changed workspace is read again alone)';

-- the current principal
CREATE FUNCTION share_acl.current_principal() RETURNS uuid
    AS 'MODULE_PATHNAME', 'current_principal' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.current_principal() IS
    'the principal of the current transaction (setting share_acl.principal), or NULL';

CREATE FUNCTION share_acl.set_principal(p uuid) RETURNS void
    AS 'MODULE_PATHNAME', 'set_principal' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION share_acl.set_principal(uuid) IS
    'act as principal p until the end of the transaction (SET LOCAL share_acl.principal); NULL for none';

-- (PARALLEL RESTRICTED: a parallel worker does not know which SECURITY
-- DEFINER functions its leader is in, src/definer_frames.c)
CREATE FUNCTION share_acl.invoker_is_admin() RETURNS boolean
    AS 'MODULE_PATHNAME', 'invoker_is_admin' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION share_acl.invoker_is_admin() IS
    'whether the calling role (outside SECURITY DEFINER functions) is a superuser or a member of share_acl_admin, and no code of a role that is not runs in between (another role''s SECURITY DEFINER function, a foreign key''s action as its table''s owner)';

-- checks
CREATE FUNCTION share_acl.has_access(resource uuid, perms share_acl.permset) RETURNS boolean
    AS 'MODULE_PATHNAME', 'has_access_current' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.has_access(uuid, share_acl.permset) IS
    'whether the current principal (or link context) has every permission of perms on the resource or workspace';

CREATE FUNCTION share_acl.has_access(principal uuid, resource uuid, perms share_acl.permset) RETURNS boolean
    AS 'MODULE_PATHNAME', 'has_access_principal' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.has_access(uuid, uuid, share_acl.permset) IS
    'whether the principal has every permission of perms on the resource or workspace';

CREATE FUNCTION share_acl.effective_permissions(principal uuid, resource uuid) RETURNS share_acl.permset
    AS 'MODULE_PATHNAME', 'effective_permissions_principal' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.effective_permissions(uuid, uuid) IS
    'the effective permissions E(P, R) of SPEC section 3 (empty for unknown ids)';

CREATE FUNCTION share_acl.effective_permissions(resource uuid) RETURNS share_acl.permset
    AS 'MODULE_PATHNAME', 'effective_permissions_current' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.effective_permissions(uuid) IS
    'the effective permissions of the current principal (or link context) on the resource';

CREATE FUNCTION share_acl.explain_access(principal uuid, resource uuid, perms share_acl.permset)
    RETURNS TABLE (rule text, via_resource uuid, via_principal uuid, perms share_acl.permset, detail text)
    AS 'MODULE_PATHNAME', 'explain_access' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION share_acl.explain_access(uuid, uuid, share_acl.permset) IS
    'every contribution and cap behind E(P, R), with its rule number, and a final result row';

CREATE FUNCTION share_acl.accessible_resources(principal uuid, perms share_acl.permset,
                                               kind share_acl.resource_kind DEFAULT NULL)
    RETURNS SETOF uuid
    AS 'MODULE_PATHNAME', 'accessible_resources' LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION share_acl.accessible_resources(uuid, share_acl.permset, share_acl.resource_kind) IS
    'every resource (of the kind, when given) on which the principal has every permission of perms';

CREATE FUNCTION share_acl._who_has_access(resource uuid)
    RETURNS TABLE (principal uuid, role text, perms share_acl.permset, via text)
    AS 'MODULE_PATHNAME', 'who_has_access_internal' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 50;
COMMENT ON FUNCTION share_acl._who_has_access(uuid) IS 'internal: who_has_access without the e-mail join';

CREATE FUNCTION share_acl.who_has_access(resource uuid)
    RETURNS TABLE (principal uuid, email text, role share_acl.workspace_role, perms share_acl.permset, via text)
LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT w.principal, p.email, w.role::share_acl.workspace_role, w.perms, w.via
    FROM share_acl._who_has_access(resource) w
    JOIN share_acl.principal p ON p.id = w.principal
    ORDER BY p.email
$$;
COMMENT ON FUNCTION share_acl.who_has_access(uuid) IS
    'every person with non-empty effective permissions on the resource, their role, permissions and the rules that gave them';

-- the keyed uuid hash of this backend (tests check that it is keyed)
CREATE FUNCTION share_acl._uuid_hash(id uuid) RETURNS integer
    AS 'MODULE_PATHNAME', 'uuid_hash_internal' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION share_acl._uuid_hash(uuid) IS
    'internal: the keyed hash of id that this backend''s uuid indexes use (a per-backend random key)';
