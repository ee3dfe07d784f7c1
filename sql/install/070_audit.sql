-- The audit trail (SPEC section 7): every insert, update and delete on the model
-- tables, every link open and every refused management call, one row each
-- in share_acl.audit_log; append-only, hash-chained per workspace,
-- partitioned by month, readable with view_audit.
--
-- Writing.  Statement triggers with transition tables (named zzz_audit_*, so
-- that they fire after every integrity, cache and change-log trigger of the
-- same event: a statement those refuse costs no audit work) copy the changed
-- rows, secrets removed, into the unlogged table audit_stage: one INSERT ...
-- SELECT per statement, whatever the number of rows.  When the transaction
-- commits or is prepared, src/audit.c moves them into audit_log, giving each
-- its id, its time (`at`: when it was sealed, the commit) and its hash, under
-- a per-workspace lock held only while that transaction commits.  A rolled
-- back transaction or savepoint leaves no row.  Staged rows are never
-- visible to another transaction (they are deleted by the transaction that
-- wrote them), so audit_stage is empty but for transactions in progress.
--
-- Row contents: actor_id is share_acl.current_principal() (NULL for a
-- trusted administrator without a principal); db_role is session_user (the
-- role that logged in, not the owner a SECURITY DEFINER function runs as);
-- action is insert, update, delete, truncate, open_link or refused;
-- object_type the table (or 'link' for an open, the function for a refusal);
-- old and new are the row as jsonb without secrets: a link's password_hash
-- is replaced by has_password and password_version (a short digest of the
-- salted hash, new at every password set), a signing key's secret is left
-- out.  Tokens
-- and passwords are never in any row.  An UPDATE that changes nothing in a
-- row writes no row for it; updates of a link's counters alone (view_count,
-- last_viewed_at, failed_attempts) that the extension makes for an open
-- write none either, the opens have their own rows (any other change of
-- them is audited).
--
-- Chains.  Each workspace is one chain, and the rows without a workspace
-- (users, signing keys, TRUNCATE, an invalid token, ...) one more.  hash =
-- SHA-256(previous row's hash in the chain || canonical content of the row)
-- (src/audit.c); ids and times grow along each chain.  audit_chain holds each
-- chain's head (last id, time and hash) and its anchor (the last row that
-- audit_retain dropped).
--
-- Partitions.  audit_log is partitioned by range of `at`: a partition per
-- month, and a default partition that takes any row no month partition
-- holds, so that writing never depends on maintenance.  audit_retain(),
-- meant to run nightly (pg_cron), creates the partitions of this month and
-- the next two, moves rows out of the default partition into month
-- partitions, and drops the month partitions that are entirely older than
-- its argument, leaving each chain's anchor.

-- ---------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------

CREATE SEQUENCE share_acl.audit_log_id_seq;

CREATE TABLE share_acl.audit_log (
    id bigint NOT NULL DEFAULT pg_catalog.nextval('share_acl.audit_log_id_seq'::pg_catalog.regclass),
    at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    workspace_id uuid,
    actor_id uuid,
    db_role text NOT NULL DEFAULT session_user,
    action text NOT NULL,
    object_type text NOT NULL,
    object_id uuid,
    old jsonb,
    new jsonb,
    link_id uuid,
    viewer_email text,
    hash bytea NOT NULL
) PARTITION BY RANGE (at);
ALTER SEQUENCE share_acl.audit_log_id_seq OWNED BY share_acl.audit_log.id;
-- Each partition has its own indexes (id; workspace and id; object), made
-- with it, and the partitioned table none: a month partition is made after
-- CREATE EXTENSION, so pg_dump dumps it as a table of its own with its
-- indexes, which a restore could not create next to indexes that attaching
-- it to an indexed parent would have made already.  Ids are unique by
-- construction (one sequence).
CREATE TABLE share_acl.audit_log_default PARTITION OF share_acl.audit_log DEFAULT;
CREATE INDEX audit_log_default_id_idx ON share_acl.audit_log_default (id);
CREATE INDEX audit_log_default_workspace_idx ON share_acl.audit_log_default (workspace_id, id);
CREATE INDEX audit_log_default_object_idx ON share_acl.audit_log_default (object_id);
COMMENT ON TABLE share_acl.audit_log IS
    'the audit trail: one row per change of a model row, link open and refused call; append-only, hash-chained per workspace, partitioned by month of at';
COMMENT ON TABLE share_acl.audit_log_default IS
    'the rows of audit_log that no month partition holds (share_acl.audit_retain() moves them into month partitions)';

-- Staged rows of transactions in progress (see the top of this file).
-- txid is the writing (top-level) transaction, seq keeps the order; ref_type / ref_id name the object a row belongs
-- under when its trigger could not read its workspace (a cascade had
-- deleted it already).
CREATE UNLOGGED TABLE share_acl.audit_stage (
    txid xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    seq bigint GENERATED ALWAYS AS IDENTITY,
    workspace_id uuid,
    actor_id uuid,
    db_role text NOT NULL,
    action text NOT NULL,
    object_type text NOT NULL,
    object_id uuid,
    old jsonb,
    new jsonb,
    link_id uuid,
    viewer_email text,
    ref_type text,
    ref_id uuid
);
-- a transaction reads only its own rows: by this index, not through the dead
-- rows of every transaction since the last vacuum
CREATE INDEX audit_stage_txid_idx ON share_acl.audit_stage (txid);
COMMENT ON TABLE share_acl.audit_stage IS
    'internal: audit rows of transactions in progress, moved into audit_log when they commit';
-- A transaction stages its first few rows in its own memory instead
-- (src/audit_memory.c).  Its staged rows, wherever they are, in staging order
-- (for tests and inspection; the extension's owner alone may call these):
CREATE FUNCTION share_acl._audit_memory_rows()
RETURNS TABLE (seq bigint, workspace_id uuid, actor_id uuid, db_role text, action text,
               object_type text, object_id uuid, old jsonb, new jsonb, link_id uuid,
               viewer_email text)
    AS 'MODULE_PATHNAME', 'audit_memory_rows' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION share_acl._audit_memory_rows() IS
    'internal: the audit rows the current transaction staged in its memory';
CREATE FUNCTION share_acl._audit_staged_rows()
RETURNS TABLE (seq bigint, workspace_id uuid, actor_id uuid, db_role text, action text,
               object_type text, object_id uuid, old jsonb, new jsonb, link_id uuid,
               viewer_email text)
LANGUAGE sql VOLATILE AS $$
    SELECT m.* FROM share_acl._audit_memory_rows() m
    UNION ALL
    SELECT s.seq, s.workspace_id, s.actor_id, s.db_role, s.action, s.object_type, s.object_id,
           s.old, s.new, s.link_id, s.viewer_email
      FROM share_acl.audit_stage s
     WHERE s.txid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id_if_assigned()
    ORDER BY 1
$$;
COMMENT ON FUNCTION share_acl._audit_staged_rows() IS
    'internal: the audit rows the current transaction staged (in its memory and in audit_stage), in staging order';

-- One row per chain (the nil uuid: the rows without a workspace): its head,
-- updated by every seal, and its anchor, set by audit_retain.
CREATE TABLE share_acl.audit_chain (
    workspace_id uuid PRIMARY KEY,
    last_id bigint,
    last_at timestamptz,
    last_hash bytea,
    anchor_id bigint,
    anchor_hash bytea
) WITH (fillfactor = 50);      -- (each seal rewrites its head: room for a HOT update, as share_acl.link's)
COMMENT ON TABLE share_acl.audit_chain IS
    'internal: per audit chain (workspace; nil uuid for rows without one) the last sealed row and the anchor left by retention';

-- pg_dump keeps the log (every partition), its sequence and the chains
SELECT pg_catalog.pg_extension_config_dump('share_acl.audit_log_default', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.audit_log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.audit_chain', '');

-- ---------------------------------------------------------------------------
-- The hash (src/audit.c)
-- ---------------------------------------------------------------------------

CREATE FUNCTION share_acl._audit_chain_step(state bytea, seed bytea, id bigint, at timestamptz,
                                            workspace_id uuid, actor_id uuid, db_role text,
                                            action text, object_type text, object_id uuid,
                                            old jsonb, new jsonb, link_id uuid, viewer_email text)
RETURNS bytea
    AS 'MODULE_PATHNAME', 'audit_chain_step' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._audit_chain_step(bytea, bytea, bigint, timestamptz, uuid, uuid, text,
                                                text, text, uuid, jsonb, jsonb, uuid, text) IS
    'internal: SHA-256 of the previous hash (the state, else the seed) and the canonical content of one audit row';

CREATE AGGREGATE share_acl._audit_chain(seed bytea, id bigint, at timestamptz, workspace_id uuid,
                                        actor_id uuid, db_role text, action text, object_type text,
                                        object_id uuid, old jsonb, new jsonb, link_id uuid,
                                        viewer_email text) (
    SFUNC = share_acl._audit_chain_step,
    STYPE = bytea
);
COMMENT ON AGGREGATE share_acl._audit_chain(bytea, bigint, timestamptz, uuid, uuid, text, text, text,
                                           uuid, jsonb, jsonb, uuid, text) IS
    'internal: over the rows of one chain in id order (a window), each row''s hash; seed is the chain''s anchor';

-- The seal's pass: rows of many chains in the order they come, each
-- chained to the previous row of its own chain (seeds: the chains' heads).
CREATE FUNCTION share_acl._audit_chains_step(state internal, chains uuid[], seeds bytea[], id bigint,
                                             at timestamptz, workspace_id uuid, actor_id uuid, db_role text,
                                             action text, object_type text, object_id uuid, old jsonb,
                                             new jsonb, link_id uuid, viewer_email text)
RETURNS internal
    AS 'MODULE_PATHNAME', 'audit_chains_step' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._audit_chains_step(internal, uuid[], bytea[], bigint, timestamptz, uuid, uuid,
                                                 text, text, text, uuid, jsonb, jsonb, uuid, text) IS
    'internal: chain one more audit row to the last row of its own chain (per chain state)';
CREATE FUNCTION share_acl._audit_chains_final(state internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'audit_chains_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._audit_chains_final(internal) IS
    'internal: the hash of the audit row _audit_chains_step added last';
CREATE AGGREGATE share_acl._audit_chains(chains uuid[], seeds bytea[], id bigint, at timestamptz,
                                         workspace_id uuid, actor_id uuid, db_role text, action text,
                                         object_type text, object_id uuid, old jsonb, new jsonb,
                                         link_id uuid, viewer_email text) (
    SFUNC = share_acl._audit_chains_step,
    STYPE = internal,
    FINALFUNC = share_acl._audit_chains_final,
    FINALFUNC_MODIFY = READ_ONLY
);
COMMENT ON AGGREGATE share_acl._audit_chains(uuid[], bytea[], bigint, timestamptz, uuid, uuid, text, text,
                                            text, uuid, jsonb, jsonb, uuid, text) IS
    'internal: over audit rows of many chains in sealing order (a window), each row''s hash';

CREATE FUNCTION share_acl._audit_row_hash(prev bytea, id bigint, at timestamptz, workspace_id uuid,
                                          actor_id uuid, db_role text, action text, object_type text,
                                          object_id uuid, old jsonb, new jsonb, link_id uuid,
                                          viewer_email text)
RETURNS bytea
    AS 'MODULE_PATHNAME', 'audit_row_hash' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION share_acl._audit_row_hash(bytea, bigint, timestamptz, uuid, uuid, text, text, text,
                                              uuid, jsonb, jsonb, uuid, text) IS
    'internal: the hash of one audit row after the row whose hash is prev (NULL: the start of a chain)';

CREATE FUNCTION share_acl._audit_pending(unresolved boolean) RETURNS void
    AS 'MODULE_PATHNAME', 'audit_pending' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION share_acl._audit_pending(boolean) IS
    'internal: the transaction staged audit rows (some without their workspace when unresolved): seal them at commit';

CREATE FUNCTION share_acl._audit_staged(workspace uuid) RETURNS void
    AS 'MODULE_PATHNAME', 'audit_staged' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION share_acl._audit_staged(uuid) IS
    'internal: the current transaction staged one audit row in the chain of the workspace (NULL: the rows without one)';

CREATE FUNCTION share_acl._audit_set_maintenance(enabled boolean) RETURNS void
    AS 'MODULE_PATHNAME', 'audit_set_maintenance' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION share_acl._audit_set_maintenance(boolean) IS
    'internal: let audit_retain move rows out of the default partition until the end of the transaction';

-- ---------------------------------------------------------------------------
-- Append-only
-- ---------------------------------------------------------------------------

-- UPDATE, DELETE and TRUNCATE are refused for every role with 2F003
-- (prohibited_sql_statement_attempted), as for change_log: the owner and
-- superusers included (nobody has the privileges, and the triggers stop
-- those who do not need them).  Row triggers on the partitioned table are
-- cloned to every partition; TRUNCATE of a partition fires only its own
-- triggers, so every partition gets one (_audit_partition).  Enabled
-- ALWAYS: session_replication_role = replica does not switch them off.  A
-- superuser can still disable them, or drop a partition: audit_verify finds
-- what that changed.
CREATE FUNCTION share_acl.audit_log_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'audit_log_guard' LANGUAGE C;
COMMENT ON FUNCTION share_acl.audit_log_guard() IS
    'trigger on audit_log and its partitions: UPDATE, DELETE and TRUNCATE are refused (2F003), for every role';
CREATE TRIGGER audit_log_guard BEFORE UPDATE OR DELETE ON share_acl.audit_log
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_log_guard();
CREATE TRIGGER audit_log_guard_truncate BEFORE TRUNCATE ON share_acl.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_log_guard();
CREATE TRIGGER audit_log_guard_truncate BEFORE TRUNCATE ON share_acl.audit_log_default
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_log_guard();
ALTER TABLE share_acl.audit_log ENABLE ALWAYS TRIGGER audit_log_guard,
    ENABLE ALWAYS TRIGGER audit_log_guard_truncate;
ALTER TABLE share_acl.audit_log_default ENABLE ALWAYS TRIGGER audit_log_guard,
    ENABLE ALWAYS TRIGGER audit_log_guard_truncate;

-- the chain heads change only through the seal and retention
CREATE FUNCTION share_acl.audit_chain_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'the audit chain heads cannot be deleted'
        USING ERRCODE = 'prohibited_sql_statement_attempted';
END $$;
COMMENT ON FUNCTION share_acl.audit_chain_guard() IS
    'trigger on audit_chain: DELETE and TRUNCATE are refused (2F003)';
CREATE TRIGGER audit_chain_guard BEFORE DELETE ON share_acl.audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_chain_guard();
CREATE TRIGGER audit_chain_guard_truncate BEFORE TRUNCATE ON share_acl.audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_chain_guard();
ALTER TABLE share_acl.audit_chain ENABLE ALWAYS TRIGGER audit_chain_guard,
    ENABLE ALWAYS TRIGGER audit_chain_guard_truncate;

-- ---------------------------------------------------------------------------
-- Writing: the model tables' triggers, one row, application tables
-- ---------------------------------------------------------------------------

-- A template of audit_model_trigger's arguments for the row alias a: $R.
-- stands for the row's columns, $J for the row as jsonb.
CREATE FUNCTION share_acl._audit_template(template text, alias text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT replace(replace(template, '$R.', alias || '.'), '$J', alias || '._j')
$$;
COMMENT ON FUNCTION share_acl._audit_template(text, text) IS
    'internal: an audit trigger template for a row alias ($R. its columns, $J its jsonb)';

-- The statement that stages the audit rows of one model-table statement
-- (op: INSERT, UPDATE or DELETE), from the trigger's arguments, SQL templates
-- in which $R. stands for the changed row's columns and $J for the row as
-- jsonb: the workspace, the object id, the row as jsonb without secrets, the
-- type and id of the object whose workspace a row takes when its own cannot
-- be read (a cascade), the link id, the viewer's e-mail; then the columns
-- whose change alone is not audited (a text[] literal; transition tables and
-- UPDATE OF column lists do not go together).  Its parameters: $1 the actor,
-- $2 the session user, $3 the table's name, $4 those columns.  It reads the
-- transition tables old_rows and new_rows.
CREATE FUNCTION share_acl._audit_statement(op text, args text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cols constant text := 'INSERT INTO share_acl.audit_stage (workspace_id, actor_id, db_role, action, '
        'object_type, object_id, old, new, link_id, viewer_email, ref_type, ref_id) ';
    -- an UPDATE's old (a) and new (b) rows, paired, that changed an audited column
    changed_pairs constant text := ' FROM (SELECT row_number() OVER () AS _rn, to_jsonb(o) - $4 AS _k,'
        '              to_jsonb(o) AS _j, o.* FROM old_rows o) a'
        ' JOIN (SELECT row_number() OVER () AS _rn, to_jsonb(n) - $4 AS _k,'
        '              to_jsonb(n) AS _j, n.* FROM new_rows n) b ON a._rn = b._rn'
        ' WHERE a._k IS DISTINCT FROM b._k';
BEGIN
    IF op = 'UPDATE' THEN
        -- old and new rows pair up in the order of the transition tables; a
        -- row moved to another workspace (an administrator's UPDATE of its
        -- workspace, resource, team or link) also writes a row in the chain
        -- of the workspace it left, old the row as it was and new an empty
        -- object (not where it went), as audit_trigger does for a row moved
        -- to another resource: the log of that workspace tells that it left
        RETURN cols || format('SELECT %s, $1, $2, ''update'', $3, %s, %s, %s, %s, %s, NULLIF(%L, ''''), %s%s',
                              share_acl._audit_template(args[1], 'b'), share_acl._audit_template(args[2], 'b'),
                              share_acl._audit_template(args[3], 'a'), share_acl._audit_template(args[3], 'b'),
                              share_acl._audit_template(args[6], 'b'), share_acl._audit_template(args[7], 'b'),
                              args[4], share_acl._audit_template(args[5], 'b'), changed_pairs)
            || CASE WHEN args[1] = 'NULL::uuid' THEN '' ELSE
               format(' UNION ALL'
                      ' SELECT %s, $1, $2, ''update'', $3, %s, %s, ''{}''::pg_catalog.jsonb, %s, %s, NULLIF(%L, ''''), %s%s'
                      ' AND %s IS DISTINCT FROM %s',
                      share_acl._audit_template(args[1], 'a'), share_acl._audit_template(args[2], 'a'),
                      share_acl._audit_template(args[3], 'a'),
                      share_acl._audit_template(args[6], 'a'), share_acl._audit_template(args[7], 'a'),
                      args[4], share_acl._audit_template(args[5], 'a'), changed_pairs,
                      share_acl._audit_template(args[1], 'a'), share_acl._audit_template(args[1], 'b')) END;
    ELSIF op IN ('INSERT', 'DELETE') THEN
        RETURN cols || format('SELECT %s, $1, $2, %L, $3, %s, %s, %s, %s, %s, NULLIF(%L, ''''), %s'
                              ' FROM (SELECT to_jsonb(x) AS _j, x.* FROM %s x) x',
                              share_acl._audit_template(args[1], 'x'),
                              CASE op WHEN 'INSERT' THEN 'insert' ELSE 'delete' END,
                              share_acl._audit_template(args[2], 'x'),
                              CASE WHEN op = 'DELETE' THEN share_acl._audit_template(args[3], 'x') ELSE 'NULL' END,
                              CASE WHEN op = 'INSERT' THEN share_acl._audit_template(args[3], 'x') ELSE 'NULL' END,
                              share_acl._audit_template(args[6], 'x'), share_acl._audit_template(args[7], 'x'),
                              args[4], share_acl._audit_template(args[5], 'x'),
                              CASE WHEN op = 'DELETE' THEN 'old_rows' ELSE 'new_rows' END);
    END IF;
    RAISE EXCEPTION 'no audit statement for %', op USING ERRCODE = 'invalid_parameter_value';
END $$;
COMMENT ON FUNCTION share_acl._audit_statement(text, text[]) IS
    'internal: the statement that stages the audit rows of a model-table statement, from audit_model_trigger''s arguments';

-- Statement trigger on a model table (one per event: transition tables),
-- with the 8 arguments of _audit_statement.  Each backend prepares the
-- statement of each trigger once and keeps its plan (src/audit_stage.c).
-- Not SECURITY DEFINER: the one row of a management function's statement is
-- staged without a statement, as the caller; the statements that write
-- audit_stage, which no other role may, run as the owner of audit_log with
-- search_path pinned, switched to in C only around them.
CREATE FUNCTION share_acl.audit_model_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME', 'audit_model_trigger'
    LANGUAGE C;
COMMENT ON FUNCTION share_acl.audit_model_trigger() IS
    'statement trigger on the model tables: stage one audit row per changed row (secrets removed), sealed at commit';

DO $$
DECLARE
    t record;
BEGIN
    -- table, workspace, object id, jsonb, ref type, ref id, link id, viewer
    -- e-mail, columns whose change alone is not audited
    FOR t IN SELECT * FROM (VALUES
        ('workspace', '$R.id', '$R.id', '$J', '', 'NULL::uuid', 'NULL::uuid', 'NULL::text', '{}'),
        ('principal', '$R.workspace_id', '$R.id', '$J', '', 'NULL::uuid', 'NULL::uuid', 'NULL::text', '{}'),
        ('member', '$R.workspace_id', '$R.principal_id', '$J', '', 'NULL::uuid', 'NULL::uuid', 'NULL::text', '{}'),
        ('team_member', '(SELECT p.workspace_id FROM share_acl.principal p WHERE p.id = $R.team_id)',
         '$R.team_id', '$J', 'principal', '$R.team_id', 'NULL::uuid', 'NULL::text', '{}'),
        ('resource', '$R.workspace_id', '$R.id', '$J', '', 'NULL::uuid', 'NULL::uuid', 'NULL::text', '{}'),
        ('collection_item', '(SELECT r.workspace_id FROM share_acl.resource r WHERE r.id = $R.collection_id)',
         '$R.resource_id', '$J', 'resource', '$R.collection_id', 'NULL::uuid', 'NULL::text', '{}'),
        ('share', '(SELECT r.workspace_id FROM share_acl.resource r WHERE r.id = $R.resource_id)',
         '$R.id', '$J', 'resource', '$R.resource_id', 'NULL::uuid', 'NULL::text', '{}'),
        ('link', '(SELECT r.workspace_id FROM share_acl.resource r WHERE r.id = $R.resource_id)',
         '$R.id',
         -- (password_version: 16 hex digits of the SHA-256 of the salted hash,
         -- new at every password set, so that a change of it shows; nothing
         -- of the password can be learnt from it)
         '($J - ''password_hash'') || jsonb_build_object(''has_password'', $R.password_hash IS NOT NULL,'
         ' ''password_version'', left(encode(sha256(convert_to($R.password_hash, ''UTF8'')), ''hex''), 16))',
         'resource', '$R.resource_id', '$R.id', 'NULL::text',
         -- the counters every open changes write no update row when the
         -- extension moves them for an open (which has its own row:
         -- src/audit_stage.c, AuditOwnCounterUpdates); other changes of them do
         '{view_count,last_viewed_at,failed_attempts}'),
        ('link_view', '(SELECT r.workspace_id FROM share_acl.link l JOIN share_acl.resource r ON r.id = l.resource_id'
                      ' WHERE l.id = $R.link_id)',
         '$R.link_id', '$J', 'link', '$R.link_id', '$R.link_id', '$R.viewer_email', '{}'),
        ('signing_key', 'NULL::uuid', 'NULL::uuid', '$J - ''secret''', '', 'NULL::uuid', 'NULL::uuid',
         'NULL::text', '{}'),
        ('promotion_request', '$R.workspace_id', '$R.id', '$J', '', 'NULL::uuid', 'NULL::uuid',
         'NULL::text', '{}'),
        ('review', '(SELECT r.workspace_id FROM share_acl.resource r WHERE r.id = $R.resource_id)',
         '$R.id', '$J', 'resource', '$R.resource_id', 'NULL::uuid', 'NULL::text', '{}'),
        ('review_reviewer', '(SELECT r.workspace_id FROM share_acl.resource r WHERE r.id = $R.resource_id)',
         '$R.review_id', '$J', 'resource', '$R.resource_id', 'NULL::uuid', 'NULL::text', '{}'),
        ('notification_preference', 'NULL::uuid', '$R.principal_id', '$J', '', 'NULL::uuid', 'NULL::uuid',
         'NULL::text', '{}'),
        ('notification_mute', '(SELECT r.workspace_id FROM share_acl.resource r WHERE r.id = $R.resource_id)',
         '$R.principal_id', '$J', 'resource', '$R.resource_id', 'NULL::uuid', 'NULL::text', '{}')
    ) AS v(tbl, ws, obj, js, ref_type, ref_id, link_id, email, unaudited)
    LOOP
        EXECUTE format('CREATE TRIGGER zzz_audit_insert AFTER INSERT ON share_acl.%I
                        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
                        EXECUTE FUNCTION share_acl.audit_model_trigger(%L, %L, %L, %L, %L, %L, %L, %L)',
                       t.tbl, t.ws, t.obj, t.js, t.ref_type, t.ref_id, t.link_id, t.email, t.unaudited);
        EXECUTE format('CREATE TRIGGER zzz_audit_update AFTER UPDATE ON share_acl.%I
                        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
                        EXECUTE FUNCTION share_acl.audit_model_trigger(%L, %L, %L, %L, %L, %L, %L, %L)',
                       t.tbl, t.ws, t.obj, t.js, t.ref_type, t.ref_id, t.link_id, t.email, t.unaudited);
        EXECUTE format('CREATE TRIGGER zzz_audit_delete AFTER DELETE ON share_acl.%I
                        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
                        EXECUTE FUNCTION share_acl.audit_model_trigger(%L, %L, %L, %L, %L, %L, %L, %L)',
                       t.tbl, t.ws, t.obj, t.js, t.ref_type, t.ref_id, t.link_id, t.email, t.unaudited);
        EXECUTE format('CREATE TRIGGER zzz_audit_truncate AFTER TRUNCATE ON share_acl.%I
                        FOR EACH STATEMENT
                        EXECUTE FUNCTION share_acl.audit_model_trigger(%L, %L, %L, %L, %L, %L, %L, %L)',
                       t.tbl, t.ws, t.obj, t.js, t.ref_type, t.ref_id, t.link_id, t.email, t.unaudited);
        -- also with session_replication_role = replica (an administrator's
        -- change is audited whatever the setting)
        EXECUTE format('ALTER TABLE share_acl.%I ENABLE ALWAYS TRIGGER zzz_audit_insert,
                        ENABLE ALWAYS TRIGGER zzz_audit_update, ENABLE ALWAYS TRIGGER zzz_audit_delete,
                        ENABLE ALWAYS TRIGGER zzz_audit_truncate', t.tbl);
    END LOOP;
END $$;

-- ---------------------------------------------------------------------------
-- Refused calls
-- ---------------------------------------------------------------------------

-- A call refused with 42501 aborts its transaction, and any row written in
-- it.  So every such refusal goes through _deny(), which first hands its
-- audit row to a background worker that writes it in a transaction of its
-- own (src/audit_worker.c: action 'refused', object_type the function that
-- was called, object_id its target, new the message and refused_at, the
-- time of the refusal: the row's at is its worker's commit, and the rows of
-- calls refused one after the other may commit in another order), then
-- raises.  When
-- the row cannot be handed over, a LOG line of the server says so, with the
-- same facts.
CREATE FUNCTION share_acl._audit_refusal(function text, object uuid, workspace uuid, actor uuid,
                                         db_role text, message text)
RETURNS boolean
    AS 'MODULE_PATHNAME', 'audit_refusal' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION share_acl._audit_refusal(text, uuid, uuid, uuid, text, text) IS
    'internal: hand the audit row of a refused call to a background worker (its own transaction); false, after a LOG line, when it could not';

-- In that worker: stage the row (sealed when the worker commits).
CREATE FUNCTION share_acl._audit_record_refusal(function text, object uuid, workspace uuid, actor uuid,
                                                db_role text, message text, refused_at timestamptz)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO share_acl.audit_stage (workspace_id, actor_id, db_role, action, object_type, object_id, new)
    VALUES (workspace, actor, db_role, 'refused', function, object,
            pg_catalog.jsonb_build_object('message', message, 'refused_at', refused_at));
    PERFORM share_acl._audit_staged(workspace);
END $$;
COMMENT ON FUNCTION share_acl._audit_record_refusal(text, uuid, uuid, uuid, text, text, timestamptz) IS
    'internal: stage the audit row of a refused call (run by the background worker of _audit_refusal)';

-- Refuse with 42501: record the refusal (see above), then raise the message
-- (with its detail and hint).  The function named in the row is the
-- outermost share_acl function of the call, the one the caller called.
CREATE FUNCTION share_acl._deny(target uuid, message text, detail text DEFAULT NULL, hint text DEFAULT NULL)
RETURNS void
    AS 'MODULE_PATHNAME', 'deny' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION share_acl._deny(uuid, text, text, text) IS
    'internal: refuse a call with 42501 (message, detail, hint), its audit row written by a background worker first';

-- The workspace of a workspace, resource, team or link id, or NULL.  (Only
-- the kinds whose ids are one namespace, the id registry's: a share's,
-- review's or request's id may equal a resource's that someone chose, so a
-- refusal names the share's or review's resource, the request's workspace.)
CREATE FUNCTION share_acl._audit_workspace_of(id uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT w.id FROM share_acl.workspace w WHERE w.id = $1),
        (SELECT r.workspace_id FROM share_acl.resource r WHERE r.id = $1),
        (SELECT p.workspace_id FROM share_acl.principal p WHERE p.id = $1),
        (SELECT r.workspace_id FROM share_acl.link l JOIN share_acl.resource r ON r.id = l.resource_id
          WHERE l.id = $1))
$$;
COMMENT ON FUNCTION share_acl._audit_workspace_of(uuid) IS
    'internal: the workspace of a workspace, resource, team or link id (NULL for anything else)';

-- SPEC section 7: a trigger an application attaches to its own tables.  Its
-- argument names the column holding the share_acl resource the row belongs
-- to; the row's workspace is that resource's.  Row-level:
--   CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON app.asset
--       FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('id');
-- or statement-level, with the transition tables named new_rows / old_rows
-- (one trigger per event; the cheaper one for bulk changes):
--   CREATE TRIGGER audit_ins AFTER INSERT ON app.asset REFERENCING NEW TABLE AS new_rows
--       FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_trigger('id');
-- object_type is the table's schema-qualified name, object_id the resource,
-- old/new the whole row (an application must not audit secret columns: it
-- chooses the tables).  Not SECURITY DEFINER: the rows' jsonb is made as
-- the role whose statement fired it (to_jsonb calls a type's cast to json,
-- the application's code); only the INSERT of the made rows into
-- audit_stage runs as the owner of audit_log (src/audit_app.c).
CREATE FUNCTION share_acl.audit_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME', 'audit_trigger' LANGUAGE C;
COMMENT ON FUNCTION share_acl.audit_trigger() IS
    'trigger for application tables (arguments: the uuid column of the row''s share_acl resource, without which column id when it is a uuid, else none; then the columns whose values the audit rows leave out): audit each changed row with the acting principal';

-- ---------------------------------------------------------------------------
-- Reading
-- ---------------------------------------------------------------------------

-- Whether the current principal may read a workspace's audit rows: it
-- holds view_audit on the workspace, and the id is a workspace's (a
-- resource's owner holds view_audit on it too, and a deleted workspace's
-- id, whose rows stay, may be any tenant's new resource's).
CREATE FUNCTION share_acl.audit_readable(workspace uuid) RETURNS boolean
    AS 'MODULE_PATHNAME', 'audit_readable' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.audit_readable(uuid) IS
    'whether the current principal holds view_audit on this workspace (an existing workspace''s id, not a resource''s)';

-- A principal sees a workspace's rows with view_audit on it (R12: the owner
-- and admins); a trusted administrator without a principal sees every row,
-- by a policy for share_acl_admin alone (superusers bypass row-level
-- security), so that a query through another role's view, whose owner the
-- policies are chosen for, is never an administrator's.  Rows without a
-- workspace (users, keys, invalid tokens) only the latter, and so the rows
-- of a deleted workspace.  The partitions grant nothing to anyone (a query
-- on one would skip these policies).
ALTER TABLE share_acl.audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_log_read ON share_acl.audit_log FOR SELECT
    USING (share_acl.audit_readable(workspace_id));
CREATE POLICY audit_log_admin ON share_acl.audit_log FOR SELECT TO share_acl_admin
    USING (share_acl.current_principal() IS NULL AND share_acl.invoker_is_admin());

-- The history of a resource and of everything below it (children,
-- collection items, recursively; and what was below it once: rows whose
-- old or new row names one of those as parent, collection or resource; and
-- the opens of the share links made on any of them),
-- oldest first, as far as the caller may read audit_log.  Runs with the
-- caller's rights: row-level security decides.
CREATE FUNCTION share_acl.audit_for(resource uuid) RETURNS SETOF share_acl.audit_log
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
DECLARE
    ws uuid[];
BEGIN
    -- its workspace (and the one a deleted resource was in): only their rows
    -- are read, never other tenants'
    SELECT pg_catalog.array_agg(x.w) INTO ws FROM (
        SELECT r.workspace_id AS w FROM share_acl.resource r WHERE r.id = audit_for.resource
        UNION
        SELECT l.workspace_id FROM share_acl.audit_log l
         WHERE l.object_id = audit_for.resource AND l.object_type = 'resource') x;
    -- Planned for those workspaces (the ids are parameters whose values the
    -- planner sees): a small tenant's rows are read by the (workspace_id, id)
    -- index, however many rows the other tenants have, where a plan made
    -- without them would assume each workspace holds an average share of
    -- the log (with two tenants, half of it: a scan of the whole log).
    -- Each audit row is matched against the resources below through hashed
    -- sets, not arrays searched from end to end: one probe per column,
    -- however many resources are below.
    RETURN QUERY EXECUTE $q$
    WITH RECURSIVE below(id) AS (
        SELECT $1
        UNION
        SELECT x.id FROM below,
          LATERAL (SELECT r.id FROM share_acl.resource r WHERE r.parent_id = below.id
                   UNION ALL
                   SELECT ci.resource_id FROM share_acl.collection_item ci
                    WHERE ci.collection_id = below.id) x
    ), ids AS MATERIALIZED (
        -- (t: as text, the way a row's jsonb holds a uuid: an application
        -- row may hold anything in a column named like the model's)
        SELECT id AS a, id::text AS t FROM below
    ), links AS MATERIALIZED (
        -- the share links ever made on one of them (their opens name the link only)
        SELECT l.object_id AS a FROM share_acl.audit_log l
         WHERE l.workspace_id = ANY ($2) AND l.object_type = 'link' AND l.action = 'insert'
           AND (l.new ->> 'resource_id') IN (SELECT t FROM ids)
    )
    SELECT l.* FROM share_acl.audit_log l
     WHERE l.workspace_id = ANY ($2)
       AND (l.object_id IN (SELECT a FROM ids) OR l.link_id IN (SELECT a FROM links)
            -- (the columns of the model's rows, which only share_acl writes:
            -- an application's row, object_type schema.table, is its
            -- audited resource's only, whatever else it names)
            OR (strpos(l.object_type, '.') = 0
                AND ((l.new ->> 'resource_id') IN (SELECT t FROM ids) OR (l.old ->> 'resource_id') IN (SELECT t FROM ids)
                     OR (l.new ->> 'parent_id') IN (SELECT t FROM ids) OR (l.old ->> 'parent_id') IN (SELECT t FROM ids)
                     OR (l.new ->> 'collection_id') IN (SELECT t FROM ids)
                     OR (l.old ->> 'collection_id') IN (SELECT t FROM ids))))
     ORDER BY l.id
    $q$ USING resource, ws;
END $$;
COMMENT ON FUNCTION share_acl.audit_for(uuid) IS
    'the audit rows of a resource and of everything below it, oldest first (as row-level security on audit_log lets the caller see them)';

-- ---------------------------------------------------------------------------
-- Verification
-- ---------------------------------------------------------------------------

-- Recompute every chain (or the workspace's) from its anchor, in id order,
-- and compare with the stored hashes and with the chain's head.  ok, and
-- the first row that does not fit: an edited row (its own hash), a deleted
-- row (the row after it), an inserted row (itself, or the row after it),
-- swapped rows, rows deleted at the end (the head's last id), rows at or
-- before the anchor.  It reads rows only, so it finds what was done with
-- the triggers disabled just as well.  A principal needs view_audit on the
-- workspace; every chain at once is for a trusted administrator.
CREATE FUNCTION share_acl.audit_verify(workspace uuid DEFAULT NULL)
RETURNS TABLE (ok boolean, first_bad_id bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    nil constant uuid := '00000000-0000-0000-0000-000000000000'::uuid;
    actor uuid := share_acl.current_principal();
    bad bigint;
BEGIN
    IF actor IS NULL AND NOT share_acl.invoker_is_admin() THEN
        PERFORM share_acl._deny(audit_verify.workspace,
            'permission denied: no principal set',
            NULL, 'Call share_acl.set_principal() first, in the same transaction: it lasts until the transaction ends (in psql''s autocommit, only for its own statement); only a superuser or a member of share_acl_admin may verify without a principal.');
    END IF;
    IF actor IS NOT NULL AND workspace IS NULL THEN
        PERFORM share_acl._deny(NULL,
            'permission denied: audit_verify of every workspace is for trusted administrators',
            NULL, 'Name a workspace on which you hold view_audit, or call it without a principal as a superuser or a member of share_acl_admin.');
    END IF;
    -- (an administrator may verify the chain a deleted workspace left)
    IF actor IS NULL AND workspace <> nil
       AND NOT EXISTS (SELECT FROM share_acl.workspace x WHERE x.id = audit_verify.workspace)
       AND NOT EXISTS (SELECT FROM share_acl.audit_chain c WHERE c.workspace_id = audit_verify.workspace) THEN
        RAISE EXCEPTION 'audit_verify: no workspace % and no audit chain of it', workspace
            USING ERRCODE = 'no_data_found';
    END IF;
    -- (a workspace's id: has_access answers on resources too)
    IF actor IS NOT NULL AND (NOT EXISTS (SELECT FROM share_acl.workspace x WHERE x.id = audit_verify.workspace)
                              OR NOT coalesce(share_acl.has_access(actor, workspace, 'view_audit'), false)) THEN
        PERFORM share_acl._deny(audit_verify.workspace,
            pg_catalog.format('permission denied: audit_verify requires "view_audit" on workspace %s', workspace),
            NULL, 'The argument is a workspace''s id (not a resource''s): a principal verifies the chain of a workspace on which it holds view_audit.');
    END IF;
    WITH lr AS (
        SELECT l.*, coalesce(l.workspace_id, nil) AS chain FROM share_acl.audit_log l
         WHERE workspace IS NULL OR l.workspace_id = workspace
            OR (workspace = nil AND l.workspace_id IS NULL)
    ), walked AS (
        SELECT r.id, r.hash, r.chain, c.anchor_id,
               share_acl._audit_chain(c.anchor_hash, r.id, r.at, r.workspace_id, r.actor_id, r.db_role,
                                      r.action, r.object_type, r.object_id, r.old, r.new, r.link_id,
                                      r.viewer_email)
                   OVER (PARTITION BY r.chain ORDER BY r.id) AS expected,
               row_number() OVER (PARTITION BY r.chain ORDER BY r.id DESC) AS from_end
          FROM lr r LEFT JOIN share_acl.audit_chain c ON c.workspace_id = r.chain
    ), problems AS (
        -- a row whose hash is not the chain's, or at or before the anchor
        SELECT w.id FROM walked w
         WHERE w.hash IS DISTINCT FROM w.expected OR w.id <= w.anchor_id
        UNION ALL
        -- the last row is not the head (rows deleted at the end, or added after it)
        SELECT CASE WHEN w.id > h.last_id THEN w.id ELSE h.last_id END
          FROM walked w JOIN share_acl.audit_chain h ON h.workspace_id = w.chain
         WHERE w.from_end = 1 AND (w.id IS DISTINCT FROM h.last_id OR w.hash IS DISTINCT FROM h.last_hash)
        UNION ALL
        -- a chain of rows without a head (every seal writes one: deleted, and
        -- with it what says where the chain ends), named by its last row
        SELECT w.id FROM walked w
         WHERE w.from_end = 1
           AND NOT EXISTS (SELECT 1 FROM share_acl.audit_chain h WHERE h.workspace_id = w.chain)
        UNION ALL
        -- a head whose chain has no row left after its anchor
        SELECT h.last_id FROM share_acl.audit_chain h
         WHERE (workspace IS NULL OR h.workspace_id = workspace)
           AND h.last_id > coalesce(h.anchor_id, 0)
           AND NOT EXISTS (SELECT 1 FROM lr r WHERE r.chain = h.workspace_id)
    )
    SELECT min(p.id) INTO bad FROM problems p;
    ok := bad IS NULL;
    first_bad_id := bad;
    RETURN NEXT;
END $$;
COMMENT ON FUNCTION share_acl.audit_verify(uuid) IS
    'recompute the audit hash chains (of one workspace, or all) and answer ok, or the first row id that was edited, deleted, inserted or moved';

-- ---------------------------------------------------------------------------
-- Partitions and retention
-- ---------------------------------------------------------------------------

-- The month partition holding month (its first day, UTC), created when missing,
-- with its indexes, the TRUNCATE guard and the triggers enabled ALWAYS.  Rows of that
-- month in the default partition are moved into it first.
-- A table the extension creates after its installation gets what default
-- privileges (ALTER DEFAULT PRIVILEGES of its owner, or of the schema)
-- grant: every privilege of any role but its owner is revoked.
CREATE FUNCTION share_acl._revoke_default_privileges(rel regclass) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    grantee name;
BEGIN
    -- (grantee NULL: PUBLIC)
    FOR grantee IN
        SELECT DISTINCT r.rolname
          FROM pg_class c
          CROSS JOIN LATERAL aclexplode(c.relacl) a
          LEFT JOIN pg_roles r ON r.oid = a.grantee
         WHERE c.oid = _revoke_default_privileges.rel AND a.grantee <> c.relowner
    LOOP
        IF grantee IS NULL THEN
            EXECUTE format('REVOKE ALL ON TABLE %s FROM PUBLIC', rel);
        ELSE
            EXECUTE format('REVOKE ALL ON TABLE %s FROM %I', rel, grantee);
        END IF;
    END LOOP;
END $$;
COMMENT ON FUNCTION share_acl._revoke_default_privileges(regclass) IS
    'internal: revoke what default privileges granted on a table the extension created';

CREATE FUNCTION share_acl._audit_partition(month date) RETURNS regclass
LANGUAGE plpgsql VOLATILE STRICT AS $$
DECLARE
    -- (any day of the month names it: the partition is the whole month's)
    first date := pg_catalog.date_trunc('month', month)::date;
    name text := 'audit_log_' || to_char(first, 'YYYY_MM');
    lo timestamptz := (first::timestamp AT TIME ZONE 'UTC');
    hi timestamptz := ((first + interval '1 month')::timestamp AT TIME ZONE 'UTC');
    rel regclass := to_regclass('share_acl.' || quote_ident(name));
BEGIN
    IF rel IS NOT NULL THEN
        RETURN rel;
    END IF;
    -- a new partition of a range the default partition holds rows of is
    -- refused: move them into a table of their own, then attach it
    EXECUTE format('CREATE TABLE share_acl.%I (LIKE share_acl.audit_log INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                   name);
    -- a partition grants nothing (a query on it would skip the policy)
    PERFORM share_acl._revoke_default_privileges(format('share_acl.%I', name)::regclass);
    -- no row may reach the default partition between the move and the
    -- attach (its check would fail): commits wait here until this
    -- transaction ends, and a prepared one's rows are moved too
    LOCK TABLE share_acl.audit_log_default IN EXCLUSIVE MODE;
    PERFORM share_acl._audit_set_maintenance(true);
    EXECUTE format('WITH moved AS (DELETE FROM share_acl.audit_log_default d WHERE d.at >= $1 AND d.at < $2
                                   RETURNING d.*)
                    INSERT INTO share_acl.%I SELECT * FROM moved', name) USING lo, hi;
    PERFORM share_acl._audit_set_maintenance(false);
    EXECUTE format('CREATE INDEX %I ON share_acl.%I (id)', name || '_id_idx', name);
    EXECUTE format('CREATE INDEX %I ON share_acl.%I (workspace_id, id)', name || '_workspace_idx', name);
    EXECUTE format('CREATE INDEX %I ON share_acl.%I (object_id)', name || '_object_idx', name);
    EXECUTE format('ALTER TABLE share_acl.audit_log ATTACH PARTITION share_acl.%I FOR VALUES FROM (%L) TO (%L)',
                   name, lo, hi);
    EXECUTE format('CREATE TRIGGER audit_log_guard_truncate BEFORE TRUNCATE ON share_acl.%I
                    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_log_guard()', name);
    EXECUTE format('ALTER TABLE share_acl.%I ENABLE ALWAYS TRIGGER audit_log_guard,
                    ENABLE ALWAYS TRIGGER audit_log_guard_truncate', name);
    RETURN format('share_acl.%I', name)::regclass;
END $$;
COMMENT ON FUNCTION share_acl._audit_partition(date) IS
    'internal: the audit_log partition of the month of a date (created when missing, its rows moved out of the default partition)';

-- Retention, for a trusted administrator (nightly, e.g. with pg_cron):
--   * month partitions for this month and the next two, and for every month
--     the default partition holds rows of (moved into them);
--   * the month partitions whose whole range is older than now() -
--     older_than are dropped, oldest first; before each, every chain it holds
--     rows of gets as anchor its last row there (id and hash), so
--     audit_verify checks what remains from there.  Ids and times grow along
--     each chain, so what is dropped of a chain is always its beginning.
--     Each partition is locked before its anchors are read: a prepared
--     transaction that sealed rows into it is waited for, and its rows
--     counted (an anchor read before its COMMIT PREPARED missed them, and the
--     chain then failed to verify for good).  Hence READ COMMITTED only (a
--     REPEATABLE READ snapshot, taken before the wait, would still miss
--     them: 25000).
--   * when it dropped something, a LOG line of the server says who, what
--     and how many rows (a row in the log itself would be sealed at commit,
--     taking the chain's lock after the partitions': a deadlock with the
--     writers of that chain).
-- Returns the number of rows dropped.  older_than must be positive.
-- What a retention function (audit_retain, notification_retain) keeps: the
-- rows of the last older_than, a positive interval; the caller a trusted
-- administrator, in a read-write transaction.  The time before which rows
-- go (-infinity when older_than reaches past the timestamp range).
CREATE FUNCTION share_acl._retention_cutoff(older_than interval, function text) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cutoff timestamptz;
BEGIN
    PERFORM share_acl._require_admin(function);
    IF older_than IS NULL THEN
        RAISE EXCEPTION '%: older_than must not be null', function USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- (no negative part: intervals compare with 30-day months, and
    -- '-1200 mons 36000 days 1 second' is "positive" while now() minus it,
    -- by calendar months, is years ahead: every row would go)
    IF older_than <= interval '0' THEN
        RAISE EXCEPTION '%: older_than must be a positive interval', function
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF extract(year FROM older_than) < 0 OR extract(month FROM older_than) < 0
       OR extract(day FROM older_than) < 0
       OR extract(epoch FROM older_than - date_trunc('day', older_than)) < 0 THEN
        RAISE EXCEPTION '%: older_than must be a positive interval', function
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('%s has a negative part.', older_than);
    END IF;
    BEGIN
        cutoff := now() - older_than;
    EXCEPTION WHEN datetime_field_overflow THEN
        RETURN '-infinity'::timestamptz;
    END;
    -- (and whatever the calendar makes of it, a time before now)
    IF cutoff >= now() THEN
        RAISE EXCEPTION '%: older_than must be a positive interval', function
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('now() - %s is not before now().', older_than);
    END IF;
    RETURN cutoff;
END $$;
COMMENT ON FUNCTION share_acl._retention_cutoff(interval, text) IS
    'internal: the checks of a retention function (a trusted administrator, a read-write transaction, a positive interval) and the time before which its rows go';

CREATE FUNCTION share_acl.audit_retain(older_than interval) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET share_acl.principal = ''
    -- (the partitions' bounds are read back from pg_get_expr's text: in UTC
    -- and ISO, whatever the caller's TimeZone and DateStyle, whose zone
    -- abbreviations may read back as other offsets)
    SET TimeZone = 'UTC' SET DateStyle = 'ISO, YMD' AS $$
DECLARE
    nil constant uuid := '00000000-0000-0000-0000-000000000000'::uuid;
    cutoff timestamptz;
    m date;
    part record;
    dropped bigint := 0::bigint;
    dropped_partitions text[] := ARRAY[]::text[];
    n bigint;
BEGIN
    cutoff := share_acl._retention_cutoff(older_than, 'audit_retain');
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'audit_retain must run in a READ COMMITTED transaction'
            USING ERRCODE = 'invalid_transaction_state',
                  DETAIL = 'It waits for prepared transactions that wrote into a partition it drops, and must then see their rows.';
    END IF;
    -- the month partitions: the default partition's months, this one and two more
    FOR m IN SELECT DISTINCT date_trunc('month', d.at AT TIME ZONE 'UTC')::date
               FROM share_acl.audit_log_default d
             UNION
             SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + k * interval '1 month')::date
               FROM generate_series(0, 2) k
             ORDER BY 1
    LOOP
        PERFORM share_acl._audit_partition(m);
    END LOOP;
    -- drop what is entirely older than the cutoff, oldest first
    FOR part IN
        SELECT c.oid::regclass AS rel,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']*)''\)'))[1]::timestamptz AS hi
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'share_acl.audit_log'::regclass
           AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
         ORDER BY 2
    LOOP
        EXIT WHEN part.hi > cutoff;
        -- (waits for a prepared transaction that wrote into it; the next
        -- statement's snapshot then sees its rows)
        EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', part.rel);
        EXECUTE format('INSERT INTO share_acl.audit_chain AS c (workspace_id, anchor_id, anchor_hash)
                        SELECT DISTINCT ON (coalesce(l.workspace_id, $1)) coalesce(l.workspace_id, $1), l.id, l.hash
                          FROM %s l ORDER BY coalesce(l.workspace_id, $1), l.id DESC
                        ON CONFLICT (workspace_id) DO UPDATE
                           SET anchor_id = excluded.anchor_id, anchor_hash = excluded.anchor_hash
                         WHERE c.anchor_id IS NULL OR c.anchor_id < excluded.anchor_id', part.rel) USING nil;
        EXECUTE format('SELECT count(*) FROM %s', part.rel) INTO n;
        dropped := dropped + n;
        dropped_partitions := dropped_partitions || part.rel::text;
        EXECUTE format('DROP TABLE %s', part.rel);
    END LOOP;
    IF cardinality(dropped_partitions) > 0 THEN
        RAISE LOG 'share_acl: audit_retain(%) by role % (principal %) dropped % audit rows before % (partitions %)',
            older_than, session_user, coalesce(share_acl.current_principal()::text, 'none'), dropped, cutoff,
            array_to_string(dropped_partitions, ', ');
    END IF;
    RETURN dropped;
END $$;
COMMENT ON FUNCTION share_acl.audit_retain(interval) IS
    'audit log retention (trusted administrators, e.g. nightly with pg_cron): create the coming month partitions, move rows out of the default partition, drop month partitions older than older_than leaving each chain''s anchor; returns the rows dropped';
