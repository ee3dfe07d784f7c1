-- pgTAP: what open_link records outside the caller's transaction (SPEC §5).
-- A wrong password counts toward 'locked' also when the caller rolls its
-- transaction back (or a savepoint around the open); a view claimed on a
-- link with max_views stays used; views of other links are counted when the
-- opening transaction commits, and not for a rolled-back transaction or
-- savepoint, whatever SET CONSTRAINTS says; open_link holds no advisory lock;
-- a wrong password's audit row stays with its attempt.
--
-- Unlike the other link files this one commits: attempts are recorded by a
-- background worker in a transaction of its own, which only committed links
-- reach.  Its rows are removed first (leftovers of an interrupted run) and
-- last.  The answers of opens made inside transactions that are then rolled
-- back are kept in psql variables (\gset) and checked afterwards.
-- Passwords appear as literals here: log_min_error_statement = panic keeps
-- this file's statements out of the server log (and open_link from warning).
SET client_min_messages = warning;
SET log_min_error_statement = panic;

DELETE FROM share_acl.workspace WHERE id IN ('53000000-0000-0000-0000-000000000001',
                                             '53000000-0000-0000-0000-000000000002');
DELETE FROM share_acl.principal WHERE id = '53000000-0000-0000-0001-000000000001';
DROP TABLE IF EXISTS public.t53_link_updates;
DROP FUNCTION IF EXISTS public.t53_link_update_row(), public.t53_link_update_statement(),
    public.t53_link_label() CASCADE;

-- two workspaces of one owner, the second not tracking external views; a
-- project in each; links on them
INSERT INTO share_acl.principal (id, kind, email) VALUES
    ('53000000-0000-0000-0001-000000000001', 'user', 'owner@t53.example');
INSERT INTO share_acl.workspace (id, name) VALUES
    ('53000000-0000-0000-0000-000000000001', 't53'),
    ('53000000-0000-0000-0000-000000000002', 't53 untracked');
UPDATE share_acl.workspace SET track_external_views = false WHERE id = '53000000-0000-0000-0000-000000000002';
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
    ('53000000-0000-0000-0000-000000000001', '53000000-0000-0000-0001-000000000001', 'owner'),
    ('53000000-0000-0000-0000-000000000002', '53000000-0000-0000-0001-000000000001', 'owner');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id) VALUES
    ('53000000-0000-0000-0005-000000000001', '53000000-0000-0000-0000-000000000001', 'project', NULL,
     '53000000-0000-0000-0001-000000000001'),
    ('53000000-0000-0000-0005-000000000002', '53000000-0000-0000-0000-000000000002', 'project', NULL,
     '53000000-0000-0000-0001-000000000001');
CREATE TEMP TABLE links (name text PRIMARY KEY, id uuid NOT NULL, token text);
INSERT INTO links (name, id) VALUES
    ('pw',        '53000000-0000-0000-0007-000000000001'),
    ('pw2',       '53000000-0000-0000-0007-000000000002'),
    ('pw3',       '53000000-0000-0000-0007-000000000007'),
    ('mv1',       '53000000-0000-0000-0007-000000000003'),
    ('mv2',       '53000000-0000-0000-0007-000000000004'),
    ('plain',     '53000000-0000-0000-0007-000000000005'),
    ('untracked', '53000000-0000-0000-0007-000000000006'),
    ('mv_untracked', '53000000-0000-0000-0007-000000000009');
INSERT INTO share_acl.link (id, resource_id, password_hash, max_views, created_by)
SELECT l.id,
       CASE WHEN l.name IN ('untracked', 'mv_untracked') THEN '53000000-0000-0000-0005-000000000002'::uuid
            ELSE '53000000-0000-0000-0005-000000000001'::uuid END,
       CASE WHEN l.name IN ('pw', 'pw2', 'pw3') THEN share_acl._password_hash('Right-Pass-53') END,
       CASE l.name WHEN 'mv1' THEN 1 WHEN 'mv2' THEN 2 WHEN 'mv_untracked' THEN 2 END,
       '53000000-0000-0000-0001-000000000001'
  FROM links l;
UPDATE links SET token = share_acl._link_token(id);

-- open a link, answer the status, and back to no link context
CREATE FUNCTION pg_temp.open(name text, pw text DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
    SELECT o.status INTO s FROM links l, share_acl.open_link(l.token, pw) o WHERE l.name = open.name;
    PERFORM share_acl._set_link_context(NULL);
    RETURN s;
END $$;
-- the same, then an error that undoes the block around the open
CREATE FUNCTION pg_temp.open_then_fail(name text, pw text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
    BEGIN
        s := pg_temp.open(name, pw);
        RAISE EXCEPTION 'an error after the open';
    EXCEPTION WHEN raise_exception THEN
        RETURN s;
    END;
END $$;
CREATE FUNCTION pg_temp.fails(name text) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM share_acl.link_failed_attempt f JOIN links l ON l.id = f.link_id WHERE l.name = fails.name
$$;
CREATE FUNCTION pg_temp.counters(name text) RETURNS TABLE (view_count bigint, failed_attempts integer)
LANGUAGE sql AS $$
    SELECT k.view_count, k.failed_attempts FROM share_acl.link k JOIN links l ON l.id = k.id WHERE l.name = counters.name
$$;

-- the open_link audit rows of a link written since this file began, by status
CREATE TEMP TABLE audit_mark AS SELECT coalesce(max(id), 0) AS mark FROM share_acl.audit_log;
CREATE FUNCTION pg_temp.opens_audited(name text) RETURNS TABLE (status text, n bigint) LANGUAGE sql AS $$
    SELECT a.new ->> 'status', count(*) FROM share_acl.audit_log a
     WHERE a.id > (SELECT mark FROM audit_mark) AND a.action = 'open_link'
       AND a.link_id = (SELECT l.id FROM links l WHERE l.name = opens_audited.name)
     GROUP BY 1 ORDER BY 1
$$;

SELECT plan(59);

-- ------------------------------------------------ wrong passwords, rolled back
BEGIN;
SELECT string_agg(pg_temp.open('pw', 'guess ' || i), ',' ORDER BY i) AS nine FROM generate_series(1, 9) i \gset
ROLLBACK;
SELECT is(:'nine'::text, 'wrong_password,wrong_password,wrong_password,wrong_password,wrong_password,wrong_password,wrong_password,wrong_password,wrong_password',
    'nine wrong passwords in a transaction that is then rolled back');
SELECT is(pg_temp.fails('pw'), 9::bigint, 'the rollback keeps their nine failed attempts');
SELECT results_eq($$SELECT * FROM pg_temp.counters('pw')$$, $$VALUES (0::bigint, 9)$$,
    'and failed_attempts counts them');
BEGIN;
SAVEPOINT before_open;
SELECT pg_temp.open('pw', 'guess 10') AS tenth \gset
ROLLBACK TO SAVEPOINT before_open;
COMMIT;
SELECT is(:'tenth'::text, 'wrong_password', 'a tenth wrong password, in a savepoint that is then rolled back');
SELECT is(pg_temp.fails('pw'), 10::bigint, 'the savepoint rollback keeps it too');
BEGIN;
SELECT pg_temp.open('pw', 'Right-Pass-53') AS right_after \gset
ROLLBACK;
SELECT is(:'right_after'::text, 'locked', 'ten wrong passwords in rolled-back transactions lock the link: the right password is refused');
SELECT is(pg_temp.open('pw', 'guess 11'), 'locked', 'and a wrong one is refused unchecked');
SELECT is(pg_temp.fails('pw'), 10::bigint, 'attempts on a locked link are not recorded');
-- an error after the open undoes the block around it: still recorded
BEGIN;
SELECT pg_temp.open('pw2', 'guess 1') AS aborted \gset
SELECT pg_temp.open_then_fail('pw2', 'guess 2') AS in_failed_block \gset
ROLLBACK;
SELECT is(ARRAY[:'aborted', :'in_failed_block'], ARRAY['wrong_password', 'wrong_password'],
    'two wrong passwords, one in a PL/pgSQL block that then fails, in a transaction rolled back');
SELECT is(pg_temp.fails('pw2'), 2::bigint, 'both are recorded');
SELECT is(pg_temp.open('pw2', 'Right-Pass-53'), 'ok', 'the right password still opens a link below ten failures');

-- --------------------------------------------------- max_views, rolled back
BEGIN;
SELECT pg_temp.open('mv1') AS mv1_first \gset
ROLLBACK;
SELECT is(:'mv1_first'::text, 'ok', 'max_views 1: opened in a transaction that is then rolled back');
SELECT is(pg_temp.open('mv1'), 'expired', 'the view it claimed stays used: the next open is refused');
SELECT results_eq($$SELECT * FROM pg_temp.counters('mv1')$$, $$VALUES (1::bigint, 0)$$,
    'view_count 1: claimed at the open, kept by the rollback');
BEGIN;
SAVEPOINT before_open;
SELECT pg_temp.open('mv2') AS mv2_first \gset
ROLLBACK TO SAVEPOINT before_open;
SELECT pg_temp.open('mv2') AS mv2_second \gset
COMMIT;
SELECT is(ARRAY[:'mv2_first', :'mv2_second'], ARRAY['ok', 'ok'],
    'max_views 2: one open in a savepoint rolled back, one committed');
SELECT is(pg_temp.open('mv2'), 'expired', 'both views are used: the third open is refused');
SELECT ok(NOT EXISTS (SELECT 1 FROM share_acl.active_links a JOIN links l ON l.id = a.id WHERE l.name IN ('mv1', 'mv2')),
    'used-up links are not active');

-- ----------------------------------------------- other views: at commit
BEGIN;
SELECT is(pg_temp.open('plain') || ',' || pg_temp.open('plain'), 'ok,ok', 'two opens of a link without max_views');
SELECT results_eq($$SELECT * FROM pg_temp.counters('plain')$$, $$VALUES (0::bigint, 0)$$,
    'not counted before the transaction commits');
COMMIT;
SELECT results_eq($$SELECT k.view_count, k.last_viewed_at IS NOT NULL FROM share_acl.link k JOIN links l ON l.id = k.id
                    WHERE l.name = 'plain'$$,
    $$VALUES (2::bigint, true)$$, 'counted when it commits: view_count 2, last_viewed_at set');
BEGIN;
SELECT pg_temp.open('plain') AS rolled_back_view \gset
ROLLBACK;
BEGIN;
SELECT pg_temp.open('plain') AS kept_view \gset
SAVEPOINT s;
SELECT pg_temp.open('plain') AS dropped_view \gset
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT is(ARRAY[:'rolled_back_view', :'kept_view', :'dropped_view'], ARRAY['ok', 'ok', 'ok'],
    'three more opens: one rolled back, one committed, one in a savepoint rolled back');
SELECT results_eq($$SELECT * FROM pg_temp.counters('plain')$$, $$VALUES (3::bigint, 0)$$,
    'only the committed view is counted');
BEGIN;
SET CONSTRAINTS ALL IMMEDIATE;
SELECT is(pg_temp.open('plain'), 'ok', 'an open with every constraint IMMEDIATE');
SELECT results_eq($$SELECT * FROM pg_temp.counters('plain')$$, $$VALUES (3::bigint, 0)$$,
    'SET CONSTRAINTS cannot move the count (and its row lock) into the transaction');
SELECT is((SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()), 0::bigint,
    'open_link holds no advisory lock');
COMMIT;
BEGIN;
SELECT is(pg_temp.open('untracked'), 'ok', 'a link in a workspace that does not track external views');
COMMIT;
SELECT results_eq($$SELECT k.view_count, (SELECT count(*) FROM share_acl.link_view v WHERE v.link_id = k.id)
                      FROM share_acl.link k JOIN links l ON l.id = k.id WHERE l.name = 'untracked'$$,
    $$VALUES (1::bigint, 0::bigint)$$, 'its view is counted at commit, without a link_view row');
SELECT is((SELECT o.status FROM links l, share_acl.open_link(l.token, viewer_email => 'seen@t53.example') o
            WHERE l.name = 'mv_untracked'), 'ok',
    'a link with max_views in a workspace that does not track external views, opened with a viewer e-mail');
SELECT results_eq($$SELECT n.payload ->> 'viewer_email' FROM share_acl.notification n JOIN links l
                     ON n.payload ->> 'link_id' = l.id::text WHERE l.name = 'mv_untracked'$$,
    $$VALUES (NULL::text)$$, 'the view the worker claims tells the creator of it without the viewer''s e-mail');


-- ------------------------------------- the count and an administrator's triggers
-- The count is written below an UPDATE statement when the link table lets
-- it be: row triggers fire as for the statement; a statement trigger, or a
-- BEFORE row trigger (it may change audited columns), makes it the statement.
CREATE TABLE public.t53_link_updates (kind text, view_count bigint, label text);
CREATE FUNCTION public.t53_link_update_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.t53_link_updates VALUES ('row', NEW.view_count, NEW.label);
    RETURN NULL;
END $$;
CREATE FUNCTION public.t53_link_update_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.t53_link_updates SELECT 'statement', n.view_count, n.label FROM new_rows n;
    RETURN NULL;
END $$;
CREATE FUNCTION public.t53_link_label() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.label := 'viewed ' || NEW.view_count;
    RETURN NEW;
END $$;
CREATE TRIGGER t53_row AFTER UPDATE ON share_acl.link
    FOR EACH ROW EXECUTE FUNCTION public.t53_link_update_row();
BEGIN;
SELECT pg_temp.open('plain') AS row_view \gset
COMMIT;
SELECT results_eq($$SELECT kind, view_count FROM public.t53_link_updates$$, $$VALUES ('row', 5::bigint)$$,
    'an AFTER UPDATE row trigger on link sees the count of a view');
CREATE TRIGGER t53_statement AFTER UPDATE ON share_acl.link REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.t53_link_update_statement();
TRUNCATE public.t53_link_updates;
BEGIN;
SELECT pg_temp.open('plain') AS statement_view \gset
COMMIT;
SELECT results_eq($$SELECT kind, view_count FROM public.t53_link_updates ORDER BY kind$$,
    $$VALUES ('row', 6::bigint), ('statement', 6::bigint)$$,
    'an AFTER UPDATE statement trigger with a transition table on link sees it too (and the row trigger)');
DROP TRIGGER t53_statement ON share_acl.link;
DROP TRIGGER t53_row ON share_acl.link;
CREATE TRIGGER t53_label BEFORE UPDATE ON share_acl.link
    FOR EACH ROW EXECUTE FUNCTION public.t53_link_label();
BEGIN;
SELECT pg_temp.open('plain') AS label_view \gset
COMMIT;
DROP TRIGGER t53_label ON share_acl.link;
SELECT results_eq($$SELECT k.view_count, k.label FROM share_acl.link k JOIN links l ON l.id = k.id WHERE l.name = 'plain'$$,
    $$VALUES (7::bigint, 'viewed 7'::text)$$, 'a BEFORE UPDATE row trigger on link changes the counted row');
SELECT results_eq($$SELECT a.action, a.new ->> 'label' FROM share_acl.audit_log a JOIN links l ON a.object_id = l.id
                     WHERE l.name = 'plain' AND a.action = 'update' AND a.id > (SELECT mark FROM audit_mark)$$,
    $$VALUES ('update'::text, 'viewed 7'::text)$$,
    'the audit trail records the change that trigger made to an audited column (and not the count alone)');
SELECT is(ARRAY[:'row_view', :'statement_view', :'label_view'], ARRAY['ok', 'ok', 'ok'],
    'the three opens');
SELECT results_eq($$SELECT count(*) FROM share_acl.notification n JOIN links l ON n.payload ->> 'link_id' = l.id::text
                     WHERE l.name = 'plain' AND n.kind = 'link_first_view'$$,
    $$VALUES (1::bigint)$$, 'only the very first view notified the link''s creator');
ALTER TABLE share_acl.link ADD CONSTRAINT t53_views CHECK (view_count <= 7);
SELECT throws_ok($$SELECT share_acl._link_count_views((SELECT id FROM links WHERE name = 'plain'), 1, now(), NULL)$$,
    '23514', NULL, 'a CHECK an administrator adds on link is checked when views are counted');
ALTER TABLE share_acl.link DROP CONSTRAINT t53_views;
SELECT results_eq($$SELECT * FROM pg_temp.counters('plain')$$, $$VALUES (7::bigint, 0)$$,
    'and the refused count left the row as it was');
-- the counters never go below zero, and a failure count written at the
-- integer's end stays there instead of making open_link raise
SELECT throws_ok($$UPDATE share_acl.link SET view_count = -3 WHERE id = (SELECT id FROM links WHERE name = 'mv1')$$,
    '23514', NULL, 'view_count cannot be set below zero (max_views would let that many more opens through)');
UPDATE share_acl.link SET failed_attempts = 2147483647 WHERE id = (SELECT id FROM links WHERE name = 'pw2');
SELECT is(pg_temp.open('pw2', 'guess at the end'), 'wrong_password',
    'a wrong password with failed_attempts at the integer''s end is refused as such, not an error');
SELECT results_eq($$SELECT failed_attempts FROM pg_temp.counters('pw2')$$, $$VALUES (2147483647)$$,
    'and the count stays at the end');
UPDATE share_acl.link SET view_count = 9223372036854775807 WHERE id = (SELECT id FROM links WHERE name = 'plain');
SELECT is(pg_temp.open('plain'), 'ok', 'a view of a link whose count was written at the bigint''s end');
SELECT results_eq($$SELECT view_count FROM pg_temp.counters('plain')$$, $$VALUES (9223372036854775807::bigint)$$,
    'commits, the count staying at the end (no 22003 at every viewer''s commit)');
DROP TABLE public.t53_link_updates;
DROP FUNCTION public.t53_link_update_row(), public.t53_link_update_statement(), public.t53_link_label();

-- --------------------------------------------------- the opens' audit rows
-- A wrong password is recorded with its audit row, in the attempt's own
-- transaction: a caller that rolls back cannot guess passwords without a
-- trail; so is a view claimed on a link with max_views: a caller that rolls
-- back cannot use up a link's views without a trail.  Any other open's row
-- commits with the caller's transaction.
SELECT results_eq($$SELECT * FROM pg_temp.opens_audited('pw')$$,
    $$VALUES ('locked', 1::bigint), ('wrong_password', 10::bigint)$$,
    'link pw: its ten wrong passwords, rolled back with their transactions or a savepoint, are each in the audit log; of its two locked opens only the committed one');
SELECT results_eq($$SELECT * FROM pg_temp.opens_audited('pw2')$$,
    $$VALUES ('ok', 1::bigint), ('wrong_password', 3::bigint)$$,
    'link pw2: the two wrong passwords of a rolled-back transaction, the committed one once, and its committed ok');
SELECT results_eq($$SELECT * FROM pg_temp.opens_audited('mv1')$$,
    $$VALUES ('expired', 1::bigint), ('ok', 1::bigint)$$,
    'link mv1: the ok open of a rolled-back transaction, whose view stays used, left its row, as the refused one did');
SELECT results_eq($$SELECT * FROM pg_temp.opens_audited('mv2')$$,
    $$VALUES ('expired', 1::bigint), ('ok', 2::bigint)$$,
    'link mv2: the ok open in a rolled-back savepoint and the committed ok each left one row, as the expired one did');
BEGIN;
SELECT share_acl.set_principal('53000000-0000-0000-0001-000000000001');
SELECT o.status AS pw3_wrong FROM links l, share_acl.open_link(l.token, 'not it', viewer_email => 'guest@t53.example') o
 WHERE l.name = 'pw3' \gset
ROLLBACK;
SELECT is(:'pw3_wrong'::text, 'wrong_password', 'a wrong password by a principal, with a viewer e-mail, rolled back');
SELECT results_eq($$SELECT a.workspace_id, a.actor_id, a.db_role = session_user, a.object_type, a.object_id,
                           a.viewer_email, a.old IS NULL
                      FROM share_acl.audit_log a JOIN links l ON l.id = a.link_id
                     WHERE l.name = 'pw3' AND a.id > (SELECT mark FROM audit_mark)$$,
    $$VALUES ('53000000-0000-0000-0000-000000000001'::uuid, '53000000-0000-0000-0001-000000000001'::uuid,
              true, 'link', '53000000-0000-0000-0007-000000000007'::uuid, 'guest@t53.example', true)$$,
    'its row names the workspace, the acting principal, the session user, the link and the viewer''s e-mail');
-- a link written by the caller's own transaction has its attempts recorded
-- in that transaction (no other sees the row): their rows go with it
BEGIN;
INSERT INTO links (name, id) VALUES ('fresh', '53000000-0000-0000-0007-000000000008');
INSERT INTO share_acl.link (id, resource_id, password_hash, created_by)
VALUES ('53000000-0000-0000-0007-000000000008', '53000000-0000-0000-0005-000000000001',
        share_acl._password_hash('Right-Pass-53'), '53000000-0000-0000-0001-000000000001');
UPDATE links SET token = share_acl._link_token(id) WHERE name = 'fresh';
SELECT is(pg_temp.open('fresh', 'not it'), 'wrong_password', 'a wrong password on a link created in the same transaction');
SELECT results_eq($$SELECT s.action, s.new ->> 'status' FROM share_acl._audit_staged_rows() s
                     WHERE s.link_id = '53000000-0000-0000-0007-000000000008' AND s.action = 'open_link'$$,
    $$VALUES ('open_link', 'wrong_password')$$,
    'its audit row is staged once, in that transaction');
ROLLBACK;
SELECT is((SELECT count(*) FROM share_acl.audit_log a
            WHERE a.link_id = '53000000-0000-0000-0007-000000000008' AND a.id > (SELECT mark FROM audit_mark)),
    0::bigint, 'and is rolled back with the link');
SELECT is(pg_temp.open('pw3', 'Right-Pass-53'), 'ok', 'pw3 opens with its password');
SELECT results_eq($$SELECT * FROM pg_temp.opens_audited('pw3')$$,
    $$VALUES ('ok', 1::bigint), ('wrong_password', 1::bigint)$$, 'pw3: one row for each of its two opens');

-- the counters the opens moved wrote no update row (each open has its own);
-- a change of them by anyone else is audited like any column (SPEC §7)
SELECT is((SELECT count(*) FROM share_acl.audit_log a JOIN links l ON l.id = a.object_id
            WHERE l.name IN ('pw', 'pw3', 'mv1', 'mv2') AND a.action = 'update'
              AND a.id > (SELECT mark FROM audit_mark)),
    0::bigint, 'wrong passwords, claimed and counted views wrote no update row of their links');
SELECT results_eq($$SELECT a.old ->> 'failed_attempts', a.new ->> 'failed_attempts' FROM share_acl.audit_log a
                     JOIN links l ON l.id = a.object_id
                    WHERE l.name = 'pw2' AND a.action = 'update' AND a.id > (SELECT mark FROM audit_mark)$$,
    $$VALUES ('2', '2147483647')$$,
    'link pw2: only the UPDATE of failed_attempts by hand wrote an update row (not its wrong passwords or its view)');
SELECT is(pg_temp.open('mv1'), 'expired', 'mv1 has had its one view');
UPDATE share_acl.link SET view_count = 0 WHERE id = (SELECT id FROM links WHERE name = 'mv1');
SELECT results_eq($$SELECT a.action, a.old ->> 'view_count', a.new ->> 'view_count', a.actor_id IS NULL
                     FROM share_acl.audit_log a JOIN links l ON l.id = a.object_id
                    WHERE l.name = 'mv1' AND a.action = 'update' AND a.id > (SELECT mark FROM audit_mark)$$,
    $$VALUES ('update', '1', '0', true)$$,
    'an UPDATE that gives a used-up max_views link its views back is in the audit log');
SELECT throws_ok($$SELECT share_acl._link_count_views((SELECT id FROM links WHERE name = 'plain'), 0, now(), NULL)$$,
    '22023', NULL, '_link_count_views only ever adds views');
SELECT results_eq($$SELECT ok FROM share_acl.audit_verify('53000000-0000-0000-0000-000000000001')$$,
    $$VALUES (true)$$, 'the workspace''s chain, with the rows its attempts sealed, verifies');

SELECT * FROM finish();

DELETE FROM share_acl.workspace WHERE id IN ('53000000-0000-0000-0000-000000000001',
                                             '53000000-0000-0000-0000-000000000002');
DELETE FROM share_acl.principal WHERE id = '53000000-0000-0000-0001-000000000001';
