-- test/docs/reference.sql — writes REFERENCE.md from the installed extension.
--
-- Run with psql -qXAt in a database where share_acl is installed (and
-- nothing else in its schema); test/docs/run.sh compares the output with
-- REFERENCE.md.  Everything here is read from the catalogs: signatures with
-- their defaults, who may execute or read what (the ACLs), volatility, the
-- COMMENTs, the enum labels, the settings and the permission names (from
-- the hint of a refused permset input), so the reference cannot drift from
-- what is installed.
\pset footer off
-- (a call loads the library, which defines the settings)
\o /dev/null
SELECT share_acl.current_principal();
\o

-- who, besides the owner, holds privilege priv in acl ('PUBLIC' for grantee 0)
CREATE FUNCTION pg_temp.grantees(acl aclitem[], owner oid, priv text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                                    ELSE pg_catalog.quote_ident(r.rolname) END,
                               ', ' ORDER BY a.grantee <> 0, r.rolname), '')
      FROM pg_catalog.aclexplode(acl) a
      LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
     WHERE a.privilege_type = priv AND a.grantee <> owner
$$;
CREATE FUNCTION pg_temp.md(t text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT replace(replace(t, '|', '\|'), E'\n', ' ') $$;
-- a COMMENT as a sentence: capitalised, ending with a full stop
CREATE FUNCTION pg_temp.sentence(t text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_temp.md(upper(left(t, 1)) || substr(t, 2) || CASE WHEN t LIKE '%.' THEN '' ELSE '.' END)
$$;

-- the permission names, as the type's input refuses an unknown one
CREATE TEMP TABLE names (name text, ord int);
DO $$
DECLARE
    hint text;
BEGIN
    PERFORM 'no such permission'::share_acl.permset;
EXCEPTION WHEN invalid_text_representation THEN
    GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
    INSERT INTO names
    SELECT n, o FROM pg_catalog.unnest(pg_catalog.string_to_array(
        pg_catalog.regexp_replace(hint, '^[^:]*:\s*|\.$', '', 'g'), ', ')) WITH ORDINALITY AS u(n, o);
END $$;

SELECT '# share_acl reference';
SELECT '';
SELECT 'Every function, view, table, type and setting of share_acl ' || e.extversion
       || ' that an application or an operator uses, with who may use it. '
       || 'Written from the catalogs of an installed copy by `test/docs/reference.sql`; '
       || 'the test suite (suite `docs`) fails when this file differs from what is installed. '
       || 'README.md says how they work together; internal functions (names starting with `_`) '
       || 'and the triggers of share_acl''s own tables are left out.'
  FROM pg_catalog.pg_extension e WHERE e.extname = 'share_acl';
SELECT '';
SELECT 'Roles: `share_acl_user` (the application''s role), `share_acl_admin` (trusted '
       || 'administrators); PUBLIC is every role, including ones that are neither.';

-- permissions ------------------------------------------------------------------
SELECT '';
SELECT '## Permissions';
SELECT '';
SELECT 'Flags, in bit order (bit 0 first; a `share_acl.permset` holds any set of them):';
SELECT '';
SELECT string_agg('`' || n.name || '`', ', ' ORDER BY n.ord)
  FROM names n
 WHERE share_acl.permset_flags(n.name::share_acl.permset) = ARRAY[n.name];
SELECT '';
SELECT 'Named sets (accepted wherever a permset is, and expanded to their flags):';
SELECT '';
SELECT '| name | flags |';
SELECT '|---|---|';
SELECT '| `' || n.name || '` | '
       || array_to_string(share_acl.permset_flags(n.name::share_acl.permset), ', ') || ' |'
  FROM names n
 WHERE share_acl.permset_flags(n.name::share_acl.permset) <> ARRAY[n.name]
 ORDER BY n.ord;

-- types --------------------------------------------------------------------------
SELECT '';
SELECT '## Types';
SELECT '';
SELECT '- `share_acl.' || t.typname || '`: '
       || CASE WHEN t.typtype = 'e'
               THEN 'enum (' || (SELECT string_agg('`' || e.enumlabel || '`', ', ' ORDER BY e.enumsortorder)
                                   FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) || ')'
               ELSE 'base type, ' || t.typlen || ' bytes' END
       || coalesce('. ' || pg_temp.sentence(obj_description(t.oid, 'pg_type')), '')
  FROM pg_catalog.pg_type t
 WHERE t.typnamespace = 'share_acl'::regnamespace AND t.typtype IN ('b', 'e') AND t.typcategory <> 'A'
 ORDER BY t.typtype, t.typname;
SELECT '';
SELECT 'Operators on `share_acl.permset`:';
SELECT '';
SELECT '| operator | arguments | result | function |';
SELECT '|---|---|---|---|';
SELECT '| `' || pg_temp.md(o.oprname) || '` | '
       || coalesce(format_type(o.oprleft, NULL), '') || ', ' || format_type(o.oprright, NULL)
       || ' | ' || format_type(o.oprresult, NULL) || ' | ' || pg_temp.md(coalesce(
            obj_description(o.oid, 'pg_operator'), obj_description(o.oprcode, 'pg_proc'), o.oprcode::text)) || ' |'
  FROM pg_catalog.pg_operator o
 WHERE o.oprnamespace = 'share_acl'::regnamespace
 ORDER BY o.oprname, o.oprleft, o.oprright;
SELECT '';
SELECT 'Casts: ' || string_agg(format_type(c.castsource, NULL) || ' → ' || format_type(c.casttarget, NULL)
                              || ' (' || CASE c.castcontext WHEN 'e' THEN 'explicit' WHEN 'a' THEN 'assignment'
                                                            ELSE 'implicit' END || ')', ', '
                              ORDER BY format_type(c.castsource, NULL) COLLATE "C", format_type(c.casttarget, NULL) COLLATE "C") || '.'
  FROM pg_catalog.pg_cast c
 WHERE 'share_acl.permset'::regtype IN (c.castsource, c.casttarget);

-- functions ----------------------------------------------------------------------
CREATE TEMP VIEW fns AS
SELECT p.oid, p.proname,
       pg_temp.grantees(p.proacl, p.proowner, 'EXECUTE') AS callers,
       p.prokind, p.prorettype = 'trigger'::regtype AS is_trigger,
       p.provolatile, p.proparallel, p.prosecdef, p.proisstrict,
       p.oid IN (SELECT o.oprcode FROM pg_catalog.pg_operator o
                 UNION SELECT t.typinput FROM pg_catalog.pg_type t WHERE t.typnamespace = 'share_acl'::regnamespace
                 UNION SELECT t.typoutput FROM pg_catalog.pg_type t WHERE t.typnamespace = 'share_acl'::regnamespace
                 UNION SELECT t.typreceive FROM pg_catalog.pg_type t WHERE t.typnamespace = 'share_acl'::regnamespace
                 UNION SELECT t.typsend FROM pg_catalog.pg_type t WHERE t.typnamespace = 'share_acl'::regnamespace
                 UNION SELECT a.amproc FROM pg_catalog.pg_amproc a
                        JOIN pg_catalog.pg_opfamily f ON f.oid = a.amprocfamily
                       WHERE f.opfnamespace = 'share_acl'::regnamespace) AS type_support
  FROM pg_catalog.pg_proc p
 WHERE p.pronamespace = 'share_acl'::regnamespace AND p.proname !~ '^_';

-- one function: its signature, what it does (its COMMENT), how it runs and who may call it
CREATE FUNCTION pg_temp.entry(f oid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT '#### `' || p.proname || '(' || pg_catalog.pg_get_function_arguments(p.oid) || ')`'
           || CASE WHEN p.prokind = 'a' THEN ' (aggregate)'
                   ELSE ' → `' || pg_catalog.pg_get_function_result(p.oid) || '`' END
           || E'\n\n' || pg_temp.sentence(coalesce(obj_description(p.oid, 'pg_proc'), '(no description)'))
           || E'\n\n*' || concat_ws(', ',
               CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END,
               CASE p.proparallel WHEN 's' THEN 'parallel safe' WHEN 'r' THEN 'parallel restricted'
                                  ELSE 'parallel unsafe' END,
               CASE WHEN p.proisstrict THEN 'strict (NULL in, NULL out)' END,
               CASE WHEN p.prosecdef THEN 'security definer' END)
           || '; executable by ' || coalesce(nullif(pg_temp.grantees(p.proacl, p.proowner, 'EXECUTE'), ''),
                                            'the extension''s owner') || E'*\n'
      FROM pg_catalog.pg_proc p WHERE p.oid = f
$$;

SELECT '';
SELECT '## Functions';
SELECT '';
SELECT 'Grouped by who may execute them. A function granted to `share_acl_user` may still '
       || 'refuse a caller at run time (`42501`): most need a principal (`set_principal`) that '
       || 'holds the permission the call asks, or an administrator.';
SELECT '';
SELECT '### For every role (PUBLIC)';
SELECT '';
SELECT pg_temp.entry(f.oid) FROM fns f
 WHERE f.callers LIKE 'PUBLIC%' AND NOT f.type_support
 ORDER BY f.proname, pg_catalog.pg_get_function_identity_arguments(f.oid) COLLATE "C";
SELECT '### For share_acl_user and share_acl_admin';
SELECT '';
SELECT pg_temp.entry(f.oid) FROM fns f
 WHERE f.callers LIKE '%share_acl_user%' AND f.callers NOT LIKE 'PUBLIC%'
 ORDER BY f.is_trigger, f.proname, pg_catalog.pg_get_function_identity_arguments(f.oid) COLLATE "C";
SELECT '### For share_acl_admin only';
SELECT '';
SELECT pg_temp.entry(f.oid) FROM fns f
 WHERE f.callers LIKE '%share_acl_admin%' AND f.callers NOT LIKE '%share_acl_user%'
   AND f.callers NOT LIKE 'PUBLIC%'
 ORDER BY f.proname, pg_catalog.pg_get_function_identity_arguments(f.oid) COLLATE "C";
SELECT '### The permset type''s support functions';
SELECT '';
SELECT 'Behind the operators, casts, the btree and hash operator classes and the type''s '
       || 'input and output (PUBLIC): '
       || string_agg('`' || f.proname || '(' || pg_catalog.pg_get_function_identity_arguments(f.oid) || ')`', ', '
                     ORDER BY f.proname, pg_catalog.pg_get_function_identity_arguments(f.oid) COLLATE "C") || '.'
  FROM fns f WHERE f.type_support;

-- views and tables ----------------------------------------------------------------
-- one view or table: what it holds (its COMMENT), who may read or write it, its columns
CREATE FUNCTION pg_temp.relation(c oid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT '### `share_acl.' || r.relname || '`' || CASE r.relkind WHEN 'v' THEN ' (view)'
                                                               WHEN 'p' THEN ' (partitioned table)' ELSE '' END
           || E'\n\n' || pg_temp.sentence(coalesce(obj_description(r.oid, 'pg_class'), '(no description)'))
           || E'\n\n*' || coalesce(nullif(concat_ws('; ',
               nullif('read by ' || pg_temp.grantees(r.relacl, r.relowner, 'SELECT'), 'read by '),
               nullif('inserted into by ' || pg_temp.grantees(r.relacl, r.relowner, 'INSERT'), 'inserted into by '),
               nullif('updated by ' || pg_temp.grantees(r.relacl, r.relowner, 'UPDATE'), 'updated by '),
               nullif('deleted from by ' || pg_temp.grantees(r.relacl, r.relowner, 'DELETE'), 'deleted from by ')),
               ''), 'used by share_acl''s own functions only')
           || CASE WHEN r.relrowsecurity THEN '; row-level security on' ELSE '' END
           || E'*\n\n| column | type | |\n|---|---|---|\n'
           || (SELECT string_agg('| `' || a.attname || '` | ' || format_type(a.atttypid, a.atttypmod) || ' | '
                                 || concat_ws(', ', CASE WHEN a.attnotnull THEN 'not null' END,
                                              'default ' || pg_temp.md(pg_catalog.pg_get_expr(d.adbin, d.adrelid)),
                                              pg_temp.md(col_description(a.attrelid, a.attnum))) || ' |',
                                 E'\n' ORDER BY a.attnum)
                 FROM pg_catalog.pg_attribute a
                 LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE a.attrelid = c AND a.attnum > 0 AND NOT a.attisdropped) || E'\n'
      FROM pg_catalog.pg_class r WHERE r.oid = c
$$;

SELECT '## Views and tables';
SELECT '';
SELECT 'Views first, then tables. share_acl''s triggers keep the tables consistent when an '
       || 'administrator writes them directly (README, "The model").';
SELECT '';
CREATE TEMP VIEW rels AS
SELECT c.oid, c.relname, c.relkind, pg_temp.grantees(c.relacl, c.relowner, 'SELECT') <> '' AS readable
  FROM pg_catalog.pg_class c
 WHERE c.relnamespace = 'share_acl'::regnamespace AND c.relkind IN ('v', 'r', 'p')
   AND NOT c.relispartition;
SELECT pg_temp.relation(r.oid) FROM rels r WHERE r.readable
 ORDER BY r.relkind <> 'v', r.relname;
SELECT 'Internal tables, which no role but the extension''s owner may read or write: '
       || string_agg('`' || r.relname || '`', ', ' ORDER BY r.relname) || '.'
  FROM rels r WHERE NOT r.readable;
SELECT '';

-- settings ---------------------------------------------------------------------------
SELECT '## Settings';
SELECT '';
SELECT '| setting | default | who may set it | |';
SELECT '|---|---|---|---|';
SELECT '| `' || s.name || '` | ' || coalesce(nullif(s.boot_val, ''), '(empty)') || coalesce(' ' || s.unit, '')
       || ' | ' || s.context || ' | ' || pg_temp.md(s.short_desc || coalesce(' ' || s.extra_desc, '')) || ' |'
  FROM pg_catalog.pg_settings s
 WHERE s.name LIKE 'share\_acl.%'
 ORDER BY s.name COLLATE "C";
-- (a hidden setting is not in pg_settings: asked by name)
SELECT '| `share_acl.link_context` | (empty) | open_link only | The share link of the transaction''s link '
       || 'context, set by open_link and by nobody else (SET, set_config, ALTER ROLE … SET: 42501); '
       || 'not shown by SHOW ALL or pg_settings. |'
 WHERE current_setting('share_acl.link_context', true) IS NOT NULL;
