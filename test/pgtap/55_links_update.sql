-- pgTAP: update_link — a link changed in place, its token kept: expiry,
-- password, label.  Narrowing (an earlier expiry, a password on a link
-- without one, a label) needs what revoke_link needs; a later expiry or none,
-- a password removed or replaced, what create_link needs now (share, no
-- escalation, allow_external_sharing, require_link_password); a revoked link
-- stays revoked; a password change forgets the lockout; an attempt checked
-- against a replaced password is wrong and uncounted; the audit row.
--
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids,
-- pg_temp.tok(name) the tokens (kept in a temporary table of the test only).
BEGIN;
SELECT plan(47);
-- passwords appear as literals below: keep the statement text out of the
-- server log (and the link functions from warning about it)
SET LOCAL log_min_error_statement = panic;

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE TEMP TABLE toks (name text PRIMARY KEY, token text NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.tok(text) RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT token FROM toks WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
CREATE FUNCTION pg_temp.mk(name text, t text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO toks VALUES (name, t);
    INSERT INTO ids VALUES (name, share_acl.link_id(t));
$$;
CREATE FUNCTION pg_temp.open(t text, pw text DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
    SELECT o.status INTO s FROM share_acl.open_link(t, pw) o;
    PERFORM share_acl._set_link_context(NULL);
    RETURN s;
END $$;
CREATE FUNCTION pg_temp.expiry(text) RETURNS timestamptz LANGUAGE sql STABLE
    AS $$ SELECT expires_at FROM share_acl.link WHERE id = pg_temp.id($1) $$;

-- alice owns ws; carol member with an editor share on P (share by R11: she
-- makes links); gina guest with a viewer share on P; dave member without
-- access to P
INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t55.test')),
    ('carol', share_acl.create_user('carol@t55.test')),
    ('dave',  share_acl.create_user('dave@t55.test')),
    ('gina',  share_acl.create_user('gina@t55.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t55', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('dave'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('gina'), 'guest');
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('s_carol', share_acl.share(pg_temp.id('P'), pg_temp.id('carol'), 'editor'));
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('gina'), 'viewer');
SELECT pg_temp.mk('day', share_acl.create_link(pg_temp.id('P'), expires_at => now() + interval '1 day',
                                               label => 'review cut'));
SELECT pg_temp.mk('pw', share_acl.create_link(pg_temp.id('P'), password => 'first secret 55'));
SELECT pg_temp.act('carol');
SELECT pg_temp.mk('carols', share_acl.create_link(pg_temp.id('P'), perms => 'commenter',
                                                  expires_at => now() + interval '2 days'));

-- ------------------------------------------------------------------ expiry
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.update_link(pg_temp.id('day'), expires_at => now() + interval '30 days')$$,
    'update_link: the owner extends a link');
SELECT is(pg_temp.expiry('day'), now() + interval '30 days', '... its expires_at is the new one');
SELECT is(pg_temp.open(pg_temp.tok('day')), 'ok', '... and the same token opens it');
SELECT lives_ok($$SELECT share_acl.update_link(pg_temp.id('day'), expires_at => 'infinity')$$,
    'update_link: infinity removes the expiry');
SELECT is(pg_temp.expiry('day'), NULL, '... stored as no expiry (NULL)');
SELECT lives_ok($$SELECT share_acl.update_link(pg_temp.id('day'), expires_at => now() + interval '2 hours')$$,
    'update_link: an expiry on a link without one');
SELECT throws_ok($$SELECT share_acl.update_link(pg_temp.id('day'), expires_at => now() - interval '1 minute')$$,
    '22023', NULL, 'update_link: an expiry in the past is refused (revoke_link ends a link now)');
SELECT throws_ok($$SELECT share_acl.update_link(pg_temp.id('day'), expires_at => '-infinity')$$,
    '22023', NULL, 'update_link: -infinity is refused');
SELECT pg_temp.mk('later', share_acl.create_link(pg_temp.id('P'), not_before => now() + interval '3 days',
                                                 expires_at => now() + interval '5 days'));
SELECT throws_ok($$SELECT share_acl.update_link(pg_temp.id('later'), expires_at => now() + interval '2 days')$$,
    '22023', NULL, 'update_link: an expiry before the link''s not_before is refused');

-- ------------------------------------------------------------------ password
SELECT lives_ok($$SELECT share_acl.update_link(pg_temp.id('day'), password => 'added later 55')$$,
    'update_link: a password on a link without one');
SELECT is(pg_temp.open(pg_temp.tok('day')), 'password_required', '... it then asks for it');
SELECT is(pg_temp.open(pg_temp.tok('day'), 'added later 55'), 'ok', '... and opens with it');
SELECT is(pg_temp.open(pg_temp.tok('pw'), 'first secret 55'), 'ok', 'before: pw opens with its first password');
SELECT lives_ok($$SELECT share_acl.update_link(pg_temp.id('pw'), password => 'second secret 55')$$,
    'update_link: a password replaced');
SELECT is(pg_temp.open(pg_temp.tok('pw'), 'first secret 55'), 'wrong_password', '... the old one is wrong');
SELECT is(pg_temp.open(pg_temp.tok('pw'), 'second secret 55'), 'ok', '... the new one opens it');
SELECT lives_ok($$SELECT share_acl.update_link(pg_temp.id('pw'), remove_password => true)$$,
    'update_link: the password removed');
SELECT is(pg_temp.open(pg_temp.tok('pw')), 'ok', '... it opens without one');
SELECT throws_ok($$SELECT share_acl.update_link(pg_temp.id('pw'), password => 'x', remove_password => true)$$,
    '22023', 'update_link: a new password and remove_password exclude each other',
    'update_link: a password and its removal at once are refused');
SELECT throws_ok($$SELECT share_acl.update_link(pg_temp.id('pw'), password => '')$$,
    '22023', 'update_link: a link password has 1 to 1024 bytes', 'update_link: an empty password is refused');
-- a new password forgets the lockout
SELECT share_acl.update_link(pg_temp.id('pw'), password => 'third secret 55');
SELECT count(pg_temp.open(pg_temp.tok('pw'), 'guess ' || i)) FROM generate_series(1, 10) i;
SELECT is(pg_temp.open(pg_temp.tok('pw'), 'third secret 55'), 'locked', 'ten wrong passwords lock the link');
SELECT lives_ok($$SELECT share_acl.update_link(pg_temp.id('pw'), password => 'fourth secret 55')$$,
    'update_link: the owner sets a new password');
SELECT is(pg_temp.open(pg_temp.tok('pw'), 'fourth secret 55'), 'ok', '... which opens the link: its lockout is forgotten');

-- an attempt whose password was checked against a hash the link no longer
-- has (replaced while the attempt waited for the link's row): wrong, and not
-- counted; against the hash it has: counted as always
SELECT is(share_acl._link_record_attempt(pg_temp.id('pw'), true, NULL, pg_temp.id('alice'), 'tester',
                                         'SCRAM-SHA-256$4096:c3RhbGU=$c3RhbGU=:c3RhbGU='),
    'wrong_password', 'an attempt judged against a replaced password hash is wrong_password, even when that one matched');
SELECT is((SELECT count(*)::int FROM share_acl.link_failed_attempt WHERE link_id = pg_temp.id('pw')), 0,
    '... and is not counted toward the lockout');
SELECT is(share_acl._link_record_attempt(pg_temp.id('pw'), false, NULL, pg_temp.id('alice'), 'tester',
                                         (SELECT password_hash FROM share_acl.link WHERE id = pg_temp.id('pw'))),
    'wrong_password', 'a wrong password against the hash the link has');
SELECT is((SELECT count(*)::int FROM share_acl.link_failed_attempt WHERE link_id = pg_temp.id('pw')), 1,
    '... is counted');

-- ------------------------------------------------------------------ label, input
SELECT lives_ok($$SELECT share_acl.update_link(pg_temp.id('day'), label => 'final cut')$$, 'update_link: a new label');
SELECT is((SELECT label FROM share_acl.link WHERE id = pg_temp.id('day')), 'final cut', '... kept');
SELECT throws_ok($$SELECT share_acl.update_link(pg_temp.id('day'))$$, '22023', 'update_link: nothing to change',
    'update_link: nothing to change is refused');
SELECT throws_ok($$SELECT share_acl.update_link(NULL, label => 'x')$$, '22004', NULL, 'update_link: NULL link');
SELECT throws_ok($$SELECT share_acl.update_link(gen_random_uuid(), label => 'x')$$, 'P0002', NULL,
    'update_link: an unknown link');

-- ------------------------------------------------------------------ who
SELECT pg_temp.act('dave');
SELECT throws_ok($$SELECT share_acl.update_link(pg_temp.id('day'), expires_at => now() + interval '1 hour')$$,
    '42501', format('permission denied: update_link requires "change_permissions" on the link''s resource or being the creator of link %s', pg_temp.id('day')),
    'update_link: refused to a member who is neither its creator nor holds change_permissions (the resource not named)');
-- the creator whose share was narrowed to viewer: may narrow, not extend
SELECT pg_temp.act('alice');
SELECT share_acl.update_share(pg_temp.id('s_carol'), 'viewer');
SELECT pg_temp.act('carol');
SELECT lives_ok($$SELECT share_acl.update_link(pg_temp.id('carols'), expires_at => now() + interval '1 day')$$,
    'update_link: its creator narrows its link (an earlier expiry) after its own rights shrank');
SELECT lives_ok($$SELECT share_acl.update_link(pg_temp.id('carols'), password => 'carols secret 55')$$,
    '... and puts a password on it');
SELECT throws_ok($$SELECT share_acl.update_link(pg_temp.id('carols'), expires_at => now() + interval '10 days')$$,
    '42501', NULL,
    'update_link: but extending it is a new grant: refused, its commenter link is more than its viewer rights now (R14)');
SELECT throws_ok($$SELECT share_acl.update_link(pg_temp.id('carols'), remove_password => true)$$,
    '42501', NULL, '... and so is removing its password');
-- policies, for the owner
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_external_sharing', 'false');
SELECT throws_ok($$SELECT share_acl.update_link(pg_temp.id('day'), expires_at => now() + interval '9 days')$$,
    '42501', 'permission denied: the workspace policy allow_external_sharing forbids extending share links',
    'allow_external_sharing off: extending a link is refused, naming the policy');
SELECT lives_ok($$SELECT share_acl.update_link(pg_temp.id('day'), expires_at => now() + interval '1 hour')$$,
    'allow_external_sharing off: narrowing it is not');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_external_sharing', 'true');
SELECT pg_temp.mk('bare', share_acl.create_link(pg_temp.id('P'), expires_at => now() + interval '1 day'));
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'require_link_password', 'true');
SELECT throws_ok($$SELECT share_acl.update_link(pg_temp.id('day'), remove_password => true)$$,
    '42501', 'permission denied: the workspace policy require_link_password requires a password for share links',
    'require_link_password: removing a link''s password is refused');
SELECT throws_ok($$SELECT share_acl.update_link(pg_temp.id('bare'), expires_at => 'infinity')$$,
    '42501', 'permission denied: the workspace policy require_link_password requires a password for share links',
    'require_link_password: a later expiry of a link without a password is refused');
SELECT lives_ok($$SELECT share_acl.update_link(pg_temp.id('bare'), expires_at => now() + interval '1 hour')$$,
    'require_link_password: an earlier one is not');
SELECT lives_ok($$SELECT share_acl.update_link(pg_temp.id('bare'), expires_at => now() + interval '9 days',
                                              password => 'bare secret 55')$$,
    'require_link_password: a later expiry with a password given is not');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'require_link_password', 'false');
-- revoked stays revoked
SELECT share_acl.revoke_link(pg_temp.id('later'));
SELECT throws_ok($$SELECT share_acl.update_link(pg_temp.id('later'), expires_at => 'infinity')$$,
    '55000', format('link %s is revoked', pg_temp.id('later')), 'update_link: a revoked link is refused');

-- ------------------------------------------------------------------ audit
SELECT is((SELECT count(*)::int FROM share_acl._audit_staged_rows() s
            WHERE s.object_type = 'link' AND s.action = 'update' AND s.object_id = pg_temp.id('pw')
              AND s.actor_id = pg_temp.id('alice') AND s.new ? 'has_password' AND NOT (s.new ? 'password_hash')),
    4, 'audit: each of the four password changes of pw is an update row by its actor, without the hash');
SELECT is((SELECT count(*)::int FROM share_acl._audit_staged_rows() s
            WHERE s.object_type = 'link' AND s.action = 'update' AND s.object_id = pg_temp.id('pw')
              AND s.old ->> 'password_version' IS DISTINCT FROM s.new ->> 'password_version'),
    4, 'audit: each password change shows as a new password_version (a digest of the salted hash)');
SELECT is((SELECT count(*)::int FROM share_acl._audit_staged_rows() s
            WHERE s.object_type = 'link' AND s.action = 'update' AND s.object_id = pg_temp.id('day')
              AND s.new ->> 'label' = 'final cut' AND s.old ->> 'label' IS DISTINCT FROM 'final cut'
              AND s.old ->> 'password_version' = s.new ->> 'password_version'),
    1, 'audit: a label change keeps it');

SELECT * FROM finish();
ROLLBACK;
