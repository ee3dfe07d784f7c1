-- pgTAP: explain_access, accessible_resources, who_has_access and the
-- current-principal checks (SPEC §4, §12 "check = list = explain"), NULL
-- arguments and unknown ids.
--
-- Workspace w:  P1 (public) > A1, A2 (restricted);  P2 (private) > C1
-- (collection, contains A1), A3 (owned by m1).  Workspace w2 (guests
-- disabled): Q.
BEGIN;
SET LOCAL search_path = share_acl, public;
SELECT plan(74);

\set w        17000000-0000-0000-0001-000000000001
\set w2       17000000-0000-0000-0001-000000000002
\set owner    17000000-0000-0000-0002-000000000001
\set admin    17000000-0000-0000-0002-000000000002
\set m1       17000000-0000-0000-0002-000000000003
\set m2       17000000-0000-0000-0002-000000000004
\set guest    17000000-0000-0000-0002-000000000005
\set viewer   17000000-0000-0000-0002-000000000006
\set outsider 17000000-0000-0000-0002-000000000007
\set xguest   17000000-0000-0000-0002-000000000008
\set owner2   17000000-0000-0000-0002-000000000009
\set team     17000000-0000-0000-0002-0000000000a1
\set P1       17000000-0000-0000-0003-000000000001
\set A1       17000000-0000-0000-0003-000000000002
\set A2       17000000-0000-0000-0003-000000000003
\set P2       17000000-0000-0000-0003-000000000004
\set C1       17000000-0000-0000-0003-000000000005
\set A3       17000000-0000-0000-0003-000000000006
\set Q        17000000-0000-0000-0003-000000000011
\set nobody   17000000-0000-0000-00ff-000000000001

INSERT INTO workspace (id, name) VALUES (:'w', 'f17');
INSERT INTO workspace (id, name, guest_access_enabled) VALUES (:'w2', 'f17 guests off', false);
INSERT INTO principal (id, kind, email) VALUES
    (:'owner', 'user', 'owner@f17.test'), (:'admin', 'user', 'admin@f17.test'),
    (:'m1', 'user', 'm1@f17.test'), (:'m2', 'user', 'm2@f17.test'),
    (:'guest', 'user', 'guest@f17.test'), (:'viewer', 'user', 'viewer@f17.test'),
    (:'outsider', 'user', 'outsider@f17.test'), (:'xguest', 'external', 'xguest@f17.test'),
    (:'owner2', 'user', 'owner2@f17.test');
INSERT INTO principal (id, kind, display_name, workspace_id) VALUES (:'team', 'team', 'Team', :'w');
INSERT INTO member (workspace_id, principal_id, role) VALUES
    (:'w', :'owner', 'owner'), (:'w', :'admin', 'admin'), (:'w', :'m1', 'member'),
    (:'w', :'m2', 'member'), (:'w', :'guest', 'guest'), (:'w', :'viewer', 'viewer'),
    (:'w', :'xguest', 'guest'),
    (:'w2', :'owner2', 'owner'), (:'w2', :'guest', 'guest');
INSERT INTO team_member (team_id, member_id) VALUES (:'team', :'m2');

-- only A3 has an owner_id (m1): R10 must not stand in for R1
INSERT INTO resource (id, workspace_id, kind, parent_id, owner_id, general_access, restricted) VALUES
    (:'P1', :'w',  'project',    NULL,  NULL,      'public',  false),
    (:'A1', :'w',  'asset',      :'P1', NULL,      'private', false),
    (:'A2', :'w',  'asset',      :'P1', NULL,      'private', true),
    (:'P2', :'w',  'project',    NULL,  NULL,      'private', false),
    (:'C1', :'w',  'collection', :'P2', NULL,      'private', false),
    (:'A3', :'w',  'asset',      :'P2', :'m1',     'private', false),
    (:'Q',  :'w2', 'project',    NULL,  NULL,      'private', false);
INSERT INTO collection_item (collection_id, resource_id) VALUES (:'C1', :'A1');

INSERT INTO share (resource_id, grantee_id, perms, allow_download, expires_at, granted_by) VALUES
    (:'P2', :'team',     'commenter',     true,  NULL,                      :'owner'),
    (:'A1', :'guest',    'editor',        false, NULL,                      :'owner'),
    (:'A2', :'m1',       'viewer',        true,  NULL,                      :'owner'),
    (:'P2', :'viewer',   'viewer',        true,  now() - interval '1 day',  :'owner'),
    (:'P1', :'viewer',   'editor',        true,  NULL,                      :'owner'),
    (:'A3', :'outsider', 'view_download', true,  NULL,                      :'owner'),
    (:'P1', :'xguest',   'viewer',        true,  NULL,                      :'owner'),
    (:'Q',  :'guest',    'editor',        true,  NULL,                      :'owner2');

-- every principal and every resource (and workspace id) of this file
CREATE TEMP TABLE t_principal ON COMMIT DROP AS
    SELECT id AS p, kind FROM principal WHERE email LIKE '%@f17.test' OR workspace_id = :'w';
CREATE TEMP TABLE t_target ON COMMIT DROP AS
    SELECT id AS r, kind::text AS kind FROM resource WHERE workspace_id IN (:'w', :'w2')
    UNION ALL SELECT id, 'workspace' FROM workspace WHERE id IN (:'w', :'w2');
CREATE TEMP TABLE t_perms ON COMMIT DROP AS
    SELECT unnest(ARRAY['view', 'view,download', 'comment', 'edit', 'share', 'delete',
                        'change_permissions', 'full', 'upload,view']) AS ps;

-- ---------------------------------------------------------------------------
-- explain_access: each contribution and cap, with its rule and where it comes from
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'m2', :'A1'), 'commenter,share'::permset,
          'explain: (setup) m2 on A1 is public viewer ∪ team commenter (via C1) ∪ share');
SELECT ok(EXISTS (SELECT 1 FROM explain_access(:'m2', :'A1', 'view')
                  WHERE rule = 'R4' AND via_resource = :'P1'),
          'explain: R4 row names the public project P1');
SELECT ok(EXISTS (SELECT 1 FROM explain_access(:'m2', :'A1', 'view')
                  WHERE rule = 'R5' AND via_resource = :'P2' AND via_principal = :'team'),
          'explain: R5 row names the shared resource P2 and the grantee team');
SELECT ok(EXISTS (SELECT 1 FROM explain_access(:'m2', :'A1', 'view') WHERE rule = 'R11'),
          'explain: R11 row for the share added by members_can_share');
SELECT is((SELECT perms FROM explain_access(:'m2', :'A1', 'view') WHERE rule = 'result'),
          'commenter,share'::permset,
          'explain: the result row is E(m2, A1)');
SELECT ok(NOT EXISTS (SELECT 1 FROM explain_access(:'m2', :'A1', 'view')
                      WHERE rule IN ('R1', 'R3', 'R10', 'R12')),
          'explain: no row for rules that do not apply (R1, R3, R10, R12)');

SELECT ok(EXISTS (SELECT 1 FROM explain_access(:'guest', :'A1', 'edit')
                  WHERE rule = 'R5' AND via_resource = :'A1' AND via_principal = :'guest'),
          'explain: R5 row for a direct share names the resource and the principal itself');
SELECT ok(EXISTS (SELECT 1 FROM explain_access(:'guest', :'A1', 'edit') WHERE rule = 'R9'),
          'explain: R9 row for the guest cap (it removes upload and run_ai)');
SELECT is((SELECT perms FROM explain_access(:'guest', :'A1', 'edit') WHERE rule = 'result'),
          'view,view_details,react,comment,annotate,approve,edit,rename,move,copy,delete_own,view_activity'::permset,
          'explain: the guest''s result row is the masked (R6) and capped (R9) set');
SELECT ok(NOT EXISTS (SELECT 1 FROM explain_access(:'guest', :'A1', 'edit') WHERE rule IN ('R4', 'R11')),
          'explain: a guest gets no R4 or R11 row');

SELECT ok(EXISTS (SELECT 1 FROM explain_access(:'m1', :'A3', 'delete')
                  WHERE rule = 'R10' AND via_resource = :'A3' AND via_principal = :'m1'),
          'explain: R10 row names the owned resource and its owner');
SELECT ok(EXISTS (SELECT 1 FROM explain_access(:'m1', :'A3', 'delete') WHERE rule = 'R9'),
          'explain: R9 row for the member cap on full');

SELECT is((SELECT array_agg(rule ORDER BY ord)
             FROM explain_access(:'owner', :'A2', 'full') WITH ORDINALITY AS e(rule, vr, vp, perms, detail, ord)),
          ARRAY['R1', 'result'],
          'explain: for the workspace owner only R1 applies, then the result');
SELECT ok(EXISTS (SELECT 1 FROM explain_access(:'owner', :'A2', 'full')
                  WHERE rule = 'R1' AND perms = 'full'::permset),
          'explain: the R1 row carries full');

SELECT ok(EXISTS (SELECT 1 FROM explain_access(:'m1', :'A2', 'view')
                  WHERE rule = 'R8' AND via_resource = :'A2'),
          'explain: R8 row names the restricted resource');
SELECT ok(EXISTS (SELECT 1 FROM explain_access(:'m1', :'A2', 'view')
                  WHERE rule = 'R5' AND via_resource = :'A2' AND via_principal = :'m1'),
          'explain: the restricted resource''s own share is listed');
SELECT ok(NOT EXISTS (SELECT 1 FROM explain_access(:'m1', :'A2', 'view')
                      WHERE rule = 'R4' AND via_resource = :'P1'),
          'explain: the public project above the restriction is not listed as a contribution');
SELECT is((SELECT perms FROM explain_access(:'m1', :'A2', 'view') WHERE rule = 'result'),
          'viewer,share'::permset,
          'explain: m1 on the restricted A2 is its own share plus R11');

SELECT ok(EXISTS (SELECT 1 FROM explain_access(:'guest', :'Q', 'view') WHERE rule = 'R3'),
          'explain: R3 row when guests are disabled');
SELECT is((SELECT perms FROM explain_access(:'guest', :'Q', 'view') WHERE rule = 'result'), ''::permset,
          'explain: ... and the result is empty');
SELECT ok(EXISTS (SELECT 1 FROM explain_access(:'m1', :'w', 'view') WHERE rule = 'R12'),
          'explain: R12 row for a workspace id');
SELECT is((SELECT perms FROM explain_access(:'m1', :'w', 'view') WHERE rule = 'result'),
          'upload,share,view'::permset,
          'explain: the workspace result is the member''s R12 set');

SELECT is_empty($$
    SELECT tp.p, tt.r, x.n, x.res::text, effective_permissions(tp.p, tt.r)::text AS e
    FROM t_principal tp CROSS JOIN t_target tt
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE e.rule = 'result') AS n,
               max(e.ord) AS last,
               max(e.ord) FILTER (WHERE e.rule = 'result') AS result_ord,
               (array_agg(e.perms) FILTER (WHERE e.rule = 'result'))[1] AS res
        FROM explain_access(tp.p, tt.r, 'view') WITH ORDINALITY AS e(rule, vr, vp, perms, detail, ord)) x
    WHERE x.n <> 1 OR x.last <> x.result_ord
       OR x.res IS DISTINCT FROM effective_permissions(tp.p, tt.r)
$$, 'explain: on every pair there is exactly one result row, it is last, and it equals effective_permissions');

SELECT is_empty($$
    SELECT tp.p, tt.r, ps
    FROM t_principal tp CROSS JOIN t_target tt CROSS JOIN t_perms
    WHERE has_access(tp.p, tt.r, ps::permset)
          IS DISTINCT FROM (effective_permissions(tp.p, tt.r) OPERATOR(share_acl.@>) ps::permset)
$$, 'check: has_access(p, r, s) = (effective_permissions(p, r) @> s) on every pair');

-- ---------------------------------------------------------------------------
-- accessible_resources agrees with has_access
-- ---------------------------------------------------------------------------
SELECT is_empty($$
    (SELECT tp.p, ps, r.id FROM t_principal tp CROSS JOIN t_perms CROSS JOIN resource r
      WHERE has_access(tp.p, r.id, ps::permset)
     EXCEPT
     SELECT tp.p, ps, a FROM t_principal tp CROSS JOIN t_perms,
            LATERAL accessible_resources(tp.p, ps::permset) a)
    UNION ALL
    (SELECT tp.p, ps, a FROM t_principal tp CROSS JOIN t_perms,
            LATERAL accessible_resources(tp.p, ps::permset) a
     EXCEPT
     SELECT tp.p, ps, r.id FROM t_principal tp CROSS JOIN t_perms CROSS JOIN resource r
      WHERE has_access(tp.p, r.id, ps::permset))
$$, 'lookup: accessible_resources(p, s) = {r : has_access(p, r, s)} for every principal and permset');

SELECT is_empty($$
    (SELECT tp.p, k, r.id FROM t_principal tp CROSS JOIN unnest(enum_range(NULL::resource_kind)) k
       JOIN resource r ON r.kind = k
      WHERE has_access(tp.p, r.id, 'view')
     EXCEPT
     SELECT tp.p, k, a FROM t_principal tp CROSS JOIN unnest(enum_range(NULL::resource_kind)) k,
            LATERAL accessible_resources(tp.p, 'view', k) a)
    UNION ALL
    (SELECT tp.p, k, a FROM t_principal tp CROSS JOIN unnest(enum_range(NULL::resource_kind)) k,
            LATERAL accessible_resources(tp.p, 'view', k) a
     EXCEPT
     SELECT tp.p, k, r.id FROM t_principal tp CROSS JOIN unnest(enum_range(NULL::resource_kind)) k
       JOIN resource r ON r.kind = k
      WHERE has_access(tp.p, r.id, 'view'))
$$, 'lookup: accessible_resources(p, view, kind) = the viewable resources of that kind');

-- the empty set asks for any access: nothing is listed on which p holds nothing
SELECT is_empty($$
    (SELECT tp.p, r.id FROM t_principal tp CROSS JOIN resource r
      WHERE effective_permissions(tp.p, r.id) OPERATOR(share_acl.<>) ''::permset
     EXCEPT
     SELECT tp.p, a FROM t_principal tp, LATERAL accessible_resources(tp.p, '') a)
    UNION ALL
    (SELECT tp.p, a FROM t_principal tp, LATERAL accessible_resources(tp.p, '') a
     EXCEPT
     SELECT tp.p, r.id FROM t_principal tp CROSS JOIN resource r
      WHERE effective_permissions(tp.p, r.id) OPERATOR(share_acl.<>) ''::permset)
$$, 'lookup: accessible_resources(p, '''') = the resources on which p holds anything');
SELECT is((SELECT count(*) FROM t_principal tp, LATERAL accessible_resources(tp.p, '') a WHERE tp.kind = 'team'),
    0::bigint, 'lookup: accessible_resources(team, '''') lists nothing (a team holds nothing as a principal)');
SELECT ok((SELECT count(*) FILTER (WHERE kind = 'team') FROM t_principal) > 0, 'lookup: (the fixture has teams)');

SELECT set_eq(format('SELECT accessible_resources(%L, %L)', :'m2', 'view'),
              ARRAY[:'P1', :'A1', :'P2', :'C1', :'A3']::uuid[],
              'lookup: m2 views P1, A1 (public), P2, C1, A3 (team share) but not the restricted A2');
SELECT set_eq(format('SELECT accessible_resources(%L, %L, NULL)', :'m2', 'view'),
              format('SELECT accessible_resources(%L, %L)', :'m2', 'view'),
              'lookup: accessible_resources with kind NULL means every kind');
SELECT set_eq(format('SELECT accessible_resources(%L, %L, %L)', :'m2', 'view', 'asset'),
              ARRAY[:'A1', :'A3']::uuid[],
              'lookup: accessible_resources with kind asset');
SELECT is_empty(format('SELECT accessible_resources(%L, %L)', :'team', 'view'),
                'lookup: a team has no accessible resources (teams do not act)');

-- ---------------------------------------------------------------------------
-- who_has_access agrees with effective_permissions
-- ---------------------------------------------------------------------------
SELECT is_empty($$
    (SELECT t.r, pr.id, effective_permissions(pr.id, t.r)::text
       FROM t_target t CROSS JOIN principal pr
      WHERE pr.kind IN ('user', 'external') AND effective_permissions(pr.id, t.r) <> ''::permset
     EXCEPT
     SELECT t.r, w.principal, w.perms::text FROM t_target t, LATERAL who_has_access(t.r) w)
    UNION ALL
    (SELECT t.r, w.principal, w.perms::text FROM t_target t, LATERAL who_has_access(t.r) w
     EXCEPT
     SELECT t.r, pr.id, effective_permissions(pr.id, t.r)::text
       FROM t_target t CROSS JOIN principal pr
      WHERE pr.kind IN ('user', 'external') AND effective_permissions(pr.id, t.r) <> ''::permset)
$$, 'lookup: who_has_access(r) lists exactly the people with non-empty E on r, with E (on a workspace id too: R12)');

SELECT is_empty($$
    SELECT r.id, w.principal, w.role, m.role, w.email, pr.email
      FROM resource r CROSS JOIN LATERAL who_has_access(r.id) w
      JOIN principal pr ON pr.id = w.principal
      LEFT JOIN member m ON m.principal_id = w.principal AND m.workspace_id = r.workspace_id
     WHERE r.workspace_id IN (SELECT r FROM t_target WHERE kind = 'workspace')
       AND (w.role IS DISTINCT FROM m.role OR w.email IS DISTINCT FROM pr.email)
$$, 'lookup: who_has_access gives each person''s role in the workspace (NULL for outsiders) and email');

SELECT ok(NOT EXISTS (SELECT 1 FROM who_has_access(:'A1') w WHERE w.principal = :'team'),
          'lookup: who_has_access lists no team');
SELECT ok(EXISTS (SELECT 1 FROM who_has_access(:'A1') w
                  WHERE w.principal = :'m2' AND string_to_array(w.via, ',') @> ARRAY['R4', 'R5', 'R11']),
          'lookup: who_has_access via for m2 on A1 names R4, R5 and R11');
SELECT ok(EXISTS (SELECT 1 FROM who_has_access(:'A1') w
                  WHERE w.principal = :'owner' AND w.perms = 'full'::permset
                    AND string_to_array(w.via, ',') @> ARRAY['R1']),
          'lookup: who_has_access lists the owner with full via R1');
SELECT ok(EXISTS (SELECT 1 FROM who_has_access(:'A3') w
                  WHERE w.principal = :'m1' AND string_to_array(w.via, ',') @> ARRAY['R10']),
          'lookup: who_has_access via for the resource owner names R10');
SELECT ok(EXISTS (SELECT 1 FROM who_has_access(:'A3') w
                  WHERE w.principal = :'outsider' AND w.role IS NULL AND w.perms = 'view_download'::permset
                    AND string_to_array(w.via, ',') @> ARRAY['R5']),
          'lookup: who_has_access lists an outsider with its share, no role, via R5');
SELECT ok(NOT EXISTS (SELECT 1 FROM who_has_access(:'P2') w WHERE w.principal = :'viewer'),
          'lookup: who_has_access does not list a principal whose only share expired');
SELECT ok(NOT EXISTS (SELECT 1 FROM who_has_access(:'Q') w WHERE w.principal = :'guest'),
          'lookup: who_has_access does not list a guest while guests are disabled (R3)');

-- on a workspace's id (R12): its members, as has_access answers there
SELECT is((SELECT array_agg(w.role::text || ':' || w.perms::text || ':' || w.via ORDER BY w.email)
             FROM who_has_access(:'w') w WHERE w.principal IN (:'admin', :'m1', :'viewer', :'xguest')),
          ARRAY['admin:view,upload,share,manage_members,manage_collections,manage_settings,view_audit:R12',
                'member:view,upload,share:R12', 'viewer:view:R12', 'guest:view:R12'],
          'lookup: who_has_access(workspace) gives each member''s role and R12 set');
SELECT is((SELECT array_agg(w.principal) FROM who_has_access(:'w2') w), ARRAY[:'owner2'::uuid],
          'lookup: who_has_access(workspace) leaves out a guest while guests are disabled (R3), and non-members');

-- ---------------------------------------------------------------------------
-- the current principal
-- ---------------------------------------------------------------------------
SELECT set_principal(:'m2');
SELECT is(current_principal(), :'m2'::uuid, 'context: set_principal sets current_principal');
SELECT is(effective_permissions(:'A1'), effective_permissions(:'m2', :'A1'),
          'context: effective_permissions(r) is E(current principal, r)');
SELECT ok(has_access(:'A1', 'comment') AND NOT has_access(:'A2', 'view'),
          'context: has_access(r, s) checks the current principal');
SELECT set_principal(NULL);
SELECT ok(current_principal() IS NULL, 'context: set_principal(NULL) clears the principal');
SELECT is(effective_permissions(:'A1'), ''::permset,
          'context: without a principal (and no link) E is empty');
SELECT ok(NOT has_access(:'P1', 'view'), 'context: without a principal has_access is false');

-- ---------------------------------------------------------------------------
-- NULL arguments answer NULL (or no rows); unknown ids answer false / empty
-- ---------------------------------------------------------------------------
SELECT ok(has_access(NULL::uuid, :'A1', 'view') IS NULL
          AND has_access(:'m1', NULL::uuid, 'view') IS NULL
          AND has_access(:'m1', :'A1', NULL) IS NULL,
          'null: has_access(p, r, s) with any NULL argument is NULL');
SELECT ok(has_access(NULL::uuid, 'view'::permset) IS NULL AND has_access(:'A1'::uuid, NULL::permset) IS NULL,
          'null: has_access(r, s) with a NULL argument is NULL');
SELECT ok(effective_permissions(NULL::uuid, :'A1') IS NULL AND effective_permissions(:'m1', NULL::uuid) IS NULL
          AND effective_permissions(NULL::uuid) IS NULL,
          'null: effective_permissions with a NULL argument is NULL');
SELECT is((SELECT count(*) FROM explain_access(NULL, :'A1', 'view'))
          + (SELECT count(*) FROM explain_access(:'m1', NULL, 'view'))
          + (SELECT count(*) FROM explain_access(:'m1', :'A1', NULL)), 0::bigint,
          'null: explain_access with a NULL argument returns no rows');
SELECT is((SELECT count(*) FROM accessible_resources(NULL, 'view'))
          + (SELECT count(*) FROM accessible_resources(:'m1', NULL)), 0::bigint,
          'null: accessible_resources with a NULL principal or permset returns no rows');
SELECT is((SELECT count(*) FROM who_has_access(NULL)), 0::bigint,
          'null: who_has_access(NULL) returns no rows');

SELECT is(has_access(:'nobody', :'A1', 'view'), false, 'unknown: an unknown principal has no access');
SELECT is(has_access(:'m1', :'nobody', 'view'), false, 'unknown: an unknown resource gives no access');
SELECT is(has_access(:'nobody', :'A1', ''), false,
          'unknown: an unknown principal does not even hold the empty set (unknown ids answer false)');
SELECT is(has_access(:'A1', :'A1', ''), false,
          'unknown: nor does a resource id used as a principal');
SELECT is((SELECT detail FROM explain_access(:'nobody', :'A1', '') WHERE rule = 'result'),
          'unknown principal: no access', 'unknown: explain_access agrees, naming the unknown principal');
SELECT is(has_access(:'m2', :'A2', ''), true,
          'unknown: a known principal holds the empty set on any known resource, one it cannot view too');
SELECT is(has_access(:'A1', ''), false, 'unknown: has_access(r, '''') with an unknown principal set')
  FROM (SELECT set_config('share_acl.principal', :'nobody', true)) s;
SELECT is(has_access(:'A2', ''), true, 'unknown: has_access(r, '''') with a known principal set')
  FROM (SELECT set_config('share_acl.principal', :'m2', true)) s;
SELECT set_principal(NULL);
SELECT is(effective_permissions(:'nobody', :'A1'), ''::permset, 'unknown: E of an unknown principal is empty');
SELECT is(effective_permissions(:'owner', :'nobody'), ''::permset,
          'unknown: E on an unknown resource is empty, even for an owner');
SELECT is(effective_permissions(:'nobody', :'w'), ''::permset,
          'unknown: an unknown principal has nothing on a workspace');
SELECT is(has_access(:'A1', :'A1', 'view'), false,
          'unknown: a resource id used as a principal has no access');
SELECT is(has_access(:'m1', :'m2', 'view'), false,
          'unknown: a principal id used as a resource gives no access');
SELECT lives_ok(format('SELECT * FROM explain_access(%L, %L, %L)', :'nobody', :'nobody', 'view'),
                'unknown: explain_access on unknown ids raises no error');
SELECT ok(NOT EXISTS (SELECT 1 FROM explain_access(:'nobody', :'A1', 'view') WHERE perms <> ''::permset),
          'unknown: explain_access for an unknown principal contributes nothing');
SELECT is((SELECT count(*) FROM accessible_resources(:'nobody', 'view')), 0::bigint,
          'unknown: accessible_resources of an unknown principal is empty');
SELECT is((SELECT count(*) FROM who_has_access(:'nobody')), 0::bigint,
          'unknown: who_has_access of an unknown resource returns no rows');
SELECT set_principal(:'nobody');
SELECT ok(NOT has_access(:'A1', 'view'), 'unknown: an unknown current principal has no access');

SELECT * FROM finish();
ROLLBACK;
