-- pgTAP: the management API of SPEC §6 for direct shares: share,
-- share_with_email, update_share, unshare; no escalation and the
-- allow_external_sharing policy.
--
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids.
BEGIN;
SELECT plan(117);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;

-- people: alice owns ws, bob admin, carol and dave members, gina guest,
-- vic viewer, olga a user without a role, ext an external guest
INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t22.test')),
    ('bob',   share_acl.create_user('bob@t22.test')),
    ('carol', share_acl.create_user('carol@t22.test')),
    ('dave',  share_acl.create_user('dave@t22.test')),
    ('gina',  share_acl.create_user('gina@t22.test')),
    ('vic',   share_acl.create_user('vic@t22.test')),
    ('olga',  share_acl.create_user('olga@t22.test'));
INSERT INTO share_acl.principal (kind, email) VALUES ('external', 'ext@t22.test');
INSERT INTO ids SELECT 'ext', id FROM share_acl.principal WHERE email = 'ext@t22.test';
INSERT INTO ids VALUES ('ws',  share_acl.create_workspace('t22', pg_temp.id('alice')));
INSERT INTO ids VALUES ('ws2', share_acl.create_workspace('t22 other', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bob'), 'admin');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('dave'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('gina'), 'guest');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('vic'), 'viewer');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('ext'), 'guest');
INSERT INTO ids VALUES ('team',  share_acl.create_team(pg_temp.id('ws'), 'Crew'));
INSERT INTO ids VALUES ('team2', share_acl.create_team(pg_temp.id('ws2'), 'Other crew'));
SELECT share_acl.add_team_member(pg_temp.id('team'), pg_temp.id('dave'));

SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO ids VALUES ('Q', share_acl.create_resource(pg_temp.id('ws'), 'project'));

-- --------------------------------------------------------------------- share
SELECT lives_ok($$INSERT INTO ids VALUES ('s_carol', share_acl.share(pg_temp.id('P'), pg_temp.id('carol'), 'editor'))$$,
    'share: the owner shares a project');
SELECT results_eq(
    $$SELECT resource_id, grantee_id, perms::text, allow_download, allow_comments, allow_approval,
             allow_contribution, expires_at, granted_by
        FROM share_acl.share WHERE id = pg_temp.id('s_carol')$$,
    $$SELECT pg_temp.id('P'), pg_temp.id('carol'), 'editor'::share_acl.permset::text, true, true, true, true,
             NULL::timestamptz, pg_temp.id('alice')$$,
    'share: the row, with the default options and the grantor');
SELECT ok(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'edit'),
    'share: the grantee edits what is inside');

SELECT pg_temp.act('carol');
SELECT lives_ok($$INSERT INTO ids VALUES ('s_dave', share_acl.share(pg_temp.id('P'), pg_temp.id('dave'), 'viewer'))$$,
    'share: a member re-shares what it may view (R11)');
SELECT is((SELECT granted_by FROM share_acl.share WHERE id = pg_temp.id('s_dave')), pg_temp.id('carol'),
    'share: granted_by is the acting principal');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('dave'), 'manager')$$, '42501',
    format('permission denied: share cannot grant "manage_members,change_permissions,manage_collections,resolve_comments" on resource %s', pg_temp.id('P')),
    'share: no escalation, the missing flags are named');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('dave'), 'editor,delete')$$, '42501',
    format('permission denied: share cannot grant "delete" on resource %s', pg_temp.id('P')),
    'share: no escalation for a single flag');
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('dave'), 'editor,delete', allow_contribution => false)$$,
    'share: what the toggles mask is not granted, so not escalation');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('dave'), 'viewer')$$, '42501',
    format('permission denied: share requires "share" on resource %s', pg_temp.id('Q')),
    'share: needs share on the resource');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('dave'), '')$$, '22023', NULL,
    'share: an empty permission set is 22023');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('dave'), 'download', allow_download => false)$$,
    '22023', NULL, 'share: a share that grants nothing after its toggles is 22023');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('dave'), 'viewer', now() - interval '1 minute')$$,
    '22023', NULL, 'share: an expiry in the past is 22023');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('carol'), 'viewer')$$,
    '22023', 'share: a principal cannot share with itself',
    'share: to oneself is 22023 (it would outlive what gives one access)');
SELECT throws_ok($$SELECT share_acl.share_with_email(pg_temp.id('P'), 'Carol@t22.test', 'viewer')$$,
    '22023', 'share_with_email: a principal cannot share with itself',
    'share_with_email: to one''s own e-mail is 22023');
SELECT lives_ok($$INSERT INTO ids VALUES ('s_exp', share_acl.share(pg_temp.id('P'), pg_temp.id('dave'), 'commenter', now() + interval '1 day'))$$,
    'share: with an expiry');
SELECT is((SELECT expires_at FROM share_acl.share WHERE id = pg_temp.id('s_exp')), now() + interval '1 day',
    'share: the expiry is stored');
-- 'infinity' is "never": stored as none, by share and by update_share (a
-- share with a stored infinity counted as one that ends)
INSERT INTO ids VALUES ('s_inf', share_acl.share(pg_temp.id('P'), pg_temp.id('olga'), 'viewer', 'infinity'));
SELECT is((SELECT expires_at FROM share_acl.share WHERE id = pg_temp.id('s_inf')), NULL,
    'share: expires_at infinity is stored as no expiry');
SELECT share_acl.update_share(pg_temp.id('s_inf'), expires_at => now() + interval '1 day');
SELECT share_acl.update_share(pg_temp.id('s_inf'), expires_at => 'infinity');
SELECT is((SELECT expires_at FROM share_acl.share WHERE id = pg_temp.id('s_inf')), NULL,
    'update_share: expires_at infinity is stored as no expiry');
SELECT share_acl.unshare(pg_temp.id('s_inf'));
SELECT throws_ok($$SELECT share_acl.share(gen_random_uuid(), pg_temp.id('dave'), 'viewer')$$, 'P0002', NULL,
    'share: unknown resource is P0002');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('P'), gen_random_uuid(), 'viewer')$$, 'P0002', NULL,
    'share: unknown grantee is P0002');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('dave'), NULL)$$, '22004', NULL,
    'share: NULL perms is 22004');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('dave'), 'viewer', allow_download => NULL)$$,
    '22004', NULL, 'share: a NULL option is 22004');

SELECT pg_temp.act('alice');
SELECT lives_ok($$INSERT INTO ids VALUES ('s_team', share_acl.share(pg_temp.id('P'), pg_temp.id('team'), 'commenter'))$$,
    'share: with a team of the workspace');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('team2'), 'viewer')$$, '22023', NULL,
    'share: not with a team of another workspace');
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('gina'), 'editor')$$,
    'share: with a guest');
SELECT pg_temp.act('gina');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('vic'), 'viewer')$$, '42501',
    format('permission denied: share requires "share" on resource %s', pg_temp.id('P')),
    'share: a guest cannot share (R9)');

-- members_can_share off: members lose R11
SELECT share_acl.set_principal(NULL);
UPDATE share_acl.workspace SET members_can_share = false WHERE id = pg_temp.id('ws');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('dave'), 'viewer')$$, '42501',
    format('permission denied: share requires "share" on resource %s', pg_temp.id('P')),
    'share: with members_can_share off an editor cannot share');
SELECT share_acl.set_principal(NULL);
UPDATE share_acl.workspace SET members_can_share = true WHERE id = pg_temp.id('ws');

-- ------------------------------------------------------ allow_external_sharing
SELECT pg_temp.act('alice');
SELECT lives_ok($$INSERT INTO ids VALUES ('s_olga', share_acl.share(pg_temp.id('P'), pg_temp.id('olga'), 'viewer'))$$,
    'share: with a user without a role while external sharing is allowed');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_external_sharing', 'false');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('olga'), 'viewer')$$, '42501',
    format('permission denied: the workspace policy allow_external_sharing forbids sharing with user %s with no role in the workspace', pg_temp.id('olga')),
    'allow_external_sharing off: no share with a principal without a role');
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('ext'), 'viewer')$$,
    'allow_external_sharing off: an external principal with a guest role is no outsider (R2): shared with');
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('vic'), 'viewer')$$,
    'allow_external_sharing off: a viewer (an internal user) is not an outsider');
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('dave'), 'viewer')$$,
    'allow_external_sharing off: members are still shared with');
SELECT ok(share_acl.has_access(pg_temp.id('olga'), pg_temp.id('A'), 'view'),
    'allow_external_sharing off: an existing share keeps working');
SELECT share_acl.set_principal(NULL);
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('olga'), 'viewer')$$, '42501', NULL,
    'allow_external_sharing off: applies to a trusted administrator too');

-- ---------------------------------------------------------- share_with_email
SELECT pg_temp.act('alice');
SELECT throws_ok($$SELECT share_acl.share_with_email(pg_temp.id('P'), 'new@t22.test', 'viewer')$$, '42501', NULL,
    'share_with_email: an unknown e-mail is refused while external sharing is off');
SELECT is((SELECT count(*)::int FROM share_acl.principal WHERE lower(email) = 'new@t22.test'), 0,
    'share_with_email: and no principal was created');
SELECT throws_ok($$SELECT share_acl.share_with_email(pg_temp.id('P'), 'OLGA@t22.test', 'viewer')$$, '42501', NULL,
    'share_with_email: a known outsider is refused while external sharing is off');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_external_sharing', 'true');
SELECT lives_ok($$INSERT INTO ids VALUES ('s_new', share_acl.share_with_email(pg_temp.id('P'), 'New.Person@t22.test', 'viewer'))$$,
    'share_with_email: an unknown e-mail');
INSERT INTO ids SELECT 'newp', grantee_id FROM share_acl.share WHERE id = pg_temp.id('s_new');
SELECT results_eq(
    $$SELECT kind::text, email FROM share_acl.principal WHERE id = pg_temp.id('newp')$$,
    $$VALUES ('external', 'New.Person@t22.test')$$,
    'share_with_email: creates an external principal');
SELECT is((SELECT role::text FROM share_acl.member WHERE workspace_id = pg_temp.id('ws') AND principal_id = pg_temp.id('newp')),
    'guest', 'share_with_email: with a guest role in the workspace');
SELECT ok(share_acl.has_access(pg_temp.id('newp'), pg_temp.id('A'), 'view'),
    'share_with_email: the new guest views the shared project');
SELECT lives_ok($$INSERT INTO ids VALUES ('s_again', share_acl.share_with_email(pg_temp.id('A'), 'new.person@T22.TEST', 'commenter'))$$,
    'share_with_email: the same e-mail in another case');
SELECT is((SELECT grantee_id FROM share_acl.share WHERE id = pg_temp.id('s_again')), pg_temp.id('newp'),
    'share_with_email: matches the existing principal case-insensitively');
SELECT lives_ok($$INSERT INTO ids VALUES ('s_carol2', share_acl.share_with_email(pg_temp.id('Q'), 'CAROL@t22.test', 'viewer'))$$,
    'share_with_email: a known user');
SELECT is((SELECT grantee_id FROM share_acl.share WHERE id = pg_temp.id('s_carol2')), pg_temp.id('carol'),
    'share_with_email: shares with the known user');
SELECT is((SELECT count(*)::int FROM share_acl.principal WHERE lower(email) = 'carol@t22.test'), 1,
    'share_with_email: no new principal for a known e-mail');
SELECT throws_ok($$SELECT share_acl.share_with_email(pg_temp.id('P'), 'no e-mail', 'viewer')$$, '22023', NULL,
    'share_with_email: a malformed e-mail is 22023');
SELECT throws_ok($$SELECT share_acl.share_with_email(pg_temp.id('P'), NULL, 'viewer')$$, '22004', NULL,
    'share_with_email: NULL e-mail is 22004');
SELECT throws_ok($$SELECT share_acl.share_with_email(gen_random_uuid(), 'x@t22.test', 'viewer')$$, 'P0002', NULL,
    'share_with_email: unknown resource is P0002');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.share_with_email(pg_temp.id('P'), 'someone@t22.test', 'full')$$, '42501', NULL,
    'share_with_email: no escalation');
SELECT pg_temp.act('gina');
SELECT throws_ok($$SELECT share_acl.share_with_email(pg_temp.id('P'), 'friend@t22.test', 'viewer')$$, '42501',
    format('permission denied: share_with_email requires "share" on resource %s', pg_temp.id('P')),
    'share_with_email: a guest cannot share');
SELECT is((SELECT count(*)::int FROM share_acl.principal WHERE lower(email) IN ('friend@t22.test', 'someone@t22.test')), 0,
    'share_with_email: refused calls create no principal');

-- -------------------------------------------------------------- update_share
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.update_share(pg_temp.id('s_carol'), expires_at => now() + interval '2 days')$$,
    'update_share: the grantor sets an expiry');
SELECT results_eq(
    $$SELECT perms::text, expires_at, allow_download FROM share_acl.share WHERE id = pg_temp.id('s_carol')$$,
    $$SELECT 'editor'::share_acl.permset::text, now() + interval '2 days', true$$,
    'update_share: options left out keep their values');
SELECT lives_ok($$SELECT share_acl.update_share(pg_temp.id('s_carol'), perms => 'commenter', allow_download => false)$$,
    'update_share: perms and a toggle');
SELECT results_eq(
    $$SELECT perms::text, expires_at, allow_download, allow_comments FROM share_acl.share WHERE id = pg_temp.id('s_carol')$$,
    $$SELECT 'commenter'::share_acl.permset::text, now() + interval '2 days', false, true$$,
    'update_share: changed perms and toggle, kept expiry');
SELECT lives_ok($$SELECT share_acl.update_share(pg_temp.id('s_carol'), clear_expiry => true)$$,
    'update_share: clear_expiry removes the expiry');
SELECT is((SELECT expires_at FROM share_acl.share WHERE id = pg_temp.id('s_carol')), NULL,
    'update_share: no expiry');
SELECT throws_ok($$SELECT share_acl.update_share(pg_temp.id('s_carol'), expires_at => now() + interval '1 day', clear_expiry => true)$$,
    '22023', NULL, 'update_share: expires_at and clear_expiry together is 22023');
SELECT throws_ok($$SELECT share_acl.update_share(pg_temp.id('s_carol'), expires_at => now() - interval '1 day')$$,
    '22023', NULL, 'update_share: an expiry in the past is 22023');
SELECT throws_ok($$SELECT share_acl.update_share(pg_temp.id('s_carol'), perms => '')$$,
    '22023', NULL, 'update_share: a share that grants nothing is 22023');
SELECT throws_ok($$SELECT share_acl.update_share(gen_random_uuid(), perms => 'viewer')$$, 'P0002', NULL,
    'update_share: unknown share is P0002');
SELECT throws_ok($$SELECT share_acl.update_share(NULL, perms => 'viewer')$$, '22004', NULL,
    'update_share: NULL share is 22004');
SELECT share_acl.update_share(pg_temp.id('s_carol'), perms => 'editor', allow_download => true);

SELECT pg_temp.act('dave');
SELECT throws_ok($$SELECT share_acl.update_share(pg_temp.id('s_carol'), perms => 'viewer')$$, '42501',
    format('permission denied: update_share requires "change_permissions" on resource %s or being the grantor of share %s',
           pg_temp.id('P'), pg_temp.id('s_carol')),
    'update_share: neither change_permissions nor the grantor');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.update_share(pg_temp.id('s_dave'), perms => 'manager')$$, '42501',
    format('permission denied: update_share cannot grant "manage_members,change_permissions,manage_collections,resolve_comments" on resource %s', pg_temp.id('P')),
    'update_share: no escalation by the grantor');
SELECT lives_ok($$INSERT INTO ids VALUES ('s_dave2', share_acl.share(pg_temp.id('P'), pg_temp.id('dave'), 'viewer', now() + interval '1 day'))$$,
    'carol shares with an expiry');

-- members may no longer share: widening a share made before is new sharing,
-- which needs "share" as share() does; narrowing stays free
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'members_can_share', 'false');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.update_share(pg_temp.id('s_dave2'), clear_expiry => true)$$, '42501',
    format('permission denied: update_share requires "share" on resource %s', pg_temp.id('P')),
    'update_share: a grantor who may no longer share (members_can_share off) cannot remove the expiry of a share it made');
SELECT throws_ok($$SELECT share_acl.update_share(pg_temp.id('s_dave2'), perms => 'commenter')$$, '42501',
    format('permission denied: update_share requires "share" on resource %s', pg_temp.id('P')),
    'update_share: nor add permissions to it, though it holds them');
SELECT lives_ok($$SELECT share_acl.update_share(pg_temp.id('s_dave2'), expires_at => now() + interval '20 hours')$$,
    'update_share: but may narrow it');
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'members_can_share', 'true');

-- carol loses her access: she may still narrow her own shares, not widen them
SELECT pg_temp.act('alice');
SELECT share_acl.unshare(pg_temp.id('s_carol'));
SELECT pg_temp.act('carol');
SELECT ok(NOT share_acl.has_access(pg_temp.id('carol'), pg_temp.id('P'), 'view'), 'carol no longer sees P');
SELECT lives_ok($$SELECT share_acl.update_share(pg_temp.id('s_dave'), perms => 'view_only')$$,
    'update_share: the grantor narrows a share without holding it any more');
SELECT throws_ok($$SELECT share_acl.update_share(pg_temp.id('s_dave'), perms => 'viewer')$$, '42501', NULL,
    'update_share: but cannot widen it again');
SELECT lives_ok($$SELECT share_acl.update_share(pg_temp.id('s_dave2'), expires_at => now() + interval '1 hour')$$,
    'update_share: the grantor shortens an expiry');
SELECT throws_ok($$SELECT share_acl.update_share(pg_temp.id('s_dave2'), expires_at => now() + interval '2 days')$$, '42501', NULL,
    'update_share: a later expiry widens the grant');

-- a grantee with change_permissions (manager) may narrow its own share, not
-- widen it: no escalation check would stop it (it holds the flags through
-- that very share), and the expiry its grantor set would not hold
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('Q_self', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('s_dave_q', share_acl.share(pg_temp.id('Q_self'), pg_temp.id('dave'), 'manager',
                                                    now() + interval '1 hour'));
SELECT pg_temp.act('dave');
SELECT throws_ok($$SELECT share_acl.update_share(pg_temp.id('s_dave_q'), clear_expiry => true)$$, '22023',
    'update_share: a principal cannot widen a share it receives',
    'update_share: the grantee cannot remove the expiry of its own share');
SELECT throws_ok($$SELECT share_acl.update_share(pg_temp.id('s_dave_q'), expires_at => now() + interval '1 year')$$,
    '22023', NULL, 'update_share: nor push it later');
SELECT throws_ok($$SELECT share_acl.update_share(pg_temp.id('s_dave_q'), perms => 'full')$$,
    '22023', NULL, 'update_share: nor add permissions to it');
SELECT lives_ok($$SELECT share_acl.update_share(pg_temp.id('s_dave_q'), perms => 'editor',
                                                expires_at => now() + interval '30 minutes')$$,
    'update_share: the grantee may narrow its own share');
SELECT results_eq($$SELECT perms::text, expires_at FROM share_acl.share WHERE id = pg_temp.id('s_dave_q')$$,
    $$SELECT 'editor'::share_acl.permset::text, now() + interval '30 minutes'$$,
    'update_share: the narrowed share, its expiry kept short');
-- nor through a team it is in: dave in team2_self, which gets manager on Q2
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('team_self', share_acl.create_team(pg_temp.id('ws'), 'Self crew'));
SELECT share_acl.add_team_member(pg_temp.id('team_self'), pg_temp.id('dave'));
INSERT INTO ids VALUES ('Q2_self', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('s_team_q2', share_acl.share(pg_temp.id('Q2_self'), pg_temp.id('team_self'), 'manager',
                                                     now() + interval '1 hour'));
SELECT pg_temp.act('dave');
SELECT throws_ok($$SELECT share_acl.update_share(pg_temp.id('s_team_q2'), clear_expiry => true)$$, '22023',
    'update_share: a principal cannot widen a share it receives',
    'update_share: a member of the grantee team cannot remove the share''s expiry');
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.update_share(pg_temp.id('s_team_q2'), clear_expiry => true)$$,
    'update_share: its grantor can');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.update_share(pg_temp.id('s_dave2'), clear_expiry => true)$$, '42501', NULL,
    'update_share: removing the expiry widens the grant');

-- ------------------------------------------------------------------ unshare
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('bob'), 'manager');
SELECT pg_temp.act('bob');
SELECT lives_ok($$SELECT share_acl.update_share(pg_temp.id('s_team'), perms => 'viewer')$$,
    'update_share: change_permissions on the resource suffices');
SELECT pg_temp.act('dave');
SELECT throws_ok($$SELECT share_acl.unshare(pg_temp.id('s_olga'))$$, '42501',
    format('permission denied: unshare requires "change_permissions" on resource %s or being the grantor of share %s',
           pg_temp.id('P'), pg_temp.id('s_olga')),
    'unshare: neither change_permissions nor the grantor');
INSERT INTO ids VALUES ('zed', share_acl.create_user('zed@t22.test'));
SELECT pg_temp.act('zed');
SELECT ok(NOT share_acl.has_access(pg_temp.id('zed'), pg_temp.id('P'), 'view'), 'zed (no role) cannot view P');
SELECT throws_ok($$SELECT share_acl.unshare(pg_temp.id('s_olga'))$$, '42501',
    format('permission denied: unshare requires "change_permissions" on the resource or being the grantor of share %s',
           pg_temp.id('s_olga')),
    'unshare by a principal who cannot view the resource: refused without naming the resource');
SELECT throws_ok($$SELECT share_acl.update_share(pg_temp.id('s_olga'), perms => 'viewer')$$, '42501',
    format('permission denied: update_share requires "change_permissions" on the resource or being the grantor of share %s',
           pg_temp.id('s_olga')),
    'update_share by a principal who cannot view the resource: refused without naming the resource');
SELECT pg_temp.act('carol');
SELECT lives_ok($$SELECT share_acl.unshare(pg_temp.id('s_dave'))$$, 'unshare: by the grantor');
SELECT is((SELECT count(*)::int FROM share_acl.share WHERE id = pg_temp.id('s_dave')), 0, 'unshare: the row is gone');
SELECT pg_temp.act('bob');
SELECT lives_ok($$SELECT share_acl.unshare(pg_temp.id('s_team'))$$, 'unshare: with change_permissions');
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.unshare(pg_temp.id('s_olga'))$$, 'unshare: the owner removes a share');
INSERT INTO ids VALUES ('s_carol_mgr', share_acl.share(pg_temp.id('P'), pg_temp.id('carol'), 'manager'));
SELECT pg_temp.act('carol');
SELECT ok(share_acl.has_access(pg_temp.id('P'), 'change_permissions'), 'carol manages P through her share');
SELECT lives_ok($$SELECT share_acl.unshare(pg_temp.id('s_carol_mgr'))$$,
    'unshare: a manager ends the share her change_permissions comes from, as she may change it');
SELECT ok(NOT share_acl.has_access(pg_temp.id('P'), 'change_permissions'), '... and no longer manages P');
SELECT pg_temp.act('alice');
SELECT ok(NOT share_acl.has_access(pg_temp.id('olga'), pg_temp.id('A'), 'view'),
    'unshare: denies at once');
SELECT throws_ok($$SELECT share_acl.unshare(pg_temp.id('s_olga'))$$, 'P0002', NULL, 'unshare: unknown share is P0002');
SELECT throws_ok($$SELECT share_acl.unshare(NULL)$$, '22004', NULL, 'unshare: NULL is 22004');

-- ------------------------------------------ as an INSERT statement writes rows
-- share and create_resource write their rows without a statement when the
-- table lets them: an administrator's statement and row triggers see them
-- as an INSERT statement's (BEFORE and AFTER, the transition table); a rule
-- makes them use the statement (the rule's action runs).
SELECT pg_temp.act('alice');
CREATE TABLE public.t22_seen (what text, id uuid);
CREATE FUNCTION public.t22_before_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.t22_seen VALUES (TG_TABLE_NAME || ' before statement', NULL); RETURN NULL; END $$;
CREATE FUNCTION public.t22_after_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.t22_seen SELECT TG_TABLE_NAME || ' after statement', n.id FROM new_rows n; RETURN NULL; END $$;
CREATE FUNCTION public.t22_before_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.t22_seen VALUES (TG_TABLE_NAME || ' before row', NEW.id); RETURN NEW; END $$;
CREATE TRIGGER t22_bs BEFORE INSERT ON share_acl.share FOR EACH STATEMENT EXECUTE FUNCTION public.t22_before_statement();
CREATE TRIGGER t22_as AFTER INSERT ON share_acl.share REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.t22_after_statement();
CREATE TRIGGER t22_br BEFORE INSERT ON share_acl.share FOR EACH ROW EXECUTE FUNCTION public.t22_before_row();
CREATE TRIGGER t22_bs BEFORE INSERT ON share_acl.resource FOR EACH STATEMENT EXECUTE FUNCTION public.t22_before_statement();
CREATE TRIGGER t22_as AFTER INSERT ON share_acl.resource REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.t22_after_statement();
INSERT INTO ids VALUES ('s_trig', share_acl.share(pg_temp.id('A'), pg_temp.id('vic'), 'viewer'));
SELECT results_eq($$SELECT what, id FROM public.t22_seen ORDER BY what$$,
    $$VALUES ('share after statement', pg_temp.id('s_trig')), ('share before row', pg_temp.id('s_trig')),
             ('share before statement', NULL::uuid)$$,
    'share: an administrator''s statement triggers (with a transition table) and row trigger on share see its row');
TRUNCATE public.t22_seen;
INSERT INTO ids VALUES ('A_trig', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
SELECT results_eq($$SELECT what, id FROM public.t22_seen ORDER BY what$$,
    $$VALUES ('resource after statement', pg_temp.id('A_trig')), ('resource before statement', NULL::uuid)$$,
    'create_resource: an administrator''s statement triggers on resource see its row');
SELECT ok(share_acl.has_access(pg_temp.id('vic'), pg_temp.id('A'), 'view'),
    'the share written so grants');
SELECT ok(share_acl.has_access(pg_temp.id('alice'), pg_temp.id('A_trig'), 'delete'),
    'and the engine sees the upload written so (its owner may delete it)');

-- the table's defaults and checks, planned once per backend for those
-- writes, follow its definition and the functions they call
CREATE FUNCTION public.t22_allowed(p share_acl.permset) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$ SELECT true $$;
ALTER TABLE share_acl.share ADD CONSTRAINT t22_check CHECK (public.t22_allowed(perms));
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('olga'), 'viewer')$$,
    'a share under a CHECK an administrator added');
CREATE OR REPLACE FUNCTION public.t22_allowed(p share_acl.permset) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$ SELECT false $$;
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('bob'), 'viewer')$$, '23514', NULL,
    'the CHECK''s function redefined: its new definition refuses the next share');
CREATE OR REPLACE FUNCTION public.t22_allowed(p share_acl.permset) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$ SELECT true $$;
ALTER TABLE share_acl.share ALTER COLUMN created_at SET DEFAULT '2001-02-03 04:05:06+00';
INSERT INTO ids VALUES ('s_def', share_acl.share(pg_temp.id('A'), pg_temp.id('bob'), 'viewer'));
SELECT is((SELECT created_at FROM share_acl.share WHERE id = pg_temp.id('s_def')), '2001-02-03 04:05:06+00'::timestamptz,
    'a default an administrator set applies to the next share');
ALTER TABLE share_acl.share ALTER COLUMN created_at SET DEFAULT now();
INSERT INTO ids VALUES ('s_now', share_acl.share(pg_temp.id('A'), pg_temp.id('carol'), 'viewer'));
SELECT is((SELECT created_at FROM share_acl.share WHERE id = pg_temp.id('s_now')), now(),
    'the default set back applies');
ALTER TABLE share_acl.share DROP CONSTRAINT t22_check;

-- unshare deletes as a DELETE statement: statement triggers with the old
-- row, and a BEFORE row trigger that keeps the row makes it "not exist"
CREATE FUNCTION public.t22_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.t22_seen SELECT TG_TABLE_NAME || ' deleted', o.id FROM old_rows o; RETURN NULL; END $$;
CREATE FUNCTION public.t22_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RETURN NULL; END $$;
CREATE TRIGGER t22_ad AFTER DELETE ON share_acl.share REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.t22_after_delete();
TRUNCATE public.t22_seen;
SELECT share_acl.unshare(pg_temp.id('s_now'));
SELECT results_eq($$SELECT what, id FROM public.t22_seen$$, $$VALUES ('share deleted', pg_temp.id('s_now'))$$,
    'unshare: an administrator''s statement trigger on share sees the deleted row');
CREATE TRIGGER t22_keep BEFORE DELETE ON share_acl.share FOR EACH ROW EXECUTE FUNCTION public.t22_keep();
SELECT throws_ok(format('SELECT share_acl.unshare(%L)', pg_temp.id('s_def')), 'P0002',
    format('share %s does not exist', pg_temp.id('s_def')),
    'unshare: a BEFORE DELETE row trigger that keeps the row leaves nothing deleted (as the statement)');
SELECT ok(EXISTS (SELECT 1 FROM share_acl.share WHERE id = pg_temp.id('s_def')), 'the share is still there');
DROP TRIGGER t22_keep ON share_acl.share;
DROP TRIGGER t22_ad ON share_acl.share;

-- a CHECK over the whole row, and one on tableoid, hold for every share
-- written so (the second in a backend as the first)
CREATE FUNCTION public.t22_row_ok(s share_acl.share) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$ SELECT (s).perms IS NOT NULL $$;
ALTER TABLE share_acl.share ADD CONSTRAINT t22_whole_row CHECK (public.t22_row_ok(share)),
                            ADD CONSTRAINT t22_tableoid CHECK (tableoid = 'share_acl.share'::regclass);
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('dave'), 'viewer')$$,
    'a share under CHECKs on the whole row and on tableoid');
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('gina'), 'commenter')$$,
    'and another in the same backend');
ALTER TABLE share_acl.share DROP CONSTRAINT t22_whole_row, DROP CONSTRAINT t22_tableoid;

-- a share's foreign keys are checked as its row is written (below the
-- executor, src/fk_check.c): a grantee that does not exist (an
-- administrator's BEFORE trigger puts one in) fails as PostgreSQL's own
-- check fails, and nothing is left behind
CREATE FUNCTION public.t22_ghost() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.grantee_id := '00000000-0000-0000-0000-00000000dead'; RETURN NEW; END $$;
CREATE TRIGGER t22_ghost BEFORE INSERT ON share_acl.share FOR EACH ROW EXECUTE FUNCTION public.t22_ghost();
SELECT pg_temp.act('alice');
SELECT throws_ok($$SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('vic'), 'viewer')$$, '23503',
    'insert or update on table "share" violates foreign key constraint "share_grantee_id_fkey"',
    'share: a grantee missing at the foreign key''s check is PostgreSQL''s violation');
SELECT is((SELECT count(*) FROM share_acl.share WHERE grantee_id = '00000000-0000-0000-0000-00000000dead'), 0::bigint,
    'no share of the missing grantee');
DROP TRIGGER t22_ghost ON share_acl.share;
SELECT lives_ok($$SELECT share_acl.share(pg_temp.id('Q'), pg_temp.id('vic'), 'viewer')$$,
    'the same share with its grantee goes in');

-- a table with children (inheritance) is written by the statement, which
-- reaches them
CREATE TABLE public.t22_child () INHERITS (share_acl.share);
INSERT INTO public.t22_child (resource_id, grantee_id, perms) VALUES (pg_temp.id('A'), pg_temp.id('vic'), 'viewer')
RETURNING id AS child_share \gset
SELECT lives_ok(format('SELECT share_acl.unshare(%L)', :'child_share'),
    'unshare of a share stored in a child table of share');
SELECT is((SELECT count(*) FROM public.t22_child), 0::bigint, 'the child''s row is gone');

TRUNCATE public.t22_seen;
CREATE RULE t22_rule AS ON INSERT TO share_acl.share DO ALSO INSERT INTO public.t22_seen VALUES ('rule', NEW.resource_id);
SELECT lives_ok($$INSERT INTO ids VALUES ('s_rule', share_acl.share(pg_temp.id('A'), pg_temp.id('gina'), 'viewer'))$$,
    'share on a table with a rule');
SELECT results_eq($$SELECT what, id FROM public.t22_seen WHERE what = 'rule'$$, $$VALUES ('rule', pg_temp.id('A'))$$,
    'a rule on share makes share use the INSERT statement: the rule''s action runs');


SELECT * FROM finish();
ROLLBACK;
