-- pgTAP: randomized differential test of the engine against the plain-SQL
-- reference model of SPEC §3 (test/reference/model.sql), over many generated
-- workspaces (test/reference/generate.sql).  SPEC §12 "check = list = explain".
--
-- For every (principal, resource) pair of every generated workspace, and for
-- every (principal, workspace id) pair (R12):
--   * effective_permissions equals the reference E;
--   * has_access(p, r, E) is true and has_access(p, r, E | f) is false for
--     every flag f not in E;
--   * accessible_resources(p, 'view') is exactly the set of r with E ⊇ view
--     (and accessible_resources(p, 'download', 'asset') likewise);
--   * who_has_access(r) lists exactly the people with non-empty E, with E,
--     their role and their e-mail;
--   * explain_access has exactly one 'result' row, the last, equal to E;
--   * effective_permissions(r) / has_access(r, E) for the current principal
--     (set_principal) agree, on one seed.
-- Before that, the reference model itself is checked on a small workspace
-- worked out by hand, and the generated data are checked to cover every
-- part of §3 (restriction, collections, nested teams, expiry, policies,
-- every role, outsiders).
-- A failure prints the mismatching cases as
--   seed, principal id [label], resource id [label], expected, got
-- where ids read SSSSSSSS-KKKK-... (seed in hex, object kind, number) and the
-- labels come from share_acl_ref.object.  To replay one seed by hand:
--   \ir test/reference/model.sql  \ir test/reference/generate.sql
--   SELECT share_acl_ref.generate_workspace(7);

BEGIN;
SET LOCAL client_min_messages = warning;
\ir ../reference/model.sql
\ir ../reference/generate.sql
SET LOCAL search_path = share_acl, public;

SELECT plan(24);

-- A list of mismatch lines as one text: empty when there is none.
CREATE FUNCTION share_acl_ref.report(lines text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN coalesce(cardinality(lines), 0) = 0 THEN ''
           ELSE format(E'%s mismatch(es), the first %s:\n', cardinality(lines),
                       least(cardinality(lines), 30))
                || array_to_string(lines[1:30], E'\n')
           END
$$;

-- ---------------------------------------------------------------------------
-- 1. The reference model itself, on a small workspace worked out by hand.
-- ---------------------------------------------------------------------------
--   ws A: members_can_share on, guest uploads off, guest access on
--   people: own (owner), adm (admin), mem (member), gst (guest, user),
--           vwr (viewer, external), out (user, no role)
--   teams: T1 ⊃ T2 ⊃ out
--   P (project, public) ⊃ C (collection) ⊃ X (asset), Y (asset, restricted);
--   P ⊃ G (asset, owned by gst)
--   Q (project, shared) ⊃ K (collection, holds X), Z (asset, owned by out)
INSERT INTO workspace (id, name) VALUES ('ffffffff-0000-0000-0000-000000000001', 'reference sanity');
INSERT INTO principal (id, kind, email) VALUES
    ('ffffffff-0001-0000-0000-000000000001', 'user', 'own@sanity.example'),
    ('ffffffff-0001-0000-0000-000000000002', 'user', 'adm@sanity.example'),
    ('ffffffff-0001-0000-0000-000000000003', 'user', 'mem@sanity.example'),
    ('ffffffff-0001-0000-0000-000000000004', 'user', 'gst@sanity.example'),
    ('ffffffff-0001-0000-0000-000000000005', 'external', 'vwr@sanity.example'),
    ('ffffffff-0001-0000-0000-000000000006', 'user', 'out@sanity.example');
INSERT INTO principal (id, kind, display_name, workspace_id) VALUES
    ('ffffffff-0004-0000-0000-000000000001', 'team', 'T1', 'ffffffff-0000-0000-0000-000000000001'),
    ('ffffffff-0004-0000-0000-000000000002', 'team', 'T2', 'ffffffff-0000-0000-0000-000000000001');
INSERT INTO member (workspace_id, principal_id, role) VALUES
    ('ffffffff-0000-0000-0000-000000000001', 'ffffffff-0001-0000-0000-000000000001', 'owner'),
    ('ffffffff-0000-0000-0000-000000000001', 'ffffffff-0001-0000-0000-000000000002', 'admin'),
    ('ffffffff-0000-0000-0000-000000000001', 'ffffffff-0001-0000-0000-000000000003', 'member'),
    ('ffffffff-0000-0000-0000-000000000001', 'ffffffff-0001-0000-0000-000000000004', 'guest'),
    ('ffffffff-0000-0000-0000-000000000001', 'ffffffff-0001-0000-0000-000000000005', 'viewer');
INSERT INTO team_member VALUES
    ('ffffffff-0004-0000-0000-000000000001', 'ffffffff-0004-0000-0000-000000000002'),
    ('ffffffff-0004-0000-0000-000000000002', 'ffffffff-0001-0000-0000-000000000006');
INSERT INTO resource (id, workspace_id, kind, parent_id, owner_id, general_access, restricted) VALUES
    ('ffffffff-0005-0000-0000-00000000000f', 'ffffffff-0000-0000-0000-000000000001', 'project', NULL, NULL, 'public', false),   -- P
    ('ffffffff-0005-0000-0000-00000000000c', 'ffffffff-0000-0000-0000-000000000001', 'collection', 'ffffffff-0005-0000-0000-00000000000f', NULL, 'private', false), -- C
    ('ffffffff-0005-0000-0000-00000000000a', 'ffffffff-0000-0000-0000-000000000001', 'asset', 'ffffffff-0005-0000-0000-00000000000c', NULL, 'private', false), -- X
    ('ffffffff-0005-0000-0000-00000000000b', 'ffffffff-0000-0000-0000-000000000001', 'asset', 'ffffffff-0005-0000-0000-00000000000c', NULL, 'private', true),  -- Y
    ('ffffffff-0005-0000-0000-000000000006', 'ffffffff-0000-0000-0000-000000000001', 'asset', 'ffffffff-0005-0000-0000-00000000000f', 'ffffffff-0001-0000-0000-000000000004', 'private', false), -- G
    ('ffffffff-0005-0000-0000-000000000001', 'ffffffff-0000-0000-0000-000000000001', 'project', NULL, NULL, 'shared', false),   -- Q
    ('ffffffff-0005-0000-0000-000000000002', 'ffffffff-0000-0000-0000-000000000001', 'collection', 'ffffffff-0005-0000-0000-000000000001', NULL, 'private', false), -- K
    ('ffffffff-0005-0000-0000-000000000003', 'ffffffff-0000-0000-0000-000000000001', 'asset', 'ffffffff-0005-0000-0000-000000000001', 'ffffffff-0001-0000-0000-000000000006', 'private', false); -- Z
INSERT INTO collection_item VALUES ('ffffffff-0005-0000-0000-000000000002', 'ffffffff-0005-0000-0000-00000000000a');
INSERT INTO share (resource_id, grantee_id, perms, allow_comments, expires_at) VALUES
    -- gst: editor on C
    ('ffffffff-0005-0000-0000-00000000000c', 'ffffffff-0001-0000-0000-000000000004', 'editor', true, NULL),
    -- T1 (so out, through T2): commenter on K, comments off
    ('ffffffff-0005-0000-0000-000000000002', 'ffffffff-0004-0000-0000-000000000001', 'commenter', false, NULL),
    -- vwr: editor on Z, expiring exactly now (so expired)
    ('ffffffff-0005-0000-0000-000000000003', 'ffffffff-0001-0000-0000-000000000005', 'editor', true, now()),
    -- vwr: editor on X, unexpired
    ('ffffffff-0005-0000-0000-00000000000a', 'ffffffff-0001-0000-0000-000000000005', 'editor', true, now() + interval '1 minute');

SELECT is(share_acl_ref.effective_permissions('ffffffff-0001-0000-0000-000000000001', 'ffffffff-0005-0000-0000-00000000000b')::text,
          'full'::permset::text, 'reference: R1 the owner has full, also on a restricted resource');
SELECT is(share_acl_ref.effective_permissions('ffffffff-0001-0000-0000-000000000004', 'ffffffff-0005-0000-0000-00000000000b')::text,
          '', 'reference: R8 a share on C does not reach the restricted Y below it');
SELECT is(share_acl_ref.effective_permissions('ffffffff-0001-0000-0000-000000000004', 'ffffffff-0005-0000-0000-00000000000a')::text,
          ('editor'::permset - 'upload,run_ai'::permset)::text,
          'reference: R5+R9 a guest with editor on C has editor without upload and run_ai on X');
SELECT is(share_acl_ref.effective_permissions('ffffffff-0001-0000-0000-000000000006', 'ffffffff-0005-0000-0000-00000000000a')::text,
          'view,view_details,approve'::permset::text,
          'reference: R2+R5+R6 an outsider in a nested team gets a share on a collection holding X, comments masked');
SELECT is(share_acl_ref.effective_permissions('ffffffff-0001-0000-0000-000000000006', 'ffffffff-0005-0000-0000-000000000003')::text,
          '', 'reference: R2 an outsider gets nothing from owning Z');
SELECT is(share_acl_ref.effective_permissions('ffffffff-0001-0000-0000-000000000005', 'ffffffff-0005-0000-0000-000000000003')::text,
          '', 'reference: R5 a share expiring at now() is expired');
SELECT is(share_acl_ref.effective_permissions('ffffffff-0001-0000-0000-000000000005', 'ffffffff-0005-0000-0000-00000000000a')::text,
          'view,view_details,react,download,comment,annotate'::permset::text,
          'reference: R9 a viewer with editor is capped at viewer + comment, annotate, download');
SELECT is(share_acl_ref.effective_permissions('ffffffff-0001-0000-0000-000000000003', 'ffffffff-0005-0000-0000-00000000000a')::text,
          'viewer,share'::permset::text, 'reference: R4+R11 a member gets the public level and share on X below public P');
SELECT is(share_acl_ref.effective_permissions('ffffffff-0001-0000-0000-000000000002', 'ffffffff-0005-0000-0000-00000000000a')::text,
          'editor,share'::permset::text,
          'reference: R4 an admin gets viewer from P and editor from shared Q through collection K, and share');
SELECT is(share_acl_ref.effective_permissions('ffffffff-0001-0000-0000-000000000004', 'ffffffff-0005-0000-0000-000000000006')::text,
          ('full'::permset - 'share,manage_members,change_permissions,make_public,manage_settings,view_audit,transfer_ownership,delete_space,run_ai,upload'::permset)::text,
          'reference: R10+R9 a guest owning G has full minus the guest caps');
SELECT is(share_acl_ref.effective_permissions('ffffffff-0001-0000-0000-000000000003', 'ffffffff-0000-0000-0000-000000000001')::text,
          'upload,share,view'::permset::text, 'reference: R12 a member on the workspace');
SELECT is(share_acl_ref.effective_permissions('ffffffff-0004-0000-0000-000000000001', 'ffffffff-0005-0000-0000-000000000002')::text,
          '', 'reference: a team asking has nothing');

-- ---------------------------------------------------------------------------
-- 2. Generated workspaces
-- ---------------------------------------------------------------------------
-- 40 small workspaces, and 8 larger ones with more teams, resources and shares
CREATE TEMP TABLE ref_ws AS
SELECT s AS seed, share_acl_ref.generate_workspace(s) AS w
  FROM generate_series(1, 40) s
UNION ALL
SELECT s, share_acl_ref.generate_workspace(s, n_users => 10, n_externals => 4, n_outsiders => 3,
                                           n_teams => 6, n_resources => 60, n_shares => 80)
  FROM generate_series(41, 48) s;

-- every (principal, resource or workspace) pair of a seed, with both answers
CREATE TEMP TABLE ref_pair AS
SELECT o.seed, o.id AS p, o.label AS p_label, o.kind AS p_kind,
       x.id AS r, x.label AS r_label, x.kind = 'workspace' AS is_ws,
       share_acl_ref.effective_permissions(o.id, x.id) AS expected,
       share_acl.effective_permissions(o.id, x.id) AS got
  FROM ref_ws
  JOIN share_acl_ref.object o ON o.seed = ref_ws.seed
                             AND o.kind IN ('user', 'external', 'outsider', 'team')
  JOIN share_acl_ref.object x ON x.seed = o.seed AND x.tag = o.tag
                             AND x.kind IN ('resource', 'workspace');
ANALYZE ref_pair;

SELECT ok((SELECT count(*) FROM ref_pair) > 10000,
          format('%s (principal, resource) pairs and %s (principal, workspace) pairs compared over %s workspaces',
                 (SELECT count(*) FROM ref_pair WHERE NOT is_ws),
                 (SELECT count(*) FROM ref_pair WHERE is_ws),
                 (SELECT count(*) FROM ref_ws)));

-- the generated data exercise every part of §3 (else the comparison proves little)
SELECT is(ARRAY(
    SELECT feature FROM (VALUES
      ('restricted resource below an ancestor with access',
       EXISTS (SELECT 1 FROM share_acl.resource x JOIN ref_ws ON x.workspace_id = ref_ws.w
                WHERE x.restricted AND x.parent_id IS NOT NULL)),
      ('collection holding a resource of another project',
       EXISTS (SELECT 1 FROM share_acl.collection_item ci JOIN ref_ws ON true
                 JOIN share_acl.resource c ON c.id = ci.collection_id AND c.workspace_id = ref_ws.w
                WHERE share_acl_ref.enclosing_project(ci.collection_id)
                      <> share_acl_ref.enclosing_project(ci.resource_id))),
      ('team nested 3 deep',
       EXISTS (SELECT 1 FROM share_acl.team_member a
                 JOIN share_acl.team_member b ON b.team_id = a.member_id
                 JOIN share_acl.team_member c ON c.team_id = b.member_id
                 JOIN share_acl_ref.object o ON o.id = a.team_id)),
      ('share expiring exactly now()',
       EXISTS (SELECT 1 FROM share_acl.share s JOIN share_acl_ref.object o ON o.id = s.id
                WHERE s.expires_at = now())),
      ('share expiring in the future',
       EXISTS (SELECT 1 FROM share_acl.share s JOIN share_acl_ref.object o ON o.id = s.id
                WHERE s.expires_at > now())),
      ('guest access disabled', EXISTS (SELECT 1 FROM share_acl.workspace x JOIN ref_ws ON x.id = ref_ws.w
                                         WHERE NOT x.guest_access_enabled)),
      ('guest uploads allowed', EXISTS (SELECT 1 FROM share_acl.workspace x JOIN ref_ws ON x.id = ref_ws.w
                                         WHERE x.allow_guest_uploads)),
      ('members cannot share', EXISTS (SELECT 1 FROM share_acl.workspace x JOIN ref_ws ON x.id = ref_ws.w
                                        WHERE NOT x.members_can_share)),
      ('member edits own only', EXISTS (SELECT 1 FROM share_acl.workspace x JOIN ref_ws ON x.id = ref_ws.w
                                         WHERE x.member_edit_own_only)),
      ('admin with access', EXISTS (SELECT 1 FROM ref_pair WHERE NOT is_ws AND p_label LIKE '%:admin' AND expected <> '')),
      ('member with share (R11)', EXISTS (SELECT 1 FROM ref_pair WHERE NOT is_ws AND p_label LIKE '%:member' AND expected @> 'share')),
      ('guest with upload', EXISTS (SELECT 1 FROM ref_pair WHERE NOT is_ws AND p_label LIKE '%:guest' AND expected @> 'upload')),
      ('guest with run_ai', EXISTS (SELECT 1 FROM ref_pair WHERE NOT is_ws AND p_label LIKE '%:guest' AND expected @> 'run_ai')),
      ('viewer with access', EXISTS (SELECT 1 FROM ref_pair WHERE NOT is_ws AND p_label LIKE '%:viewer' AND expected <> '')),
      ('outsider with access', EXISTS (SELECT 1 FROM ref_pair WHERE NOT is_ws AND p_kind = 'outsider' AND expected <> '')),
      ('external guest with access', EXISTS (SELECT 1 FROM ref_pair WHERE NOT is_ws AND p_kind = 'external' AND p_label LIKE '%:guest' AND expected <> '')),
      ('pair with no access', EXISTS (SELECT 1 FROM ref_pair WHERE NOT is_ws AND p_kind <> 'team' AND expected = ''))
    ) f(feature, present)
    WHERE NOT present), '{}'::text[],
    'the generated workspaces cover restriction, collections, nested teams, expiry, policies and every role');

SELECT is(share_acl_ref.report(ARRAY(
    SELECT format('seed=%s p=%s [%s] r=%s [%s] expected={%s} got={%s}',
                  seed, p, p_label, r, r_label, expected, got)
      FROM ref_pair
     WHERE NOT is_ws AND got IS DISTINCT FROM expected
     ORDER BY seed, p, r)), '',
    'effective_permissions(p, r) equals the reference model on every pair');

SELECT is(share_acl_ref.report(ARRAY(
    SELECT format('seed=%s p=%s [%s] workspace=%s expected={%s} got={%s}',
                  seed, p, p_label, r, expected, got)
      FROM ref_pair
     WHERE is_ws AND got IS DISTINCT FROM expected
     ORDER BY seed, p)), '',
    'effective_permissions(p, workspace) equals the reference model (R12) for every principal');

SELECT is(share_acl_ref.report(ARRAY(
    SELECT format('seed=%s p=%s [%s] r=%s [%s] has_access(E={%s}) got %s',
                  seed, p, p_label, r, r_label, expected, h)
      FROM ref_pair, share_acl.has_access(p, r, expected) h
     WHERE h IS DISTINCT FROM true
     ORDER BY seed, p, r)), '',
    'has_access(p, r, E) is true on every pair (resources and workspaces)');

SELECT is(share_acl_ref.report(ARRAY(
    SELECT format('seed=%s p=%s [%s] r=%s [%s] E={%s} has_access(E + %s) got %s',
                  seed, p, p_label, r, r_label, expected, f, h)
      FROM ref_pair
     CROSS JOIN unnest(permset_flags('full')) f
     CROSS JOIN LATERAL share_acl.has_access(p, r, expected | f::permset) h
     WHERE NOT expected @> f::permset AND h IS DISTINCT FROM false
     ORDER BY seed, p, r, f)), '',
    'has_access(p, r, E | f) is false for every flag f outside E, on every pair');

-- accessible_resources: compare with the pairs; extra rows outside the seed's
-- workspace are reported too (a leak across workspaces)
CREATE TEMP TABLE ref_people AS
SELECT DISTINCT seed, p, p_label, p_kind FROM ref_pair;

SELECT is(share_acl_ref.report(ARRAY(
    WITH want AS (
        SELECT seed, p, r FROM ref_pair WHERE NOT is_ws AND expected @> 'view'
    ), have AS (
        SELECT pp.seed, pp.p, a.r, count(*) AS n
          FROM ref_people pp, share_acl.accessible_resources(pp.p, 'view') a(r)
         GROUP BY 1, 2, 3
    )
    SELECT format('seed=%s p=%s [%s] r=%s [%s] E={%s}: %s',
                  coalesce(want.seed, have.seed), coalesce(want.p, have.p), pl.label,
                  coalesce(want.r, have.r), coalesce(rl.label, '?'),
                  share_acl_ref.effective_permissions(coalesce(want.p, have.p), coalesce(want.r, have.r)),
                  CASE WHEN have.r IS NULL THEN 'E has view but r is not listed'
                       WHEN want.r IS NULL THEN 'listed but E lacks view'
                       ELSE format('listed %s times', have.n) END)
      FROM want FULL JOIN have ON have.p = want.p AND have.r = want.r
      LEFT JOIN share_acl_ref.object pl ON pl.id = coalesce(want.p, have.p)
      LEFT JOIN share_acl_ref.object rl ON rl.id = coalesce(want.r, have.r)
     WHERE want.r IS NULL OR have.r IS NULL OR have.n <> 1
     ORDER BY 1)), '',
    'accessible_resources(p, view) is exactly the set of r with E ⊇ view, for every principal');

SELECT is(share_acl_ref.report(ARRAY(
    WITH want AS (
        SELECT rp.seed, rp.p, rp.r
          FROM ref_pair rp JOIN share_acl.resource x ON x.id = rp.r
         WHERE x.kind = 'asset' AND rp.expected @> 'download'
    ), have AS (
        SELECT pp.seed, pp.p, a.r, count(*) AS n
          FROM ref_people pp, share_acl.accessible_resources(pp.p, 'download', 'asset') a(r)
         GROUP BY 1, 2, 3
    )
    SELECT format('seed=%s p=%s [%s] r=%s [%s]: %s',
                  coalesce(want.seed, have.seed), coalesce(want.p, have.p), pl.label,
                  coalesce(want.r, have.r), coalesce(rl.label, '?'),
                  CASE WHEN have.r IS NULL THEN 'E has download but the asset is not listed'
                       WHEN want.r IS NULL THEN 'listed but not an asset with download'
                       ELSE format('listed %s times', have.n) END)
      FROM want FULL JOIN have ON have.p = want.p AND have.r = want.r
      LEFT JOIN share_acl_ref.object pl ON pl.id = coalesce(want.p, have.p)
      LEFT JOIN share_acl_ref.object rl ON rl.id = coalesce(want.r, have.r)
     WHERE want.r IS NULL OR have.r IS NULL OR have.n <> 1
     ORDER BY 1)), '',
    'accessible_resources(p, download, asset) is exactly the assets with E ⊇ download');

-- who_has_access: people (not teams) with non-empty E on r
CREATE TEMP TABLE ref_who AS
SELECT rr.seed, rr.r, w.principal, w.email, w.role, w.perms, w.via
  FROM (SELECT DISTINCT seed, r FROM ref_pair WHERE NOT is_ws) rr,
       share_acl.who_has_access(rr.r) w;

SELECT is(share_acl_ref.report(ARRAY(
    WITH want AS (
        SELECT seed, r, p, expected FROM ref_pair
         WHERE NOT is_ws AND p_kind <> 'team' AND expected <> ''
    ), have AS (
        SELECT seed, r, principal AS p, perms, count(*) OVER (PARTITION BY r, principal) AS n
          FROM ref_who
    )
    SELECT format('seed=%s r=%s [%s] p=%s [%s] expected={%s} got={%s}%s',
                  coalesce(want.seed, have.seed), coalesce(want.r, have.r), rl.label,
                  coalesce(want.p, have.p), coalesce(pl.label, '?'),
                  coalesce(want.expected::text, '(not listed)'), coalesce(have.perms::text, '(not listed)'),
                  CASE WHEN have.n > 1 THEN format(' (listed %s times)', have.n) ELSE '' END)
      FROM want FULL JOIN have ON have.r = want.r AND have.p = want.p
      LEFT JOIN share_acl_ref.object pl ON pl.id = coalesce(want.p, have.p)
      LEFT JOIN share_acl_ref.object rl ON rl.id = coalesce(want.r, have.r)
     WHERE want.p IS NULL OR have.p IS NULL OR have.perms IS DISTINCT FROM want.expected
           OR have.n <> 1
     ORDER BY 1)), '',
    'who_has_access(r) lists exactly the people with non-empty E, with E, for every resource');

SELECT is(share_acl_ref.report(ARRAY(
    SELECT format('seed=%s r=%s p=%s [%s]: role %s email %s, expected role %s email %s',
                  w.seed, w.r, w.principal, coalesce(o.label, '?'), w.role, w.email, m.role, pr.email)
      FROM ref_who w
      JOIN share_acl.resource x ON x.id = w.r
      LEFT JOIN share_acl.principal pr ON pr.id = w.principal
      LEFT JOIN share_acl.member m ON m.workspace_id = x.workspace_id AND m.principal_id = w.principal
      LEFT JOIN share_acl_ref.object o ON o.id = w.principal
     WHERE w.role IS DISTINCT FROM m.role OR w.email IS DISTINCT FROM pr.email
     ORDER BY 1)), '',
    'who_has_access(r) gives each person''s role in the workspace (NULL for outsiders) and e-mail');

SELECT is(share_acl_ref.report(ARRAY(
    SELECT format('seed=%s p=%s [%s] r=%s [%s] expected={%s}: %s result row(s), result at %s of %s, got {%s}',
                  rp.seed, rp.p, rp.p_label, rp.r, rp.r_label, rp.expected,
                  ex.n_result, ex.result_at, ex.n_rows, ex.result)
      FROM ref_pair rp
     CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE e.rule = 'result') AS n_result,
               max(e.ord) FILTER (WHERE e.rule = 'result') AS result_at,
               count(*) AS n_rows,
               (array_agg(e.perms) FILTER (WHERE e.rule = 'result'))[1] AS result
          FROM share_acl.explain_access(rp.p, rp.r, 'view') WITH ORDINALITY
               AS e(rule, via_resource, via_principal, perms, detail, ord)
     ) ex
     WHERE ex.n_result <> 1 OR ex.result_at <> ex.n_rows OR ex.result IS DISTINCT FROM rp.expected
     ORDER BY rp.seed, rp.p, rp.r)), '',
    'explain_access has one result row, the last, equal to E, on every pair');

-- the same answers for the current-principal forms (set_principal), on one seed
CREATE FUNCTION share_acl_ref.current_principal_mismatches(s int) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    rp record;
    e1 share_acl.permset;
    h1 boolean;
BEGIN
    FOR rp IN SELECT * FROM ref_pair WHERE seed = s ORDER BY p, r LOOP
        PERFORM share_acl.set_principal(rp.p);
        e1 := share_acl.effective_permissions(rp.r);
        h1 := share_acl.has_access(rp.r, rp.expected);
        IF e1 IS DISTINCT FROM rp.expected OR h1 IS DISTINCT FROM true THEN
            RETURN NEXT format('seed=%s p=%s [%s] r=%s [%s] expected={%s}: effective_permissions(r)={%s} has_access(r, E)=%s',
                               rp.seed, rp.p, rp.p_label, rp.r, rp.r_label, rp.expected, e1, h1);
        END IF;
    END LOOP;
    PERFORM share_acl.set_principal(NULL);
END
$$;

SELECT is(share_acl_ref.report(ARRAY(SELECT share_acl_ref.current_principal_mismatches(1))), '',
    'effective_permissions(r) and has_access(r, E) agree for the current principal (seed 1)');

SELECT * FROM finish();
ROLLBACK;
