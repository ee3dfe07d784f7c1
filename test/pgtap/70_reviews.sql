-- pgTAP: review requests (SPEC §8): request_review, submit_review,
-- cancel_review, review_status; the reviewers' grant through the engine
-- (has_access, explain_access rule "review", who_has_access), no
-- escalation, the allow_external_sharing policy, and the audit rows.
--
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids.
BEGIN;
SELECT plan(104);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;

-- alice owns ws; bob member; carol member (a reviewer); dave in team crew;
-- gina guest; olga a user without a role; ws2 another workspace
INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t70.test')),
    ('bob',   share_acl.create_user('bob@t70.test')),
    ('carol', share_acl.create_user('carol@t70.test')),
    ('dave',  share_acl.create_user('dave@t70.test')),
    ('gina',  share_acl.create_user('gina@t70.test')),
    ('olga',  share_acl.create_user('olga@t70.test')),
    ('vera',  share_acl.create_user('vera@t70.test'));
INSERT INTO ids VALUES ('ws',  share_acl.create_workspace('t70', pg_temp.id('alice')));
INSERT INTO ids VALUES ('ws2', share_acl.create_workspace('t70 other', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bob'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('dave'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('gina'), 'guest');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('vera'), 'viewer');
INSERT INTO ids VALUES ('crew',  share_acl.create_team(pg_temp.id('ws'), 'Crew'));
INSERT INTO ids VALUES ('crew2', share_acl.create_team(pg_temp.id('ws2'), 'Other crew'));
SELECT share_acl.add_team_member(pg_temp.id('crew'), pg_temp.id('dave'));

SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO ids VALUES ('B', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));

-- ------------------------------------------------------------ request_review
SELECT ok(NOT share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'view'),
    'before: carol does not see the private asset');
SELECT lives_ok($$INSERT INTO ids VALUES ('r1', share_acl.request_review(pg_temp.id('A'),
                    ARRAY[pg_temp.id('carol'), pg_temp.id('crew')], now() + interval '2 days', 'cut 3, please'))$$,
    'request_review: the owner asks carol and the crew');
SELECT results_eq(
    $$SELECT resource_id, requested_by, instructions, close_at_due, perms::text, closed_at
        FROM share_acl.review WHERE id = pg_temp.id('r1')$$,
    $$SELECT pg_temp.id('A'), pg_temp.id('alice'), 'cut 3, please'::text, false,
             'commenter,approve'::share_acl.permset::text, NULL::timestamptz$$,
    'request_review: the review row, with the grant commenter and approve');
SELECT set_eq($$SELECT reviewer_id FROM share_acl.review_reviewer WHERE review_id = pg_temp.id('r1') AND active$$,
    $$VALUES (pg_temp.id('carol')), (pg_temp.id('crew'))$$, 'request_review: one active row per reviewer');
SELECT ok(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'view,comment,approve'),
    'open review: carol views, comments and approves the asset');
SELECT ok(NOT share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'edit'),
    'open review: but does not edit it');
SELECT ok(NOT share_acl.has_access(pg_temp.id('carol'), pg_temp.id('B'), 'view'),
    'open review: nor see the asset next to it');
SELECT ok(share_acl.has_access(pg_temp.id('dave'), pg_temp.id('A'), 'view,approve'),
    'open review: a member of a reviewing team holds the grant too');
SELECT ok(EXISTS (SELECT 1 FROM share_acl.explain_access(pg_temp.id('carol'), pg_temp.id('A'), 'approve') x
                   WHERE x.rule = 'review'),
    'explain_access: the grant is its own rule line, "review"');
SELECT ok(EXISTS (SELECT 1 FROM share_acl.who_has_access(pg_temp.id('A')) w WHERE w.principal = pg_temp.id('carol')),
    'who_has_access lists the reviewer');

-- refusals and bad input
SELECT pg_temp.act('bob');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('A'), ARRAY[pg_temp.id('carol')])$$,
    '42501', NULL, 'request_review: refused without share on the resource');
SELECT pg_temp.act('alice');
SELECT throws_ok($$SELECT share_acl.request_review(NULL, ARRAY[pg_temp.id('carol')])$$,
    '22004', NULL, 'request_review: NULL resource');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('A'), ARRAY[NULL::uuid])$$,
    '22004', NULL, 'request_review: a NULL reviewer');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('A'), '{}')$$,
    '22023', NULL, 'request_review: no reviewer');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('A'), ARRAY[[pg_temp.id('carol')]])$$,
    '2202E', 'request_review: reviewers and reviewer_emails must be one-dimensional arrays',
    'request_review: a two-dimensional array of reviewers is refused, said so');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('A'), '{}', reviewer_emails => '{{a@t70.test},{b@t70.test}}')$$,
    '2202E', NULL, 'request_review: a two-dimensional array of e-mails too');
SELECT throws_ok($$SELECT share_acl.request_review(gen_random_uuid(), ARRAY[pg_temp.id('carol')])$$,
    'P0002', NULL, 'request_review: unknown resource');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('A'), ARRAY[gen_random_uuid()])$$,
    'P0002', NULL, 'request_review: unknown reviewer');
SELECT throws_ok(format($$SELECT share_acl.request_review(%L, ARRAY[%L::uuid])$$, pg_temp.id('A'), pg_temp.id('vera')),
    '22023', format('request_review: reviewer %s has the viewer role in the workspace, which cannot approve', pg_temp.id('vera')),
    'request_review: a reviewer with the viewer role (capped: no approve, R9) is refused, not left unable to decide');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('A'), ARRAY[pg_temp.id('carol'), pg_temp.id('alice')])$$,
    '22023', 'request_review: the requester cannot be a reviewer of its own request',
    'request_review: the requester among the reviewers is refused (it would keep access while the review is open)');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('A'), ARRAY[pg_temp.id('carol')], now() - interval '1 hour')$$,
    '22023', NULL, 'request_review: a due time in the past');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('A'), ARRAY[pg_temp.id('carol')], close_at_due => true)$$,
    '22023', NULL, 'request_review: close_at_due without a due time');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('A'), ARRAY[pg_temp.id('crew2')])$$,
    '22023', NULL, 'request_review: a team of another workspace');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('A'), ARRAY[pg_temp.id('carol')], NULL, repeat('x', 10001))$$,
    '22023', NULL, 'request_review: instructions too long');

-- no escalation: a requester without approve gives commenter only
SELECT share_acl.share(pg_temp.id('B'), pg_temp.id('bob'), 'viewer,comment,share', allow_approval => false);
SELECT pg_temp.act('bob');
SELECT lives_ok($$INSERT INTO ids VALUES ('r2', share_acl.request_review(pg_temp.id('B'), ARRAY[pg_temp.id('olga')]))$$,
    'request_review: bob (share, no approve) asks olga');
SELECT is((SELECT perms::text FROM share_acl.review WHERE id = pg_temp.id('r2')),
    'view,view_details,react,comment'::share_acl.permset::text,
    'no escalation: the grant is what bob holds of commenter and approve');
SELECT ok(NOT share_acl.has_access(pg_temp.id('olga'), pg_temp.id('B'), 'approve'),
    'no escalation: olga cannot approve');
SELECT ok(share_acl.has_access(pg_temp.id('olga'), pg_temp.id('B'), 'comment'),
    'but olga comments');
-- a requester without view would have its reviewers told of what they may
-- not see (and the instructions), in a review none of them could decide
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('C', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
SELECT share_acl.share(pg_temp.id('C'), pg_temp.id('bob'), 'comment,share');
SELECT pg_temp.act('bob');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('C'), ARRAY[pg_temp.id('carol')], NULL, 'cut 3')$$,
    '22023', 'request_review: the reviewers would not get view on the resource',
    'request_review: refused when the reviewers would not see the resource (the requester holds no view)');
SELECT ok(NOT EXISTS (SELECT 1 FROM share_acl.notification n
                       WHERE n.recipient_id = pg_temp.id('carol') AND n.resource_id = pg_temp.id('C')),
    'and carol is told nothing of it');

-- the workspace policy on outsiders and e-mail reviewers
SELECT pg_temp.act('alice');
SELECT lives_ok($$INSERT INTO ids VALUES ('r3', share_acl.request_review(pg_temp.id('B'), '{}',
                    reviewer_emails => ARRAY['Rita@T70.test', 'carol@t70.test']))$$,
    'request_review by e-mail: an unknown address and a known one');
SELECT is((SELECT p.kind::text || ' ' || m.role::text FROM share_acl.principal p
             JOIN share_acl.member m ON m.principal_id = p.id AND m.workspace_id = pg_temp.id('ws')
            WHERE lower(p.email) = 'rita@t70.test'),
    'external guest', 'request_review by e-mail: an unknown address becomes an external guest');
SELECT is((SELECT count(*)::int FROM share_acl.review_reviewer WHERE review_id = pg_temp.id('r3')), 2,
    'request_review by e-mail: a known address is that principal');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_external_sharing', 'false');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('B'), ARRAY[pg_temp.id('olga')])$$,
    '42501', NULL, 'allow_external_sharing off: a reviewer without a role is refused');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('B'), '{}', reviewer_emails => ARRAY['nobody@t70.test'])$$,
    '42501', NULL, 'allow_external_sharing off: an unknown e-mail is refused');
SELECT pg_temp.act('bob');
SELECT throws_ok($$SELECT share_acl.request_review(pg_temp.id('C'), ARRAY[pg_temp.id('olga')])$$,
    '42501', NULL, 'allow_external_sharing off: an outsider is refused with the policy''s 42501 before the reviewers'' missing view is');
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.request_review(pg_temp.id('B'), ARRAY[pg_temp.id('gina')])$$,
    'allow_external_sharing off: a guest of the workspace may review');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_external_sharing', 'true');

-- ------------------------------------------------------------- submit_review
SELECT pg_temp.act('bob');
SELECT throws_ok($$SELECT share_acl.submit_review(pg_temp.id('r1'), 'approved')$$,
    '42501', NULL, 'submit_review: refused to someone who is not a reviewer');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.submit_review(pg_temp.id('r1'), 'maybe')$$,
    '22023', NULL, 'submit_review: an unknown decision');
SELECT throws_ok($$SELECT share_acl.submit_review(NULL, 'approved')$$,
    '22004', NULL, 'submit_review: NULL review');
SELECT throws_ok($$SELECT share_acl.submit_review(gen_random_uuid(), 'approved')$$,
    'P0002', NULL, 'submit_review: unknown review');
SELECT lives_ok($$SELECT share_acl.submit_review(pg_temp.id('r1'), 'needs_changes', 'the sound drops at 0:42')$$,
    'submit_review: carol asks for changes');
SELECT lives_ok($$SELECT share_acl.submit_review(pg_temp.id('r1'), 'approved', 'fixed, thanks')$$,
    'submit_review: and changes her decision while the review is open');
SELECT results_eq(
    $$SELECT decision, note, decided_by FROM share_acl.review_reviewer
       WHERE review_id = pg_temp.id('r1') AND reviewer_id = pg_temp.id('carol')$$,
    $$VALUES ('approved'::text, 'fixed, thanks'::text, pg_temp.id('carol'))$$,
    'submit_review: the last decision counts');
SELECT ok((SELECT decided_at > now() FROM share_acl.review_reviewer
            WHERE review_id = pg_temp.id('r1') AND reviewer_id = pg_temp.id('carol')),
    'submit_review: dated at the deciding statement, not at the start of its transaction (which may precede the request)');
SELECT is((SELECT DISTINCT state FROM share_acl.review_status WHERE review_id = pg_temp.id('r1')), 'pending',
    'review_status: pending while the crew has not decided');
SELECT ok(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'view'),
    'carol keeps the grant while the review is open');
SELECT pg_temp.act('olga');
SELECT throws_ok($$SELECT share_acl.submit_review(pg_temp.id('r2'), 'approved')$$,
    '42501', NULL, 'submit_review: refused to a reviewer without approve on the resource');
SELECT pg_temp.act('dave');
SELECT lives_ok($$SELECT share_acl.submit_review(pg_temp.id('r1'), 'approved')$$,
    'submit_review: dave decides for the crew');
SELECT results_eq(
    $$SELECT decision, decided_by FROM share_acl.review_reviewer
       WHERE review_id = pg_temp.id('r1') AND reviewer_id = pg_temp.id('crew')$$,
    $$VALUES ('approved'::text, pg_temp.id('dave'))$$,
    'submit_review: the team''s row holds the decision, and who took it');
SELECT isnt((SELECT closed_at FROM share_acl.review WHERE id = pg_temp.id('r1')), NULL,
    'every reviewer decided: the review is closed');
SELECT is((SELECT count(*)::int FROM share_acl.review_reviewer WHERE review_id = pg_temp.id('r1') AND active), 0,
    'closed: no reviewer row is active');
SELECT ok(NOT share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'view'),
    'closed: carol lost the grant');
SELECT ok(NOT share_acl.has_access(pg_temp.id('dave'), pg_temp.id('A'), 'view'),
    'closed: the crew lost the grant');
SELECT ok(NOT EXISTS (SELECT 1 FROM share_acl.explain_access(pg_temp.id('carol'), pg_temp.id('A'), 'view') x
                       WHERE x.rule = 'review'),
    'closed: explain_access has no review line');
SELECT throws_ok($$SELECT share_acl.submit_review(pg_temp.id('r1'), 'needs_changes')$$,
    '55000', NULL, 'submit_review: a closed review takes no decision');

-- ------------------------------------------------------------- review_status
SELECT pg_temp.act('alice');
SELECT is((SELECT DISTINCT state FROM share_acl.review_status WHERE review_id = pg_temp.id('r1')), 'approved',
    'review_status: approved when every reviewer approved');
SELECT set_eq($$SELECT reviewer_id, decision FROM share_acl.review_status WHERE review_id = pg_temp.id('r1')$$,
    $$VALUES (pg_temp.id('carol'), 'approved'::text), (pg_temp.id('crew'), 'approved'::text)$$,
    'review_status: each reviewer''s decision (SPEC §2 columns)');
SELECT pg_temp.act('olga');
SELECT is((SELECT count(*)::int FROM share_acl.review_status WHERE review_id = pg_temp.id('r1')), 0,
    'review_status: no row for someone who cannot view the resource');

-- ------------------------------------------------------------- cancel_review
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('r4', share_acl.request_review(pg_temp.id('A'), ARRAY[pg_temp.id('carol')]));
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.cancel_review(pg_temp.id('r4'))$$,
    '42501', NULL, 'cancel_review: refused to a reviewer');
SELECT pg_temp.act('olga');
SELECT throws_ok($$SELECT share_acl.cancel_review(pg_temp.id('r4'))$$, '42501',
    format('permission denied: cancel_review requires "change_permissions" on the resource or being the requester of review %s',
           pg_temp.id('r4')),
    'cancel_review by a principal who cannot view the resource: refused without naming the resource');
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.cancel_review(pg_temp.id('r4'))$$, 'cancel_review: by its requester');
SELECT is((SELECT DISTINCT state FROM share_acl.review_status WHERE review_id = pg_temp.id('r4')), 'cancelled',
    'review_status: cancelled');
SELECT ok(NOT share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'view'),
    'cancelled: the reviewer lost the grant');
SELECT throws_ok($$SELECT share_acl.cancel_review(pg_temp.id('r4'))$$,
    '55000', NULL, 'cancel_review: not twice');

-- due time: with close_at_due the grant ends at it; overdue otherwise
INSERT INTO ids VALUES ('r5', share_acl.request_review(pg_temp.id('A'), ARRAY[pg_temp.id('carol')],
                                                       now() + interval '1 hour', close_at_due => true));
SELECT ok(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'approve'), 'close_at_due: open before the due time');
RESET share_acl.principal;
-- (an administrator's UPDATE of the due time: the reviewers' grant ends
-- with it, as review_status and submit_review read it)
UPDATE share_acl.review SET due_at = now() - interval '1 second' WHERE id = pg_temp.id('r5');
SELECT is((SELECT array_agg(DISTINCT expires_at) FROM share_acl.review_reviewer WHERE review_id = pg_temp.id('r5')),
    ARRAY[now() - interval '1 second'], 'close_at_due: the reviewers'' grant ends at the due time an administrator set');
SELECT ok(NOT share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'view'),
    'close_at_due: past the due time the grant is gone');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.submit_review(pg_temp.id('r5'), 'approved')$$,
    '55000', NULL, 'close_at_due: past the due time the review takes no decision');
SELECT pg_temp.act('alice');
SELECT is((SELECT DISTINCT state || ' ' || (closed_at = due_at) || ' ' || close_at_due
              FROM share_acl.review_status WHERE review_id = pg_temp.id('r5')), 'closed true true',
    'review_status: closed at its due time (close_at_due), not overdue');
-- without close_at_due: overdue, still open, still taking decisions
INSERT INTO ids VALUES ('r5b', share_acl.request_review(pg_temp.id('A'), ARRAY[pg_temp.id('carol')],
                                                       now() + interval '1 hour'));
RESET share_acl.principal;
UPDATE share_acl.review SET due_at = now() - interval '1 second' WHERE id = pg_temp.id('r5b');
SELECT is((SELECT count(*) FROM share_acl.review_reviewer WHERE review_id = pg_temp.id('r5b') AND expires_at IS NULL),
    1::bigint, 'without close_at_due the reviewers'' grant has no end time');
UPDATE share_acl.review SET close_at_due = true, due_at = now() + interval '3 hours' WHERE id = pg_temp.id('r5b');
INSERT INTO share_acl.review_reviewer (review_id, reviewer_id, resource_id, perms)
SELECT pg_temp.id('r5b'), pg_temp.id('bob'), pg_temp.id('A'), 'commenter';
SELECT is((SELECT array_agg(expires_at ORDER BY reviewer_id) FROM share_acl.review_reviewer WHERE review_id = pg_temp.id('r5b')),
    ARRAY[now() + interval '3 hours', now() + interval '3 hours'],
    'close_at_due turned on by an administrator: the grant ends at the due time, also a reviewer row inserted without one');
DELETE FROM share_acl.review_reviewer WHERE review_id = pg_temp.id('r5b') AND reviewer_id = pg_temp.id('bob');
UPDATE share_acl.review SET close_at_due = false, due_at = now() - interval '1 second' WHERE id = pg_temp.id('r5b');
SELECT pg_temp.act('alice');
SELECT is((SELECT DISTINCT state || ' ' || (closed_at IS NULL) || ' ' || close_at_due
             FROM share_acl.review_status WHERE review_id = pg_temp.id('r5b')), 'overdue true false',
    'review_status: overdue past the due time with a decision missing, still open');
SELECT pg_temp.act('carol');
SELECT lives_ok($$SELECT share_acl.submit_review(pg_temp.id('r5b'), 'approved')$$,
    'an overdue review still takes a decision');
SELECT pg_temp.act('alice');
SELECT is((SELECT DISTINCT state FROM share_acl.review_status WHERE review_id = pg_temp.id('r5b')), 'approved',
    'review_status: approved once decided, also after the due time');

-- ------------------------------------------- no escalation through structure
-- olga reviews project S (open review); carol may move asset M (editor
-- without approve) and upload into S: moving M into S would give olga
-- approve on M, which carol does not hold there (R14)
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('S', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('M', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO ids VALUES ('r6', share_acl.request_review(pg_temp.id('S'), ARRAY[pg_temp.id('olga')]));
SELECT share_acl.share(pg_temp.id('M'), pg_temp.id('carol'), 'editor,move', allow_approval => false);
SELECT share_acl.share(pg_temp.id('S'), pg_temp.id('carol'), 'viewer,upload', allow_approval => false);
SELECT pg_temp.act('carol');
SELECT throws_like($$SELECT share_acl.move_resource(pg_temp.id('M'), pg_temp.id('S'))$$,
    '%approve%', 'R14: a move that would give a reviewer approve the mover lacks is refused');
SELECT ok(NOT share_acl.has_access(pg_temp.id('olga'), pg_temp.id('M'), 'view'),
    'R14: and the reviewer gained nothing');

-- --------------------------------------------------------------- audit trail
SELECT cmp_ok((SELECT count(*)::int FROM share_acl._audit_staged_rows() s
                WHERE s.object_type IN ('review', 'review_reviewer')), '>', 0,
    'audit: review and reviewer changes are staged for the audit log');
SELECT is((SELECT count(*)::int FROM share_acl._audit_staged_rows() s
            WHERE s.object_type = 'review_reviewer' AND s.action = 'update'
              AND s.new->>'decision' = 'needs_changes' AND s.actor_id = pg_temp.id('carol')), 1,
    'audit: carol''s first decision has its row, with her as the actor');
SELECT is((SELECT count(*)::int FROM share_acl._audit_staged_rows() s
            WHERE s.object_type = 'review' AND s.action = 'insert'
              AND s.workspace_id = pg_temp.id('ws')), 8,
    'audit: each review request has its row in the workspace''s chain');

-- ------------------------------------------- a reviewing team nested deep
-- (the engine reads teams at any depth; so does the reviewer row of a
-- decision: a member of a team 80 levels below the reviewing one decides)
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('deep', share_acl.create_user('deep@t70.test'));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('deep'), 'member');
INSERT INTO ids SELECT 'team' || i, share_acl.create_team(pg_temp.id('ws'), 'Team ' || i) FROM generate_series(1, 80) i;
SELECT share_acl.add_team_member(pg_temp.id('team1'), pg_temp.id('deep'));
SELECT count(share_acl.add_team_member(pg_temp.id('team' || (i + 1)), pg_temp.id('team' || i))) FROM generate_series(1, 79) i;
INSERT INTO ids VALUES ('r7', share_acl.request_review(pg_temp.id('B'), ARRAY[pg_temp.id('team80')]));
SELECT pg_temp.act('deep');
SELECT lives_ok($$SELECT share_acl.submit_review(pg_temp.id('r7'), 'approved')$$,
    'submit_review: a member of a team 80 levels below the reviewing team decides for it');
SELECT is((SELECT decided_by FROM share_acl.review_reviewer WHERE review_id = pg_temp.id('r7') AND reviewer_id = pg_temp.id('team80')),
    pg_temp.id('deep'), 'submit_review: the reviewing team''s row says who decided');

-- ------------------------------------------- a reviewer's account deleted
-- (by an administrator: a review whose last undecided reviewer it was is
-- decided by those left, as submit_review closes it; one left with no
-- reviewer is cancelled; either way its reviewers lose its grant)
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('quinn', share_acl.create_user('quinn@t70.test')),
                       ('rhea', share_acl.create_user('rhea@t70.test'));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('quinn'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('rhea'), 'member');
INSERT INTO ids VALUES ('r8', share_acl.request_review(pg_temp.id('A'), ARRAY[pg_temp.id('carol'), pg_temp.id('quinn')]));
INSERT INTO ids VALUES ('r9', share_acl.request_review(pg_temp.id('A'), ARRAY[pg_temp.id('rhea')]));
SELECT pg_temp.act('carol');
SELECT share_acl.submit_review(pg_temp.id('r8'), 'approved');
RESET share_acl.principal;
DELETE FROM share_acl.principal WHERE id IN (pg_temp.id('quinn'), pg_temp.id('rhea'));
SELECT results_eq($$SELECT closed_at IS NOT NULL, cancelled_at IS NULL FROM share_acl.review WHERE id = pg_temp.id('r8')$$,
    $$VALUES (true, true)$$, 'a deleted reviewer: the review its decision was missing from closes, decided');
SELECT is((SELECT state FROM share_acl.review_status WHERE review_id = pg_temp.id('r8') LIMIT 1), 'approved',
    'a deleted reviewer: the review is approved by those left');
SELECT ok(NOT EXISTS (SELECT FROM share_acl.review_reviewer WHERE review_id = pg_temp.id('r8') AND active),
    'a deleted reviewer: the others lose the review''s grant');
SELECT results_eq($$SELECT closed_at IS NOT NULL, cancelled_at IS NOT NULL FROM share_acl.review WHERE id = pg_temp.id('r9')$$,
    $$VALUES (true, true)$$, 'a deleted reviewer: a review left with no reviewer is cancelled');

-- ------------------------------------------- one person, several reviewer rows
-- (asked by name and through a team it alone is in, or the one member of two
-- reviewing teams: one decision decides every row it stands for, else a row
-- only it may decide stays open, and the review with it)
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('solo', share_acl.create_team(pg_temp.id('ws'), 'Solo')),
                       ('solo2', share_acl.create_team(pg_temp.id('ws'), 'Solo 2'));
SELECT share_acl.add_team_member(pg_temp.id('solo'), pg_temp.id('bob'));
SELECT share_acl.add_team_member(pg_temp.id('solo2'), pg_temp.id('bob'));
INSERT INTO ids VALUES ('r10', share_acl.request_review(pg_temp.id('B'), ARRAY[pg_temp.id('bob'), pg_temp.id('solo')])),
                       ('r11', share_acl.request_review(pg_temp.id('B'), ARRAY[pg_temp.id('solo'), pg_temp.id('solo2')]));
SELECT pg_temp.act('bob');
SELECT share_acl.submit_review(pg_temp.id('r10'), 'approved');
SELECT share_acl.submit_review(pg_temp.id('r11'), 'needs_changes');
RESET share_acl.principal;
SELECT set_eq($$SELECT reviewer_id, decision, decided_by FROM share_acl.review_reviewer WHERE review_id = pg_temp.id('r10')$$,
    $$VALUES (pg_temp.id('bob'), 'approved', pg_temp.id('bob')), (pg_temp.id('solo'), 'approved', pg_temp.id('bob'))$$,
    'submit_review: a reviewer also asked through a team it is in decides both rows at once');
SELECT is((SELECT state FROM share_acl.review_status WHERE review_id = pg_temp.id('r10') LIMIT 1), 'approved',
    'submit_review: that review closes, approved');
SELECT set_eq($$SELECT reviewer_id, decision FROM share_acl.review_reviewer WHERE review_id = pg_temp.id('r11')$$,
    $$VALUES (pg_temp.id('solo'), 'needs_changes'), (pg_temp.id('solo2'), 'needs_changes')$$,
    'submit_review: the one member of two reviewing teams decides for both');
SELECT is((SELECT state FROM share_acl.review_status WHERE review_id = pg_temp.id('r11') LIMIT 1), 'needs_changes',
    'submit_review: that review closes too');
SELECT is((SELECT n.payload->'reviewer_ids' FROM share_acl.notification n
            WHERE n.recipient_id = pg_temp.id('alice') AND n.kind = 'review_decided'
              AND n.payload->>'review_id' = pg_temp.id('r10')::text),
    pg_catalog.jsonb_build_array(pg_temp.id('bob'), pg_temp.id('solo')),
    'review_decided: the requester is told every row decided, the caller''s own first');

-- ------------------------------------- a team nobody but the requester decides
-- (the requester cannot decide its own review: a team whose members, at any
-- depth, are the requester, viewers, or nobody, could never decide it, and the
-- requester in it would hold the grant past its own access; one with another
-- member is asked as any team)
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('me', share_acl.create_team(pg_temp.id('ws'), 'Just alice')),
                       ('around_me', share_acl.create_team(pg_temp.id('ws'), 'Around alice')),
                       ('empty', share_acl.create_team(pg_temp.id('ws'), 'Nobody yet')),
                       ('viewers', share_acl.create_team(pg_temp.id('ws'), 'Viewers')),
                       ('me_and_carol', share_acl.create_team(pg_temp.id('ws'), 'Alice and carol'));
SELECT share_acl.add_team_member(pg_temp.id('me'), pg_temp.id('alice'));
SELECT share_acl.add_team_member(pg_temp.id('around_me'), pg_temp.id('me'));
SELECT share_acl.add_team_member(pg_temp.id('viewers'), pg_temp.id('vera'));
SELECT share_acl.add_team_member(pg_temp.id('viewers'), pg_temp.id('alice'));
SELECT share_acl.add_team_member(pg_temp.id('me_and_carol'), pg_temp.id('alice'));
SELECT share_acl.add_team_member(pg_temp.id('me_and_carol'), pg_temp.id('carol'));
SELECT throws_ok(format($$SELECT share_acl.request_review(%L, ARRAY[%L::uuid])$$, pg_temp.id('B'), pg_temp.id('me')),
    '22023', format('request_review: nobody in team %s could decide the review', pg_temp.id('me')),
    'request_review: a team of the requester alone is refused, as the requester named itself');
SELECT throws_ok(format($$SELECT share_acl.request_review(%L, ARRAY[%L::uuid])$$, pg_temp.id('B'), pg_temp.id('around_me')),
    '22023', format('request_review: nobody in team %s could decide the review', pg_temp.id('around_me')),
    'request_review: so is a team holding only that team (members at any depth)');
SELECT throws_ok(format($$SELECT share_acl.request_review(%L, ARRAY[%L::uuid, %L::uuid])$$, pg_temp.id('B'), pg_temp.id('carol'), pg_temp.id('empty')),
    '22023', format('request_review: nobody in team %s could decide the review', pg_temp.id('empty')),
    'request_review: a team without members is refused, not left undecidable');
SELECT throws_ok(format($$SELECT share_acl.request_review(%L, ARRAY[%L::uuid])$$, pg_temp.id('B'), pg_temp.id('viewers')),
    '22023', format('request_review: nobody in team %s could decide the review', pg_temp.id('viewers')),
    'request_review: a team of the requester and viewers (no approve, R9) is refused');
SELECT lives_ok(format($$INSERT INTO ids VALUES ('r12', share_acl.request_review(%L, ARRAY[%L::uuid]))$$, pg_temp.id('B'), pg_temp.id('me_and_carol')),
    'request_review: a team of the requester and someone else is asked');
SELECT pg_temp.act('carol');
SELECT share_acl.submit_review(pg_temp.id('r12'), 'approved');
RESET share_acl.principal;
SELECT is((SELECT state FROM share_acl.review_status WHERE review_id = pg_temp.id('r12') LIMIT 1), 'approved',
    'submit_review: the other member decides it for the team');

-- a review closed at its due time (close_at_due) stays as it closed when an
-- undecided reviewer's account is deleted afterwards: not decided again by
-- those left, not moved to the time of the delete
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('guest2', share_acl.create_user('guest2@t70.test'));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('guest2'), 'member');
INSERT INTO ids VALUES ('r13', share_acl.request_review(pg_temp.id('A'), ARRAY[pg_temp.id('carol'), pg_temp.id('guest2')],
                                                        now() + interval '1 hour', close_at_due => true));
SELECT pg_temp.act('carol');
SELECT share_acl.submit_review(pg_temp.id('r13'), 'needs_changes');
RESET share_acl.principal;
UPDATE share_acl.review SET due_at = now() - interval '1 second' WHERE id = pg_temp.id('r13');
UPDATE share_acl.review_reviewer SET expires_at = now() - interval '1 second' WHERE review_id = pg_temp.id('r13');
SELECT is((SELECT DISTINCT state FROM share_acl.review_status WHERE review_id = pg_temp.id('r13')), 'closed',
    '(a review closed at its due time with a decision missing)');
DELETE FROM share_acl.principal WHERE id = pg_temp.id('guest2');
SELECT is((SELECT DISTINCT state || ' ' || (closed_at = due_at) FROM share_acl.review_status WHERE review_id = pg_temp.id('r13')),
    'closed true', 'a review closed at its due time stays closed at it when an undecided reviewer is deleted');
SELECT is((SELECT closed_at FROM share_acl.review WHERE id = pg_temp.id('r13')), NULL,
    '... its row is not written (not decided again by those left)');

-- while the workspace disables guest access, a guest or an outsider holds
-- nothing (R3) and could not decide: named, it is refused (its review would
-- stay open until cancelled); a team of guests only likewise
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'guest_access_enabled', 'false');
SELECT throws_ok(format($$SELECT share_acl.request_review(%L, ARRAY[%L::uuid])$$, pg_temp.id('B'), pg_temp.id('gina')),
    '22023', format('request_review: reviewer %s is a guest or has no role in the workspace, and the workspace disables guest access', pg_temp.id('gina')),
    'request_review: a guest while guest access is disabled is refused');
SELECT throws_ok(format($$SELECT share_acl.request_review(%L, ARRAY[%L::uuid])$$, pg_temp.id('B'), pg_temp.id('olga')),
    '22023', NULL, 'request_review: so is a principal without a role (an outsider, a guest by R2)');
INSERT INTO ids VALUES ('guests', share_acl.create_team(pg_temp.id('ws'), 'Guests only'));
SELECT share_acl.add_team_member(pg_temp.id('guests'), pg_temp.id('gina'));
SELECT throws_ok(format($$SELECT share_acl.request_review(%L, ARRAY[%L::uuid])$$, pg_temp.id('B'), pg_temp.id('guests')),
    '22023', format('request_review: nobody in team %s could decide the review', pg_temp.id('guests')),
    'request_review: a team of guests only while guest access is disabled is refused');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'guest_access_enabled', 'true');
SELECT lives_ok(format($$SELECT share_acl.request_review(%L, ARRAY[%L::uuid])$$, pg_temp.id('B'), pg_temp.id('guests')),
    'request_review: the same team once guest access is enabled again is asked');

SELECT * FROM finish();
ROLLBACK;
