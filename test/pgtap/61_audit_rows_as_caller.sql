-- pgTAP: the audit triggers (src/audit_stage.c, src/audit_app.c).  The one row
-- of a management function's INSERT or DELETE is staged in C as the caller:
-- its old or new value is exactly to_jsonb() of the row, for every table
-- and kind of column.  The trigger's statements (several rows, updates,
-- truncates) run as the owner of audit_log with search_path pinned: a
-- bulk-loading administrator's search_path cannot hijack them, and no role
-- without rights writes audit_stage.  audit_trigger() on an application's
-- table makes the rows' jsonb as the role whose statement fired it: a cast
-- to json of the application's own type never runs as the extension owner.
--
-- Audit rows are written when a transaction commits, so this file runs in
-- autocommit mode (its rows stay: the log is append-only).
SET client_min_messages = warning;
SELECT plan(33);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE TEMP TABLE marks (id bigint NOT NULL);
CREATE TEMP TABLE before (name text PRIMARY KEY, row jsonb NOT NULL);
GRANT ALL ON ids, marks, before TO PUBLIC;
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
CREATE FUNCTION pg_temp.mark() RETURNS void LANGUAGE sql AS $$
    DELETE FROM marks;
    INSERT INTO marks SELECT coalesce(max(id), 0) FROM share_acl.audit_log;
$$;
-- the audit rows written since the mark, of one table
CREATE FUNCTION pg_temp.fresh(text)
RETURNS TABLE (action text, object_id uuid, workspace_id uuid, old jsonb, new jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.action, l.object_id, l.workspace_id, l.old, l.new FROM share_acl.audit_log l
     WHERE l.id > (SELECT m.id FROM marks m) AND l.object_type = $1 ORDER BY l.id
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 't61_admin') THEN
        CREATE ROLE t61_admin NOLOGIN IN ROLE share_acl_admin;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 't61_app') THEN
        CREATE ROLE t61_app NOLOGIN IN ROLE share_acl_user;
    END IF;
END $$;

SELECT is((SELECT prosecdef FROM pg_proc WHERE oid = 'share_acl.audit_model_trigger()'::regprocedure),
          false, 'audit_model_trigger is not SECURITY DEFINER (its statements switch to the owner in C)');

-- ------------------------------------------------ one row: to_jsonb exactly
SELECT pg_temp.mark();
INSERT INTO ids VALUES ('alice', share_acl.create_user('alice@t61.test', 'Alice')),
                       ('bob', share_acl.create_user('bob@t61.test', 'Bob'));
SELECT set_eq($$SELECT new FROM pg_temp.fresh('principal')$$,
    $$SELECT to_jsonb(p) FROM share_acl.principal p WHERE p.id IN (pg_temp.id('alice'), pg_temp.id('bob'))$$,
    'create_user: new is to_jsonb of the principal (text, enum, timestamptz, NULL columns)');

SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t61', pg_temp.id('alice')));
COMMIT;
SELECT is((SELECT new FROM pg_temp.fresh('workspace')),
    (SELECT to_jsonb(w) FROM share_acl.workspace w WHERE w.id = pg_temp.id('ws')),
    'create_workspace: new is to_jsonb of the workspace (booleans, integers)');
SELECT is((SELECT new FROM pg_temp.fresh('member')),
    (SELECT to_jsonb(m) FROM share_acl.member m WHERE m.workspace_id = pg_temp.id('ws')
        AND m.principal_id = pg_temp.id('alice')),
    'create_workspace: the owner''s membership is to_jsonb of the member row');

SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bob'), 'member');
INSERT INTO ids VALUES ('team', share_acl.create_team(pg_temp.id('ws'), 'Crew'));
SELECT share_acl.add_team_member(pg_temp.id('team'), pg_temp.id('bob'));
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO ids VALUES ('C', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P')));
SELECT share_acl.add_to_collection(pg_temp.id('C'), pg_temp.id('A'));
COMMIT;
SELECT is((SELECT new FROM pg_temp.fresh('member')),
    (SELECT to_jsonb(m) FROM share_acl.member m WHERE m.workspace_id = pg_temp.id('ws')
        AND m.principal_id = pg_temp.id('bob')),
    'add_member: new is to_jsonb of the member row');
SELECT is((SELECT new FROM pg_temp.fresh('team_member')),
    (SELECT to_jsonb(t) FROM share_acl.team_member t WHERE t.team_id = pg_temp.id('team')),
    'add_team_member: new is to_jsonb of the team_member row');
SELECT set_eq($$SELECT new FROM pg_temp.fresh('resource')$$,
    $$SELECT to_jsonb(r) FROM share_acl.resource r WHERE r.id IN (pg_temp.id('P'), pg_temp.id('A'), pg_temp.id('C'))$$,
    'create_resource: new is to_jsonb of each resource (enums, NULL parent)');
SELECT is((SELECT new FROM pg_temp.fresh('collection_item')),
    (SELECT to_jsonb(c) FROM share_acl.collection_item c WHERE c.collection_id = pg_temp.id('C')),
    'add_to_collection: new is to_jsonb of the collection_item row');

SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('S', share_acl.share(pg_temp.id('A'), pg_temp.id('bob'), 'viewer',
                                             now() + interval '3 days', allow_download => true));
COMMIT;
SELECT is((SELECT new FROM pg_temp.fresh('share')),
    (SELECT to_jsonb(s) FROM share_acl.share s WHERE s.id = pg_temp.id('S')),
    'share: new is to_jsonb of the share (permset, booleans, expiry)');
SELECT is((SELECT workspace_id FROM pg_temp.fresh('share')), pg_temp.id('ws'),
    'share: in the resource''s workspace');

INSERT INTO before SELECT 'S', to_jsonb(s) FROM share_acl.share s WHERE s.id = pg_temp.id('S');
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.unshare(pg_temp.id('S'));
COMMIT;
SELECT results_eq($$SELECT action, old, new FROM pg_temp.fresh('share')$$,
    $$SELECT 'delete', (SELECT row FROM before WHERE name = 'S'), NULL::jsonb$$,
    'unshare: old is to_jsonb of the share as it was, new is NULL');

SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.mute(pg_temp.id('P'));
COMMIT;
SELECT is((SELECT new FROM pg_temp.fresh('notification_mute')),
    (SELECT to_jsonb(m) FROM share_acl.notification_mute m WHERE m.principal_id = pg_temp.id('alice')),
    'mute: new is to_jsonb of the mute, staged as the caller');

-- an update goes through the trigger's statement, as the owner
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.set_general_access(pg_temp.id('P'), 'shared');
COMMIT;
SELECT is((SELECT new FROM pg_temp.fresh('resource')),
    (SELECT to_jsonb(r) FROM share_acl.resource r WHERE r.id = pg_temp.id('P')),
    'set_general_access: the update''s new is to_jsonb of the resource');

-- ----------------------------- an administrator's own statements, as caller
SET ROLE t61_admin;
SELECT pg_temp.mark();
INSERT INTO share_acl.resource (workspace_id, kind, parent_id)
VALUES (pg_temp.id('ws'), 'asset', pg_temp.id('P'));
RESET ROLE;
SELECT results_eq($$SELECT action, workspace_id, new = (SELECT to_jsonb(r) FROM share_acl.resource r WHERE r.id = f.object_id)
                      FROM pg_temp.fresh('resource') f$$,
    $$VALUES ('insert', pg_temp.id('ws'), true)$$,
    'an administrator''s one-row INSERT: audited as to_jsonb, in the workspace');

-- several rows: the statement runs as the owner, whatever the caller's search_path
CREATE SCHEMA t61_evil;
GRANT USAGE ON SCHEMA t61_evil TO PUBLIC;
CREATE FUNCTION t61_evil.uuid_eq(uuid, uuid) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 't61: the audit statement ran an operator of the caller''s search_path as %', current_user;
END $$;
CREATE OPERATOR t61_evil.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = t61_evil.uuid_eq);
GRANT EXECUTE ON FUNCTION t61_evil.uuid_eq(uuid, uuid) TO PUBLIC;
SET ROLE t61_admin;
SET search_path = t61_evil, pg_catalog, public;
SELECT pg_temp.mark();
SELECT lives_ok($$INSERT INTO share_acl.share (resource_id, grantee_id, perms)
                  VALUES (pg_temp.id('A'), pg_temp.id('bob'), 'viewer'),
                         (pg_temp.id('P'), pg_temp.id('bob'), 'commenter')$$,
    'a two-row INSERT of shares by an administrator whose search_path puts its own = first: staged');
SELECT lives_ok($$UPDATE share_acl.resource SET restricted = true
                   WHERE parent_id OPERATOR(pg_catalog.=) pg_temp.id('P') AND kind = 'asset'$$,
    'an UPDATE by the same administrator: staged');
RESET search_path;
RESET ROLE;
SELECT results_eq($$SELECT count(*), bool_and(workspace_id = pg_temp.id('ws')),
                           bool_and(new = (SELECT to_jsonb(s) FROM share_acl.share s WHERE s.id = f.object_id))
                      FROM pg_temp.fresh('share') f$$,
    $$VALUES (2::bigint, true, true)$$,
    'the shares'' rows: two, in the resources'' workspace (looked up by the statement), to_jsonb of the rows');
SELECT results_eq($$SELECT count(*), bool_and(workspace_id = pg_temp.id('ws')),
                           bool_and(new = (SELECT to_jsonb(r) FROM share_acl.resource r WHERE r.id = f.object_id))
                      FROM pg_temp.fresh('resource') f$$,
    $$VALUES (2::bigint, true, true)$$,
    'the update''s rows: both assets, in the workspace, to_jsonb of the rows');

-- ------------------------------------------------------------- audit_stage
SET ROLE t61_admin;
SELECT throws_ok($$INSERT INTO share_acl.audit_stage (workspace_id, action, object_type)
                   VALUES (pg_temp.id('ws'), 'insert', 'resource')$$,
    '42501', NULL, 'an administrator cannot write audit_stage itself');
RESET ROLE;
SET ROLE t61_app;
SELECT throws_ok($$INSERT INTO share_acl.audit_stage (workspace_id, action, object_type)
                   VALUES (pg_temp.id('ws'), 'insert', 'resource')$$,
    '42501', NULL, 'neither can the application role');
RESET ROLE;

-- ------------------------------------------- audit_trigger on an app table
-- an application role's own type with a cast to json, which to_jsonb calls
SET ROLE t61_app;
CREATE TYPE pg_temp.mood AS ENUM ('calm');
CREATE FUNCTION pg_temp.mood_json(pg_temp.mood) RETURNS json LANGUAGE sql
    AS $$ SELECT pg_catalog.to_json(current_user::text) $$;
CREATE CAST (pg_temp.mood AS json) WITH FUNCTION pg_temp.mood_json(pg_temp.mood);
CREATE TEMP TABLE app_doc (resource_id uuid, m pg_temp.mood);
CREATE TRIGGER audit AFTER INSERT ON app_doc FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('resource_id');
CREATE TEMP TABLE app_note (resource_id uuid, body text);
CREATE TRIGGER audit_ins AFTER INSERT ON app_note REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_trigger('resource_id');
CREATE TRIGGER audit_upd AFTER UPDATE ON app_note REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_trigger('resource_id');
RESET ROLE;
SELECT pg_temp.mark();
SET ROLE t61_app;
BEGIN; SELECT pg_temp.act('alice');
INSERT INTO app_doc VALUES (pg_temp.id('A'), 'calm');
COMMIT;
RESET ROLE;
SELECT is((SELECT new ->> 'm' FROM share_acl.audit_log
            WHERE id > (SELECT m.id FROM marks m) AND object_type LIKE '%.app_doc'),
    't61_app', 'audit_trigger: a cast to json of the table''s type ran as the application role, not the owner');
SELECT is((SELECT rolsuper FROM pg_roles WHERE rolname = 't61_app'), false,
    'audit_trigger: the application role is no superuser');

SELECT pg_temp.mark();
SET ROLE t61_app;
BEGIN; SELECT pg_temp.act('alice');
INSERT INTO app_note SELECT pg_temp.id('A'), 'n' || i FROM generate_series(1, 2500) i;
UPDATE app_note SET body = body || '!' WHERE body IN ('n1', 'n2500');
COMMIT;
RESET ROLE;
SELECT results_eq($$SELECT action, count(*), bool_and(workspace_id = pg_temp.id('ws')),
                           bool_and(actor_id = pg_temp.id('alice')), count(DISTINCT coalesce(new, old) ->> 'body')
                      FROM share_acl.audit_log WHERE id > (SELECT m.id FROM marks m) AND object_type LIKE '%.app_note'
                     GROUP BY action ORDER BY action$$,
    $$VALUES ('insert', 2500::bigint, true, true, 2500::bigint), ('update', 2::bigint, true, true, 2::bigint)$$,
    'audit_trigger per statement: 2,500 inserted rows (three batches) and two updated, in the resource''s workspace');
SELECT is((SELECT array_agg(old ->> 'body' || '>' || (new ->> 'body') ORDER BY old ->> 'body')
             FROM share_acl.audit_log WHERE id > (SELECT m.id FROM marks m) AND object_type LIKE '%.app_note'
              AND action = 'update'),
    ARRAY['n1>n1!', 'n2500>n2500!'], 'audit_trigger per statement: an update''s old and new rows pair up');
-- a principal with nothing on the resource its row names writes into no
-- workspace's chain (the rows without a workspace: a trusted administrator's)
INSERT INTO ids VALUES ('mallory', share_acl.create_user('mallory@t61.test'));
SELECT pg_temp.mark();
SET ROLE t61_app;
BEGIN; SELECT pg_temp.act('mallory');
INSERT INTO app_doc VALUES (pg_temp.id('A'), 'calm');
INSERT INTO app_note VALUES (pg_temp.id('A'), 'planted');
COMMIT;
RESET ROLE;
SELECT results_eq($$SELECT object_type LIKE '%.app_doc', workspace_id FROM share_acl.audit_log
                     WHERE id > (SELECT m.id FROM marks m) AND actor_id = pg_temp.id('mallory') ORDER BY id$$,
    $$VALUES (true, NULL::uuid), (false, NULL::uuid)$$,
    'audit_trigger: an outsider''s rows naming the workspace''s asset go to no workspace''s chain');
SELECT is((SELECT count(*) FROM share_acl.audit_log WHERE workspace_id = pg_temp.id('ws')
            AND actor_id = pg_temp.id('mallory')), 0::bigint,
    'audit_trigger: nothing of the outsider''s in the workspace''s log');

-- with no principal: a role that is no trusted administrator writes into no
-- workspace's chain; an administrator into the resource's workspace's when
-- the table's owner is a trusted administrator too (another role's table
-- runs that role's triggers, which may shape the row), else into none; a
-- link context that reaches the resource into the resource's workspace's
CREATE TEMP TABLE app_note_admins (resource_id uuid, body text);
CREATE TRIGGER audit_ins AFTER INSERT ON app_note_admins
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('resource_id');
GRANT INSERT ON app_note_admins TO t61_admin;
SELECT pg_temp.mark();
SET ROLE t61_app;
INSERT INTO app_note VALUES (pg_temp.id('A'), 'no principal');
RESET ROLE;
GRANT INSERT ON app_note TO t61_admin;
SET ROLE t61_admin;
INSERT INTO app_note VALUES (pg_temp.id('A'), 'administrator');
INSERT INTO app_note_admins VALUES (pg_temp.id('A'), 'administrator, own table');
RESET ROLE;
BEGIN; SELECT pg_temp.act('alice');
CREATE TEMP TABLE tok AS SELECT share_acl.create_link(pg_temp.id('A'), 'viewer') AS t;
GRANT SELECT ON tok TO PUBLIC;
COMMIT;
SET ROLE t61_app;
BEGIN;
SELECT is((SELECT status FROM share_acl.open_link((SELECT t FROM tok))), 'ok', 'the link to A opens');
INSERT INTO app_note VALUES (pg_temp.id('A'), 'link');
COMMIT;
RESET ROLE;
SELECT results_eq($$SELECT new ->> 'body', workspace_id FROM share_acl.audit_log
                     WHERE id > (SELECT m.id FROM marks m) AND object_type ~ '\.app_note(_admins)?$' ORDER BY id$$,
    $$VALUES ('no principal', NULL::uuid), ('administrator', NULL::uuid),
             ('administrator, own table', pg_temp.id('ws')), ('link', pg_temp.id('ws'))$$,
    'audit_trigger without a principal: a plain role''s row goes to no workspace''s chain, an administrator''s to the workspace''s in a trusted owner''s table (else to none), a link context''s to the workspace''s');
SELECT results_eq($$SELECT new ->> 'body', link_id FROM share_acl.audit_log
                     WHERE id > (SELECT m.id FROM marks m) AND object_type ~ '\.app_note(_admins)?$' ORDER BY id$$,
    $$VALUES ('no principal', NULL::uuid), ('administrator', NULL::uuid), ('administrator, own table', NULL::uuid),
             ('link', share_acl.link_id((SELECT t FROM tok)))$$,
    'audit_trigger: a row written in a link context names the link');
-- only where the link gives something on the row's resource: mallory, with
-- alice's link open, writes a row on a resource of her own workspace (her own
-- rights, in her chain: no link) and one on A (through the link)
BEGIN; SELECT pg_temp.act('mallory');
INSERT INTO ids VALUES ('wm', share_acl.create_workspace('t61 mallory', pg_temp.id('mallory')));
INSERT INTO ids VALUES ('M', share_acl.create_resource(pg_temp.id('wm'), 'project'));
COMMIT;
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('mallory');
SELECT is((SELECT status FROM share_acl.open_link((SELECT t FROM tok))), 'ok', 'mallory opens alice''s link to A');
INSERT INTO app_note VALUES (pg_temp.id('M'), 'own, link open'), (pg_temp.id('A'), 'through the link');
COMMIT;
SELECT results_eq($$SELECT new ->> 'body', workspace_id, link_id FROM share_acl.audit_log
                     WHERE id > (SELECT m.id FROM marks m) AND object_type LIKE '%.app_note' ORDER BY id$$,
    $$VALUES ('own, link open', pg_temp.id('wm'), NULL::uuid),
             ('through the link', pg_temp.id('ws'), share_acl.link_id((SELECT t FROM tok)))$$,
    'audit_trigger: the link only on the rows whose resource it reaches (not on another tenant''s own rows)');

SELECT is(has_function_privilege('share_acl.audit_trigger()', 'EXECUTE')
          AND NOT (SELECT prosecdef FROM pg_proc WHERE oid = 'share_acl.audit_trigger()'::regprocedure),
    true, 'audit_trigger is not SECURITY DEFINER');

SELECT is((SELECT bool_and(ok) FROM share_acl.audit_verify(pg_temp.id('ws'))), true,
    'audit_verify: the workspace''s chain holds');

SELECT * FROM finish();
