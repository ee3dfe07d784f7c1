-- pgTAP: set_workspace_policy (SPEC §6) with its validation, the effect of
-- the policies that apply at every check, and the safety properties of the
-- management API: SECURITY DEFINER with a pinned search_path, no EXECUTE for
-- PUBLIC, EXECUTE for share_acl_user, comments, roles and table privileges.
--
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids.
BEGIN;
SELECT plan(1 + 92);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
CREATE FUNCTION pg_temp.ws() RETURNS share_acl.workspace LANGUAGE sql STABLE
    AS $$ SELECT * FROM share_acl.workspace WHERE id = pg_temp.id('ws') $$;
CREATE FUNCTION pg_temp.set(name text, value text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), name, value) $$;

INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t23.test')),
    ('bob',   share_acl.create_user('bob@t23.test')),
    ('carol', share_acl.create_user('carol@t23.test')),
    ('gina',  share_acl.create_user('gina@t23.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t23', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bob'), 'admin');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('gina'), 'guest');
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('gina'), 'editor');
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('carol'), 'viewer');

-- ---------------------------------------------------- valid values, by name
SELECT lives_ok($$SELECT pg_temp.set('allow_external_sharing', 'false')$$, 'allow_external_sharing false');
SELECT is((pg_temp.ws()).allow_external_sharing, false, 'allow_external_sharing stored');
SELECT pg_temp.set('allow_external_sharing', 'on');
SELECT is((pg_temp.ws()).allow_external_sharing, true, 'boolean policies take on/off');
SELECT lives_ok($$SELECT pg_temp.set('require_link_password', 'true')$$, 'require_link_password true');
SELECT is((pg_temp.ws()).require_link_password, true, 'require_link_password stored');
SELECT lives_ok($$SELECT pg_temp.set('default_link_expiry', '7 days')$$, 'default_link_expiry an interval');
SELECT is((pg_temp.ws()).default_link_expiry, interval '7 days', 'default_link_expiry stored');
SELECT lives_ok($$SELECT pg_temp.set('default_link_expiry', 'NONE')$$, 'default_link_expiry none');
SELECT is((pg_temp.ws()).default_link_expiry, NULL, 'default_link_expiry none is NULL');
SELECT lives_ok($$SELECT pg_temp.set('track_external_views', '0')$$, 'track_external_views 0');
SELECT is((pg_temp.ws()).track_external_views, false, 'track_external_views stored');
SELECT lives_ok($$SELECT pg_temp.set('public_access_level', 'view, download')$$, 'public_access_level a permset');
SELECT is((pg_temp.ws()).public_access_level::text, 'view,download'::share_acl.permset::text,
    'public_access_level stored');
SELECT lives_ok($$SELECT pg_temp.set('member_edit_own_only', 'yes')$$, 'member_edit_own_only yes');
SELECT is((pg_temp.ws()).member_edit_own_only, true, 'member_edit_own_only stored');
SELECT lives_ok($$SELECT pg_temp.set(' Allow_Guest_Uploads ', 'TRUE')$$, 'names are matched case-insensitively');
SELECT is((pg_temp.ws()).allow_guest_uploads, true, 'allow_guest_uploads stored');

-- ------------------------------------------------------------- bad input
SELECT throws_ok($$SELECT pg_temp.set('allow_everything', 'true')$$, '22023',
    'unknown workspace policy "allow_everything"', 'an unknown policy name is 22023');
SELECT throws_ok($$SELECT pg_temp.set('guest_access_enabled', 'maybe')$$, '22023',
    'invalid value for workspace policy guest_access_enabled: "maybe"', 'a bad boolean is 22023');
SELECT throws_ok($$SELECT pg_temp.set('public_access_level', 'superpowers')$$, '22023', NULL,
    'a bad permission set is 22023');
SELECT throws_ok($$SELECT pg_temp.set('default_link_expiry', 'soon')$$, '22023', NULL,
    'a bad interval is 22023');
SELECT throws_ok($$SELECT pg_temp.set('default_link_expiry', '-1 day')$$, '22023', NULL,
    'a negative interval is 22023');
SELECT throws_ok($$SELECT pg_temp.set('default_link_expiry', '0')$$, '22023', NULL,
    'a zero interval is 22023');
SELECT throws_ok($$SELECT pg_temp.set('default_link_expiry', '1000000 years')$$, '22023',
    'invalid value for workspace policy default_link_expiry: "1000000 years" is more than 100 years',
    'an interval of more than 100 years is 22023 (every create_link would leave the timestamp range)');
SELECT lives_ok($$SELECT pg_temp.set('default_link_expiry', '100 years')$$, 'default_link_expiry of 100 years');
-- (100 years of 365.25 days, not of 30-day months: 36001 days is 98.6 years)
SELECT lives_ok($$SELECT pg_temp.set('default_link_expiry', '36001 days')$$,
    'default_link_expiry of 36001 days (98.6 years) is taken');
SELECT is((pg_temp.ws()).default_link_expiry, interval '36001 days', '... and stored (the table''s CHECK agrees)');
SELECT throws_ok($$SELECT pg_temp.set('default_link_expiry', '36600 days')$$, '22023',
    'invalid value for workspace policy default_link_expiry: "36600 days" is more than 100 years',
    'default_link_expiry of 36600 days (100.2 years) is 22023');
SELECT throws_ok($$SELECT pg_temp.set('default_link_expiry', '3600000 months -107999000 days')$$, '22023', NULL,
    'an interval of months and days of both signs is judged by the expiry it gives (300,000 years): 22023');
SELECT throws_ok($$SELECT pg_temp.set('default_link_expiry', '1 month -31 days')$$, '22023', NULL,
    'an interval that would give an expiry in the past is 22023');
SELECT throws_ok($$SELECT pg_temp.set('default_link_expiry', '1 mon -29 days')$$, '22023',
    'invalid value for workspace policy default_link_expiry: "1 mon -29 days" has a negative part',
    'an interval ahead today but behind on 31 January (1 mon -29 days) is 22023');
SELECT throws_ok($$SELECT pg_temp.set('default_link_expiry', '-1 mon 31 days')$$, '22023', NULL,
    'an interval behind on 31 March (-1 mon 31 days) is 22023');
SELECT throws_ok($$SELECT pg_temp.set('default_link_expiry', '1 day -23:30')$$, '22023', NULL,
    'days and time of both signs (1 day -23:30: behind across a 23-hour day of a daylight-saving change) is 22023');
SELECT throws_ok($$UPDATE share_acl.workspace SET default_link_expiry = '1 mon -29 days' WHERE id = pg_temp.id('ws')$$,
    '23514', NULL, 'the table refuses an interval with a negative part too');
SELECT throws_ok($$SELECT pg_temp.set('members_can_share', NULL)$$, '22004', NULL, 'a NULL value is 22004');
SELECT throws_ok($$SELECT pg_temp.set(NULL, 'true')$$, '22004', NULL, 'a NULL name is 22004');
SELECT throws_ok($$SELECT share_acl.set_workspace_policy(gen_random_uuid(), 'members_can_share', 'true')$$,
    'P0002', NULL, 'an unknown workspace is P0002');

-- ------------------------------------------------------------------- who
SELECT pg_temp.act('bob');
SELECT lives_ok($$SELECT pg_temp.set('allow_guest_uploads', 'false')$$, 'an admin has manage_settings');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT pg_temp.set('allow_guest_uploads', 'true')$$, '42501',
    format('permission denied: set_workspace_policy requires "manage_settings" on workspace %s', pg_temp.id('ws')),
    'a member lacks manage_settings');
SELECT pg_temp.act('gina');
SELECT throws_ok($$SELECT pg_temp.set('guest_access_enabled', 'true')$$, '42501', NULL,
    'a guest lacks manage_settings');

-- ---------------------------------------------- policies that apply at checks
SELECT pg_temp.act('alice');
SELECT ok(NOT share_acl.has_access(pg_temp.id('gina'), pg_temp.id('A'), 'upload'),
    'allow_guest_uploads off: a guest editor cannot upload (R9)');
SELECT pg_temp.set('allow_guest_uploads', 'true');
SELECT ok(share_acl.has_access(pg_temp.id('gina'), pg_temp.id('A'), 'upload'),
    'allow_guest_uploads on: it can');
SELECT pg_temp.set('guest_access_enabled', 'false');
SELECT ok(NOT share_acl.has_access(pg_temp.id('gina'), pg_temp.id('A'), 'view'),
    'guest_access_enabled off: a guest sees nothing, even shared (R3)');
SELECT pg_temp.set('guest_access_enabled', 'true');
SELECT ok(share_acl.has_access(pg_temp.id('gina'), pg_temp.id('A'), 'view'),
    'guest_access_enabled on again: the share works');
SELECT ok(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'share'),
    'members_can_share on: a member who views may share (R11)');
SELECT pg_temp.set('members_can_share', 'false');
SELECT ok(NOT share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'share'),
    'members_can_share off: it may not');

-- a refusal that a policy alone causes names it (SPEC §6), in its detail
CREATE FUNCTION pg_temp.refusal(who text, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text;
    d text;
BEGIN
    PERFORM pg_temp.act(who);
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, d = PG_EXCEPTION_DETAIL;
    RETURN st || ': ' || coalesce(nullif(d, ''), '(no detail)');
END $$;
SELECT is(pg_temp.refusal('carol', format('SELECT share_acl.share(%L, %L, %L)', pg_temp.id('A'), pg_temp.id('gina'), 'viewer')),
    '42501: The workspace policy members_can_share (off) withholds it.',
    'members_can_share off: a member''s refused share names the policy');
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('carol'), 'editor');
SELECT is(pg_temp.refusal('carol', format('SELECT share_acl.move_resource(%L, %L)', pg_temp.id('A'), pg_temp.id('P'))),
    '42501: The workspace policy member_edit_own_only (on) withholds it.',
    'member_edit_own_only on: a member editor''s refused move of what it does not own names the policy');
SELECT is(pg_temp.refusal('carol', format('SELECT share_acl.set_general_access(%L, %L)', pg_temp.id('A'), 'public')),
    '42501: (no detail)',
    'a refusal no policy causes (make_public, beyond a member editor) names none');
-- (gina, a guest editor of P, uploads into it)
CREATE FUNCTION pg_temp.guest_upload() RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.refusal('gina', format('SELECT share_acl.create_resource(%L, %L, %L)',
                                          pg_temp.id('ws'), 'asset', pg_temp.id('P')))
$$;
SELECT pg_temp.act('alice');
SELECT pg_temp.set('allow_guest_uploads', 'false');
SELECT is(pg_temp.guest_upload(),
    '42501: The workspace policy allow_guest_uploads (off) withholds it.',
    'allow_guest_uploads off: a guest editor''s refused upload names the policy');
-- (the principal the refused call set went with its subtransaction: alice again)
SELECT pg_temp.set('guest_access_enabled', 'false');
SELECT is(pg_temp.guest_upload(),
    '42501: The workspace policies guest_access_enabled (off) and allow_guest_uploads (off) withhold it.',
    'both guest switches off: the refusal names both');
SELECT pg_temp.set('allow_guest_uploads', 'true');
SELECT is(pg_temp.guest_upload(),
    '42501: The workspace policy guest_access_enabled (off) withholds it.',
    'guest_access_enabled off: a guest editor''s refused upload names the policy');
SELECT pg_temp.set('guest_access_enabled', 'true');
SELECT pg_temp.set('member_edit_own_only', 'false');
SELECT share_acl.set_general_access(pg_temp.id('P'), 'public');
SELECT pg_temp.set('public_access_level', 'commenter');
SELECT ok(share_acl.has_access(pg_temp.id('bob'), pg_temp.id('A'), 'comment'),
    'public_access_level commenter: an admin comments on a public project (R4)');
SELECT pg_temp.set('public_access_level', 'viewer');
SELECT ok(NOT share_acl.has_access(pg_temp.id('bob'), pg_temp.id('A'), 'comment'),
    'public_access_level viewer: it no longer may');

-- --------------------------------------------------- safety of the API itself
SELECT share_acl.set_principal(NULL);
CREATE TEMP TABLE api (sig regprocedure PRIMARY KEY);
INSERT INTO api VALUES
    ('share_acl.create_workspace(text, uuid)'),
    ('share_acl.create_user(text, text)'),
    ('share_acl.create_team(uuid, text)'),
    ('share_acl.add_member(uuid, uuid, share_acl.workspace_role)'),
    ('share_acl.set_role(uuid, uuid, share_acl.workspace_role)'),
    ('share_acl.remove_member(uuid, uuid)'),
    ('share_acl.add_team_member(uuid, uuid)'),
    ('share_acl.remove_team_member(uuid, uuid)'),
    ('share_acl.create_resource(uuid, share_acl.resource_kind, uuid, uuid)'),
    ('share_acl.move_resource(uuid, uuid)'),
    ('share_acl.add_to_collection(uuid, uuid)'),
    ('share_acl.remove_from_collection(uuid, uuid)'),
    ('share_acl.delete_resource(uuid)'),
    ('share_acl.set_general_access(uuid, share_acl.general_access)'),
    ('share_acl.set_restricted(uuid, boolean)'),
    ('share_acl.share(uuid, uuid, share_acl.permset, timestamptz, boolean, boolean, boolean, boolean)'),
    ('share_acl.share_with_email(uuid, text, share_acl.permset, timestamptz, boolean, boolean, boolean, boolean)'),
    ('share_acl.update_share(uuid, share_acl.permset, timestamptz, boolean, boolean, boolean, boolean, boolean)'),
    ('share_acl.unshare(uuid)'),
    ('share_acl.transfer_ownership(uuid, uuid)'),
    ('share_acl.transfer_resource_ownership(uuid, uuid)'),
    ('share_acl.request_promotion(uuid, share_acl.workspace_role)'),
    ('share_acl.decide_promotion(uuid, boolean)'),
    ('share_acl.set_workspace_policy(uuid, text, text)');
CREATE TEMP TABLE helpers (sig regprocedure PRIMARY KEY);
INSERT INTO helpers SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'share_acl' AND p.proname IN ('_actor', '_require', '_require_owner', '_role',
       '_get_workspace', '_get_principal', '_get_resource', '_check_email', '_share_mask',
       '_no_escalation', '_share', '_require_manager');

SELECT is((SELECT count(*)::int FROM helpers), 12, 'the internal helpers exist');
SELECT is_empty($$SELECT sig FROM api f
                   JOIN pg_proc p ON p.oid = f.sig
                  WHERE f.sig <> 'share_acl.delete_resource(uuid)'::regprocedure
                    AND (NOT p.prosecdef
                         OR NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false))$$,
    'every API function is SECURITY DEFINER with search_path pinned to pg_catalog, pg_temp (delete_resource switches to its owner and pins search_path in C, and back to fire its deletion''s triggers as its caller)');
SELECT is((SELECT l.lanname = 'c' AND NOT p.prosecdef AND p.proconfig IS NULL
             FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.oid = 'share_acl.delete_resource(uuid)'::regprocedure), true,
    'delete_resource is C, neither SECURITY DEFINER nor with a SET clause (src/app_references.c)');
SELECT is_empty($$SELECT sig FROM helpers f JOIN pg_proc p ON p.oid = f.sig WHERE p.prosecdef$$,
    'the internal helpers run as their caller (the API functions), not SECURITY DEFINER');
SELECT is_empty($$SELECT sig FROM (SELECT sig FROM api UNION ALL SELECT sig FROM helpers) f
                   JOIN pg_proc p ON p.oid = f.sig
                  WHERE p.proacl IS NULL
                     OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0)$$,
    'no API function is executable by PUBLIC');
SELECT is_empty($$SELECT sig FROM api WHERE NOT has_function_privilege('share_acl_user', sig, 'EXECUTE')$$,
    'share_acl_user may execute every management function');
SELECT is_empty($$SELECT sig FROM helpers WHERE has_function_privilege('share_acl_user', sig, 'EXECUTE')$$,
    'share_acl_user may execute no internal helper');
SELECT is_empty($$SELECT sig FROM api WHERE NOT has_function_privilege('share_acl_admin', sig, 'EXECUTE')$$,
    'share_acl_admin may execute every management function');
SELECT is_empty($$SELECT sig FROM (SELECT sig FROM api UNION ALL SELECT sig FROM helpers) f
                  WHERE obj_description(sig, 'pg_proc') IS NULL$$,
    'every API function has a comment');
SELECT is_empty($$SELECT sig FROM api JOIN pg_proc p ON p.oid = sig WHERE p.provolatile <> 'v'$$,
    'every management function is VOLATILE');
SELECT is_empty($$SELECT sig FROM api JOIN pg_proc p ON p.oid = sig WHERE p.proisstrict$$,
    'no management function is STRICT (NULL arguments raise 22004)');
SELECT ok(EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'share_acl_user' AND NOT rolcanlogin),
    'role share_acl_user exists, NOLOGIN');
SELECT ok(EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'share_acl_admin' AND NOT rolcanlogin),
    'role share_acl_admin exists, NOLOGIN');
SELECT ok(has_schema_privilege('public', 'share_acl', 'USAGE'), 'the schema is usable by everyone');
SELECT ok(has_table_privilege('share_acl_user', 'share_acl.share', 'SELECT')
          AND NOT has_table_privilege('share_acl_user', 'share_acl.share', 'INSERT'),
    'share_acl_user reads the model but does not write it');
SELECT ok(has_table_privilege('share_acl_admin', 'share_acl.member', 'INSERT, UPDATE, DELETE, SELECT'),
    'share_acl_admin may bulk-load the model');
SELECT is(
    (SELECT p.proargnames::text FROM pg_proc p
      WHERE p.oid = 'share_acl.update_share(uuid, share_acl.permset, timestamptz, boolean, boolean, boolean, boolean, boolean)'::regprocedure),
    '{share,perms,expires_at,allow_download,allow_comments,allow_approval,allow_contribution,clear_expiry}',
    'update_share parameter names');
SELECT is(
    (SELECT p.proargnames::text FROM pg_proc p
      WHERE p.oid = 'share_acl.create_resource(uuid, share_acl.resource_kind, uuid, uuid)'::regprocedure),
    '{workspace,kind,parent,id}', 'create_resource parameter names');

-- a member of share_acl_admin is a trusted administrator without a principal
CREATE ROLE t23_admin NOLOGIN;
GRANT share_acl_admin TO t23_admin;
GRANT SELECT ON ids TO t23_admin;
SET LOCAL ROLE t23_admin;
SELECT lives_ok($$SELECT pg_temp.set('members_can_share', 'true')$$,
    'a member of share_acl_admin manages without a principal');
SELECT lives_ok($$INSERT INTO share_acl.principal (kind, email) VALUES ('user', 'bulk@t23.test')$$,
    'a member of share_acl_admin may bulk-load the model');
RESET ROLE;
CREATE ROLE t23_app NOLOGIN;
GRANT share_acl_user TO t23_app;
GRANT SELECT ON ids TO t23_app;
SET LOCAL ROLE t23_app;
SELECT throws_ok($$SELECT pg_temp.set('members_can_share', 'false')$$, '42501',
    'permission denied: no principal set', 'share_acl_user without a principal is refused');
SELECT throws_ok($$INSERT INTO share_acl.principal (kind, email) VALUES ('user', 'bulk2@t23.test')$$, '42501', NULL,
    'share_acl_user cannot write the model directly');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT pg_temp.set('members_can_share', 'false')$$, '42501', NULL,
    'share_acl_user acting for a member is checked as that member');
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT pg_temp.set('members_can_share', 'false')$$,
    'share_acl_user acting for the owner may');
RESET ROLE;

-- "share" that a member holds only by members_can_share (R11), given to a
-- team it is in, would stay with it after the policy is turned off (it
-- applies at every check): refused, as a share to oneself is
SELECT pg_temp.act('alice');
SELECT pg_temp.set('members_can_share', 'true');
INSERT INTO ids VALUES ('cteam', share_acl.create_team(pg_temp.id('ws'), 'Carol''s team')),
                       ('oteam', share_acl.create_team(pg_temp.id('ws'), 'Others'));
SELECT share_acl.add_team_member(pg_temp.id('cteam'), pg_temp.id('carol'));
SELECT share_acl.add_team_member(pg_temp.id('oteam'), pg_temp.id('gina'));
SELECT is(pg_temp.refusal('carol', format('SELECT share_acl.share(%L, %L, %L)', pg_temp.id('A'), pg_temp.id('cteam'), 'view,share')),
    '42501: The principal holds "share" on the resource only by the workspace policy members_can_share (on): shared with a team it is in, it would keep it after the policy is turned off.',
    'members_can_share: "share" held only by the policy, given to a team one is in, is refused, saying why');
SELECT is(pg_temp.refusal('carol', format('SELECT share_acl.share(%L, %L, %L)', pg_temp.id('A'), pg_temp.id('cteam'), 'viewer')),
    'no error', '... the same team without the share flag is shared with');
SELECT is(pg_temp.refusal('carol', format('SELECT share_acl.share(%L, %L, %L)', pg_temp.id('P'), pg_temp.id('oteam'), 'view,share')),
    'no error', '... and share to a team one is not in is given, as SPEC §6 lets members share');
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('carol'), 'view,share');
SELECT is(pg_temp.refusal('carol', format('SELECT share_acl.share(%L, %L, %L)', pg_temp.id('A'), pg_temp.id('cteam'), 'view,share')),
    'no error', 'a member holding share through a grant passes it to a team it is in');
SELECT pg_temp.act('alice');
SELECT pg_temp.set('members_can_share', 'false');
SELECT ok(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'share'),
    '(she keeps it through her grant, not the policy)');

-- delete_resource's refusal names the policy that alone causes it, as the
-- other refusals do (SPEC section 6)
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('carol'), 'full_editor');
SELECT pg_temp.set('member_edit_own_only', 'true');
SELECT is(pg_temp.refusal('carol', format('SELECT share_acl.delete_resource(%L)', pg_temp.id('A'))),
    '42501: The workspace policy member_edit_own_only (on) withholds it.',
    'member_edit_own_only on: a member''s refused delete of what it does not own names the policy');
SELECT pg_temp.act('alice');
SELECT pg_temp.set('member_edit_own_only', 'false');
SELECT pg_temp.act('gina');
INSERT INTO ids VALUES ('G', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
SELECT pg_temp.act('alice');
SELECT pg_temp.set('guest_access_enabled', 'false');
SELECT is(pg_temp.refusal('gina', format('SELECT share_acl.delete_resource(%L)', pg_temp.id('G'))),
    '42501: The workspace policy guest_access_enabled (off) withholds it.',
    'guest_access_enabled off: a guest''s refused delete of its own upload names the policy');
SELECT pg_temp.act('alice');
SELECT pg_temp.set('guest_access_enabled', 'true');
SELECT is(pg_temp.refusal('gina', format('SELECT share_acl.delete_resource(%L)', pg_temp.id('G'))),
    'no error', 'guest access on again: the guest deletes its own upload');
-- explain_access shows what members_can_share does, on or off (SPEC section 4)
SELECT is((SELECT perms::text || ' ' || detail FROM share_acl.explain_access(pg_temp.id('carol'), pg_temp.id('P'), 'share')
            WHERE rule = 'R11'),
    ' members_can_share is off in the workspace: viewing gives no share',
    'explain_access: members_can_share off says why a member who views lacks share (R11)');
SELECT pg_temp.act('alice');
SELECT pg_temp.set('members_can_share', 'true');
SELECT is((SELECT perms::text || ' ' || detail FROM share_acl.explain_access(pg_temp.id('carol'), pg_temp.id('P'), 'share')
            WHERE rule = 'R11'),
    'share members can share what they can view', 'explain_access: on, the R11 line gives share');

-- ... nor by sharing first and joining the team afterwards: add_team_member
-- counts a "share" held only by members_can_share as not held
INSERT INTO ids VALUES ('later', share_acl.create_team(pg_temp.id('ws'), 'Joined later')),
                       ('plain', share_acl.create_team(pg_temp.id('ws'), 'Viewers of A'));
SELECT pg_temp.act('bob');
SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('later'), 'view,share');
SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('plain'), 'viewer');
SELECT is(pg_temp.refusal('bob', format('SELECT share_acl.add_team_member(%L, %L)', pg_temp.id('later'), pg_temp.id('bob'))),
    '42501: Joining the team would give these permissions to the acting principal, which does not hold them, or holds them only through a grant that ends (a share with an expiry, an open review): a principal adds itself, or a team it is in, to a team only when that gives it nothing it lacks.',
    'add_team_member: an admin holding share only by members_can_share joins no team whose grants give it');
SELECT is(pg_temp.refusal('bob', format('SELECT share_acl.add_team_member(%L, %L)', pg_temp.id('plain'), pg_temp.id('bob'))),
    'no error', '... a team whose grants give no share it joins as before');

-- members_can_share withholds the share that viewing gives (R11), not a
-- change_permissions someone granted: general access, which asks for
-- change_permissions (SPEC section 6), is still set by a member given it
SELECT pg_temp.act('alice');
SELECT pg_temp.set('members_can_share', 'false');
INSERT INTO ids VALUES ('PG', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('AG', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('PG')));
SELECT share_acl.share(pg_temp.id('PG'), pg_temp.id('carol'), 'editor,change_permissions');
SELECT is(pg_temp.refusal('carol', format('SELECT share_acl.share(%L, %L, %L)', pg_temp.id('PG'), pg_temp.id('bob'), 'viewer')),
    '42501: The workspace policy members_can_share (off) withholds it.',
    'members_can_share off: the member given change_permissions may not share');
SELECT is(pg_temp.refusal('carol', format('SELECT share_acl.set_general_access(%L, %L)', pg_temp.id('PG'), 'shared')),
    'no error', '... but sets general access shared, which asks change_permissions (SPEC section 6)');
SELECT ok(share_acl.has_access(pg_temp.id('bob'), pg_temp.id('AG'), 'edit'),
    '... and the admins then edit below it (R4), flags the member holds');

SELECT * FROM finish();
ROLLBACK;
