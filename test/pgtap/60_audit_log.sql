-- pgTAP: the audit trail (SPEC §7).  Every management function and every
-- bulk path writes exactly the expected rows (action, object, actor,
-- db_role, old and new), every link open one row whatever its status; no
-- token, password or key secret in any table; the log is append-only for
-- every role and readable with view_audit only; audit_verify passes on the
-- honest log and finds each kind of tampering; audit_retain keeps it green.
--
-- Audit rows are written when a transaction commits, so this file runs in
-- autocommit mode (its rows stay: the log is append-only).  pg_temp.mark()
-- notes the newest row, pg_temp.fresh() lists the rows written since.
SET client_min_messages = warning;
SET log_min_error_statement = panic;    -- passwords are literals below
SELECT plan(183);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE TEMP TABLE toks (name text PRIMARY KEY, token text NOT NULL);
CREATE TEMP TABLE marks (id bigint NOT NULL);
GRANT ALL ON ids, toks, marks TO PUBLIC;
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.tok(text) RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT token FROM toks WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
CREATE FUNCTION pg_temp.mark() RETURNS void LANGUAGE sql AS $$
    DELETE FROM marks;
    INSERT INTO marks SELECT coalesce(max(id), 0) FROM share_acl.audit_log;
$$;
CREATE FUNCTION pg_temp.fresh()
RETURNS TABLE (action text, object_type text, object_id uuid, actor_id uuid, db_role text,
               workspace_id uuid, old jsonb, new jsonb, link_id uuid, viewer_email text)
LANGUAGE sql STABLE AS $$
    SELECT l.action, l.object_type, l.object_id, l.actor_id, l.db_role, l.workspace_id, l.old, l.new,
           l.link_id, l.viewer_email
      FROM share_acl.audit_log l WHERE l.id > (SELECT m.id FROM marks m) ORDER BY l.id
$$;
-- refused calls' rows after the mark (written by background workers, in
-- transactions of their own): their number, once there are n (at most 5 s)
CREATE FUNCTION pg_temp.wait_rows(n bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE got bigint; i int := 0;
BEGIN
    LOOP
        SELECT count(*) INTO got FROM share_acl.audit_log l
         WHERE l.id > (SELECT m.id FROM marks m) AND l.action = 'refused';
        EXIT WHEN got >= n OR i >= 100;
        PERFORM pg_sleep(0.05);         -- at most 5 s in all
        i := i + 1;
    END LOOP;
    RETURN got;
END $$;
-- the actions, objects and actors written since the mark
CREATE FUNCTION pg_temp.rows() RETURNS TABLE (action text, object_type text, object_id uuid, actor_id uuid)
LANGUAGE sql STABLE AS $$ SELECT f.action, f.object_type, f.object_id, f.actor_id FROM pg_temp.fresh() f $$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 't60_app') THEN
        CREATE ROLE t60_app NOLOGIN IN ROLE share_acl_user;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 't60_admin') THEN
        CREATE ROLE t60_admin NOLOGIN IN ROLE share_acl_admin;
    END IF;
END $$;

-- ----------------------------------------------------------- people, places
SELECT pg_temp.mark();
INSERT INTO ids VALUES ('alice', share_acl.create_user('alice@t60.test', 'Alice'));
SELECT results_eq('SELECT * FROM pg_temp.rows()',
    $$VALUES ('insert', 'principal', pg_temp.id('alice'), NULL::uuid)$$,
    'create_user: one insert of the principal, by a trusted administrator (no actor)');
SELECT is((SELECT new ->> 'email' FROM pg_temp.fresh()), 'alice@t60.test', 'create_user: new holds the row');
SELECT is((SELECT db_role FROM pg_temp.fresh()), session_user::text, 'create_user: db_role is the session user');
INSERT INTO ids VALUES
    ('bob',   share_acl.create_user('bob@t60.test')),
    ('carol', share_acl.create_user('carol@t60.test')),
    ('dave',  share_acl.create_user('dave@t60.test')),
    ('erin',  share_acl.create_user('erin@t60.test'));

SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t60', pg_temp.id('alice')));
COMMIT;
SELECT results_eq('SELECT * FROM pg_temp.rows()',
    $$VALUES ('insert', 'workspace', pg_temp.id('ws'), pg_temp.id('alice')),
             ('insert', 'member', pg_temp.id('alice'), pg_temp.id('alice'))$$,
    'create_workspace: the workspace and its owner, by the acting principal');
SELECT is(ARRAY(SELECT DISTINCT workspace_id FROM pg_temp.fresh()), ARRAY[pg_temp.id('ws')],
    'create_workspace: both rows in the workspace''s chain');
BEGIN; SELECT pg_temp.act('erin');
INSERT INTO ids VALUES ('ws2', share_acl.create_workspace('t60 other', pg_temp.id('erin')));
SELECT pg_temp.act('erin');
INSERT INTO ids VALUES ('X', share_acl.create_resource(pg_temp.id('ws2'), 'project'));
COMMIT;

SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('team', share_acl.create_team(pg_temp.id('ws'), 'Crew'));
COMMIT;
SELECT results_eq('SELECT * FROM pg_temp.rows()',
    $$VALUES ('insert', 'principal', pg_temp.id('team'), pg_temp.id('alice'))$$, 'create_team');

SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bob'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member');
COMMIT;
SELECT results_eq('SELECT * FROM pg_temp.rows()',
    $$VALUES ('insert', 'member', pg_temp.id('bob'), pg_temp.id('alice')),
             ('insert', 'member', pg_temp.id('carol'), pg_temp.id('alice'))$$, 'add_member');

SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('bob'), 'admin');
COMMIT;
SELECT results_eq('SELECT action, object_type, object_id, old ->> ''role'', new ->> ''role'' FROM pg_temp.fresh()',
    $$VALUES ('update', 'member', pg_temp.id('bob'), 'member', 'admin')$$, 'set_role: old and new role');

SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.add_team_member(pg_temp.id('team'), pg_temp.id('bob'));
SELECT share_acl.remove_team_member(pg_temp.id('team'), pg_temp.id('bob'));
COMMIT;
SELECT results_eq('SELECT action, object_type, object_id, workspace_id, coalesce(new, old) ->> ''member_id'' FROM pg_temp.fresh()',
    $$VALUES ('insert', 'team_member', pg_temp.id('team'), pg_temp.id('ws'), pg_temp.id('bob')::text),
             ('delete', 'team_member', pg_temp.id('team'), pg_temp.id('ws'), pg_temp.id('bob')::text)$$,
    'add_team_member, remove_team_member: in the team''s workspace');

-- ----------------------------------------------------------------- resources
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('P2', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO ids VALUES ('C', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P')));
COMMIT;
SELECT results_eq('SELECT * FROM pg_temp.rows()',
    $$VALUES ('insert', 'resource', pg_temp.id('P'), pg_temp.id('alice')),
             ('insert', 'resource', pg_temp.id('P2'), pg_temp.id('alice')),
             ('insert', 'resource', pg_temp.id('A'), pg_temp.id('alice')),
             ('insert', 'resource', pg_temp.id('C'), pg_temp.id('alice'))$$, 'create_resource');

SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.move_resource(pg_temp.id('A'), pg_temp.id('P2'));
COMMIT;
SELECT results_eq('SELECT action, object_id, old ->> ''parent_id'', new ->> ''parent_id'' FROM pg_temp.fresh()',
    $$VALUES ('update', pg_temp.id('A'), pg_temp.id('P')::text, pg_temp.id('P2')::text)$$,
    'move_resource: old and new parent');

SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.add_to_collection(pg_temp.id('C'), pg_temp.id('A'));
SELECT share_acl.remove_from_collection(pg_temp.id('C'), pg_temp.id('A'));
SELECT share_acl.add_to_collection(pg_temp.id('C'), pg_temp.id('A'));
COMMIT;
SELECT results_eq('SELECT action, object_type, object_id, workspace_id FROM pg_temp.fresh()',
    $$VALUES ('insert', 'collection_item', pg_temp.id('A'), pg_temp.id('ws')),
             ('delete', 'collection_item', pg_temp.id('A'), pg_temp.id('ws')),
             ('insert', 'collection_item', pg_temp.id('A'), pg_temp.id('ws'))$$,
    'add_to_collection, remove_from_collection');

SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.set_general_access(pg_temp.id('P'), 'shared');
SELECT share_acl.set_restricted(pg_temp.id('A'), true);
SELECT share_acl.transfer_resource_ownership(pg_temp.id('A'), pg_temp.id('bob'));
COMMIT;
SELECT results_eq(
    $$SELECT action, object_id, (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(new) k
                                   WHERE new -> k IS DISTINCT FROM old -> k) FROM pg_temp.fresh()$$,
    $$VALUES ('update', pg_temp.id('P'), ARRAY['general_access']),
             ('update', pg_temp.id('A'), ARRAY['restricted']),
             ('update', pg_temp.id('A'), ARRAY['owner_id'])$$,
    'set_general_access, set_restricted, transfer_resource_ownership: one update each, of that column');

-- ------------------------------------------------------------------- shares
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('s1', share_acl.share(pg_temp.id('P'), pg_temp.id('carol'), 'viewer'));
SELECT share_acl.update_share(pg_temp.id('s1'), perms => 'commenter');
SELECT share_acl.unshare(pg_temp.id('s1'));
COMMIT;
SELECT results_eq('SELECT action, object_type, object_id, workspace_id, coalesce(new, old) ->> ''perms'' FROM pg_temp.fresh()',
    $$VALUES ('insert', 'share', pg_temp.id('s1'), pg_temp.id('ws'), 'view,view_details,react'),
             ('update', 'share', pg_temp.id('s1'), pg_temp.id('ws'), 'view,view_details,react,comment,annotate,approve'),
             ('delete', 'share', pg_temp.id('s1'), pg_temp.id('ws'), 'view,view_details,react,comment,annotate,approve')$$,
    'share, update_share, unshare');
-- the rest of those rows: the whole row as new (insert), old and new
-- (update), old (delete); the actor and the session's role; no link or e-mail
SELECT results_eq($$SELECT action, old IS NULL, new IS NULL, actor_id, db_role = session_user, link_id, viewer_email,
                          (SELECT array_agg(k COLLATE "C" ORDER BY k COLLATE "C") FROM jsonb_object_keys(coalesce(new, old)) k),
                          coalesce(new, old) ->> 'id'
                     FROM pg_temp.fresh()$$,
    $$SELECT a, o, n, pg_temp.id('alice'), true, NULL::uuid, NULL::text,
             (SELECT array_agg(attname::text COLLATE "C" ORDER BY attname::text COLLATE "C") FROM pg_attribute
               WHERE attrelid = 'share_acl.share'::regclass AND attnum > 0 AND NOT attisdropped),
             pg_temp.id('s1')::text
        FROM (VALUES ('insert', true, false, 1), ('update', false, false, 2), ('delete', false, true, 3)) v(a, o, n, k)
       ORDER BY k$$,
    'share, update_share, unshare: old, new, actor, role, link and e-mail of their rows');

SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('s2', share_acl.share_with_email(pg_temp.id('A'), 'guest@t60.test', 'viewer'));
COMMIT;
INSERT INTO ids SELECT 'guest', id FROM share_acl.principal WHERE email = 'guest@t60.test';
SELECT results_eq('SELECT * FROM pg_temp.rows()',
    $$VALUES ('insert', 'principal', pg_temp.id('guest'), pg_temp.id('alice')),
             ('insert', 'member', pg_temp.id('guest'), pg_temp.id('alice')),
             ('insert', 'share', pg_temp.id('s2'), pg_temp.id('alice'))$$,
    'share_with_email: the external principal, its guest role and the share');

-- ------------------------------------------------------- promotion, policies
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('dave'), 'viewer');
COMMIT;
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('dave');
INSERT INTO ids VALUES ('req', share_acl.request_promotion(pg_temp.id('ws'), 'guest'));
COMMIT;
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.decide_promotion(pg_temp.id('req'), true);
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_guest_uploads', 'true');
COMMIT;
SELECT results_eq('SELECT * FROM pg_temp.rows()',
    $$VALUES ('insert', 'promotion_request', pg_temp.id('req'), pg_temp.id('dave')),
             ('update', 'member', pg_temp.id('dave'), pg_temp.id('alice')),
             ('update', 'promotion_request', pg_temp.id('req'), pg_temp.id('alice')),
             ('update', 'workspace', pg_temp.id('ws'), pg_temp.id('alice'))$$,
    'request_promotion, decide_promotion, set_workspace_policy');

-- -------------------------------------------------------------------- links
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.create_link(pg_temp.id('P'));      -- the key is in use from here on
COMMIT;
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
INSERT INTO toks VALUES
    ('plain',   share_acl.create_link(pg_temp.id('A'))),
    ('pw',      share_acl.create_link(pg_temp.id('A'), password => 'Audit-Secret-60')),
    ('lock',    share_acl.create_link(pg_temp.id('A'), password => 'Audit-Lock-60')),
    ('later',   share_acl.create_link(pg_temp.id('A'), not_before => now() + interval '1 hour')),
    ('revoked', share_acl.create_link(pg_temp.id('A')));
COMMIT;
-- the link id of a token (bytes 6 to 21 of its 45)
INSERT INTO ids
SELECT name, encode(substring(decode(translate(token, '-_', '+/'), 'base64') FROM 6 FOR 16), 'hex')::uuid FROM toks;
SELECT results_eq('SELECT action, object_type, actor_id, new ? ''password_hash'', (new ->> ''has_password'')::boolean FROM pg_temp.fresh()',
    $$VALUES ('insert', 'link', pg_temp.id('alice'), false, false), ('insert', 'link', pg_temp.id('alice'), false, true),
             ('insert', 'link', pg_temp.id('alice'), false, true), ('insert', 'link', pg_temp.id('alice'), false, false),
             ('insert', 'link', pg_temp.id('alice'), false, false)$$,
    'create_link: one insert each, has_password instead of the password hash');
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.revoke_link(pg_temp.id('revoked'));
COMMIT;
SELECT results_eq('SELECT action, object_type, object_id, new ->> ''revoked_at'' IS NOT NULL FROM pg_temp.fresh()',
    $$VALUES ('update', 'link', pg_temp.id('revoked'), true)$$, 'revoke_link');

-- every status of an open: one row each, committed with the open
SELECT pg_temp.mark();
SELECT FROM share_acl.open_link(pg_temp.tok('plain'), viewer_email => 'viewer@t60.test');
SELECT FROM share_acl.open_link('not-a-token', viewer_email => 'viewer@t60.test');
SELECT FROM share_acl.open_link(pg_temp.tok('revoked'));
SELECT FROM share_acl.open_link(pg_temp.tok('later'));
SELECT FROM share_acl.open_link(pg_temp.tok('pw'));
SELECT FROM share_acl.open_link(pg_temp.tok('pw'), 'wrong', 'viewer@t60.test');
SELECT FROM share_acl.open_link(pg_temp.tok('pw'), 'Audit-Secret-60');
SELECT FROM generate_series(1, 10) g, LATERAL share_acl.open_link(pg_temp.tok('lock'), 'wrong' || left(g::text, 0));
SELECT FROM share_acl.open_link(pg_temp.tok('lock'), 'Audit-Lock-60');
SELECT results_eq($$SELECT action, object_type, object_id, link_id, new ->> 'status', viewer_email
                      FROM pg_temp.fresh() WHERE action = 'open_link'$$,
    $$VALUES ('open_link', 'link', pg_temp.id('plain'), pg_temp.id('plain'), 'ok', 'viewer@t60.test'),
             ('open_link', 'link', NULL, NULL, 'invalid', 'viewer@t60.test'),
             ('open_link', 'link', pg_temp.id('revoked'), pg_temp.id('revoked'), 'revoked', NULL),
             ('open_link', 'link', pg_temp.id('later'), pg_temp.id('later'), 'expired', NULL),
             ('open_link', 'link', pg_temp.id('pw'), pg_temp.id('pw'), 'password_required', NULL),
             ('open_link', 'link', pg_temp.id('pw'), pg_temp.id('pw'), 'wrong_password', 'viewer@t60.test'),
             ('open_link', 'link', pg_temp.id('pw'), pg_temp.id('pw'), 'ok', NULL)$$ ||
    ' UNION ALL SELECT ''open_link'', ''link'', pg_temp.id(''lock''), pg_temp.id(''lock''), ''wrong_password'', NULL FROM generate_series(1, 10)'
    ' UNION ALL VALUES (''open_link'', ''link'', pg_temp.id(''lock''), pg_temp.id(''lock''), ''locked'', NULL)',
    'open_link: one row per open with the link, the status and the viewer''s e-mail');
SELECT is(ARRAY(SELECT DISTINCT workspace_id FROM pg_temp.fresh() WHERE action = 'open_link' AND link_id IS NOT NULL),
    ARRAY[pg_temp.id('ws')], 'open_link: the rows of known links are in the link''s workspace');
SELECT is((SELECT workspace_id FROM pg_temp.fresh() WHERE new ->> 'status' = 'invalid'), NULL,
    'open_link: an invalid token''s row has no workspace');
SELECT results_eq($$SELECT object_type, link_id, viewer_email, workspace_id, object_id, old IS NULL, new ->> 'link_id'
                     FROM pg_temp.fresh() WHERE action = 'insert'$$,
    $$VALUES ('link_view', pg_temp.id('plain'), 'viewer@t60.test', pg_temp.id('ws'), pg_temp.id('plain'), true, pg_temp.id('plain')::text),
             ('link_view', pg_temp.id('pw'), NULL, pg_temp.id('ws'), pg_temp.id('pw'), true, pg_temp.id('pw')::text)$$,
    'open_link: the link_view rows of the two successful opens, in the link''s workspace');
SELECT is((SELECT count(*) FROM pg_temp.fresh() WHERE object_type = 'link' AND action = 'update'), 0::bigint,
    'open_link: the counters it changes write no update rows');

-- -------------------------------------------------------- ownership, keys
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.remove_member(pg_temp.id('ws'), pg_temp.id('bob'));
SELECT share_acl.transfer_ownership(pg_temp.id('ws'), pg_temp.id('carol'));
COMMIT;
SELECT results_eq('SELECT action, object_type, object_id, old ->> ''role'', new ->> ''role'' FROM pg_temp.fresh()',
    $$VALUES ('delete', 'member', pg_temp.id('bob'), 'admin', NULL),
             ('update', 'member', pg_temp.id('alice'), 'owner', 'admin'),
             ('update', 'member', pg_temp.id('carol'), 'member', 'owner')$$,
    'remove_member, transfer_ownership (two updates)');

SELECT pg_temp.mark();
CREATE TEMP TABLE kid AS SELECT share_acl.rotate_signing_key() AS k;
SELECT share_acl.retire_signing_key((SELECT k FROM kid));
SELECT results_eq('SELECT action, object_type, object_id, (new ->> ''kid'')::int, new ? ''secret'' FROM pg_temp.fresh()',
    $$SELECT 'insert', 'signing_key', NULL::uuid, k, false FROM kid UNION ALL
      SELECT 'update', 'signing_key', NULL::uuid, k, false FROM kid$$,
    'rotate_signing_key, retire_signing_key: the key''s metadata, never its secret');

-- an administrator's session with a principal set: the functions only a
-- trusted administrator calls act for no principal (no actor, not the
-- principal that happened to be set), which is set again after them
SELECT pg_temp.mark();
BEGIN;
SELECT pg_temp.act('carol');
INSERT INTO ids VALUES ('frank', share_acl.create_user('frank@t60.test'));
CREATE TEMP TABLE kid2 AS SELECT share_acl.rotate_signing_key() AS k;
SELECT share_acl.retire_signing_key((SELECT k FROM kid2));
SELECT is(share_acl.current_principal(), pg_temp.id('carol'),
    'create_user, rotate_signing_key, retire_signing_key: the principal set before them is set after them');
COMMIT;
SELECT results_eq('SELECT action, object_type, actor_id, db_role = session_user FROM pg_temp.fresh()',
    $$VALUES ('insert', 'principal', NULL::uuid, true),
             ('insert', 'signing_key', NULL::uuid, true),
             ('update', 'signing_key', NULL::uuid, true)$$,
    'create_user, rotate_signing_key, retire_signing_key with a principal set: an administrator''s acts, with no actor');

-- ---------------------------------------------------------------- db_role
SELECT pg_temp.mark();
SET SESSION AUTHORIZATION t60_app;
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO ids VALUES ('A2', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
COMMIT;
RESET SESSION AUTHORIZATION;
SELECT results_eq('SELECT action, object_id, actor_id, db_role FROM pg_temp.fresh()',
    $$VALUES ('insert', pg_temp.id('A2'), pg_temp.id('carol'), 't60_app')$$,
    'db_role is the session user, not the owner the API function runs as');

-- --------------------------------------------------------------- bulk paths
SELECT pg_temp.mark();
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
SELECT md5('t60 bulk ' || i)::uuid, pg_temp.id('ws'), 'asset', pg_temp.id('P') FROM generate_series(1, 100) i;
SELECT results_eq($$SELECT count(*), count(DISTINCT object_id), bool_and(action = 'insert' AND actor_id IS NULL
                           AND workspace_id = pg_temp.id('ws') AND old IS NULL
                           AND new ->> 'id' = object_id::text) FROM pg_temp.fresh()$$,
    $$VALUES (100::bigint, 100::bigint, true)$$, 'INSERT ... SELECT of 100 resources: 100 rows');

SELECT pg_temp.mark();
SELECT pg_temp.mark();
CREATE TEMP TABLE copy_src AS
SELECT ('60000000-0000-0000-0000-00000000c00' || i)::uuid AS id, pg_temp.id('ws') AS ws, pg_temp.id('P') AS p
  FROM generate_series(1, 3) i;
COPY (SELECT id, ws, 'asset', p FROM copy_src) TO '/tmp/share_acl_t60_copy.tsv';
COPY share_acl.resource (id, workspace_id, kind, parent_id) FROM '/tmp/share_acl_t60_copy.tsv';
\! rm -f /tmp/share_acl_t60_copy.tsv
SELECT results_eq('SELECT action, object_id FROM pg_temp.fresh()',
    'SELECT ''insert'', id FROM copy_src ORDER BY id', 'COPY of 3 resources: 3 rows');

SELECT pg_temp.mark();
UPDATE share_acl.resource SET general_access = 'public'
 WHERE parent_id = pg_temp.id('P') AND id IN (SELECT md5('t60 bulk ' || i)::uuid FROM generate_series(1, 100) i);
SELECT results_eq($$SELECT count(*), bool_and(action = 'update' AND old ->> 'general_access' = 'private'
                                               AND new ->> 'general_access' = 'public') FROM pg_temp.fresh()$$,
    $$VALUES (100::bigint, true)$$, 'UPDATE of 100 rows: 100 rows with old and new');
SELECT pg_temp.mark();
UPDATE share_acl.resource SET general_access = 'public'
 WHERE id IN (SELECT md5('t60 bulk ' || i)::uuid FROM generate_series(1, 100) i);
SELECT is((SELECT count(*) FROM pg_temp.fresh()), 0::bigint, 'an UPDATE that changes nothing writes nothing');

-- a cascade: deleting P2 deletes A (moved there), its share, its links,
-- their views, its collection item; each row in the workspace's chain.  By
-- the workspace's owner now, carol: A is restricted and bob's, beyond alice
-- (R8), so delete_resource refuses her the cascade (the refusal's own row is
-- written by a background worker: waited for)
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT throws_ok($$SELECT share_acl.delete_resource(pg_temp.id('P2'))$$, '42501',
    format('permission denied: delete_resource of resource %s would delete resources below it that this principal may not delete', pg_temp.id('P2')),
    'delete_resource: refused when a resource below is beyond the actor (unnamed: restricted, she may not view it)');
COMMIT;
SELECT is(pg_temp.wait_rows(1), 1::bigint, 'delete_resource: the refusal has its row (before the next mark)');
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
SELECT share_acl.delete_resource(pg_temp.id('P2'));
COMMIT;
SELECT results_eq($$SELECT object_type, count(*) FROM pg_temp.fresh() WHERE action = 'delete' GROUP BY 1 ORDER BY 1$$,
    $$VALUES ('collection_item', 1::bigint), ('link', 5::bigint), ('link_view', 2::bigint),
             ('resource', 2::bigint), ('share', 1::bigint)$$,
    'delete_resource: a row for everything the cascade deletes');
SELECT is((SELECT count(*) FROM pg_temp.fresh() WHERE workspace_id IS DISTINCT FROM pg_temp.id('ws')), 0::bigint,
    'delete_resource: every row of the cascade is in the workspace''s chain');
SELECT is((SELECT count(*) FROM pg_temp.fresh()
            WHERE action <> 'refused' AND actor_id IS DISTINCT FROM pg_temp.id('carol')), 0::bigint,
    'delete_resource: every row of the cascade has the acting principal');

-- a link moved to another workspace's resource, then deleted, in one
-- transaction (an administrator's): its views, deleted by the cascade, go to
-- the chain of the workspace the link was in when deleted, not to the one
-- it left (the link has rows in both; once each way, as the old join's
-- choice followed the workspaces' order)
SELECT share_acl.set_principal(NULL);
INSERT INTO ids VALUES ('PL', share_acl.create_resource(pg_temp.id('ws'), 'project'));
CREATE FUNCTION pg_temp.moved_link_views(from_r uuid, to_r uuid) RETURNS SETOF uuid LANGUAGE plpgsql AS $$
DECLARE
    token text := share_acl.create_link(from_r, label => 'moved');
BEGIN
    PERFORM share_acl.open_link(token, viewer_email => 'v1@t60.test');
    PERFORM share_acl.open_link(token, viewer_email => 'v2@t60.test');
    PERFORM share_acl._set_link_context(NULL);
END $$;
SELECT pg_temp.moved_link_views(pg_temp.id('PL'), pg_temp.id('X'));
SELECT pg_temp.mark();
BEGIN;
UPDATE share_acl.link SET resource_id = pg_temp.id('X') WHERE resource_id = pg_temp.id('PL');
DELETE FROM share_acl.link WHERE resource_id = pg_temp.id('X');
COMMIT;
SELECT pg_temp.moved_link_views(pg_temp.id('X'), pg_temp.id('PL'));
BEGIN;
UPDATE share_acl.link SET resource_id = pg_temp.id('PL') WHERE resource_id = pg_temp.id('X');
DELETE FROM share_acl.link WHERE resource_id = pg_temp.id('PL');
COMMIT;
SELECT results_eq($$SELECT workspace_id, count(*) FROM pg_temp.fresh()
                     WHERE object_type = 'link_view' AND action = 'delete' GROUP BY 1 ORDER BY 1$$,
    $$SELECT x, 2::bigint FROM unnest(ARRAY[pg_temp.id('ws'), pg_temp.id('ws2')]) x ORDER BY 1$$,
    'a cascade''s rows go to the workspace of the row they referred to when it was deleted, not the one it left');
-- an id deleted, made again in another workspace and deleted again in one
-- transaction: each cascade's rows go to the workspace of the delete that
-- ran it
SELECT pg_temp.mark();
BEGIN;
SELECT share_acl.create_resource(pg_temp.id('ws'), 'project', id => '60aa0000-0000-4000-8000-000000000001');
SELECT share_acl.share('60aa0000-0000-4000-8000-000000000001', pg_temp.id('carol'), 'viewer');
SELECT share_acl.delete_resource('60aa0000-0000-4000-8000-000000000001');
SELECT share_acl.create_resource(pg_temp.id('ws2'), 'project', id => '60aa0000-0000-4000-8000-000000000001');
SELECT share_acl.share('60aa0000-0000-4000-8000-000000000001', pg_temp.id('erin'), 'viewer');
SELECT share_acl.delete_resource('60aa0000-0000-4000-8000-000000000001');
COMMIT;
SELECT results_eq($$SELECT old ->> 'grantee_id', workspace_id FROM pg_temp.fresh()
                     WHERE object_type = 'share' AND action = 'delete'$$,
    $$VALUES (pg_temp.id('carol')::text, pg_temp.id('ws')), (pg_temp.id('erin')::text, pg_temp.id('ws2'))$$,
    'a cascade''s rows go to the workspace of the delete that ran it, when the id was deleted twice');

-- nothing of a rolled-back transaction or savepoint
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.create_resource(pg_temp.id('ws'), 'project');
ROLLBACK;
BEGIN; SELECT pg_temp.act('alice');
SAVEPOINT s;
SELECT share_acl.create_resource(pg_temp.id('ws'), 'project');
ROLLBACK TO SAVEPOINT s;
INSERT INTO ids VALUES ('P3', share_acl.create_resource(pg_temp.id('ws'), 'project'));
COMMIT;
SELECT results_eq('SELECT action, object_id FROM pg_temp.fresh()', $$VALUES ('insert', pg_temp.id('P3'))$$,
    'a rolled-back transaction or savepoint leaves no row');

-- a transaction's few rows are staged in its memory, its others in
-- audit_stage (more than 256 rows, a statement of more than 1000): all are
-- sealed, in the order they were staged, but a rolled-back savepoint's
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.create_resource(pg_temp.id('ws'), 'project', id => md5('t60 order 1')::uuid);
SAVEPOINT s1;
SELECT share_acl.create_resource(pg_temp.id('ws'), 'project', id => md5('t60 order x1')::uuid);
SAVEPOINT s2;
SELECT share_acl.create_resource(pg_temp.id('ws'), 'project', id => md5('t60 order x2')::uuid);
RELEASE SAVEPOINT s2;
ROLLBACK TO SAVEPOINT s1;
SAVEPOINT s3;
SELECT share_acl.create_resource(pg_temp.id('ws'), 'project', id => md5('t60 order 2')::uuid);
SAVEPOINT s4;
SELECT share_acl.create_resource(pg_temp.id('ws'), 'project', id => md5('t60 order x3')::uuid);
ROLLBACK TO SAVEPOINT s4;
RELEASE SAVEPOINT s3;
COMMIT;
SELECT results_eq('SELECT object_id FROM pg_temp.fresh()',
    $$VALUES (md5('t60 order 1')::uuid), (md5('t60 order 2')::uuid)$$,
    'savepoints: a released one keeps its rows, a rolled-back one takes its own and its released ones');

SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT count(share_acl.create_resource(pg_temp.id('ws'), 'project', id => md5('t60 many ' || i)::uuid))
  FROM generate_series(1, 300) i;
COMMIT;
SELECT is(ARRAY(SELECT object_id FROM pg_temp.fresh()),
    ARRAY(SELECT md5('t60 many ' || i)::uuid FROM generate_series(1, 300) i),
    '300 one-row statements in one transaction: 300 rows, in the order of the statements');

SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
SELECT share_acl.create_resource(pg_temp.id('ws'), 'project', id => md5('t60 mixed first')::uuid);
RESET share_acl.principal;
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
SELECT md5('t60 mixed ' || i)::uuid, pg_temp.id('ws'), 'asset', md5('t60 mixed first')::uuid
  FROM generate_series(1, 1200) i;
SELECT pg_temp.act('alice');
SELECT share_acl.create_resource(pg_temp.id('ws'), 'project', id => md5('t60 mixed last')::uuid);
COMMIT;
SELECT results_eq($$SELECT object_id FROM pg_temp.fresh() WHERE object_id IN (md5('t60 mixed first')::uuid,
                     md5('t60 mixed last')::uuid, md5('t60 mixed 1')::uuid)$$,
    $$VALUES (md5('t60 mixed first')::uuid), (md5('t60 mixed 1')::uuid), (md5('t60 mixed last')::uuid)$$,
    'a few rows and a bulk statement''s in one transaction: sealed in the order they were staged');
SELECT is((SELECT count(*) FROM pg_temp.fresh()), 1202::bigint, 'every row of that transaction');
SELECT is((SELECT count(*) FROM share_acl.audit_stage), 0::bigint, 'audit_stage is empty after the commits');
SELECT results_eq('SELECT * FROM share_acl.audit_verify(pg_temp.id(''ws''))', $$VALUES (true, NULL::bigint)$$,
    'the chain verifies');

-- ------------------------------------------------------------ refused calls
-- a refused call's row is written by a background worker in a transaction
-- of its own: it is there although the call's transaction aborted
SELECT pg_temp.mark();
SET SESSION AUTHORIZATION t60_app;
BEGIN; SELECT pg_temp.act('dave');      -- a guest
SELECT throws_ok($$SELECT share_acl.create_team(pg_temp.id('ws'), 'not allowed')$$, '42501',
    'permission denied: create_team requires "manage_members" on workspace ' || pg_temp.id('ws'),
    'a refused call raises 42501 as before');
ROLLBACK;
SELECT throws_ok($$SELECT share_acl.create_team(pg_temp.id('ws'), 'no principal')$$, '42501',
    'permission denied: no principal set', 'a call without a principal by a role that is no administrator');
RESET SESSION AUTHORIZATION;
SELECT is(pg_temp.wait_rows(2), 2::bigint, 'refused calls: both rows are there');
-- (each row commits in its own worker's transaction: in either order)
SELECT results_eq($$SELECT action, object_type, object_id, actor_id, db_role, workspace_id, new ->> 'message'
                      FROM pg_temp.fresh() ORDER BY new ->> 'message'$$,
    $$VALUES ('refused', 'create_team', pg_temp.id('ws'), pg_temp.id('dave'), 't60_app', pg_temp.id('ws'),
              'permission denied: create_team requires "manage_members" on workspace ' || pg_temp.id('ws')),
             ('refused', 'create_team', pg_temp.id('ws'), NULL, 't60_app', pg_temp.id('ws'),
              'permission denied: no principal set')$$,
    'refused calls: the function, its target and workspace, the actor, the session user and the message (also without a principal)');
SELECT is((SELECT array_agg(actor_id IS NULL ORDER BY (new ->> 'refused_at')::timestamptz)
             FILTER (WHERE (new ->> 'refused_at')::timestamptz <= clock_timestamp()) FROM pg_temp.fresh()),
    ARRAY[false, true],
    'refused calls: refused_at, the time of each refusal, orders the rows as the calls were made');
-- a refused call waits for its row's commit: the statement right after it
-- sees the row (five refusals in a row, each followed at once by a count;
-- the first after the refusal workers of the calls above have exited, so
-- that its worker connects to the database before it writes the row)
SELECT pg_temp.mark();
CREATE FUNCTION pg_temp.counts_after_refusals(n int) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE counts bigint[] := ARRAY[]::bigint[]; c bigint;
BEGIN
    PERFORM pg_temp.act('dave');        -- (a guest: refused)
    PERFORM pg_sleep(1.2);              -- (a worker serves further refusals 1 s at most)
    FOR i IN 1..n LOOP
        BEGIN
            PERFORM share_acl.create_team(pg_temp.id('ws'), 'not allowed ' || i);
        EXCEPTION WHEN insufficient_privilege THEN NULL;
        END;
        SELECT count(*) INTO c FROM share_acl.audit_log l
         WHERE l.id > (SELECT m.id FROM marks m) AND l.action = 'refused';
        counts := counts || c;
    END LOOP;
    PERFORM share_acl.set_principal(NULL);
    RETURN counts;
END $$;
SELECT is(pg_temp.counts_after_refusals(5), ARRAY[1, 2, 3, 4, 5]::bigint[],
    'each refused call''s row is in audit_log for the statement right after it');
-- ... but not for a worker that waits for a lock the caller holds (here on
-- the audit log: the refusal's error releases it, then the worker writes)
SELECT pg_temp.mark();
BEGIN;
LOCK TABLE share_acl.audit_log_default IN EXCLUSIVE MODE;
SELECT pg_temp.act('dave');
SELECT clock_timestamp() AS t60_t0 \gset
DO $$ BEGIN
    PERFORM share_acl.create_team(pg_temp.id('ws'), 'under a lock');
EXCEPTION WHEN insufficient_privilege THEN NULL;
END $$;
SELECT extract(epoch FROM clock_timestamp() - :'t60_t0'::timestamptz) AS t60_took \gset
ROLLBACK;
SELECT cmp_ok(:t60_took::numeric, '<', 1.5,
    'a refusal whose transaction holds a lock on the audit log does not wait for its worker (2 s lock timeout)');
SELECT is(pg_temp.wait_rows(1), 1::bigint, '... whose row is there once the lock is gone');
-- refused for want of a principal, a call's row names what it named, in its
-- workspace's chain (which its owner reads): a share, an upload, an update of a share (its resource)
SELECT pg_temp.mark();
INSERT INTO ids VALUES ('s_bob', share_acl.share(pg_temp.id('A2'), pg_temp.id('bob'), 'viewer'));
SELECT pg_temp.mark();
SET SESSION AUTHORIZATION t60_app;
SELECT throws_ok(format('SELECT share_acl.share(%L, %L, %L)', pg_temp.id('A2'), pg_temp.id('bob'), 'editor'),
    '42501', 'permission denied: no principal set', 'share without a principal: refused');
SELECT throws_ok(format('SELECT share_acl.create_resource(%L, %L, %L)', pg_temp.id('ws'), 'asset', pg_temp.id('P3')),
    '42501', 'permission denied: no principal set', 'create_resource without a principal: refused');
SELECT throws_ok(format('SELECT share_acl.update_share(%L, %L)', pg_temp.id('s_bob'), 'editor'),
    '42501', 'permission denied: no principal set', 'update_share without a principal: refused');
RESET SESSION AUTHORIZATION;
SELECT is(pg_temp.wait_rows(3), 3::bigint, 'refused without a principal: the rows are there');
SELECT results_eq($$SELECT object_type, object_id, workspace_id FROM pg_temp.fresh() ORDER BY object_type$$,
    $$VALUES ('create_resource', pg_temp.id('P3'), pg_temp.id('ws')), ('share', pg_temp.id('A2'), pg_temp.id('ws')),
             ('update_share', pg_temp.id('A2'), pg_temp.id('ws'))$$,
    'refused without a principal: each row names the call''s target (the parent of an upload, a share''s resource) and its workspace');
-- a refused read writes no row (a client polling its inbox without a
-- principal would fill the log); the refused write after it has its row
SELECT pg_temp.mark();
SET SESSION AUTHORIZATION t60_app;
SELECT throws_ok($$SELECT share_acl.unread_count()$$, '42501', NULL,
    'a refused read (unread_count without a principal) raises 42501');
SELECT throws_ok($$SELECT share_acl.mark_read('{}')$$, '42501', NULL,
    'a refused write of the inbox (mark_read without a principal) too');
RESET SESSION AUTHORIZATION;
SELECT is(pg_temp.wait_rows(1), 1::bigint, 'refused inbox calls: a row is there');
SELECT pg_sleep(0.5);
SELECT results_eq($$SELECT object_type FROM pg_temp.fresh()$$, $$VALUES ('mark_read'::text)$$,
    'refused inbox calls: the write''s row, none for the read');
-- the client disconnects right after the refusal: another connection
SELECT pg_temp.mark();
SELECT current_database() AS t60_db, pg_temp.id('dave') AS t60_dave, pg_temp.id('ws') AS t60_ws \gset
\setenv PGDATABASE :t60_db
\setenv T60_DAVE :t60_dave
\setenv T60_WS :t60_ws
\! psql -qX -v ON_ERROR_STOP=1 -c "SELECT share_acl.set_principal('$T60_DAVE'); SELECT share_acl.set_workspace_policy('$T60_WS', 'allow_guest_uploads', 'false')" >/dev/null 2>&1
SELECT is(pg_temp.wait_rows(1), 1::bigint, 'a refused call followed by a disconnect: its row is there');
SELECT results_eq($$SELECT object_type, object_id, actor_id FROM pg_temp.fresh()$$,
    $$VALUES ('set_workspace_policy', pg_temp.id('ws'), pg_temp.id('dave'))$$,
    'a refused call followed by a disconnect: the function, the target and the actor');
-- a caller's own function whose name carries the text the refused call is
-- found by in the error context ("PL/pgSQL function share_acl.NAME(") does
-- not rename it in its row, also on a line of its own
CREATE FUNCTION public."x function share_acl.audit_retain("(r uuid) RETURNS void LANGUAGE plpgsql
    AS $$ BEGIN PERFORM share_acl.set_general_access(r, 'public'); END $$;
CREATE FUNCTION public."y
PL/pgSQL function share_acl.audit_retain("(r uuid) RETURNS void LANGUAGE plpgsql
    AS $$ BEGIN PERFORM share_acl.set_general_access(r, 'public'); END $$;
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('dave');
SELECT throws_ok($$SELECT public."x function share_acl.audit_retain("(pg_temp.id('P'))$$, '42501', NULL,
    'a refusal inside a caller''s function named like a share_acl function');
ROLLBACK;
BEGIN; SELECT pg_temp.act('dave');
SELECT throws_ok($$SELECT public."y
PL/pgSQL function share_acl.audit_retain("(pg_temp.id('P'))$$, '42501', NULL,
    'a refusal inside a caller''s function whose name holds a line like a share_acl function''s');
ROLLBACK;
SELECT is(pg_temp.wait_rows(2), 2::bigint, 'both refusals have their rows');
SELECT results_eq($$SELECT object_type FROM pg_temp.fresh()$$,
    $$VALUES ('set_general_access'), ('set_general_access')$$,
    'a refusal names the share_acl function refused, not text in the name of the caller''s function');
SELECT results_eq('SELECT * FROM share_acl.audit_verify(pg_temp.id(''ws''))', $$VALUES (true, NULL::bigint)$$,
    'refused calls are chained like every other row');
-- a refused set_display_name names whose name it was
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('dave');
SELECT throws_ok($$SELECT share_acl.set_display_name(pg_temp.id('alice'), 'Not Alice')$$, '42501', NULL,
    'set_display_name: another person''s display name is refused');
ROLLBACK;
SELECT is(pg_temp.wait_rows(1), 1::bigint, 'the refusal has its row');
SELECT results_eq($$SELECT object_type, object_id, actor_id FROM pg_temp.fresh()$$,
    $$VALUES ('set_display_name', pg_temp.id('alice'), pg_temp.id('dave'))$$,
    'a refused set_display_name names the principal whose name it was');

-- -------------------------------------------------------- application tables
CREATE TABLE public.t60_doc (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), resource_id uuid, title text);
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON public.t60_doc
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('resource_id');
CREATE TABLE public.t60_note (resource_id uuid, body text);
CREATE TRIGGER audit_ins AFTER INSERT ON public.t60_note REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_trigger('resource_id');
CREATE TRIGGER audit_upd AFTER UPDATE ON public.t60_note REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_trigger('resource_id');
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO public.t60_doc (resource_id, title) VALUES (pg_temp.id('P'), 'draft');
UPDATE public.t60_doc SET title = 'final';
DELETE FROM public.t60_doc;
INSERT INTO public.t60_note SELECT pg_temp.id('P'), 'n' || i FROM generate_series(1, 2) i;
UPDATE public.t60_note SET body = body || '!';
COMMIT;
SELECT results_eq($$SELECT action, object_type, object_id, actor_id, workspace_id,
                           coalesce(new, old) ->> 'title', coalesce(new, old) ->> 'body' FROM pg_temp.fresh()$$,
    $$VALUES ('insert', 'public.t60_doc', pg_temp.id('P'), pg_temp.id('carol'), pg_temp.id('ws'), 'draft', NULL),
             ('update', 'public.t60_doc', pg_temp.id('P'), pg_temp.id('carol'), pg_temp.id('ws'), 'final', NULL),
             ('delete', 'public.t60_doc', pg_temp.id('P'), pg_temp.id('carol'), pg_temp.id('ws'), 'final', NULL),
             ('insert', 'public.t60_note', pg_temp.id('P'), pg_temp.id('carol'), pg_temp.id('ws'), NULL, 'n1'),
             ('insert', 'public.t60_note', pg_temp.id('P'), pg_temp.id('carol'), pg_temp.id('ws'), NULL, 'n2'),
             ('update', 'public.t60_note', pg_temp.id('P'), pg_temp.id('carol'), pg_temp.id('ws'), NULL, 'n1!'),
             ('update', 'public.t60_note', pg_temp.id('P'), pg_temp.id('carol'), pg_temp.id('ws'), NULL, 'n2!')$$,
    'audit_trigger: row and statement level, with the acting principal and the resource''s workspace');
-- an UPDATE that moves a row to another resource writes a second row, of
-- the resource it left, in that resource's chain under the same rule (the
-- current context holds something there): the log of the workspace the row
-- left tells that it left
BEGIN; SELECT pg_temp.act('erin');
INSERT INTO ids VALUES ('xshare', share_acl.share(pg_temp.id('X'), pg_temp.id('alice'), 'editor'));
COMMIT;
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
INSERT INTO public.t60_doc (resource_id, title) VALUES (pg_temp.id('P'), 'moving');
UPDATE public.t60_doc SET resource_id = pg_temp.id('X'), title = 'moved' WHERE title = 'moving';
UPDATE public.t60_note SET resource_id = pg_temp.id('X') WHERE body = 'n1!';
UPDATE public.t60_note SET resource_id = pg_temp.id('X'), body = 'n1!!' WHERE body = 'n1!';
COMMIT;
SELECT results_eq($$SELECT action, object_id, workspace_id, old ->> 'resource_id', new ->> 'resource_id',
                           coalesce(new ->> 'title', new ->> 'body'), coalesce(old ->> 'title', old ->> 'body')
                      FROM pg_temp.fresh()$$,
    $$VALUES ('insert', pg_temp.id('P'), pg_temp.id('ws'), NULL, pg_temp.id('P')::text, 'moving', NULL),
             ('update', pg_temp.id('X'), pg_temp.id('ws2'), pg_temp.id('P')::text, pg_temp.id('X')::text, 'moved', 'moving'),
             ('update', pg_temp.id('P'), pg_temp.id('ws'), pg_temp.id('P')::text, NULL, NULL, 'moving'),
             ('update', pg_temp.id('X'), pg_temp.id('ws2'), pg_temp.id('P')::text, pg_temp.id('X')::text, 'n1!', 'n1!'),
             ('update', pg_temp.id('P'), pg_temp.id('ws'), pg_temp.id('P')::text, NULL, NULL, 'n1!'),
             ('update', pg_temp.id('X'), pg_temp.id('ws2'), pg_temp.id('X')::text, pg_temp.id('X')::text, 'n1!!', 'n1!')$$,
    'audit_trigger: a row moved to a resource of another workspace is told in both chains (row and statement level): the one it left holds its old version; a row that stays, once');
SELECT is((SELECT count(*) FROM pg_temp.fresh() WHERE object_id = pg_temp.id('P') AND action = 'update'
             AND new <> '{}'::jsonb), 0::bigint,
    'audit_trigger: the row of the resource a row left tells nothing of what it became, nor where it went (new is {})');
-- many rows moved by one statement: each change's two rows are added to a
-- batch together, whatever batch boundary they meet (1,000 rows a batch)
CREATE TABLE public.t60_bulk (n int, resource_id uuid);
CREATE TRIGGER audit_upd AFTER UPDATE ON public.t60_bulk REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_trigger('resource_id');
INSERT INTO public.t60_bulk SELECT i, pg_temp.id('P') FROM generate_series(1, 1500) i;
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('alice');
-- (two rows, two rows, one row, …: the 600th row's change ends a batch
-- with its one row, the 1000th of the batch, and the next change follows)
UPDATE public.t60_bulk SET resource_id = CASE WHEN n % 3 = 0 THEN resource_id ELSE pg_temp.id('X') END,
                           n = CASE WHEN n % 3 = 0 THEN -n ELSE n END;
COMMIT;
SELECT results_eq($$SELECT object_id, workspace_id, count(*), count(DISTINCT old ->> 'n'),
                           count(*) FILTER (WHERE old ->> 'n' = coalesce(new ->> 'n', old ->> 'n')),
                           count(*) FILTER (WHERE new ->> 'resource_id' = pg_temp.id('X')::text)
                      FROM pg_temp.fresh() GROUP BY 1, 2 ORDER BY 3 DESC, 1$$,
    $$VALUES (pg_temp.id('P'), pg_temp.id('ws'), 1500::bigint, 1500::bigint, 1000::bigint, 0::bigint),
             (pg_temp.id('X'), pg_temp.id('ws2'), 1000::bigint, 1000::bigint, 1000::bigint, 1000::bigint)$$,
    'audit_trigger: 1,000 rows moved and 500 changed by a statement write 1,000 rows in each chain and 500 more');
-- a row that names a resource the writer holds nothing on (its rows go to
-- the chain of no workspace), moved to one it holds: the row of the
-- resource it left goes there too, never into that resource's workspace
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO public.t60_doc (resource_id, title) VALUES (pg_temp.id('X'), 'planted');
UPDATE public.t60_doc SET resource_id = pg_temp.id('P') WHERE title = 'planted';
DELETE FROM public.t60_doc WHERE title = 'planted';
COMMIT;
SELECT results_eq($$SELECT action, object_id, workspace_id FROM pg_temp.fresh()$$,
    $$VALUES ('insert', pg_temp.id('X'), NULL::uuid),
             ('update', pg_temp.id('P'), pg_temp.id('ws')),
             ('update', pg_temp.id('X'), NULL::uuid),
             ('delete', pg_temp.id('P'), pg_temp.id('ws'))$$,
    'audit_trigger: the row of a resource the writer holds nothing on, left by a move, goes to no workspace''s chain');
BEGIN; SELECT pg_temp.act('alice');
DELETE FROM public.t60_doc WHERE title = 'moved';
UPDATE public.t60_note SET resource_id = pg_temp.id('P'), body = 'n1!' WHERE body = 'n1!!';
COMMIT;
BEGIN; SELECT pg_temp.act('erin');
SELECT share_acl.unshare(pg_temp.id('xshare'));
COMMIT;
-- a row trigger on a partitioned table fires on each partition (a clone):
-- the rows name the table the trigger was created on
CREATE TABLE public.t60_comment (resource_id uuid, year int, body text) PARTITION BY LIST (year);
CREATE TABLE public.t60_comment_2026 PARTITION OF public.t60_comment FOR VALUES IN (2026)
    PARTITION BY LIST (body);
CREATE TABLE public.t60_comment_2026_a PARTITION OF public.t60_comment_2026 DEFAULT;
CREATE TABLE public.t60_comment_2027 PARTITION OF public.t60_comment FOR VALUES IN (2027);
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON public.t60_comment
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('resource_id');
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO public.t60_comment VALUES (pg_temp.id('P'), 2026, 'a'), (pg_temp.id('P'), 2027, 'b');
INSERT INTO public.t60_comment_2027 VALUES (pg_temp.id('P'), 2027, 'c');
COMMIT;
SELECT results_eq($$SELECT action, object_type, new ->> 'body' FROM pg_temp.fresh()$$,
    $$VALUES ('insert', 'public.t60_comment', 'a'), ('insert', 'public.t60_comment', 'b'),
             ('insert', 'public.t60_comment', 'c')$$,
    'audit_trigger on a partitioned table: rows name that table, not the partition (also one written directly, two levels down)');
-- the name as it is now (a rename, also one rolled back, in the same backend)
BEGIN;
ALTER TABLE public.t60_comment RENAME TO t60_comment_x;
INSERT INTO public.t60_comment_x VALUES (pg_temp.id('P'), 2027, 'rolled back');
ROLLBACK;
ALTER TABLE public.t60_comment RENAME TO t60_remark;
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO public.t60_remark VALUES (pg_temp.id('P'), 2027, 'd');
COMMIT;
ALTER TABLE public.t60_remark RENAME TO t60_comment;
-- a trigger cloned from a partition below the root: that partition, even
-- when the root has a trigger of the same name (here a statement trigger)
CREATE FUNCTION pg_temp.t60_nothing() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TABLE public.t60_reel (resource_id uuid, year int, body text) PARTITION BY LIST (year);
CREATE TABLE public.t60_reel_2026 PARTITION OF public.t60_reel FOR VALUES IN (2026) PARTITION BY LIST (body);
CREATE TABLE public.t60_reel_2026_a PARTITION OF public.t60_reel_2026 DEFAULT;
CREATE TRIGGER audit AFTER INSERT ON public.t60_reel FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.t60_nothing();
CREATE TRIGGER audit AFTER INSERT ON public.t60_reel_2026
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('resource_id');
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO public.t60_reel VALUES (pg_temp.id('P'), 2026, 'e');
COMMIT;
SELECT results_eq($$SELECT object_type, new ->> 'body' FROM pg_temp.fresh()$$,
    $$VALUES ('public.t60_remark', 'd'), ('public.t60_reel_2026', 'e')$$,
    'audit_trigger names the table as it is named now (not as a rolled-back rename named it), and the partition a cloned trigger was created on');
SELECT is((SELECT count(*) FROM share_acl.audit_log WHERE new ->> 'body' = 'rolled back'), 0::bigint,
    '(the rolled-back insert left no row)');
SELECT throws_ok($$CREATE TRIGGER bad AFTER INSERT ON public.t60_doc FOR EACH ROW
                   EXECUTE FUNCTION share_acl.audit_trigger('title');
                   INSERT INTO public.t60_doc (title) VALUES ('x')$$,
    '42804', 'audit_trigger(): column "title" of relation public.t60_doc is of type text, not uuid',
    'audit_trigger: a column that is not a uuid is refused (42804, as protect() refuses one)');
SELECT throws_ok($$CREATE TRIGGER bad AFTER INSERT ON public.t60_doc FOR EACH ROW
                   EXECUTE FUNCTION share_acl.audit_trigger('asset_id');
                   INSERT INTO public.t60_doc (title) VALUES ('x')$$,
    '42703', 'audit_trigger(): column "asset_id" of relation public.t60_doc does not exist',
    'audit_trigger: a column that does not exist is 42703, said so');
-- a column named longer than an identifier may be: the trigger's argument,
-- written as the column was, is cut as its name was
SET client_min_messages = warning;
CREATE TABLE public.t60_long (the_resource_of_this_row_as_share_acl_knows_it_by_its_uuid_here_and_now uuid, body text);
CREATE TRIGGER audit AFTER INSERT ON public.t60_long FOR EACH ROW
    EXECUTE FUNCTION share_acl.audit_trigger('the_resource_of_this_row_as_share_acl_knows_it_by_its_uuid_here_and_now');
RESET client_min_messages;
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO public.t60_long VALUES (pg_temp.id('P'), 'long');
COMMIT;
SELECT results_eq($$SELECT object_type, object_id FROM pg_temp.fresh()$$,
    $$VALUES ('public.t60_long', pg_temp.id('P'))$$,
    'audit_trigger: a column name longer than 63 bytes, given in full, names the column (cut as PostgreSQL cut it)');
SELECT throws_ok($$CREATE TEMP TABLE new_rows AS SELECT pg_temp.id('X') AS resource_id, 'forged' AS body;
                   CREATE TRIGGER bad AFTER INSERT ON public.t60_note
                   FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_trigger('resource_id');
                   INSERT INTO public.t60_note DEFAULT VALUES$$,
    '39P01', NULL, 'audit_trigger: a statement trigger without its transition tables is refused');
-- without an argument (SPEC §7's audit_trigger()): the column id when it is
-- a uuid (a table whose rows are resources), else no resource
CREATE TABLE public.t60_clip (id uuid, body text);
CREATE TABLE public.t60_tag (id int, body text);
CREATE TRIGGER audit AFTER INSERT ON public.t60_clip FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger();
CREATE TRIGGER audit AFTER INSERT ON public.t60_tag REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_trigger();
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO public.t60_clip VALUES (pg_temp.id('P'), 'f');
INSERT INTO public.t60_tag VALUES (7, 'g');
COMMIT;
SELECT results_eq($$SELECT object_type, object_id, workspace_id, actor_id, new ->> 'body' FROM pg_temp.fresh()$$,
    $$VALUES ('public.t60_clip', pg_temp.id('P'), pg_temp.id('ws'), pg_temp.id('carol'), 'f'),
             ('public.t60_tag', NULL::uuid, NULL::uuid, pg_temp.id('carol'), 'g')$$,
    'audit_trigger(): the resource in column id when it is a uuid, else none (the chain of no workspace)');
-- a domain over uuid is a uuid column here, as protect() takes one: named
-- or as id
CREATE DOMAIN public.t60_uid AS uuid;
CREATE TABLE public.t60_cue (id public.t60_uid, owner_res public.t60_uid, body text);
CREATE TRIGGER audit AFTER INSERT ON public.t60_cue FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger();
CREATE TRIGGER audit_named AFTER INSERT ON public.t60_cue REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_trigger('owner_res');
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO public.t60_cue VALUES (pg_temp.id('P'), pg_temp.id('P'), 'h');
COMMIT;
SELECT results_eq($$SELECT object_type, object_id, workspace_id, new ->> 'body' FROM pg_temp.fresh()$$,
    $$VALUES ('public.t60_cue', pg_temp.id('P'), pg_temp.id('ws'), 'h'),
             ('public.t60_cue', pg_temp.id('P'), pg_temp.id('ws'), 'h')$$,
    'audit_trigger: a column of a domain over uuid names the resource, as id and named (the workspace''s chain)');
DROP TABLE public.t60_cue;
DROP DOMAIN public.t60_uid;
DROP TABLE public.t60_clip, public.t60_tag;
-- the arguments after the first: columns whose values the audit rows leave
-- out (what not everyone who reads the workspace's log may read)
CREATE TABLE public.t60_private (resource_id uuid, body text, note text, n int);
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON public.t60_private FOR EACH ROW
    EXECUTE FUNCTION share_acl.audit_trigger('resource_id', 'body', 'note');
CREATE TRIGGER audit_deletes AFTER DELETE ON public.t60_private REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_trigger('resource_id', 'body');
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO public.t60_private VALUES (pg_temp.id('P'), 'budget 40k', 'n1', 1);
UPDATE public.t60_private SET body = 'budget 50k', n = 2;
DELETE FROM public.t60_private;
COMMIT;
SELECT results_eq($$SELECT action, object_id, old ? 'body', old ? 'note', new ? 'body', new ? 'note',
                           coalesce(new, old) ->> 'n' FROM pg_temp.fresh()$$,
    $$VALUES ('insert', pg_temp.id('P'), NULL::boolean, NULL::boolean, false, false, '1'),
             ('update', pg_temp.id('P'), false, false, false, false, '2'),
             ('delete', pg_temp.id('P'), false, true, NULL, NULL, '2')$$,
    'audit_trigger(resource column, columns…): the columns named after the first are left out of old and new, by row and statement triggers');
SELECT throws_ok($$CREATE TRIGGER bad AFTER INSERT ON public.t60_private FOR EACH ROW
                   EXECUTE FUNCTION share_acl.audit_trigger('resource_id', 'no_such_column');
                   INSERT INTO public.t60_private VALUES (NULL, 'x', 'y', 3)$$,
    '42703', 'audit_trigger(): column "no_such_column" of relation public.t60_private does not exist',
    'audit_trigger: a column to leave out that does not exist is 42703, said so');
DROP TABLE public.t60_private;
SELECT is(has_function_privilege('t60_app', 'share_acl.audit_trigger()', 'EXECUTE'), true,
    'audit_trigger: share_acl_user may attach it');
-- an application's row deleted with its resource (delete_resource's
-- cascade) is in the chain of the workspace the resource was in; a row
-- naming a resource deleted before, by another transaction, is not
CREATE TABLE public.t60_clip (id uuid PRIMARY KEY REFERENCES share_acl.resource (id) ON DELETE CASCADE, title text);
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON public.t60_clip
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('id');
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO ids SELECT 'clipped', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P'));
INSERT INTO public.t60_clip VALUES (pg_temp.id('clipped'), 'clip');
COMMIT;
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
SELECT share_acl.delete_resource(pg_temp.id('clipped'));
COMMIT;
SELECT results_eq($$SELECT action, actor_id, workspace_id, old ->> 'title' FROM pg_temp.fresh() WHERE object_type = 'public.t60_clip'$$,
    $$VALUES ('delete', pg_temp.id('carol'), pg_temp.id('ws'), 'clip')$$,
    'audit_trigger: an application row deleted with its resource (delete_resource''s cascade) is in the workspace''s chain');
-- ... also those of the resources below it, which the cascade deletes
-- through their parent (the engine may still see them while it runs)
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO ids SELECT 'reel', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P'));
INSERT INTO public.t60_clip SELECT share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('reel')), 'reel ' || i
  FROM generate_series(1, 3) i;
COMMIT;
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
SELECT share_acl.delete_resource(pg_temp.id('reel'));
COMMIT;
SELECT results_eq($$SELECT action, workspace_id, old ->> 'title' FROM pg_temp.fresh()
                     WHERE object_type = 'public.t60_clip' ORDER BY old ->> 'title'$$,
    $$VALUES ('delete', pg_temp.id('ws'), 'reel 1'), ('delete', pg_temp.id('ws'), 'reel 2'),
             ('delete', pg_temp.id('ws'), 'reel 3')$$,
    'audit_trigger: the rows of every resource below a deleted folder are in the workspace''s chain');
-- ... also when a trusted administrator without a principal deletes it, and
-- the table's owner, as whom delete_resource deletes the table's rows first,
-- is no administrator
GRANT REFERENCES ON share_acl.resource TO t60_app;
GRANT CREATE ON SCHEMA public TO t60_app;
SET SESSION AUTHORIZATION t60_app;
CREATE TABLE public.t60_owned (id uuid PRIMARY KEY REFERENCES share_acl.resource (id) ON DELETE CASCADE, title text);
CREATE TRIGGER audit AFTER DELETE ON public.t60_owned FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('id');
RESET SESSION AUTHORIZATION;
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO ids SELECT 'owned', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P'));
COMMIT;
INSERT INTO public.t60_owned VALUES (pg_temp.id('owned'), 'owned');
SELECT pg_temp.mark();
BEGIN;
SELECT share_acl.delete_resource(pg_temp.id('owned'));
COMMIT;
SELECT results_eq($$SELECT action, actor_id, workspace_id, old ->> 'title' FROM pg_temp.fresh() WHERE object_type = 'public.t60_owned'$$,
    $$VALUES ('delete', NULL::uuid, pg_temp.id('ws'), 'owned')$$,
    'audit_trigger: an administrator''s delete_resource: the row deleted as its table''s owner is in the workspace''s chain');
DROP TABLE public.t60_owned;
-- ... and so is the row of one the cascade made leave its resource (ON
-- DELETE SET NULL): it left a resource of that workspace
CREATE TABLE public.t60_out (n int PRIMARY KEY, res uuid REFERENCES share_acl.resource (id) ON DELETE SET NULL);
CREATE TRIGGER audit AFTER UPDATE ON public.t60_out FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('res');
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO ids SELECT 'pointed', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P'));
COMMIT;
INSERT INTO public.t60_out VALUES (1, pg_temp.id('pointed'));
SELECT pg_temp.mark();
BEGIN;
SELECT share_acl.delete_resource(pg_temp.id('pointed'));
COMMIT;
SELECT results_eq($$SELECT object_id, workspace_id, new FROM pg_temp.fresh() WHERE object_type = 'public.t60_out'$$,
    $$VALUES (NULL::uuid, NULL::uuid, '{"n": 1, "res": null}'::jsonb), (pg_temp.id('pointed'), pg_temp.id('ws'), '{}')$$,
    'audit_trigger: a row delete_resource''s SET NULL makes leave its resource is told in that workspace''s chain');
DROP TABLE public.t60_out;
REVOKE CREATE ON SCHEMA public FROM t60_app;
REVOKE REFERENCES ON share_acl.resource FROM t60_app;
-- ... but not a row deleted by a statement of its own after delete_resource,
-- in the same transaction, by a role with no principal: that row is not the
-- deletion's, and goes where any other row of such a role goes
CREATE TABLE public.t60_jot (n serial PRIMARY KEY, res uuid NOT NULL, body text);
CREATE TRIGGER audit AFTER INSERT OR DELETE ON public.t60_jot
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('res');
GRANT SELECT, INSERT, DELETE ON public.t60_jot TO t60_app;
GRANT USAGE ON SEQUENCE public.t60_jot_n_seq TO t60_app;
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO ids SELECT 'noted', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P'));
COMMIT;
SET SESSION AUTHORIZATION t60_app;
INSERT INTO public.t60_jot (res, body) VALUES (pg_temp.id('noted'), 'planted without a principal');
RESET SESSION AUTHORIZATION;
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
SELECT share_acl.delete_resource(pg_temp.id('noted'));
SET LOCAL share_acl.principal = '';
SET SESSION AUTHORIZATION t60_app;
DELETE FROM public.t60_jot WHERE res = pg_temp.id('noted');
COMMIT;
RESET SESSION AUTHORIZATION;
SELECT results_eq($$SELECT action, actor_id, workspace_id, db_role FROM pg_temp.fresh() WHERE object_type = 'public.t60_jot'$$,
    $$VALUES ('delete', NULL::uuid, NULL::uuid, 't60_app')$$,
    'audit_trigger: a row a role with no principal deletes after delete_resource, by a statement of its own, is in no workspace''s chain');
DROP TABLE public.t60_jot;
-- a json column holding an escape that jsonb cannot hold (\u0000, which
-- EXIF strings padded with NULs bring along): the write is not refused, and
-- its audit row keeps the escape as the six characters it is written with
CREATE TABLE public.t60_meta (id uuid PRIMARY KEY, meta json, tags json[]);
CREATE TRIGGER audit AFTER INSERT ON public.t60_meta FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('id');
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
SELECT lives_ok($$INSERT INTO public.t60_meta VALUES (pg_temp.id('P'), '{"maker": "Cam\u0000\u0000", "n": 2}',
                                                     ARRAY['{"t": "\\u0000 \u0000"}'::json])$$,
    'audit_trigger: a row whose json column holds \u0000 is written');
COMMIT;
SELECT results_eq($$SELECT new -> 'meta' ->> 'maker', new -> 'meta' -> 'n', new -> 'tags' -> 0 ->> 't', workspace_id
                      FROM pg_temp.fresh() WHERE object_type = 'public.t60_meta'$$,
    $$VALUES (E'Cam\\u0000\\u0000', '2'::jsonb, E'\\u0000 \\u0000', pg_temp.id('ws'))$$,
    'audit_trigger: its audit row keeps each \u0000 as the six characters, an escaped backslash as it is, the rest as to_jsonb writes it');
DROP TABLE public.t60_meta;
-- a json column holding a lone surrogate's escape (JavaScript's for a string
-- cut inside an emoji), which jsonb refuses: written, updated and deleted,
-- the audit rows keeping each \u escape as written
CREATE TABLE public.t60_cap (id uuid PRIMARY KEY, meta json);
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON public.t60_cap
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('id');
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
SELECT lives_ok($$INSERT INTO public.t60_cap VALUES (pg_temp.id('P'), '{"caption": "Party \ud83d", "n": 1}')$$,
    'audit_trigger: a row whose json column holds a lone surrogate''s escape is written');
SELECT lives_ok($$UPDATE public.t60_cap SET meta = '{"caption": "Party \ud83d!", "n": 2}'$$,
    '... updated');
SELECT lives_ok($$DELETE FROM public.t60_cap$$, '... and deleted');
COMMIT;
SELECT results_eq($$SELECT action, new -> 'meta' ->> 'caption', old -> 'meta' ->> 'caption'
                      FROM pg_temp.fresh() WHERE object_type = 'public.t60_cap'$$,
    $$VALUES ('insert', E'Party \\ud83d', NULL), ('update', E'Party \\ud83d!', E'Party \\ud83d'),
             ('delete', NULL, E'Party \\ud83d!')$$,
    'audit_trigger: its audit rows keep the escape as the six characters it is written with');
DROP TABLE public.t60_cap;
-- an UPDATE that changes nothing in a row writes nothing for it (as on the
-- model's tables); one that changes only a column the rows leave out writes
-- its row
CREATE TABLE public.t60_same (id uuid PRIMARY KEY, title text, secret text);
INSERT INTO public.t60_same VALUES (pg_temp.id('P'), 'Title', 'hidden');
CREATE TRIGGER audit AFTER UPDATE ON public.t60_same
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('id', 'secret');
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
UPDATE public.t60_same SET title = title, secret = secret;
UPDATE public.t60_same SET secret = 'changed';
COMMIT;
SELECT results_eq($$SELECT action, old ->> 'title', new ? 'secret' FROM pg_temp.fresh() WHERE object_type = 'public.t60_same'$$,
    $$VALUES ('update', 'Title', false)$$,
    'audit_trigger: an UPDATE changing nothing writes no row; one changing a left-out column writes one, without it');
DROP TABLE public.t60_same;
-- and so does one that writes a value stored out of line again (an ORM
-- saving every field; the same text recomputed): its toast pointer is new,
-- its bytes are not
CREATE TABLE public.t60_toasted (id uuid PRIMARY KEY, body text);
ALTER TABLE public.t60_toasted ALTER COLUMN body SET STORAGE EXTERNAL;
INSERT INTO public.t60_toasted SELECT pg_temp.id('P'), string_agg(md5(g::text), '') FROM generate_series(1, 2000) g;
CREATE TRIGGER audit AFTER UPDATE ON public.t60_toasted
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('id');
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
UPDATE public.t60_toasted SET body = body || '';
UPDATE public.t60_toasted SET body = (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 2000) g);
UPDATE public.t60_toasted SET body = body || '.';
COMMIT;
SELECT results_eq($$SELECT action, length(new ->> 'body') FROM pg_temp.fresh() WHERE object_type = 'public.t60_toasted'$$,
    $$VALUES ('update', 64001)$$,
    'audit_trigger: an UPDATE writing an out-of-line value again, the same bytes, writes no row; a changed one writes its row');
DROP TABLE public.t60_toasted;
-- a statement trigger on a partitioned table, an UPDATE moving rows to a
-- partition whose own trigger drops some inserts: old_rows holds more rows
-- than new_rows, and no row is paired with another's (another tenant's)
-- values: each old row is told as gone, each new one as come, each in its
-- own resource's chain
CREATE TABLE public.t60_ver (res uuid, body text, status text) PARTITION BY LIST (status);
CREATE TABLE public.t60_ver_draft PARTITION OF public.t60_ver FOR VALUES IN ('draft');
CREATE TABLE public.t60_ver_final PARTITION OF public.t60_ver FOR VALUES IN ('final');
CREATE FUNCTION pg_temp.t60_freeze() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RETURN CASE WHEN NEW.body LIKE 'frozen%' THEN NULL ELSE NEW END;
END $$;
CREATE TRIGGER t60_freeze BEFORE INSERT ON public.t60_ver_final FOR EACH ROW EXECUTE FUNCTION pg_temp.t60_freeze();
CREATE TRIGGER audit AFTER UPDATE ON public.t60_ver REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION share_acl.audit_trigger('res');
INSERT INTO public.t60_ver VALUES (pg_temp.id('X'), 'frozen: the other tenant''s', 'draft'),
                                  (pg_temp.id('P'), 'P draft', 'draft');
SELECT pg_temp.mark();
UPDATE public.t60_ver SET status = 'final';
SELECT results_eq($$SELECT object_id, workspace_id, old ->> 'body', new ->> 'body'
                      FROM pg_temp.fresh() WHERE object_type = 'public.t60_ver' ORDER BY 1, 3 NULLS FIRST$$,
    $$SELECT * FROM (VALUES (pg_temp.id('X'), pg_temp.id('ws2'), 'frozen: the other tenant''s', NULL),
                            (pg_temp.id('P'), pg_temp.id('ws'), NULL, 'P draft'),
                            (pg_temp.id('P'), pg_temp.id('ws'), 'P draft', NULL)) v ORDER BY 1, 3 NULLS FIRST$$,
    'audit_trigger: old and new rows in unequal numbers are not paired: no row carries another''s values');
DROP TABLE public.t60_ver;
-- ... also when the json column came after rows of the table without one
-- were audited in this session
CREATE TABLE public.t60_late (id uuid PRIMARY KEY, note text);
CREATE TRIGGER audit AFTER INSERT ON public.t60_late FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('id');
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO public.t60_late VALUES (pg_temp.id('A'), 'no json yet');
ALTER TABLE public.t60_late ADD COLUMN later json;
SELECT lives_ok($$INSERT INTO public.t60_late VALUES (pg_temp.id('P2'), 'now', '"\u0000"')$$,
    'audit_trigger: a json column added after rows were audited in the session holds \u0000 too');
COMMIT;
DROP TABLE public.t60_late;
INSERT INTO public.t60_doc (resource_id, title) VALUES (pg_temp.id('clipped'), 'orphan');
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
DELETE FROM public.t60_doc WHERE title = 'orphan';
COMMIT;
SELECT results_eq($$SELECT action, workspace_id FROM pg_temp.fresh() WHERE object_type = 'public.t60_doc'$$,
    $$VALUES ('delete', NULL::uuid)$$,
    'audit_trigger: a row naming a resource another transaction deleted is in no workspace''s chain');

-- ------------------------------------------------------------------- reading
CREATE TABLE public.t60_reply (resource_id uuid, parent_id int, collection_id text, body text);
CREATE TRIGGER audit AFTER INSERT ON public.t60_reply
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('resource_id');
GRANT INSERT ON public.t60_reply TO t60_app;
-- an application row naming, beside its audited resource, another resource
-- in a column called like the model's: gil, a guest who views A2 only, names
-- P3, which gil cannot see
CREATE TABLE public.t60_plant (asset_id uuid, resource_id uuid, body text);
CREATE TRIGGER audit AFTER INSERT ON public.t60_plant
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('asset_id');
GRANT INSERT ON public.t60_plant TO t60_app;
INSERT INTO ids VALUES ('gil', share_acl.create_user('gil@t60.test'));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('gil'), 'guest');
SELECT share_acl.share(pg_temp.id('A2'), pg_temp.id('gil'), 'viewer') IS NOT NULL AS shared;
SET SESSION AUTHORIZATION t60_app;
BEGIN; SELECT pg_temp.act('gil');
INSERT INTO public.t60_plant VALUES (pg_temp.id('A2'), pg_temp.id('P3'), 'P3 was emptied by its owner');
COMMIT;
BEGIN; SELECT pg_temp.act('bob');       -- no role left in ws
SELECT is((SELECT count(*) FROM share_acl.audit_log WHERE workspace_id = pg_temp.id('ws')), 0::bigint,
    'RLS: a principal without a role sees none of the workspace''s rows');
COMMIT;
BEGIN; SELECT pg_temp.act('dave');      -- guest: no view_audit
SELECT is((SELECT count(*) FROM share_acl.audit_log), 0::bigint, 'RLS: a guest sees no row');
COMMIT;
-- an application row whose columns named like the model's hold no uuid
BEGIN; SELECT pg_temp.act('carol');
INSERT INTO public.t60_reply VALUES (pg_temp.id('P'), 7, 'not a uuid', 'a reply');
COMMIT;
BEGIN; SELECT pg_temp.act('carol');     -- the owner
SELECT ok(EXISTS (SELECT 1 FROM share_acl.audit_for(pg_temp.id('P')) WHERE object_type = 'public.t60_reply'),
    'audit_for: an application row whose parent_id or collection_id is no uuid is listed, and breaks nothing');
SELECT ok((SELECT count(*) FROM share_acl.audit_log WHERE workspace_id = pg_temp.id('ws')) > 100,
    'RLS: the owner reads the workspace''s rows');
SELECT is((SELECT count(*) FROM share_acl.audit_log WHERE workspace_id IS DISTINCT FROM pg_temp.id('ws')), 0::bigint,
    'RLS: and nothing of another workspace, nor rows without a workspace');
SELECT ok((SELECT count(*) FROM share_acl.audit_for(pg_temp.id('P2'))) >= 3
          AND (SELECT bool_and(object_id IN (pg_temp.id('P2'), pg_temp.id('A')) OR object_type IN ('share', 'link', 'link_view', 'collection_item'))
                 FROM share_acl.audit_for(pg_temp.id('P2'))),
    'audit_for: the history of a deleted project and of the asset that was in it');
SELECT ok(EXISTS (SELECT 1 FROM share_acl.audit_for(pg_temp.id('P')) WHERE object_id = pg_temp.id('A2')),
    'audit_for: a project''s history includes its assets');
SELECT is((SELECT count(*) FROM share_acl.audit_for(pg_temp.id('P3')) WHERE object_type = 'public.t60_plant'),
    0::bigint, 'audit_for: an application row is in the history of its audited resource only, not of another it names (one its writer cannot see)');
SELECT is((SELECT count(*) FROM share_acl.audit_for(pg_temp.id('A2')) WHERE object_type = 'public.t60_plant'),
    1::bigint, 'audit_for: and it is in its audited resource''s history');
SELECT ok(EXISTS (SELECT 1 FROM share_acl.audit_for(pg_temp.id('A'))
                   WHERE action = 'open_link' AND link_id = pg_temp.id('plain') AND new ->> 'status' = 'ok'),
    'audit_for: a resource''s history includes the opens of the share links made on it');
SELECT is((SELECT count(*) FROM share_acl.audit_for(pg_temp.id('X'))), 0::bigint,
    'audit_for: nothing of a resource of another workspace');
SELECT results_eq('SELECT * FROM share_acl.audit_verify(pg_temp.id(''ws''))', $$VALUES (true, NULL::bigint)$$,
    'audit_verify: the owner verifies its workspace');
SELECT throws_ok($$SELECT * FROM share_acl.audit_verify(pg_temp.id('ws2'))$$, '42501', NULL,
    'audit_verify: not another workspace');
SELECT throws_ok($$SELECT * FROM share_acl.audit_verify()$$, '42501',
    'permission denied: audit_verify of every workspace is for trusted administrators',
    'audit_verify: not every chain at once');
SELECT throws_ok(format($$SELECT * FROM share_acl.audit_verify(%L)$$, pg_temp.id('P')), '42501',
    format('permission denied: audit_verify requires "view_audit" on workspace %s', pg_temp.id('P')),
    'audit_verify: a resource''s id names no chain, though its owner holds view_audit on the resource');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P'), '00000000-0000-0000-0000-000000000000')$$,
    '22023', 'create_resource: id must not be the nil uuid',
    'create_resource: not the nil uuid (which keys the chain of the rows without a workspace)');
COMMIT;
SELECT is((SELECT count(*) FROM share_acl.audit_log), 0::bigint, 'RLS: no principal, no administrator: no row');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION t60_admin;
SELECT ok((SELECT count(*) FROM share_acl.audit_log WHERE workspace_id IS NULL) > 0
          AND (SELECT count(*) FROM share_acl.audit_log WHERE workspace_id = pg_temp.id('ws2')) > 0,
    'RLS: a trusted administrator without a principal reads every row');
RESET SESSION AUTHORIZATION;

-- -------------------------------------------------------------- append-only
SELECT throws_ok('UPDATE share_acl.audit_log SET action = ''x''', '2F003', 'the audit log is append-only',
    'UPDATE refused for a superuser');
SELECT throws_ok('DELETE FROM share_acl.audit_log', '2F003', 'the audit log is append-only',
    'DELETE refused for a superuser');
SELECT throws_ok('TRUNCATE share_acl.audit_log', '2F003', 'the audit log is append-only',
    'TRUNCATE refused for a superuser');
SELECT throws_ok('TRUNCATE share_acl.audit_log_default', '2F003', 'the audit log is append-only',
    'TRUNCATE of a partition refused');
SET session_replication_role = replica;
SELECT throws_ok('DELETE FROM share_acl.audit_log', '2F003', 'the audit log is append-only',
    'DELETE refused with session_replication_role = replica');
RESET session_replication_role;
SELECT throws_ok('DELETE FROM share_acl.audit_chain', '2F003', NULL, 'the chain heads cannot be deleted');
SET SESSION AUTHORIZATION t60_admin;
SELECT throws_ok($$INSERT INTO share_acl.audit_log (action, object_type, hash) VALUES ('insert', 'forged', '\x00')$$,
    '42501', NULL, 'INSERT refused for a trusted administrator (no forged history)');
SELECT throws_ok('UPDATE share_acl.audit_log SET action = ''x''', '42501', NULL, 'UPDATE refused for share_acl_admin');
SELECT throws_ok('INSERT INTO share_acl.audit_stage (db_role, action, object_type) VALUES (''x'', ''x'', ''x'')',
    '42501', NULL, 'the staging table is closed too');
SELECT throws_ok('SELECT * FROM share_acl.audit_log_default', '42501', NULL,
    'a partition cannot be read directly (its rows bypass row-level security)');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION t60_app;
SELECT throws_ok($$INSERT INTO share_acl.audit_log (action, object_type, hash) VALUES ('insert', 'forged', '\x00')$$,
    '42501', NULL, 'INSERT refused for share_acl_user');
SELECT throws_ok($$SELECT share_acl.audit_retain('1 day')$$, '42501', NULL, 'audit_retain is for administrators');
RESET SESSION AUTHORIZATION;

-- -------------------------------------------------------------------- secrets
-- every column of every table of the schema (audit_log and its partitions
-- included), as text: the tokens, the passwords, the key secrets; and the
-- password hashes anywhere but in link.password_hash
CREATE FUNCTION pg_temp.tables_holding(needle text, skip text[] DEFAULT '{}') RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE t regclass; n bigint; found text[] := '{}';
BEGIN
    FOR t IN SELECT c.oid FROM pg_class c
              WHERE c.relnamespace = 'share_acl'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
                AND NOT c.oid::regclass::text = ANY (skip)
              ORDER BY 1
    LOOP
        EXECUTE format('SELECT count(*) FROM %s x WHERE strpos(x::text, $1) > 0', t) INTO n USING needle;
        IF n > 0 THEN found := found || t::text; END IF;
    END LOOP;
    RETURN found;
END $$;
SELECT is((SELECT array_agg(DISTINCT f) FROM toks, unnest(pg_temp.tables_holding(token)) f), NULL,
    'no table holds a link token');
SELECT is(pg_temp.tables_holding('Audit-Secret-60') || pg_temp.tables_holding('Audit-Lock-60'), '{}',
    'no table holds a link password');
SELECT is((SELECT array_agg(DISTINCT f) FROM share_acl.signing_key k,
                  unnest(pg_temp.tables_holding(encode(k.secret, 'hex'), ARRAY['share_acl.signing_key'])) f), NULL,
    'no table but signing_key holds a key secret');
SELECT is((SELECT array_agg(DISTINCT f) FROM share_acl.link l,
                  unnest(pg_temp.tables_holding(l.password_hash, ARRAY['share_acl.link'])) f
            WHERE l.password_hash IS NOT NULL), NULL,
    'no table but link holds a password hash');

-- ------------------------------------------------------------- verification
SELECT results_eq('SELECT * FROM share_acl.audit_verify()', $$VALUES (true, NULL::bigint)$$,
    'audit_verify: the honest log passes, every chain');
SELECT results_eq($$SELECT * FROM share_acl.audit_verify('00000000-0000-0000-0000-000000000000')$$,
    $$VALUES (true, NULL::bigint)$$,
    'audit_verify(nil uuid): the chain of the rows without a workspace, which passes (not "tampered" for want of rows)');
SELECT throws_ok(format($$SELECT * FROM share_acl.audit_verify(%L)$$, pg_temp.id('P')), 'P0002', NULL,
    'audit_verify: an administrator''s id of no workspace and no chain is unknown, not a verified empty chain');
INSERT INTO share_acl.workspace (id, name) VALUES ('60000000-0000-0000-0000-0000000000dd', 'gone');
DELETE FROM share_acl.workspace WHERE id = '60000000-0000-0000-0000-0000000000dd';
SELECT results_eq($$SELECT * FROM share_acl.audit_verify('60000000-0000-0000-0000-0000000000dd')$$,
    $$VALUES (true, NULL::bigint)$$, 'audit_verify: the chain a deleted workspace left is verified');
SELECT throws_ok($$INSERT INTO share_acl.workspace (id, name) VALUES ('00000000-0000-0000-0000-000000000000', 'nil')$$,
    '23514', NULL, 'no workspace may have the nil uuid, which keys the chain of the rows without one');
SELECT throws_ok($$INSERT INTO share_acl.principal (id, kind, email) VALUES ('00000000-0000-0000-0000-000000000000', 'user', 'nil@t60.test')$$,
    '23514', NULL, 'no principal may have the nil uuid, which the engine reads as "no principal"');
-- tampering, each in a transaction rolled back, with the triggers disabled
-- as a superuser could
CREATE FUNCTION pg_temp.guards(enable boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t regclass;
BEGIN
    FOR t IN SELECT 'share_acl.audit_log'::regclass UNION ALL
             SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'share_acl.audit_log'::regclass
    LOOP
        EXECUTE format('ALTER TABLE %s %s TRIGGER USER', t, CASE WHEN enable THEN 'ENABLE' ELSE 'DISABLE' END);
    END LOOP;
END $$;
CREATE TEMP TABLE chain AS
SELECT id, row_number() OVER (ORDER BY id) AS n FROM share_acl.audit_log WHERE workspace_id = pg_temp.id('ws');
CREATE FUNCTION pg_temp.nth(bigint) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT id FROM chain WHERE n = $1 $$;

BEGIN;
SELECT pg_temp.guards(false);
UPDATE share_acl.audit_log SET new = new || '{"role": "owner"}' WHERE id = pg_temp.nth(5);
SELECT results_eq('SELECT * FROM share_acl.audit_verify(pg_temp.id(''ws''))', 'SELECT false, pg_temp.nth(5)',
    'audit_verify: an edited row');
ROLLBACK;
BEGIN;
SELECT pg_temp.guards(false);
UPDATE share_acl.audit_log SET actor_id = NULL, hash = share_acl._audit_row_hash(
           (SELECT p.hash FROM share_acl.audit_log p WHERE p.id = pg_temp.nth(4)),
           id, at, workspace_id, NULL, db_role, action, object_type, object_id, old, new, link_id, viewer_email)
 WHERE id = pg_temp.nth(5);
SELECT results_eq('SELECT * FROM share_acl.audit_verify(pg_temp.id(''ws''))', 'SELECT false, pg_temp.nth(6)',
    'audit_verify: an edited row whose hash was recomputed (the next row)');
ROLLBACK;
BEGIN;
SELECT pg_temp.guards(false);
DELETE FROM share_acl.audit_log WHERE id = pg_temp.nth(7);
SELECT results_eq('SELECT * FROM share_acl.audit_verify(pg_temp.id(''ws''))', 'SELECT false, pg_temp.nth(8)',
    'audit_verify: a deleted row (the row after it)');
ROLLBACK;
BEGIN;
SELECT pg_temp.guards(false);
INSERT INTO share_acl.audit_log (id, at, workspace_id, actor_id, db_role, action, object_type, object_id, old, new, hash)
SELECT -5, at, workspace_id, actor_id, db_role, 'delete', object_type, object_id, new, NULL, hash
  FROM share_acl.audit_log WHERE id = pg_temp.nth(9);
SELECT results_eq('SELECT * FROM share_acl.audit_verify(pg_temp.id(''ws''))', 'SELECT false, -5::bigint',
    'audit_verify: an inserted row');
ROLLBACK;
BEGIN;
SELECT pg_temp.guards(false);
INSERT INTO share_acl.audit_log (id, at, workspace_id, actor_id, db_role, action, object_type, object_id, old, new, hash)
SELECT max(c.id) + 1000, now(), pg_temp.id('ws'), NULL, 'postgres', 'delete', 'resource', pg_temp.id('P'), NULL, NULL,
       share_acl._audit_row_hash((SELECT l.hash FROM share_acl.audit_log l WHERE l.id = max(c.id)),
                                 max(c.id) + 1000, now(), pg_temp.id('ws'), NULL, 'postgres', 'delete', 'resource',
                                 pg_temp.id('P'), NULL, NULL, NULL, NULL)
  FROM chain c;
SELECT results_eq('SELECT * FROM share_acl.audit_verify(pg_temp.id(''ws''))', 'SELECT false, max(id) + 1000 FROM chain',
    'audit_verify: a row appended with a correctly chained hash (the head does not name it)');
ROLLBACK;
BEGIN;
SELECT pg_temp.guards(false);
UPDATE share_acl.audit_log SET id = -id WHERE id = pg_temp.nth(10);
UPDATE share_acl.audit_log SET id = pg_temp.nth(10) WHERE id = pg_temp.nth(11);
UPDATE share_acl.audit_log SET id = pg_temp.nth(11) WHERE id = -pg_temp.nth(10);
SELECT results_eq('SELECT * FROM share_acl.audit_verify(pg_temp.id(''ws''))', 'SELECT false, pg_temp.nth(10)',
    'audit_verify: a swapped pair');
ROLLBACK;
BEGIN;
SELECT pg_temp.guards(false);
DELETE FROM share_acl.audit_log WHERE id = (SELECT max(id) FROM chain);
SELECT results_eq('SELECT * FROM share_acl.audit_verify(pg_temp.id(''ws''))', 'SELECT false, max(id) FROM chain',
    'audit_verify: the last row deleted (the head names it)');
ROLLBACK;
BEGIN;
SELECT pg_temp.guards(false);
ALTER TABLE share_acl.audit_chain DISABLE TRIGGER USER;
DELETE FROM share_acl.audit_chain WHERE workspace_id = pg_temp.id('ws');
DELETE FROM share_acl.audit_log WHERE id > pg_temp.nth(10) AND workspace_id = pg_temp.id('ws');
SELECT results_eq('SELECT * FROM share_acl.audit_verify(pg_temp.id(''ws''))', 'SELECT false, pg_temp.nth(10)',
    'audit_verify: the chain''s head deleted with the rows at its end (a chain of rows without a head)');
SELECT results_eq('SELECT * FROM share_acl.audit_verify()', 'SELECT false, pg_temp.nth(10)',
    'audit_verify: every chain at once finds it too');
ROLLBACK;
BEGIN;
SELECT pg_temp.guards(false);
UPDATE share_acl.audit_log SET viewer_email = 'someone@else.test' WHERE id = pg_temp.nth(3);
SELECT results_eq('SELECT * FROM share_acl.audit_verify()', 'SELECT false, pg_temp.nth(3)',
    'audit_verify: every chain at once finds it too');
ROLLBACK;
SELECT results_eq('SELECT * FROM share_acl.audit_verify()', $$VALUES (true, NULL::bigint)$$,
    'audit_verify: untouched after the rollbacks');

-- ---------------------------------------------------------------- retention
-- nothing is old enough to drop: month partitions are made and the default
-- partition is emptied into them; the chains still verify, and writing goes on
SELECT throws_ok($$SELECT share_acl.audit_retain(NULL)$$, '22004', 'audit_retain: older_than must not be null',
    'audit_retain: a NULL span is 22004, as every NULL argument');
SELECT throws_ok($$SELECT share_acl.audit_retain('0 days')$$, '22023', 'audit_retain: older_than must be a positive interval',
    'audit_retain: a span of nothing is 22023');
-- (an interval with a negative part may be "positive" as intervals compare,
-- with 30-day months, while now() minus it is ahead: it would drop every
-- partition, this month's and the coming ones with them)
SELECT throws_ok($$SELECT share_acl.audit_retain('-1200 mons 36000 days 1 second')$$, '22023',
    'audit_retain: older_than must be a positive interval',
    'audit_retain: a span with a negative part (its cutoff years ahead) is 22023');
SELECT throws_ok($$SELECT share_acl.audit_retain('1 day -1 second')$$, '22023', NULL,
    'audit_retain: so is one whose time part is negative');
SELECT throws_ok($$SELECT share_acl.notification_retain('-12 mons 360 days 1 second')$$, '22023', NULL,
    'notification_retain: the same check (a cutoff days ahead)');
SELECT ok((SELECT count(*) FROM share_acl.audit_log) > 0, '... and nothing was dropped');
SELECT is(share_acl.audit_retain('1 year'), 0::bigint, 'audit_retain: nothing older than a year');
SELECT is(share_acl.audit_retain('178000000 years'), 0::bigint,
    'audit_retain: a span before the timestamp range drops nothing, no 22008');
SELECT is((SELECT count(*) FROM share_acl.audit_log_default), 0::bigint,
    'audit_retain: the default partition''s rows moved to month partitions');
SELECT ok((SELECT count(*) FROM pg_inherits WHERE inhparent = 'share_acl.audit_log'::regclass) >= 4,
    'audit_retain: this month''s partition and the next two exist');
BEGIN; SELECT pg_temp.act('carol');
SELECT share_acl.create_resource(pg_temp.id('ws'), 'project');
COMMIT;
SELECT results_eq('SELECT * FROM share_acl.audit_verify()', $$VALUES (true, NULL::bigint)$$,
    'audit_retain: every chain verifies after it, with a later write');
-- the seal writes its rows into the partition an INSERT would route them to
SELECT is((SELECT l.at >= lo AND l.at < hi
             FROM share_acl.audit_log l JOIN pg_class c ON c.oid = l.tableoid,
                  LATERAL (SELECT (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']*)''\)'))[1]::timestamptz,
                                  (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']*)''\)'))[1]::timestamptz) b(lo, hi)
            ORDER BY l.id DESC LIMIT 1), true,
    'audit_retain: a later row is in the month partition that holds its time');
-- a month partition old enough to go: dropped (and a LOG line says so)
SELECT share_acl._audit_partition('2020-01-17');
SELECT is((SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.oid = 'share_acl.audit_log_2020_01'::regclass),
          format('FOR VALUES FROM (%L) TO (%L)', '2020-01-01 00:00:00+00'::timestamptz, '2020-02-01 00:00:00+00'::timestamptz),
    '_audit_partition: a day of a month names the whole month''s partition');
SELECT is(share_acl.audit_retain('1 year'), 0::bigint, 'audit_retain: an old month partition without rows');
SELECT is(to_regclass('share_acl.audit_log_2020_01'), NULL, 'audit_retain: the old month partition is dropped');
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT throws_ok($$SELECT share_acl.audit_retain('1 year')$$, '25000', 'audit_retain must run in a READ COMMITTED transaction',
    'audit_retain: not in REPEATABLE READ (its snapshot would miss what a prepared transaction it waited for wrote)');
ROLLBACK;
SELECT results_eq('SELECT * FROM share_acl.audit_verify()', $$VALUES (true, NULL::bigint)$$,
    'audit_retain: every chain verifies after a drop');

-- an administrator's trigger on the log (forwarding rows elsewhere, say)
-- sees every row the seal writes: the seal then writes with INSERT
CREATE TABLE public.audit_forwarded (id bigint, chain_head bigint);
CREATE FUNCTION public.audit_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.audit_forwarded VALUES (NEW.id, NULL);
    RETURN NULL;
END $$;
CREATE TRIGGER forward AFTER INSERT ON share_acl.audit_log
    FOR EACH ROW EXECUTE FUNCTION public.audit_forward();
SELECT pg_temp.mark();
BEGIN; SELECT pg_temp.act('carol');
SELECT share_acl.create_resource(pg_temp.id('ws'), 'project');
COMMIT;
SELECT results_eq('SELECT id FROM public.audit_forwarded ORDER BY id',
    'SELECT l.id FROM share_acl.audit_log l WHERE l.id > (SELECT m.id FROM marks m) ORDER BY l.id',
    'a trigger on audit_log sees the row of every sealed change');
-- and one on the chain heads sees each head moved
CREATE FUNCTION public.audit_forward_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.audit_forwarded VALUES (NULL, NEW.last_id);
    RETURN NULL;
END $$;
CREATE TRIGGER forward_head AFTER UPDATE ON share_acl.audit_chain
    FOR EACH ROW EXECUTE FUNCTION public.audit_forward_head();
DROP TRIGGER forward ON share_acl.audit_log;
TRUNCATE public.audit_forwarded;
BEGIN; SELECT pg_temp.act('carol');
SELECT share_acl.create_resource(pg_temp.id('ws'), 'project');
COMMIT;
SELECT results_eq('SELECT chain_head FROM public.audit_forwarded',
    $$SELECT h.last_id FROM share_acl.audit_chain h WHERE h.workspace_id = pg_temp.id('ws')$$,
    'a trigger on audit_chain sees the head moved');
DROP TRIGGER forward_head ON share_acl.audit_chain;
DROP FUNCTION public.audit_forward(), public.audit_forward_head();
DROP TABLE public.audit_forwarded;
SELECT throws_ok('TRUNCATE share_acl.' || (SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                                             WHERE i.inhparent = 'share_acl.audit_log'::regclass
                                               AND c.relname <> 'audit_log_default' LIMIT 1),
    '2F003', NULL, 'TRUNCATE of a month partition refused');

-- an administrator's UPDATE that moves a model row to another workspace
-- (a share to a resource of ws2) is told in both chains: ws2's row (old and
-- new as any update) and one in ws's, old the row as it was, new an empty
-- object (not where it went)
BEGIN;
SELECT share_acl.set_principal(NULL);
INSERT INTO ids VALUES ('s_move', share_acl.share(pg_temp.id('P'), pg_temp.id('bob'), 'commenter'));
UPDATE share_acl.share SET resource_id = pg_temp.id('X') WHERE id = pg_temp.id('s_move');
SELECT results_eq(
    $$SELECT workspace_id, new = '{}'::jsonb, (old ->> 'resource_id')::uuid
        FROM share_acl._audit_staged_rows()
       WHERE object_type = 'share' AND object_id = pg_temp.id('s_move') AND action = 'update'
       ORDER BY new = '{}'::jsonb$$,
    $$VALUES (pg_temp.id('ws2'), false, pg_temp.id('P')), (pg_temp.id('ws'), true, pg_temp.id('P'))$$,
    'a share moved to another workspace''s resource: an update row in each chain, the one left behind without where it went');
UPDATE share_acl.share SET perms = 'viewer' WHERE id = pg_temp.id('s_move');
SELECT is((SELECT count(*) FROM share_acl._audit_staged_rows()
            WHERE object_type = 'share' AND object_id = pg_temp.id('s_move') AND action = 'update'),
    3::bigint, 'an update within one workspace writes one row, as before');
-- (150 moved at once: 300 rows, more than a transaction keeps in its memory)
INSERT INTO share_acl.share (resource_id, grantee_id, perms)
SELECT pg_temp.id('P'), pg_temp.id('bob'), 'viewer' FROM generate_series(1, 150);
UPDATE share_acl.share SET resource_id = pg_temp.id('X')
 WHERE resource_id = pg_temp.id('P') AND grantee_id = pg_temp.id('bob') AND id <> pg_temp.id('s_move');
SELECT ok((SELECT count(*) FROM share_acl._audit_memory_rows()) <= 256,
    'a 150-row move stages no more rows in memory than a transaction keeps there (256)');
SELECT is((SELECT count(*) FROM share_acl._audit_staged_rows()
            WHERE object_type = 'share' AND action = 'update' AND new = '{}'::jsonb
              AND workspace_id = pg_temp.id('ws')),
    151::bigint, '... and each moved share has its row in the chain it left');
COMMIT;
SELECT results_eq('SELECT * FROM share_acl.audit_verify()', $$VALUES (true, NULL::bigint)$$,
    'audit_verify: both chains verify after the move');

SELECT * FROM finish();
