-- pgTAP: share links and the workspace policies of SPEC §6
-- (allow_external_sharing, require_link_password, default_link_expiry, all
-- at creation only), who may create and revoke links, no escalation and
-- never share or above, bad input, the active_links view and
-- expiring_links, privileges, and that no token or password is kept in any
-- table or view of the extension.
--
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids,
-- pg_temp.tok(name) the tokens (kept in a temporary table of the test only).
BEGIN;
SELECT plan(79);
-- passwords appear as literals below: keep the statement text out of the
-- server log (and open_link and create_link from warning about it, which
-- 54_links_log_settings.sql tests)
SET LOCAL log_min_error_statement = panic;

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE TEMP TABLE toks (name text PRIMARY KEY, token text NOT NULL);
-- every token and password this file uses, to look for them afterwards
CREATE TEMP TABLE secrets (s text NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.tok(text) RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT token FROM toks WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
CREATE FUNCTION pg_temp.link_of(t text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(substring(decode(translate(t, '-_', '+/'), 'base64') FROM 6 FOR 16), 'hex')::uuid
$$;
-- create a link as the current principal, keep its token under a name
CREATE FUNCTION pg_temp.mk(name text, t text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO toks VALUES (name, t);
    INSERT INTO ids VALUES (name, pg_temp.link_of(t));
$$;
CREATE FUNCTION pg_temp.open(t text, pw text DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
    SELECT o.status INTO s FROM share_acl.open_link(t, pw) o;
    PERFORM share_acl._set_link_context(NULL);
    RETURN s;
END $$;

-- alice owns ws; bob admin with a manager share on P; carol member with a
-- viewer share on P (so share by R11); dave member with an editor share on
-- P; gina guest with a viewer share on P.
INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t52.test')),
    ('bob',   share_acl.create_user('bob@t52.test')),
    ('carol', share_acl.create_user('carol@t52.test')),
    ('dave',  share_acl.create_user('dave@t52.test')),
    ('gina',  share_acl.create_user('gina@t52.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t52', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bob'), 'admin');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('dave'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('gina'), 'guest');
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO ids VALUES ('Q', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('s_bob',   share_acl.share(pg_temp.id('P'), pg_temp.id('bob'), 'manager'));
INSERT INTO ids VALUES ('s_carol', share_acl.share(pg_temp.id('P'), pg_temp.id('carol'), 'viewer'));
INSERT INTO ids VALUES ('s_dave',  share_acl.share(pg_temp.id('P'), pg_temp.id('dave'), 'editor'));
INSERT INTO ids VALUES ('s_gina',  share_acl.share(pg_temp.id('P'), pg_temp.id('gina'), 'viewer'));
SELECT pg_temp.mk('base', share_acl.create_link(pg_temp.id('P')));
SELECT pg_temp.mk('onQ', share_acl.create_link(pg_temp.id('Q'), expires_at => now() + interval '1 day'));

-- ------------------------------------------------------------------ policies
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_external_sharing', 'false');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'))$$, '42501',
    'permission denied: the workspace policy allow_external_sharing forbids new share links',
    'allow_external_sharing off: a new link is refused, naming the policy');
SELECT is(pg_temp.open(pg_temp.tok('base')), 'ok', 'allow_external_sharing off: an existing link keeps working');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_external_sharing', 'true');

SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'require_link_password', 'true');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'))$$, '42501',
    'permission denied: the workspace policy require_link_password requires a password for new share links',
    'require_link_password: a link without a password is refused, naming the policy');
INSERT INTO secrets VALUES ('Policy-Pass-52');
SELECT lives_ok($$SELECT pg_temp.mk('withpw', share_acl.create_link(pg_temp.id('P'), password => 'Policy-Pass-52'))$$,
    'require_link_password: a link with a password is created');
SELECT is(pg_temp.open(pg_temp.tok('base')), 'ok', 'require_link_password: an existing link still opens without one');
SELECT is((SELECT password_hash FROM share_acl.link WHERE id = pg_temp.id('base')), NULL,
    'require_link_password: existing links are not rewritten');
SELECT is(pg_temp.open(pg_temp.tok('withpw'), 'Policy-Pass-52'), 'ok', 'the new link opens with its password');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'require_link_password', 'false');

SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'default_link_expiry', '7 days');
SELECT pg_temp.mk('dflt', share_acl.create_link(pg_temp.id('P')));
SELECT ok((SELECT expires_at BETWEEN now() + interval '7 days' AND statement_timestamp() + interval '7 days'
            FROM share_acl.link WHERE id = pg_temp.id('dflt')),
    'default_link_expiry: applies when no expiry is given');
-- counted from the call, not from the start of its transaction: a
-- transaction older than the policy's interval still makes links
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'default_link_expiry', '1 second');
SELECT pg_sleep(1.1);
SELECT lives_ok($$SELECT pg_temp.mk('late', share_acl.create_link(pg_temp.id('P')))$$,
    'default_link_expiry: a link made later in the transaction than the interval');
SELECT ok((SELECT expires_at > statement_timestamp() FROM share_acl.link WHERE id = pg_temp.id('late')),
    'default_link_expiry: counted from the call (still open after the transaction outlived the interval)');
SELECT share_acl.revoke_link(pg_temp.id('late'));	-- (out of the link lists below)
-- its days and months are counted in UTC, whatever the caller's TimeZone:
-- six months from December in New York cross the switch to summer time,
-- which would make the link an hour shorter there than in UTC
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'default_link_expiry', '6 months');
SET LOCAL TimeZone = 'America/New_York';
CREATE TEMP TABLE t52_tz AS
    SELECT statement_timestamp() AS at, share_acl.create_link(pg_temp.id('P')) AS token;
SET LOCAL TimeZone = 'UTC';
SELECT pg_temp.mk('tz', (SELECT token FROM t52_tz));
SELECT is((SELECT expires_at FROM share_acl.link WHERE id = pg_temp.id('tz')),
          (SELECT ((at AT TIME ZONE 'UTC') + interval '6 months') AT TIME ZONE 'UTC' FROM t52_tz),
    'default_link_expiry: days and months counted in UTC, not in the caller''s TimeZone');
SELECT share_acl.revoke_link(pg_temp.id('tz'));
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'default_link_expiry', '7 days');
SELECT pg_temp.mk('short', share_acl.create_link(pg_temp.id('P'), expires_at => now() + interval '1 day'));
SELECT pg_temp.mk('long', share_acl.create_link(pg_temp.id('P'), expires_at => now() + interval '30 days'));
SELECT is(ARRAY[(SELECT expires_at FROM share_acl.link WHERE id = pg_temp.id('short')),
                (SELECT expires_at FROM share_acl.link WHERE id = pg_temp.id('long'))],
          ARRAY[now() + interval '1 day', now() + interval '30 days'],
          'default_link_expiry: an explicit expiry is kept, shorter or longer');
SELECT is((SELECT expires_at FROM share_acl.link WHERE id = pg_temp.id('base')), NULL,
    'default_link_expiry: existing links are not rewritten');
-- a link valid from later gets the whole interval from then; 'infinity' is
-- an explicit "never", stored as none (as update_link stores it)
SELECT pg_temp.mk('later', share_acl.create_link(pg_temp.id('P'), not_before => now() + interval '23 hours'));
SELECT is((SELECT expires_at - not_before FROM share_acl.link WHERE id = pg_temp.id('later')), interval '7 days',
    'default_link_expiry: counted from not_before when the link opens later');
SELECT share_acl.revoke_link(pg_temp.id('later'));
SELECT pg_temp.mk('never', share_acl.create_link(pg_temp.id('P'), expires_at => 'infinity'));
SELECT is((SELECT expires_at FROM share_acl.link WHERE id = pg_temp.id('never')), NULL,
    'default_link_expiry: expires_at => infinity is a link without expiry, stored as none');
SELECT share_acl.revoke_link(pg_temp.id('never'));
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'default_link_expiry', 'none');
SELECT pg_temp.mk('none', share_acl.create_link(pg_temp.id('P'), label => 'no expiry'));
SELECT is((SELECT expires_at FROM share_acl.link WHERE id = pg_temp.id('none')), NULL,
    'default_link_expiry none: no expiry');

-- ------------------------------------------------- who may create a link
SELECT pg_temp.act('gina');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'))$$, '42501',
    format('permission denied: create_link requires "share" on resource %s', pg_temp.id('P')),
    'a guest cannot create links (no share, R9)');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('Q'))$$, '42501',
    format('permission denied: create_link requires "share" on resource %s', pg_temp.id('Q')),
    'create_link needs share on the resource');
SELECT lives_ok($$SELECT pg_temp.mk('byc', share_acl.create_link(pg_temp.id('A'), label => 'carol''s'))$$,
    'a member with view (and share by R11) creates a viewer link on what is inside');
SELECT results_eq($$SELECT resource_id, perms::text, allow_download, allow_comments, allow_approval,
                           allow_contribution, created_by, label, view_count, failed_attempts
                      FROM share_acl.link WHERE id = pg_temp.id('byc')$$,
    $$VALUES (pg_temp.id('A'), 'view,view_details,react', false, true, false, false, pg_temp.id('carol'),
              'carol''s'::text, 0::bigint, 0)$$,
    'the link row: SPEC §5 defaults, the creator, the label');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('A'), 'commenter')$$, '42501',
    format('permission denied: create_link cannot grant "comment,annotate" on resource %s', pg_temp.id('A')),
    'no escalation: the flags the creator lacks are named (approve is masked by default)');
SELECT lives_ok($$SELECT pg_temp.mk('byc2', share_acl.create_link(pg_temp.id('A'), 'commenter', allow_comments => false))$$,
    'no escalation: what the toggles mask is not granted');
SELECT pg_temp.act('alice');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), 'manager')$$, '42501',
    'permission denied: a share link cannot grant "share,manage_members,change_permissions,manage_collections,resolve_comments"',
    'never share or above, even for the owner');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), 'view,share')$$, '42501', NULL,
    'never share');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), 'view,delete_space', allow_contribution => false)$$,
    '42501', NULL, 'never a flag above share');
SELECT lives_ok($$SELECT pg_temp.mk('editor', share_acl.create_link(pg_temp.id('P'), 'full_editor', allow_download => true,
                                                                   allow_approval => true, allow_contribution => true))$$,
    'the owner creates an editing link');
SELECT share_acl.set_principal(NULL);
SELECT lives_ok($$SELECT pg_temp.mk('admin', share_acl.create_link(pg_temp.id('Q')))$$,
    'a trusted administrator without a principal creates a link');
SELECT is((SELECT created_by FROM share_acl.link WHERE id = pg_temp.id('admin')), NULL,
    'created_by is NULL for a trusted administrator');

-- ------------------------------------------------------------- bad input
SELECT pg_temp.act('alice');
SELECT throws_ok($$SELECT share_acl.create_link(NULL)$$, '22004', NULL, 'NULL resource is 22004');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), NULL)$$, '22004', NULL, 'NULL perms is 22004');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), allow_comments => NULL)$$, '22004', NULL,
    'a NULL toggle is 22004');
SELECT throws_ok($$SELECT share_acl.create_link(gen_random_uuid())$$, 'P0002', NULL, 'unknown resource is P0002');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), '')$$, '22023', NULL, 'an empty set is 22023');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), 'download')$$, '22023', NULL,
    'a link that grants nothing after its toggles is 22023');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), 'nonsense')$$, '22P02', NULL,
    'an unknown permission name is 22P02');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), expires_at => now() - interval '1 second')$$,
    '22023', NULL, 'an expiry in the past is 22023');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), expires_at => now() + interval '1 day',
                                                not_before => now() + interval '2 days')$$,
    '22023', NULL, 'not_before after expires_at is 22023');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), 'viewer', not_before => 'infinity')$$,
    '22023', 'create_link: not_before infinity is not a time the link could open at',
    'not_before infinity, a link that could never open, is 22023');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), max_views => 0)$$, '22023', NULL,
    'max_views 0 is 22023');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), label => repeat('x', 201))$$, '22023', NULL,
    'a label over 200 characters is 22023');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), label => E'line\nbreak')$$, '22023', NULL,
    'a label with a control character is 22023');
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), password => '')$$, '22023',
    'create_link: a link password has 1 to 1024 bytes', 'an empty password is 22023');
INSERT INTO secrets VALUES ('Too-Long-52' || repeat('y', 1020));
SELECT throws_ok($$SELECT share_acl.create_link(pg_temp.id('P'), password => 'Too-Long-52' || repeat('y', 1020))$$,
    '22023', 'create_link: a link password has 1 to 1024 bytes',
    'a password over 1024 bytes is 22023, and the message does not show it');

-- ------------------------------------------------------------ revoke_link
SELECT pg_temp.act('dave');
SELECT throws_ok($$SELECT share_acl.revoke_link(pg_temp.id('byc'))$$, '42501',
    format('permission denied: revoke_link requires "change_permissions" on resource %s or being the creator of link %s',
           pg_temp.id('A'), pg_temp.id('byc')),
    'revoke_link: a member without change_permissions cannot revoke another''s link');
INSERT INTO ids VALUES ('olga', share_acl.create_user('olga@t52.test'));
SELECT pg_temp.act('olga');
SELECT throws_ok($$SELECT share_acl.revoke_link(pg_temp.id('byc'))$$, '42501',
    format('permission denied: revoke_link requires "change_permissions" on the link''s resource or being the creator of link %s',
           pg_temp.id('byc')),
    'revoke_link by a principal who cannot view the resource: refused without naming the resource');
SELECT pg_temp.act('carol');
SELECT lives_ok($$SELECT share_acl.revoke_link(pg_temp.id('byc'))$$,
    'revoke_link: the creator revokes its link without change_permissions');
SELECT ok((SELECT revoked_at BETWEEN now() AND statement_timestamp() FROM share_acl.link WHERE id = pg_temp.id('byc')),
    'revoked_at is set, at the revoking statement''s time');
UPDATE share_acl.link SET revoked_at = now() - interval '1 hour' WHERE id = pg_temp.id('byc');
SELECT lives_ok($$SELECT share_acl.revoke_link(pg_temp.id('byc'))$$, 'revoking again is no error');
SELECT is((SELECT revoked_at FROM share_acl.link WHERE id = pg_temp.id('byc')), now() - interval '1 hour',
    'revoking again keeps the first revoked_at');
SELECT is(pg_temp.open(pg_temp.tok('byc')), 'revoked', 'the revoked link is refused');
SELECT pg_temp.act('bob');
SELECT lives_ok($$SELECT share_acl.revoke_link(pg_temp.id('dflt'))$$,
    'revoke_link: change_permissions on the resource revokes another''s link');
SELECT throws_ok($$SELECT share_acl.revoke_link(gen_random_uuid())$$, 'P0002', NULL, 'revoke_link: unknown link is P0002');
SELECT throws_ok($$SELECT share_acl.revoke_link(NULL)$$, '22004', NULL, 'revoke_link: NULL is 22004');

-- ----------------------------------------------- active_links, expiring_links
SELECT is(ARRAY(SELECT column_name::text FROM information_schema.columns
                 WHERE table_schema = 'share_acl' AND table_name = 'active_links' ORDER BY ordinal_position),
          ARRAY['id', 'resource_id', 'perms', 'allow_download', 'allow_comments', 'allow_approval',
                'allow_contribution', 'expires_at', 'not_before', 'max_views', 'created_by', 'created_at',
                'revoked_at', 'label', 'view_count', 'last_viewed_at', 'has_password'],
          'active_links: the link columns without the password hash and the failure counter');
SELECT share_acl.set_principal(NULL);
UPDATE share_acl.link SET expires_at = now() - interval '1 minute' WHERE id = pg_temp.id('short');
SELECT set_eq($$SELECT id FROM share_acl.active_links a
                 WHERE a.resource_id IN (pg_temp.id('P'), pg_temp.id('A'), pg_temp.id('Q'))$$,
    $$SELECT pg_temp.id(n) FROM unnest(ARRAY['base', 'onQ', 'withpw', 'long', 'none', 'byc2', 'editor', 'admin']) n$$,
    'active_links: a trusted administrator sees every unrevoked, unexpired link');
SELECT is((SELECT has_password FROM share_acl.active_links WHERE id = pg_temp.id('withpw')), true,
    'active_links: has_password');
SELECT pg_temp.act('carol');
SELECT set_eq($$SELECT id FROM share_acl.active_links a
                 WHERE a.resource_id IN (pg_temp.id('P'), pg_temp.id('A'), pg_temp.id('Q'))$$,
    $$SELECT pg_temp.id(n) FROM unnest(ARRAY['base', 'withpw', 'long', 'none', 'byc2', 'editor']) n$$,
    'active_links: a principal sees the links of what it may share, not those of Q');
SELECT pg_temp.act('gina');
SELECT is((SELECT count(*) FROM share_acl.active_links), 0::bigint, 'active_links: a guest sees none');
SELECT share_acl.set_principal(NULL);
SELECT is(ARRAY(SELECT e.id FROM share_acl.expiring_links('2 days') e
                 WHERE e.resource_id IN (pg_temp.id('P'), pg_temp.id('A'), pg_temp.id('Q'))),
          ARRAY[pg_temp.id('onQ')], 'expiring_links: those expiring within the interval');
SELECT is(ARRAY(SELECT e.id FROM share_acl.expiring_links('31 days') e
                 WHERE e.resource_id IN (pg_temp.id('P'), pg_temp.id('A'), pg_temp.id('Q'))),
          ARRAY[pg_temp.id('onQ'), pg_temp.id('long')], 'expiring_links: soonest first, no expired or revoked ones');
SELECT pg_temp.act('gina');
SELECT is((SELECT count(*) FROM share_acl.expiring_links('31 days')), 0::bigint,
    'expiring_links: as active_links shows them to the caller');
SELECT share_acl.set_principal(NULL);
SELECT is(ARRAY(SELECT e.id FROM share_acl.expiring_links('1000000 years') e
                 WHERE e.resource_id IN (pg_temp.id('P'), pg_temp.id('A'), pg_temp.id('Q'))
                 ORDER BY e.expires_at, e.id),
          ARRAY(SELECT e.id FROM share_acl.expiring_links('100 years') e
                 WHERE e.resource_id IN (pg_temp.id('P'), pg_temp.id('A'), pg_temp.id('Q'))
                 ORDER BY e.expires_at, e.id),
    'expiring_links: an interval past the timestamp range is every expiring link, no 22008');
SELECT lives_ok($$SELECT * FROM share_acl.expiring_links('3600000 months -107999000 days')$$,
    'expiring_links: an interval of months and days of both signs past the range: no 22008');
SELECT throws_ok($$SELECT * FROM share_acl.expiring_links('-1 day')$$, '22023', NULL,
    'expiring_links: a negative interval is 22023');
SELECT throws_ok($$SELECT * FROM share_acl.expiring_links(NULL)$$, '22004', NULL,
    'expiring_links: NULL is 22004');

-- ------------------------------------------------------------- privileges
SELECT is(ARRAY(SELECT p.proname::text FROM pg_proc p
                 WHERE p.pronamespace = 'share_acl'::regnamespace
                   AND p.proname IN ('create_link', 'open_link', 'revoke_link', 'rotate_signing_key',
                                     'retire_signing_key', 'expiring_links')
                   AND p.prosecdef AND p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp']
                   AND obj_description(p.oid, 'pg_proc') IS NOT NULL
                 ORDER BY 1),
          ARRAY['create_link', 'expiring_links', 'open_link', 'retire_signing_key', 'revoke_link', 'rotate_signing_key'],
          'every link function is SECURITY DEFINER with a pinned search_path, and commented');
CREATE ROLE t52_nobody NOLOGIN;
CREATE ROLE t52_app NOLOGIN;
GRANT share_acl_user TO t52_app;
GRANT SELECT ON ids, toks TO t52_app;
SELECT is(ARRAY(SELECT f FROM unnest(ARRAY[
              'share_acl.create_link(uuid,share_acl.permset,timestamptz,text,boolean,boolean,boolean,boolean,text,timestamptz,integer)',
              'share_acl.open_link(text,text,text)', 'share_acl.revoke_link(uuid)',
              'share_acl.rotate_signing_key()', 'share_acl.retire_signing_key(integer)',
              'share_acl.expiring_links(interval)']) f
           WHERE has_function_privilege('t52_nobody', f, 'EXECUTE')
              OR NOT has_function_privilege('t52_app', f, 'EXECUTE')),
          '{}'::text[], 'the link functions: EXECUTE for share_acl_user, not PUBLIC');
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
                 WHERE p.pronamespace = 'share_acl'::regnamespace
                   AND p.proname IN ('_token_sign', '_token_kid', '_token_verify', '_password_hash',
                                     '_password_check', '_random_bytes', '_link_token', '_set_link_context',
                                     '_link_refusal', '_require_admin')
                   AND has_function_privilege('t52_app', p.oid, 'EXECUTE')),
          '{}'::text[], 'the internal token, key and password functions: no EXECUTE for applications');
SELECT is(ARRAY(SELECT t FROM unnest(ARRAY['share_acl.link', 'share_acl.link_failed_attempt',
                                           'share_acl.signing_key', 'share_acl.link_view']) t
                 WHERE has_table_privilege('t52_app', t, 'SELECT')
                    OR has_table_privilege('share_acl_admin', t, 'SELECT') AND t = 'share_acl.signing_key'),
          '{}'::text[], 'applications cannot read link rows or keys; administrators cannot read keys');
SELECT ok(has_table_privilege('t52_app', 'share_acl.active_links', 'SELECT'), 'applications read active_links');
SET LOCAL ROLE t52_app;
SELECT results_eq($$SELECT ok, status FROM share_acl.open_link(pg_temp.tok('base'))$$, $$VALUES (true, 'ok')$$,
    'an application role opens a link for an external viewer');
SELECT is(share_acl.has_access(pg_temp.id('A'), 'view'), true, 'and checks through the link context');
SELECT throws_ok($$SELECT share_acl._set_link_context(NULL)$$, '42501', NULL,
    'an application role cannot set a link context itself');
RESET ROLE;
SELECT share_acl._set_link_context(NULL);

-- ------------------------------------------------ no token or password kept
INSERT INTO secrets SELECT token FROM toks;
INSERT INTO secrets VALUES ('Wrong-Guess-52'), ('Right-Pass-52');
SELECT pg_temp.act('alice');
SELECT pg_temp.mk('leak', share_acl.create_link(pg_temp.id('P'), password => 'Right-Pass-52', label => 'leak test'));
INSERT INTO secrets SELECT token FROM toks WHERE name = 'leak';
SELECT share_acl.set_principal(NULL);
SELECT is(pg_temp.open(pg_temp.tok('leak'), 'Wrong-Guess-52'), 'wrong_password', 'a wrong password (to look for)');
SELECT is(pg_temp.open(pg_temp.tok('leak'), 'Right-Pass-52'), 'ok', 'the right password (to look for)');
SELECT is(pg_temp.open(pg_temp.tok('leak') || 'x', 'Right-Pass-52'), 'invalid', 'a bad token (to look for)');
INSERT INTO secrets SELECT token || 'x' FROM toks WHERE name = 'leak';
CREATE FUNCTION pg_temp.leaks() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    rel regclass;
    n bigint;
    found text;
BEGIN
    FOR rel IN SELECT c.oid FROM pg_class c
                WHERE c.relnamespace = 'share_acl'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p')
                ORDER BY c.relname
    LOOP
        EXECUTE format('SELECT count(*) FROM %s t, pg_temp.secrets s
                         WHERE strpos(t::text, s.s) > 0
                            OR strpos(t::text, encode(convert_to(s.s, ''UTF8''), ''hex'')) > 0
                            OR strpos(t::text, encode(convert_to(s.s, ''UTF8''), ''base64'')) > 0', rel)
        INTO n;
        IF n > 0 THEN
            found := concat_ws(' ', found, rel::text);
        END IF;
    END LOOP;
    RETURN found;
END $$;
SELECT cmp_ok((SELECT count(*) FROM pg_temp.secrets), '>=', 15::bigint, 'tokens and passwords to look for');
SELECT is(pg_temp.leaks(), NULL,
    'no table or view of share_acl holds a token or a password (as text, hex or base64)');
SELECT is(ARRAY(SELECT p.proname::text FROM pg_proc p
                 WHERE p.pronamespace = 'share_acl'::regnamespace
                   AND p.proname ~ '(link|token|password|signing_key)'
                   AND p.prosrc ~* 'raise\s+(notice|warning|info|log|debug)'),
          '{}'::text[], 'no link function raises notices');

SELECT * FROM finish();
ROLLBACK;
