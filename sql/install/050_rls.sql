-- Row-level security for application tables (SPEC section 9): protect() and
-- unprotect().  The policies call share_acl.has_access and nothing slower.

CREATE FUNCTION share_acl.is_owner(resource uuid) RETURNS boolean
    AS 'MODULE_PATHNAME', 'is_owner_current' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.is_owner(uuid) IS
    'whether the current principal owns (created) the resource';

CREATE FUNCTION share_acl.parent_is(resource uuid, parent uuid) RETURNS boolean
    AS 'MODULE_PATHNAME', 'parent_is_current' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.parent_is(uuid, uuid) IS
    'whether the resource sits under parent (its parent, or its workspace when top-level), as far as the current principal or link context may view the resource (false when it may not)';

CREATE FUNCTION share_acl.protect(tbl regclass, resource_column name DEFAULT 'id',
                                  parent_column name DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r text := pg_catalog.quote_ident(resource_column);
    p text := pg_catalog.quote_ident(parent_column);
    col name;
    typ oid;
    was_on boolean;
    pol name;
BEGIN
    -- (as every function that writes; _require_writable is not the caller's)
    IF pg_catalog.current_setting('transaction_read_only')::boolean THEN
        RAISE EXCEPTION 'cannot execute protect() in a read-only transaction'
            USING ERRCODE = 'read_only_sql_transaction';
    END IF;
    IF tbl IS NULL OR resource_column IS NULL THEN
        RAISE EXCEPTION 'protect() needs a table and a resource column'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- whether row-level security was on before protect() first turned it on
    -- (its policies' mark says; else the table, as it is now)
    SELECT d.description LIKE '%was on before' INTO was_on
      FROM pg_catalog.pg_policy x
      JOIN pg_catalog.pg_description d
        ON d.objoid = x.oid AND d.classoid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND d.objsubid = 0
     WHERE x.polrelid = tbl AND x.polname = 'share_acl_select' AND d.description LIKE 'share_acl.protect():%';
    IF was_on IS NULL THEN
        SELECT c.relrowsecurity INTO was_on FROM pg_catalog.pg_class c WHERE c.oid = tbl;
    END IF;
    -- the old policies go first (unprotect() says when the caller is not
    -- the table's owner); an error below brings them back
    PERFORM share_acl.unprotect(tbl);
    -- a policy of the table's own by one of protect()'s names: protect()
    -- neither drops it nor replaces it (it may be a restrictive one)
    SELECT x.polname INTO pol FROM pg_catalog.pg_policy x
     WHERE x.polrelid = tbl
       AND x.polname IN ('share_acl_select', 'share_acl_insert', 'share_acl_update', 'share_acl_delete')
     ORDER BY x.polname LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'policy "%" of table % was not created by protect()', pol, tbl
            USING ERRCODE = 'duplicate_object',
                  HINT = 'protect() creates the policies share_acl_select, share_acl_insert, share_acl_update and share_acl_delete: rename the table''s own.';
    END IF;
    -- both columns exist and hold uuids (checked here, not in a helper:
    -- protect() runs with the caller's rights, and internal helpers are
    -- executable by the extension's owner only)
    FOREACH col IN ARRAY ARRAY[resource_column, parent_column] LOOP
        CONTINUE WHEN col IS NULL;
        SELECT a.atttypid INTO typ FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'column "%" of relation % does not exist', col, tbl
                USING ERRCODE = 'undefined_column';
        END IF;
        -- (a domain over uuid, at any depth, holds uuids too)
        IF NOT EXISTS (WITH RECURSIVE d(base) AS (
                           SELECT typ
                           UNION ALL
                           SELECT t.typbasetype FROM pg_catalog.pg_type t JOIN d ON t.oid = d.base
                            WHERE t.typtype = 'd')
                       SELECT FROM d WHERE d.base = 'pg_catalog.uuid'::pg_catalog.regtype) THEN
            RAISE EXCEPTION 'column "%" of relation % is of type %, not uuid', col, tbl, typ::pg_catalog.regtype
                USING ERRCODE = 'datatype_mismatch',
                      HINT = CASE WHEN col = resource_column
                                  THEN 'protect() needs the column that holds the row''s share_acl resource id.'
                                  ELSE 'protect()''s parent column holds the id of the share_acl resource a new row is uploaded into.' END;
        END IF;
    END LOOP;
    IF parent_column = resource_column THEN
        RAISE EXCEPTION 'protect(): the parent column cannot be the resource column "%"', resource_column
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The resource column holds the id of the share_acl resource a row belongs to; the parent column, the id of the resource a new row is uploaded into (NULL: none).';
    END IF;
    EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE pg_catalog.format(
        'CREATE POLICY share_acl_select ON %s FOR SELECT USING (share_acl.has_access(%s, %L::share_acl.permset))',
        tbl, r, 'view');
    -- with a parent column, the row's own resource, when share_acl knows it,
    -- must be one the principal views and sit under the parent named: a row
    -- may not name another tenant's resource under a parent of one's own,
    -- nor a resource one only views under a parent where one uploads (the
    -- workspace, say); one share_acl does not know (yet) needs the upload
    -- alone (has_access(x, '') is true on any known resource for a known
    -- principal or a link context, which the upload on the parent needs
    -- anyway)
    IF p IS NULL THEN
        EXECUTE pg_catalog.format(
            'CREATE POLICY share_acl_insert ON %s FOR INSERT WITH CHECK (share_acl.has_access(%s, %L::share_acl.permset))',
            tbl, r, 'upload');
    ELSE
        EXECUTE pg_catalog.format(
            'CREATE POLICY share_acl_insert ON %s FOR INSERT WITH CHECK (share_acl.has_access(%s, %L::share_acl.permset)'
            ' AND (share_acl.parent_is(%s, %s) OR NOT share_acl.has_access(%s, %L::share_acl.permset)))',
            tbl, p, 'upload', r, p, r, '');
    END IF;
    EXECUTE pg_catalog.format(
        'CREATE POLICY share_acl_update ON %s FOR UPDATE USING (share_acl.has_access(%s, %L::share_acl.permset))'
        ' WITH CHECK (share_acl.has_access(%s, %L::share_acl.permset))',
        tbl, r, 'edit', r, 'edit');
    EXECUTE pg_catalog.format(
        'CREATE POLICY share_acl_delete ON %s FOR DELETE USING (share_acl.has_access(%s, %L::share_acl.permset)'
        ' OR (share_acl.has_access(%s, %L::share_acl.permset) AND share_acl.is_owner(%s)))',
        tbl, r, 'delete', r, 'delete_own', r);
    -- the mark by which unprotect() knows them, and what it restores
    FOREACH pol IN ARRAY ARRAY['share_acl_select', 'share_acl_insert', 'share_acl_update', 'share_acl_delete']::name[] LOOP
        EXECUTE pg_catalog.format('COMMENT ON POLICY %I ON %s IS %L', pol, tbl,
            'share_acl.protect(): row-level security was ' || CASE WHEN was_on THEN 'on' ELSE 'off' END || ' before');
    END LOOP;
END $$;
COMMENT ON FUNCTION share_acl.protect(regclass, name, name) IS
    'enable row-level security on an application table with share_acl policies (view / upload on the parent / edit / delete or delete_own)';

CREATE FUNCTION share_acl.unprotect(tbl regclass) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    pol name;
    mark text;
    dropped boolean := false;
    was_on boolean := false;
    -- a column as pg_get_expr writes it in protect()'s expressions: a name,
    -- quoted or not, or one of a domain's type cast to uuid
    col_re constant text := '((?:\((?:"(?:[^"]|"")*"|[a-z_][a-z0-9_$]*)\)::[a-z_.]+|"(?:[^"]|"")*"|[a-z_][a-z0-9_$]*))';
BEGIN
    -- (as every function that writes; _require_writable is not the caller's)
    IF pg_catalog.current_setting('transaction_read_only')::boolean THEN
        RAISE EXCEPTION 'cannot execute unprotect() in a read-only transaction'
            USING ERRCODE = 'read_only_sql_transaction';
    END IF;
    IF tbl IS NULL THEN
        RAISE EXCEPTION 'unprotect() needs a table'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- (a regclass made from a number names no relation when none has that oid)
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = tbl) THEN
        RAISE EXCEPTION 'relation with OID % does not exist', tbl::pg_catalog.oid
            USING ERRCODE = 'undefined_table';
    END IF;
    -- share_acl's own tables are not application tables: their row-level
    -- security (audit_log, notifications) is the extension's, and the
    -- management functions read the others whole (protect() calls this first)
    IF (SELECT c.relnamespace FROM pg_catalog.pg_class c WHERE c.oid = tbl)
       = 'share_acl'::pg_catalog.regnamespace THEN
        RAISE EXCEPTION '% is a table of share_acl, not an application table', tbl
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'protect() and unprotect() are for the application''s own tables.';
    END IF;
    -- row-level security is a table's (a view's rows are its tables'; a
    -- materialized view or a foreign table has none)
    IF (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = tbl) NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '% is not a table', tbl
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'Protect the table the rows are stored in; a view reads it with the policies when it is created WITH (security_invoker = true).';
    END IF;
    -- only the table's owner may change its row-level security: say so
    -- before anything (else the refusal would come from DROP POLICY)
    IF NOT pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = tbl), 'USAGE') THEN
        RAISE EXCEPTION 'must be owner of table %', tbl
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'protect() and unprotect() change the table''s row-level security policies: run them as the table''s owner.';
    END IF;
    -- protect()'s policies, known by their names and their mark, or, where
    -- the mark is gone (a restore with pg_dump --no-comments), by being
    -- exactly what protect() makes: permissive, for everyone, the command
    -- their name says, and the expressions protect() writes for some
    -- columns (a policy of the table's own by such a name stays, whatever
    -- it calls).  Without the mark, what row-level security was before is
    -- not known: it stays on.
    FOR pol, mark IN
        SELECT x.polname, d.description FROM pg_catalog.pg_policy x
          LEFT JOIN pg_catalog.pg_description d
            ON d.objoid = x.oid AND d.classoid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND d.objsubid = 0
          CROSS JOIN LATERAL (SELECT pg_catalog.pg_get_expr(x.polqual, x.polrelid) AS q,
                                     pg_catalog.pg_get_expr(x.polwithcheck, x.polrelid) AS c) e
         WHERE x.polrelid = tbl
           AND x.polname IN ('share_acl_select', 'share_acl_insert', 'share_acl_update', 'share_acl_delete')
           AND (d.description LIKE 'share_acl.protect():%'
                OR (d.description IS NULL AND x.polpermissive AND x.polroles = '{0}'::pg_catalog.oid[]
                    AND CASE x.polname
                        WHEN 'share_acl_select' THEN x.polcmd = 'r' AND e.c IS NULL
                             AND e.q ~ ('^share_acl\.has_access\(' || col_re || ', ''view''::share_acl\.permset\)$')
                        WHEN 'share_acl_update' THEN x.polcmd = 'w' AND e.c = e.q
                             AND e.q ~ ('^share_acl\.has_access\(' || col_re || ', ''edit''::share_acl\.permset\)$')
                        WHEN 'share_acl_delete' THEN x.polcmd = 'd' AND e.c IS NULL
                             AND e.q ~ ('^\(share_acl\.has_access\(' || col_re || ', ''delete''::share_acl\.permset\)'
                                        ' OR \(share_acl\.has_access\(\1, ''delete_own''::share_acl\.permset\)'
                                        ' AND share_acl\.is_owner\(\1\)\)\)$')
                        ELSE x.polcmd = 'a' AND e.q IS NULL
                             AND (e.c ~ ('^share_acl\.has_access\(' || col_re || ', ''upload''::share_acl\.permset\)$')
                                  OR e.c ~ ('^\(share_acl\.has_access\(' || col_re || ', ''upload''::share_acl\.permset\)'
                                            ' AND \(share_acl\.parent_is\(' || col_re || ', \1\)'
                                            ' OR \(NOT share_acl\.has_access\(\2, ''''::share_acl\.permset\)\)\)\)$'))
                        END))
    LOOP
        EXECUTE pg_catalog.format('DROP POLICY %I ON %s', pol, tbl);
        dropped := true;
        was_on := was_on OR mark IS NULL OR mark LIKE '%was on before';
    END LOOP;
    -- row-level security goes off only if protect() turned it on and no
    -- other policy is left (a table that had it on with no policy, denying
    -- every row, keeps denying)
    IF dropped AND NOT was_on AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy WHERE polrelid = tbl) THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', tbl);
    END IF;
END $$;
COMMENT ON FUNCTION share_acl.unprotect(regclass) IS
    'remove the share_acl policies of protect(), and turn row-level security off if protect() turned it on and no other policy remains';

-- An application table's foreign key on a share_acl table: PostgreSQL checks
-- a new row's key as the owner of the referenced table (the extension's
-- owner), converting the referencing column to the key's type with that
-- column type's cast.  A type whose owner gave it an implicit cast to uuid
-- would have that cast run as the extension's owner at every insert.  So the
-- referencing column must be of the key's own type, or a domain over it
-- (which has no cast of its own): checked at the end of every command that
-- can make or change such a key, for the tables it made or changed (and the
-- typed tables of a composite type it changed; share_acl's own tables
-- aside).  This is a check, not a boundary: PostgreSQL validates a key added
-- to a table that has rows before the command ends, and may run the cast
-- then (README, "REFERENCES on share_acl.resource is a grant of trust").
CREATE FUNCTION share_acl._foreign_key_types() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad record;
BEGIN
    WITH changed AS (
             SELECT d.objid FROM pg_catalog.pg_event_trigger_ddl_commands() d
              WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass),
         touched(rel) AS (
             SELECT changed.objid FROM changed
             UNION
             SELECT t.oid FROM changed
               JOIN pg_catalog.pg_class ct ON ct.oid = changed.objid AND ct.relkind = 'c'
               JOIN pg_catalog.pg_class t ON t.reloftype = ct.reltype)
    SELECT c.conname, c.conrelid::pg_catalog.regclass AS tbl, a.attname,
           a.atttypid::pg_catalog.regtype AS typ, c.confrelid::pg_catalog.regclass AS ref,
           ka.atttypid::pg_catalog.regtype AS key_type
      INTO bad
      FROM pg_catalog.pg_constraint c
      JOIN touched ON touched.rel = c.conrelid
      JOIN pg_catalog.pg_class r ON r.oid = c.confrelid
      JOIN pg_catalog.pg_class t ON t.oid = c.conrelid
     CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(c.conkey), pg_catalog.unnest(c.confkey)) k(attnum, keynum)
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
      JOIN pg_catalog.pg_attribute ka ON ka.attrelid = c.confrelid AND ka.attnum = k.keynum
     WHERE c.contype = 'f'
       AND r.relnamespace = 'share_acl'::pg_catalog.regnamespace
       AND t.relnamespace <> 'share_acl'::pg_catalog.regnamespace
       AND NOT EXISTS (WITH RECURSIVE d(base) AS (
                           SELECT a.atttypid
                           UNION ALL
                           SELECT ty.typbasetype FROM pg_catalog.pg_type ty JOIN d ON ty.oid = d.base
                            WHERE ty.typtype = 'd')
                       SELECT FROM d WHERE d.base = ka.atttypid)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'foreign key "%" of table % references % by column "%" of type %, not %',
                        bad.conname, bad.tbl, bad.ref, bad.attname, bad.typ, bad.key_type
            USING ERRCODE = 'invalid_foreign_key',
                  DETAIL = 'PostgreSQL checks the key as the owner of the share_acl table, converting the column with its type''s cast.',
                  HINT = pg_catalog.format('Make the column %s, or a domain over %s.', bad.key_type, bad.key_type);
    END IF;
END $$;
COMMENT ON FUNCTION share_acl._foreign_key_types() IS
    'internal (event trigger): an application table''s foreign key on a share_acl table must use the key''s own type (or a domain over it), whose checks run no cast of the application''s';
CREATE EVENT TRIGGER share_acl_foreign_key_types ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE SCHEMA', 'ALTER TYPE')
    EXECUTE FUNCTION share_acl._foreign_key_types();
