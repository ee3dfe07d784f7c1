-- pgTAP: open_link (SPEC §5): every status, passwords and the lockout with
-- its window, max_views, not_before, expiry, view tracking, and the link
-- context (R7): collection and project links reach their contents and
-- nothing else, toggles apply, the context unites with a principal, and a
-- revoke or an expiry in the same transaction denies at the next check.
--
-- Time is simulated by moving timestamps (tests run as superuser).
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids,
-- pg_temp.tok(name) the tokens (kept in a temporary table of the test only).
BEGIN;
SELECT plan(85);
-- passwords appear as literals below: keep the statement text out of the
-- server log (and open_link and create_link from warning about it, which
-- 54_links_log_settings.sql tests)
SET LOCAL log_min_error_statement = panic;

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE TEMP TABLE toks (name text PRIMARY KEY, token text NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.tok(text) RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT token FROM toks WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
-- the link id of a token (last 16 of the first 21 bytes)
CREATE FUNCTION pg_temp.link_of(t text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(substring(decode(translate(t, '-_', '+/'), 'base64') FROM 6 FOR 16), 'hex')::uuid
$$;
-- open with a password, answer the status, and back to no link context
CREATE FUNCTION pg_temp.open(t text, pw text DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
    SELECT o.status INTO s FROM share_acl.open_link(t, pw) o;
    PERFORM share_acl._set_link_context(NULL);
    RETURN s;
END $$;
CREATE FUNCTION pg_temp.fails(l uuid) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM share_acl.link_failed_attempt f WHERE f.link_id = l
$$;

-- alice owns ws; bob is a member.  P1: assets A1, A2, collection C1
-- (holding A1 and A3), restricted asset R1.  P2: assets A3, A4.
INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t51.test')),
    ('bob',   share_acl.create_user('bob@t51.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t51', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bob'), 'member');
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('P1', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('P2', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A1', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P1')));
INSERT INTO ids VALUES ('A2', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P1')));
INSERT INTO ids VALUES ('R1', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P1')));
INSERT INTO ids VALUES ('C1', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P1')));
INSERT INTO ids VALUES ('A3', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P2')));
INSERT INTO ids VALUES ('A4', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P2')));
SELECT share_acl.set_restricted(pg_temp.id('R1'), true);
SELECT share_acl.add_to_collection(pg_temp.id('C1'), pg_temp.id('A1'));
SELECT share_acl.add_to_collection(pg_temp.id('C1'), pg_temp.id('A3'));
-- bob may view P2 through a share
INSERT INTO ids VALUES ('s_bob', share_acl.share(pg_temp.id('P2'), pg_temp.id('bob'), 'viewer'));

INSERT INTO toks VALUES
    ('plain',   share_acl.create_link(pg_temp.id('A1'))),
    ('pw',      share_acl.create_link(pg_temp.id('A1'), password => 'Open-Sesame-51')),
    ('views2',  share_acl.create_link(pg_temp.id('A1'), max_views => 2)),
    ('later',   share_acl.create_link(pg_temp.id('A1'), not_before => now() + interval '1 hour')),
    ('exp',     share_acl.create_link(pg_temp.id('A1'), expires_at => now() + interval '1 hour')),
    ('revoked', share_acl.create_link(pg_temp.id('A1'))),
    ('coll',    share_acl.create_link(pg_temp.id('C1'), 'view_download', allow_download => true)),
    ('proj',    share_acl.create_link(pg_temp.id('P1'), 'editor', allow_comments => true)),
    ('asset',   share_acl.create_link(pg_temp.id('A3'))),
    ('ctx',     share_acl.create_link(pg_temp.id('C1')));
SELECT share_acl.set_principal(NULL);
INSERT INTO ids SELECT name, pg_temp.link_of(token) FROM toks;

-- ----------------------------------------------------------------- statuses
SELECT results_eq($$SELECT ok, status, link_id, resource, perms::text FROM share_acl.open_link(pg_temp.tok('plain'))$$,
    $$VALUES (true, 'ok', pg_temp.id('plain'), pg_temp.id('A1'), 'view,view_details,react')$$,
    'ok: one row with the link, its resource and what it grants (default viewer, toggles applied)');
SELECT share_acl._set_link_context(NULL);
SELECT results_eq($$SELECT ok, status, link_id, resource, perms FROM share_acl.open_link('nonsense')$$,
    $$VALUES (false, 'invalid', NULL::uuid, NULL::uuid, NULL::share_acl.permset)$$,
    'invalid: one row, nothing revealed');
SELECT results_eq($$SELECT ok, status, link_id, resource, perms FROM share_acl.open_link(NULL)$$,
    $$VALUES (false, 'invalid', NULL::uuid, NULL::uuid, NULL::share_acl.permset)$$,
    'a NULL token opens invalid, one row, as a token that names no link');
SELECT lives_ok($$SELECT share_acl.revoke_link(pg_temp.id('revoked'))$$, 'revoke a link');
SELECT results_eq($$SELECT ok, status, link_id, resource FROM share_acl.open_link(pg_temp.tok('revoked'))$$,
    $$VALUES (false, 'revoked', pg_temp.id('revoked'), NULL::uuid)$$,
    'revoked: refused, the resource is not revealed');
SELECT is(pg_temp.open(pg_temp.tok('revoked'), 'any password'), 'revoked', 'revoked: whatever the password');
SELECT is(pg_temp.open(pg_temp.tok('exp')), 'ok', 'expires in an hour: opens');
UPDATE share_acl.link SET expires_at = now() - interval '1 second' WHERE id = pg_temp.id('exp');
SELECT is(pg_temp.open(pg_temp.tok('exp')), 'expired', 'expired: refused');
UPDATE share_acl.link SET expires_at = now() WHERE id = pg_temp.id('exp');
SELECT is(pg_temp.open(pg_temp.tok('exp')), 'expired', 'expired: at its expires_at exactly');
SELECT is(pg_temp.open(pg_temp.tok('later')), 'expired', 'not_before ahead: refused as expired');
UPDATE share_acl.link SET not_before = now() WHERE id = pg_temp.id('later');
SELECT is(pg_temp.open(pg_temp.tok('later')), 'ok', 'not_before reached: opens');
-- a view of a link with max_views is claimed at the open, at once (for the
-- links of this file, created in this transaction, in this transaction;
-- 53_links_attempts.sql covers committed links, whose claims commit on
-- their own)
SELECT is(pg_temp.open(pg_temp.tok('views2')), 'ok', 'max_views 2: first view');
SELECT is(pg_temp.open(pg_temp.tok('views2')), 'ok', 'max_views 2: second view');
SELECT is(pg_temp.open(pg_temp.tok('views2')), 'expired', 'max_views 2: the third is refused as expired');
SELECT results_eq($$SELECT view_count, failed_attempts FROM share_acl.link WHERE id = pg_temp.id('views2')$$,
    $$VALUES (2::bigint, 0)$$, 'max_views: the two views are counted at the open, the refused open is not');
SELECT is(pg_temp.open(pg_temp.tok('views2')), 'expired', 'max_views: still used up');
SELECT ok(NOT EXISTS (SELECT 1 FROM share_acl.active_links WHERE id = pg_temp.id('views2')),
    'max_views: a used-up link is not active');

-- ------------------------------------------------------------- passwords
SELECT is(pg_temp.open(pg_temp.tok('pw')), 'password_required', 'password_required: no password');
SELECT is(pg_temp.open(pg_temp.tok('pw'), ''), 'password_required', 'password_required: an empty password');
SELECT is(pg_temp.fails(pg_temp.id('pw')), 0::bigint, 'password_required is not a failed attempt');
SELECT is(pg_temp.open(pg_temp.tok('pw'), 'open-sesame-51'), 'wrong_password', 'wrong_password: case matters');
SELECT is(pg_temp.fails(pg_temp.id('pw')), 1::bigint, 'wrong_password: one failed attempt recorded');
SELECT is((SELECT failed_attempts FROM share_acl.link WHERE id = pg_temp.id('pw')), 1,
    'wrong_password: the link counts it');
SELECT is(pg_temp.open(pg_temp.tok('pw'), repeat('x', 10240)), 'wrong_password',
    'wrong_password: a 10 kB password, no error');
SELECT is(pg_temp.open(pg_temp.tok('pw'), E'Open-Sesame-51\n'), 'wrong_password',
    'wrong_password: a trailing newline');
SELECT results_eq($$SELECT ok, status, resource FROM share_acl.open_link(pg_temp.tok('pw'), 'Open-Sesame-51')$$,
    $$VALUES (true, 'ok', pg_temp.id('A1'))$$, 'ok with the right password');
SELECT share_acl._set_link_context(NULL);
SELECT is(pg_temp.fails(pg_temp.id('pw')), 3::bigint, 'the right password does not erase failures');
SELECT is((SELECT count(*) FROM share_acl.link WHERE password_hash LIKE 'SCRAM-SHA-256$4096:%$%:%'
             AND id = pg_temp.id('pw')), 1::bigint,
    'the password is stored as a SCRAM-SHA-256 secret with 4096 iterations');

-- ---------------------------------------------------------------- lockout
SELECT is((SELECT string_agg(pg_temp.open(pg_temp.tok('pw'), 'guess ' || i), ',' ORDER BY i)
             FROM generate_series(1, 7) i),
          'wrong_password,wrong_password,wrong_password,wrong_password,wrong_password,wrong_password,wrong_password',
          'seven more wrong passwords (ten in all)');
SELECT is(pg_temp.fails(pg_temp.id('pw')), 10::bigint, 'ten failed attempts within the window');
SELECT is(pg_temp.open(pg_temp.tok('pw'), 'Open-Sesame-51'), 'locked', 'locked: even the right password');
SELECT is(pg_temp.open(pg_temp.tok('pw'), 'guess 8'), 'locked', 'locked: a wrong one too');
SELECT is(pg_temp.fails(pg_temp.id('pw')), 10::bigint, 'locked: attempts are not checked nor counted');
SELECT is(pg_temp.open(pg_temp.tok('pw')), 'password_required', 'locked: no password still asks for one');
-- one failure leaves the window
UPDATE share_acl.link_failed_attempt SET at = now() - interval '15 minutes'
 WHERE ctid = (SELECT ctid FROM share_acl.link_failed_attempt WHERE link_id = pg_temp.id('pw') LIMIT 1);
SELECT is(pg_temp.open(pg_temp.tok('pw'), 'Open-Sesame-51'), 'ok',
    'window: a failure 15 minutes old no longer counts, 9 in the window: opens');
SELECT is(pg_temp.open(pg_temp.tok('pw'), 'guess 9'), 'wrong_password', 'window: one more wrong password');
SELECT is(pg_temp.fails(pg_temp.id('pw')), 10::bigint, 'window: the old failure was pruned');
SELECT is(pg_temp.open(pg_temp.tok('pw'), 'Open-Sesame-51'), 'locked', 'window: ten in the window lock again');
UPDATE share_acl.link_failed_attempt SET at = at - interval '14 minutes 59 seconds'
 WHERE link_id = pg_temp.id('pw');
SELECT is(pg_temp.open(pg_temp.tok('pw'), 'Open-Sesame-51'), 'locked', 'window: failures 14:59 old still lock');
UPDATE share_acl.link_failed_attempt SET at = at - interval '2 seconds' WHERE link_id = pg_temp.id('pw');
SELECT is(pg_temp.open(pg_temp.tok('pw'), 'Open-Sesame-51'), 'ok', 'window: past 15 minutes the lock is gone');

-- ----------------------------------------------------------- view tracking
SELECT is((SELECT count(*) FROM share_acl.link_view WHERE link_id = pg_temp.id('plain')), 1::bigint,
    'a link_view row for the first open');
SELECT pg_sleep(0.01);	-- (this statement's start comes after the transaction's)
CREATE TEMP TABLE t51_open AS
    SELECT statement_timestamp() AS at, o.ok, o.status
      FROM share_acl.open_link(pg_temp.tok('plain'), viewer_email => 'viewer@t51.test') o;
SELECT results_eq($$SELECT ok, status FROM t51_open$$,
    $$VALUES (true, 'ok')$$, 'open with the viewer''s e-mail');
SELECT share_acl._set_link_context(NULL);
SELECT results_eq($$SELECT viewer_email, viewed_at, viewed_at > now() FROM share_acl.link_view
                    WHERE link_id = pg_temp.id('plain') AND viewer_email IS NOT NULL$$,
    $$SELECT 'viewer@t51.test'::text, at, true FROM t51_open$$,
    'link_view: the viewer''s e-mail and when: the start of the open''s statement, not of its transaction');
SELECT results_eq($$SELECT view_count, last_viewed_at FROM share_acl.link WHERE id = pg_temp.id('plain')$$,
    $$VALUES (0::bigint, NULL::timestamptz)$$,
    'a link without max_views: view_count and last_viewed_at are bumped when the transaction commits, not at the open');
SELECT is((SELECT count(*) FROM share_acl.link_view WHERE link_id = pg_temp.id('revoked')), 0::bigint,
    'refused opens record no view');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'track_external_views', 'false');
SELECT is(pg_temp.open(pg_temp.tok('plain')), 'ok', 'track_external_views off: opens');
SELECT is((SELECT count(*) FROM share_acl.link_view WHERE link_id = pg_temp.id('plain')), 2::bigint,
    'track_external_views off: no link_view row');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'track_external_views', 'true');
SELECT throws_ok($$SELECT * FROM share_acl.open_link(pg_temp.tok('plain'), viewer_email => 'not an e-mail')$$,
    '22023', NULL, 'a malformed viewer e-mail is 22023 (application input)');
-- (arguments swapped: the password given as the viewer's e-mail, or the
-- token, is not shown in the error)
SELECT throws_ok($$SELECT * FROM share_acl.open_link(pg_temp.tok('plain'), 'viewer@t51.test', 'Secret-Pass-51')$$,
    '22023', 'invalid e-mail address in viewer_email',
    'a malformed viewer e-mail: its value (perhaps a password given in its place) is not in the message');

-- ------------------------------------------------- the link context (R7)
SELECT is(share_acl.current_link(), NULL, 'no link context before open_link');
SELECT is(share_acl.has_access(pg_temp.id('A3'), 'view'), false, 'no principal, no link: nothing');
SELECT is(pg_temp.open('garbage'), 'invalid', 'an invalid open');
SELECT is(share_acl.current_link(), NULL, 'a refused open sets no link context');
SELECT results_eq($$SELECT status FROM share_acl.open_link(pg_temp.tok('coll'))$$, $$VALUES ('ok')$$,
    'open the collection link');
SELECT is(share_acl.current_link(), pg_temp.id('coll'), 'current_link() is the opened link');
SELECT is(ARRAY[share_acl.has_access(pg_temp.id('C1'), 'view'), share_acl.has_access(pg_temp.id('A1'), 'view'),
                share_acl.has_access(pg_temp.id('A3'), 'view')],
          ARRAY[true, true, true], 'collection link: the collection and its items');
SELECT is(ARRAY[share_acl.has_access(pg_temp.id('P1'), 'view'), share_acl.has_access(pg_temp.id('A2'), 'view'),
                share_acl.has_access(pg_temp.id('P2'), 'view'), share_acl.has_access(pg_temp.id('A4'), 'view'),
                share_acl.has_access(pg_temp.id('R1'), 'view'), share_acl.has_access(pg_temp.id('ws'), 'view')],
          ARRAY[false, false, false, false, false, false],
          'collection link: nothing else (not its project, siblings, the items'' project, the workspace)');
SELECT is(share_acl.effective_permissions(pg_temp.id('A3'))::text, 'view,view_details,download',
    'collection link: the link''s set on an item');
SELECT is(pg_temp.open(pg_temp.tok('pw'), 'wrong again'), 'wrong_password', 'a refused open of another link');
SELECT is(share_acl.current_link(), NULL, '(pg_temp.open clears the context)');

SELECT results_eq($$SELECT status FROM share_acl.open_link(pg_temp.tok('proj'))$$, $$VALUES ('ok')$$,
    'open the project link (editor, default toggles)');
SELECT is(ARRAY[share_acl.has_access(pg_temp.id('P1'), 'view'), share_acl.has_access(pg_temp.id('A1'), 'view'),
                share_acl.has_access(pg_temp.id('A2'), 'view'), share_acl.has_access(pg_temp.id('C1'), 'view'),
                share_acl.has_access(pg_temp.id('A3'), 'view')],
          ARRAY[true, true, true, true, true],
          'project link: the project, its assets, its collection and the collection''s items');
SELECT is(ARRAY[share_acl.has_access(pg_temp.id('R1'), 'view'), share_acl.has_access(pg_temp.id('P2'), 'view'),
                share_acl.has_access(pg_temp.id('A4'), 'view')],
          ARRAY[false, false, false], 'project link: not a restricted asset (R8), not another project');
SELECT is(share_acl.effective_permissions(pg_temp.id('A2'))::text,
    'view,view_details,react,comment,annotate,view_activity,run_ai',
    'project link: editor minus download, approve and contribution (toggles, R6)');
SELECT is(share_acl.has_access(pg_temp.id('A2'), 'download'), false, 'project link: allow_download off');
SELECT is(share_acl.has_access(pg_temp.id('A2'), 'share'), false, 'project link: never share');
SELECT share_acl._set_link_context(NULL);

-- united with a principal: bob views P2 (share), the link adds download on C1's items
SELECT pg_temp.act('bob');
SELECT is(share_acl.has_access(pg_temp.id('A3'), 'view,download'), false, 'bob alone: no download on A3');
SELECT is(share_acl.has_access(pg_temp.id('C1'), 'view'), false, 'bob alone: cannot view C1');
SELECT results_eq($$SELECT status FROM share_acl.open_link(pg_temp.tok('coll'))$$, $$VALUES ('ok')$$,
    'bob opens the collection link');
SELECT is(ARRAY[share_acl.has_access(pg_temp.id('A3'), 'view,download'), share_acl.has_access(pg_temp.id('C1'), 'view'),
                share_acl.has_access(pg_temp.id('A4'), 'view')],
          ARRAY[true, true, true], 'link and principal united: the link''s download, and bob''s own view of P2');
SELECT is(share_acl.has_access(pg_temp.id('bob'), pg_temp.id('A3'), 'download'), false,
    'has_access(principal, ...) asks about the principal alone');
SELECT share_acl._set_link_context(NULL);
SELECT share_acl.set_principal(NULL);

-- revoke and expiry inside the transaction that opened the link
SELECT results_eq($$SELECT status FROM share_acl.open_link(pg_temp.tok('ctx'))$$, $$VALUES ('ok')$$,
    'open a link');
SELECT is(share_acl.has_access(pg_temp.id('A3'), 'view'), true, 'the link gives view');
SELECT share_acl.revoke_link(pg_temp.id('ctx'));
SELECT is(share_acl.has_access(pg_temp.id('A3'), 'view'), false, 'revoked in the same transaction: denied at the next check');
SELECT is(share_acl.effective_permissions(pg_temp.id('A3'))::text, '', 'revoked: no permissions');
SELECT results_eq($$SELECT status FROM share_acl.open_link(pg_temp.tok('asset'))$$, $$VALUES ('ok')$$,
    'open another link');
SELECT is(share_acl.has_access(pg_temp.id('A3'), 'view'), true, 'the other link gives view');
UPDATE share_acl.link SET expires_at = now() WHERE id = pg_temp.id('asset');
SELECT is(share_acl.has_access(pg_temp.id('A3'), 'view'), false, 'expired in the same transaction: denied at the next check');
UPDATE share_acl.link SET expires_at = NULL, not_before = now() + interval '1 minute' WHERE id = pg_temp.id('asset');
SELECT is(share_acl.has_access(pg_temp.id('A3'), 'view'), false, 'not_before moved ahead: denied at the next check');
UPDATE share_acl.link SET not_before = NULL WHERE id = pg_temp.id('asset');
SELECT is(share_acl.has_access(pg_temp.id('A3'), 'view'), true, 'and allowed again when it is valid');
DELETE FROM share_acl.link WHERE id = pg_temp.id('asset');
SELECT is(share_acl.has_access(pg_temp.id('A3'), 'view'), false, 'a deleted link: denied at the next check');
SELECT is(pg_temp.open(pg_temp.tok('asset')), 'invalid', 'a deleted link: its token is invalid');
SELECT share_acl._set_link_context(NULL);

-- the e-mail check does not depend on the collation the call comes with:
-- U+2003 (a space in C.utf8, a letter to C's classes) is refused under both
SELECT throws_ok($$SELECT * FROM share_acl.open_link(pg_temp.tok('plain'),
                                                     viewer_email => E'a@b\u2003c' COLLATE "C")$$,
    '22023', NULL, 'the viewer e-mail check whatever the call''s collation: C');
SELECT throws_ok($$SELECT * FROM share_acl.open_link(pg_temp.tok('plain'),
                                                     viewer_email => E'a@b\u2003c' COLLATE "C.utf8")$$,
    '22023', NULL, 'the viewer e-mail check whatever the call''s collation: C.utf8');

-- a read-only transaction on the primary could commit none of what an open
-- writes (the answer is taken out of the savepoint through a psql variable:
-- rolling the savepoint back also rolls back pgTAP's own bookkeeping)
CREATE FUNCTION pg_temp.open_state(text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM * FROM share_acl.open_link($1);
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SAVEPOINT read_only;
SET LOCAL transaction_read_only = on;
SELECT pg_temp.open_state(pg_temp.tok('plain')) AS read_only_state \gset
ROLLBACK TO SAVEPOINT read_only;
SELECT is(:'read_only_state'::text, '25006 cannot execute open_link() in a read-only transaction',
    'open_link in a read-only transaction on the primary: refused with 25006, nothing half-written');

SELECT * FROM finish();
ROLLBACK;
